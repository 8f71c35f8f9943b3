// The git step kinds that work inside one repository: git.branch,
// git.worktree, git.commit, git.diff, git.reset, checked with the git CLI.
#include <doctest/doctest.h>

#include <ctime>

#include "support/scratch.hpp"
#include "support/test_step_context.hpp"
#include "tools/git/git_fixture.hpp"
#include "tools/git/git_kinds.hpp"

using namespace automata;
using namespace automata::engine;
using automata::test::read_file;
using automata::test::ScratchDir;
using automata::test::TestStepContext;
using namespace automata::test::git;

namespace {

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[16] = {};
  std::strftime(date, sizeof date, "%Y%m%d", &utc);
  return date;
}

}  // namespace

TEST_SUITE("git local steps") {

TEST_CASE("git.branch: feat/YYYYMMDD-<slug> from the title, made unique when taken, checked out") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  const std::string head = git(repo, "rev-parse HEAD");
  TestStepContext context(scratch, {{"repo", "work"}, {"title", "Fix the Login page!"}});
  auto result = tools::make_git_branch_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  const std::string name = "feat/" + today() + "-fix-the-login-page";
  CHECK(result.outputs == Value{{"name", name}, {"commit", head}, {"created", true}});
  CHECK(git(repo, "rev-parse --abbrev-ref HEAD") == name);

  git(repo, "checkout -q main");
  auto again = tools::make_git_branch_kind()->execute(context);
  REQUIRE_MESSAGE(again.succeeded, again.error);
  CHECK(again.outputs["name"] == name + "-2");
  CHECK(again.outputs["created"] == true);
  CHECK(git(repo, "branch --format='%(refname:short)'") == name + "\n" + name + "-2\nmain");
}

TEST_CASE("git.branch: an explicit name that exists is kept (created: false); a base; no checkout") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  const std::string first = git(repo, "rev-parse HEAD");
  scratch.write("work/a.txt", "a\n");
  git(repo, "add a.txt");
  git(repo, "commit -q -m second");
  git(repo, "branch topic " + first);
  TestStepContext context(scratch, {{"repo", "work"}, {"name", "topic"}, {"checkout", false}});
  auto kept = tools::make_git_branch_kind()->execute(context);
  REQUIRE_MESSAGE(kept.succeeded, kept.error);
  CHECK(kept.outputs == Value{{"name", "topic"}, {"commit", first}, {"created", false}});
  CHECK(git(repo, "rev-parse --abbrev-ref HEAD") == "main");

  context.set_params({{"repo", "work"}, {"name", "from-first"}, {"base", "HEAD~1"}});
  auto based = tools::make_git_branch_kind()->execute(context);
  REQUIRE_MESSAGE(based.succeeded, based.error);
  CHECK(based.outputs == Value{{"name", "from-first"}, {"commit", first}, {"created", true}});
  CHECK(git(repo, "rev-parse --abbrev-ref HEAD") == "from-first");
  CHECK_FALSE(std::filesystem::exists(repo / "a.txt"));
}

TEST_CASE("git.branch: needs a name or a title; refuses an invalid name") {
  ScratchDir scratch;
  make_clone(scratch, make_origin(scratch), "work");
  TestStepContext context(scratch, {{"repo", "work"}});
  auto nameless = tools::make_git_branch_kind()->execute(context);
  CHECK(nameless.error == "git.branch: give the branch a name, or a title to name it from");
  CHECK_FALSE(nameless.retryable);
  context.set_params({{"repo", "work"}, {"name", "bad..name"}});
  CHECK(tools::make_git_branch_kind()->execute(context).error == "git.branch: 'bad..name' is not a valid branch name");
  context.set_params({{"repo", "missing"}, {"name", "x"}});
  CHECK(tools::make_git_branch_kind()->execute(context).error.rfind(
            "git.branch: cannot open the repository " + (scratch / "missing").string() + ": ", 0) == 0);
}

TEST_CASE("git.worktree: add under the run directory, then remove (the compensation), twice") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  const std::string head = git(repo, "rev-parse HEAD");
  TestStepContext context(scratch, {{"repo", "work"}});
  auto added = tools::make_git_worktree_kind()->execute(context);
  REQUIRE_MESSAGE(added.succeeded, added.error);
  const auto path = scratch / "worktrees" / "step";
  CHECK(added.outputs ==
        Value{{"path", path.string()}, {"branch", "wt/step"}, {"name", "step"}, {"commit", head}, {"created", true}});
  CHECK(read_file(path / "README.md") == "hello\n");
  CHECK(git(path, "rev-parse --abbrev-ref HEAD") == "wt/step");
  CHECK(git(repo, "worktree list --porcelain").find("worktree " + path.string() + "\n") != std::string::npos);
  auto retried = tools::make_git_worktree_kind()->execute(context);  // a retry finds it there
  REQUIRE_MESSAGE(retried.succeeded, retried.error);
  CHECK(retried.outputs["created"] == false);
  CHECK(retried.outputs["path"] == path.string());

  context.set_params({{"repo", "work"}, {"action", "remove"}, {"delete_branch", true}});
  auto removed = tools::make_git_worktree_kind()->execute(context);
  REQUIRE_MESSAGE(removed.succeeded, removed.error);
  CHECK(removed.outputs == Value{{"path", path.string()}, {"removed", true}, {"branch_deleted", true}, {"kept", nullptr}});
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(git(repo, "worktree list --porcelain").find(path.string()) == std::string::npos);
  CHECK(git(repo, "branch --format='%(refname:short)'") == "main");

  auto again = tools::make_git_worktree_kind()->execute(context);
  REQUIRE_MESSAGE(again.succeeded, again.error);
  CHECK(again.outputs == Value{{"path", path.string()}, {"removed", false}, {"branch_deleted", false}, {"kept", nullptr}});
}

TEST_CASE("git.worktree: remove with keep_if_changed keeps a worktree that holds work, and drops one that does not") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  const std::string head = git(repo, "rev-parse HEAD");
  const auto path = scratch / "worktrees" / "step";
  const Value remove = {{"repo", "work"}, {"action", "remove"}, {"delete_branch", true}, {"keep_if_changed", true},
                        {"base", head}};
  const auto add_then_remove = [&](const std::function<void()>& work) {
    TestStepContext context(scratch, {{"repo", "work"}});
    auto added = tools::make_git_worktree_kind()->execute(context);
    REQUIRE_MESSAGE(added.succeeded, added.error);
    work();
    context.set_params(remove);
    auto removed = tools::make_git_worktree_kind()->execute(context);
    REQUIRE_MESSAGE(removed.succeeded, removed.error);
    return removed.outputs;
  };
  // Untouched: removed, with its branch.
  CHECK(add_then_remove([] {}) ==
        Value{{"path", path.string()}, {"removed", true}, {"branch_deleted", true}, {"kept", nullptr}});
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(git(repo, "branch --format='%(refname:short)'") == "main");
  // A file written (untracked): kept.
  auto kept = add_then_remove([&] { scratch.write("worktrees/step/new.txt", "x\n"); });
  CHECK(kept["removed"] == false);
  CHECK(kept["branch_deleted"] == false);
  CHECK(kept["kept"] == "1 file changed or untracked in " + path.string());
  CHECK(std::filesystem::exists(path / "new.txt"));
  // Committed: the branch moved past base, kept even with a clean tree.
  git(path, "add new.txt");
  git(path, "-c user.name=t -c user.email=t@e commit -q -m new");
  TestStepContext context(scratch, remove);
  auto committed = tools::make_git_worktree_kind()->execute(context);
  REQUIRE_MESSAGE(committed.succeeded, committed.error);
  CHECK(committed.outputs["kept"] == "branch wt/step has commits since " + head.substr(0, 12));
  CHECK(git(repo, "branch --format='%(refname:short)'") == "main\nwt/step");
}

TEST_CASE("git.worktree: a given path and an existing branch; another branch at a taken path is refused") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  git(repo, "branch feature");
  TestStepContext context(scratch, {{"repo", "work"}, {"path", "trees/Feature One"}, {"branch", "feature"}});
  auto added = tools::make_git_worktree_kind()->execute(context);
  REQUIRE_MESSAGE(added.succeeded, added.error);
  CHECK(added.outputs["name"] == "feature-one");
  CHECK(git(scratch / "trees" / "Feature One", "rev-parse --abbrev-ref HEAD") == "feature");
  context.set_params({{"repo", "work"}, {"path", "trees/Feature One"}, {"branch", "other"}});
  auto taken = tools::make_git_worktree_kind()->execute(context);
  CHECK(taken.error.rfind("git.worktree: cannot add a worktree at " + (scratch / "trees" / "Feature One").string() +
                              " for other: ",
                          0) == 0);
  CHECK(git(repo, "branch --list other") == "");  // the branch made for it is gone again
}

TEST_CASE("git.commit: every change (added, modified, deleted), author from the inputs; then nothing to commit") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  scratch.write("work/README.md", "hello again\n");
  scratch.write("work/src/new.txt", "new\n");
  git(repo, "rm -q --cached README.md");  // staged deletion, file still there: must come back
  scratch.write("work/gone.txt", "x\n");
  git(repo, "add gone.txt");
  git(repo, "commit -q -m 'add gone'");
  std::filesystem::remove(repo / "gone.txt");
  TestStepContext context(
      scratch,
      {{"repo", "work"}, {"message", "Do things\n\nBody."}, {"author_name", "Bot"}, {"author_email", "bot@x"}});
  auto result = tools::make_git_commit_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["commit"] == git(repo, "rev-parse HEAD"));
  CHECK(result.outputs["changed"] == true);
  CHECK(result.outputs["files"] == Value({"README.md", "gone.txt", "src/new.txt"}));
  CHECK(git(repo, "log -1 --format='%an <%ae>|%s|%b'") == "Bot <bot@x>|Do things|Body.");
  CHECK(git(repo, "status --porcelain") == "");

  auto empty = tools::make_git_commit_kind()->execute(context);
  REQUIRE_MESSAGE(empty.succeeded, empty.error);
  CHECK(empty.outputs == Value{{"commit", result.outputs["commit"]}, {"changed", false}, {"files", Value::array()}});
  CHECK(git(repo, "rev-list --count HEAD") == "3");
}

TEST_CASE("git.commit: only the listed paths; author from the git config; allow_empty") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  scratch.write("work/a.txt", "a\n");
  scratch.write("work/b.txt", "b\n");
  TestStepContext context(scratch, {{"repo", "work"}, {"message", "only a"}, {"paths", Value({"a.txt"})}});
  auto result = tools::make_git_commit_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["files"] == Value({"a.txt"}));
  CHECK(git(repo, "log -1 --format='%an <%ae>'") == "Ana Dev <ana@example.com>");
  CHECK(git(repo, "status --porcelain") == "?? b.txt");

  context.set_params({{"repo", "work"}, {"message", "marker"}, {"paths", Value({"a.txt"})}, {"allow_empty", true}});
  auto marker = tools::make_git_commit_kind()->execute(context);
  REQUIRE_MESSAGE(marker.succeeded, marker.error);
  CHECK(marker.outputs["changed"] == true);
  CHECK(marker.outputs["files"] == Value::array());
  CHECK(git(repo, "log -1 --format=%s") == "marker");
}

TEST_CASE("git.diff: files, stat and patch of the working tree against HEAD, as git prints them") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  scratch.write("work/README.md", "hello\nworld\n");
  scratch.write("work/notes.txt", "one\ntwo\n");
  TestStepContext context(scratch, {{"repo", "work"}});
  auto result = tools::make_git_diff_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["changed"] == true);
  CHECK(result.outputs["files"] ==
        Value({{{"path", "README.md"}, {"status", "modified"}, {"insertions", 1}, {"deletions", 0}},
               {{"path", "notes.txt"}, {"status", "added"}, {"insertions", 2}, {"deletions", 0}}}));
  CHECK(result.outputs["insertions"] == 3);
  CHECK(result.outputs["deletions"] == 0);
  git(repo, "add -N notes.txt");  // so git shows the untracked file as the kind does
  CHECK(result.outputs["stat"] == git(repo, "diff --stat HEAD") + "\n");
  CHECK(result.outputs["patch"] == git(repo, "diff HEAD") + "\n");
  const std::string readme_blob = git(repo, "rev-parse --short HEAD:README.md");
  const std::string new_blob = git(repo, "hash-object README.md").substr(0, 7);
  CHECK(result.outputs["patch"].get<std::string>().rfind("diff --git a/README.md b/README.md\nindex " + readme_blob +
                                                             ".." + new_blob + " 100644\n--- a/README.md\n+++ "
                                                             "b/README.md\n@@ -1 +1,2 @@\n hello\n+world\n",
                                                         0) == 0);
  CHECK(result.outputs["stat"] ==
        " README.md | 1 +\n notes.txt | 2 ++\n 2 files changed, 3 insertions(+)\n");
}

TEST_CASE("git.diff: a renamed file is a rename, as git shows it") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  scratch.write("work/notes.txt", "one\ntwo\nthree\nfour\nfive\n");
  git(repo, "add notes.txt");
  git(repo, "commit -q -m notes");
  git(repo, "mv notes.txt journal.txt");
  TestStepContext context(scratch, {{"repo", "work"}});
  auto result = tools::make_git_diff_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  REQUIRE(result.outputs["files"].size() == 1);
  CHECK(result.outputs["files"][0]["status"] == "renamed");
  CHECK(result.outputs["stat"] == git(repo, "diff --stat HEAD") + "\n");
}

TEST_CASE("git.diff: between commits, against a merge base, nothing changed") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  git(repo, "checkout -q -b topic");
  scratch.write("work/README.md", "bye\n");
  git(repo, "commit -q -am change");
  git(repo, "checkout -q main");
  scratch.write("work/main.txt", "m\n");
  git(repo, "add main.txt");
  git(repo, "commit -q -m main-only");
  git(repo, "checkout -q topic");

  TestStepContext context(scratch, {{"repo", "work"}, {"base", "main"}, {"head", "topic"}});
  auto direct = tools::make_git_diff_kind()->execute(context);
  REQUIRE_MESSAGE(direct.succeeded, direct.error);
  CHECK(direct.outputs["stat"] == git(repo, "diff --stat main topic") + "\n");
  CHECK(direct.outputs["files"].size() == 2);

  context.set_params({{"repo", "work"}, {"base", "main"}, {"merge_base", true}});
  auto since_fork = tools::make_git_diff_kind()->execute(context);
  REQUIRE_MESSAGE(since_fork.succeeded, since_fork.error);
  CHECK(since_fork.outputs["patch"] == git(repo, "diff main...topic") + "\n");
  CHECK(since_fork.outputs["files"] ==
        Value({{{"path", "README.md"}, {"status", "modified"}, {"insertions", 1}, {"deletions", 1}}}));

  context.set_params({{"repo", "work"}});
  auto clean = tools::make_git_diff_kind()->execute(context);
  REQUIRE_MESSAGE(clean.succeeded, clean.error);
  CHECK(clean.outputs == Value{{"changed", false},
                               {"files", Value::array()},
                               {"insertions", 0},
                               {"deletions", 0},
                               {"stat", ""},
                               {"patch", ""},
                               {"patch_truncated", false}});
}

TEST_CASE("git.reset: hard to an earlier commit (a rollback), soft keeps the files") {
  ScratchDir scratch;
  const auto repo = make_clone(scratch, make_origin(scratch), "work");
  const std::string first = git(repo, "rev-parse HEAD");
  scratch.write("work/README.md", "changed\n");
  git(repo, "commit -q -am second");
  const std::string second = git(repo, "rev-parse HEAD");
  scratch.write("work/README.md", "dirty\n");

  TestStepContext context(scratch, {{"repo", "work"}, {"to", "HEAD~1"}, {"mode", "soft"}});
  auto soft = tools::make_git_reset_kind()->execute(context);
  REQUIRE_MESSAGE(soft.succeeded, soft.error);
  CHECK(soft.outputs == Value{{"commit", first}, {"previous", second}});
  CHECK(read_file(repo / "README.md") == "dirty\n");

  context.set_params({{"repo", "work"}, {"to", second}});
  auto hard = tools::make_git_reset_kind()->execute(context);
  REQUIRE_MESSAGE(hard.succeeded, hard.error);
  CHECK(git(repo, "rev-parse HEAD") == second);
  CHECK(read_file(repo / "README.md") == "changed\n");
  CHECK(git(repo, "status --porcelain") == "");

  context.set_params({{"repo", "work"}, {"to", "nope"}});
  auto unknown = tools::make_git_reset_kind()->execute(context);
  CHECK(unknown.error.rfind("git.reset: unknown revision 'nope': ", 0) == 0);
  CHECK_FALSE(unknown.retryable);
}

}  // TEST_SUITE
