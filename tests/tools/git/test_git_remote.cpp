// The git step kinds that talk to a remote, over file:// to a bare
// repository: git.clone, git.push, git.delete_branch; dry runs, leases,
// cancellation, and secrets kept out of every output and .git/config.
#include <doctest/doctest.h>
#include <git2.h>

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

// The remote's commit for a branch, "" if it has none.
std::string remote_ref(const Origin& origin, const std::string& branch) {
  const std::string line = git(origin.bare, "ls-remote " + origin.url + " refs/heads/" + branch);
  return line.substr(0, line.find('\t'));
}

void commit_file(const ScratchDir& scratch, const std::filesystem::path& repo, const std::string& name,
                 const std::string& content) {
  scratch.write((repo / name).lexically_relative(scratch.path()).string(), content);
  git(repo, "add " + name);
  git(repo, "commit -q -m 'change " + name + "'");
}

}  // namespace

TEST_SUITE("git remote steps") {

TEST_CASE("git.clone: a file url; outputs path, commit and branch; a chosen branch") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  git(scratch / "seed", "checkout -q -b other");
  commit_file(scratch, scratch / "seed", "other.txt", "o\n");
  git(scratch / "seed", "push -q " + origin.url + " other");
  TestStepContext context(scratch, {{"url", origin.url}});
  auto result = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"path", (scratch / "remote").string()},
                                {"commit", git(origin.bare, "rev-parse main")},
                                {"branch", "main"}});
  CHECK(git(scratch / "remote", "config remote.origin.url") == origin.url);
  CHECK(read_file(scratch / "remote" / "README.md") == "hello\n");
  CHECK(context.heartbeats().front() == "cloning " + origin.url);

  context.set_params({{"url", origin.url}, {"path", "sub/other"}, {"branch", "other"}, {"depth", 1}});
  auto branch = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(branch.succeeded, branch.error);
  CHECK(branch.outputs == Value{{"path", (scratch / "sub" / "other").string()},
                                {"commit", git(origin.bare, "rev-parse other")},
                                {"branch", "other"}});
  CHECK(git(scratch / "sub" / "other", "rev-parse --abbrev-ref HEAD") == "other");
  CHECK(context.err() ==
        "git.clone: depth 1 ignored: libgit2 " LIBGIT2_VERSION " cannot fetch a shallow history; cloning all of it\n");

  context.set_params({{"url", origin.url}, {"path", "missing"}, {"branch", "nope"}});
  auto no_branch = tools::make_git_clone_kind()->execute(context);
  CHECK(no_branch.error == "git.clone: " + origin.url + " has no branch 'nope'");
  CHECK_FALSE(no_branch.retryable);

  context.set_params({{"url", origin.url}, {"path", "sub/other"}});
  auto again = tools::make_git_clone_kind()->execute(context);
  CHECK(again.error.rfind("git.clone: cannot clone " + origin.url + " into " + (scratch / "sub" / "other").string() +
                              ": ",
                          0) == 0);
}

TEST_CASE("git.clone: a remote whose HEAD names a missing branch: a clear error, or the branch asked for") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  git(origin.bare, "symbolic-ref HEAD refs/heads/master");  // as `git init --bare` leaves it on some systems
  TestStepContext context(scratch, {{"url", origin.url}, {"path", "work"}});
  auto refused = tools::make_git_clone_kind()->execute(context);
  CHECK_FALSE(refused.succeeded);
  CHECK_FALSE(refused.retryable);
  CHECK(refused.error == "git.clone: " + origin.url +
                             " has no default branch (its HEAD names a branch that does not exist); give `branch:` "
                             "one of main");
  CHECK_FALSE(std::filesystem::exists(scratch / "work"));  // nothing left behind for a retry to trip over

  context.set_params({{"url", origin.url}, {"path", "work"}, {"branch", "main"}});
  auto cloned = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(cloned.succeeded, cloned.error);
  CHECK(cloned.outputs["branch"] == "main");
  CHECK(cloned.outputs["commit"] == git(origin.bare, "rev-parse main"));
  CHECK(git(scratch / "work", "rev-parse --abbrev-ref main@{upstream}") == "origin/main");
  CHECK(git(scratch / "work", "status --porcelain") == "");

  context.set_params({{"url", origin.url}, {"path", "other"}, {"branch", "nope"}});
  auto missing = tools::make_git_clone_kind()->execute(context);
  CHECK(missing.error == "git.clone: " + origin.url + " has no branch 'nope'");
  CHECK_FALSE(std::filesystem::exists(scratch / "other"));
}

TEST_CASE("git.clone: a url with a password in it is refused, and the password shown nowhere") {
  ScratchDir scratch;
  TestStepContext context(scratch, {{"url", "https://bot:s3cret-pw@127.0.0.1:1/repo.git"}});
  context.add_secret("s3cret-pw");
  auto result = tools::make_git_clone_kind()->execute(context);
  CHECK(result.error ==
        "git.clone: the url carries a password; give it as `password` or `token` from a secret instead");
  CHECK_FALSE(result.retryable);
  CHECK(context.out().find("s3cret") == std::string::npos);
  for (const auto& beat : context.heartbeats()) {
    CHECK(beat.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("git.clone: a cancelled step stops the transfer") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  TestStepContext context(scratch, {{"url", origin.url}, {"path", "cancelled"}});
  context.cancel().cancel();
  auto result = tools::make_git_clone_kind()->execute(context);
  CHECK_FALSE(result.succeeded);
  CHECK(result.cancelled);
  CHECK(result.error == "cancelled");
}

TEST_CASE("git.clone: a token_env naming a variable the step does not have; an ssh_key that is not there") {
  ScratchDir scratch;
  TestStepContext context(scratch, {{"url", "https://127.0.0.1:1/repo.git"}, {"token_env", "GIT_TOKEN"}});
  auto result = tools::make_git_clone_kind()->execute(context);
  CHECK(result.error == "git.clone: token_env names GIT_TOKEN, which is not set in the step environment");
  CHECK_FALSE(result.retryable);
  context.set_params({{"url", "ssh://git@127.0.0.1:1/repo.git"}, {"ssh_key", "keys/id"}});
  CHECK(tools::make_git_clone_kind()->execute(context).error ==
        "git.clone: ssh_key " + (scratch / "keys" / "id").string() + " is not a file");
}

TEST_CASE("git.push: the current branch to origin; the remote-tracking ref follows; nothing of the token stored") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  const auto repo = make_clone(scratch, origin, "work");
  git(repo, "checkout -q -b feat/x");
  commit_file(scratch, repo, "x.txt", "x\n");
  const std::string head = git(repo, "rev-parse HEAD");
  TestStepContext context(scratch, {{"repo", "work"}, {"token", "tok-123456"}});
  context.add_secret("tok-123456");
  auto result = tools::make_git_push_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"remote", origin.url}, {"ref", "refs/heads/feat/x"}, {"commit", head}});
  CHECK(remote_ref(origin, "feat/x") == head);
  CHECK(git(repo, "rev-parse refs/remotes/origin/feat/x") == head);
  CHECK(read_file(repo / ".git" / "config").find("tok-123456") == std::string::npos);
  CHECK(result.outputs.dump().find("tok-123456") == std::string::npos);
}

TEST_CASE("git.push: to another branch name, by url; a non-fast-forward is refused without force") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  const auto repo = make_clone(scratch, origin, "work");
  commit_file(scratch, repo, "a.txt", "a\n");
  TestStepContext context(scratch, {{"repo", "work"}, {"remote", origin.url}, {"remote_branch", "review"}});
  auto result = tools::make_git_push_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(remote_ref(origin, "review") == git(repo, "rev-parse HEAD"));

  git(repo, "reset -q --hard HEAD~1");
  commit_file(scratch, repo, "b.txt", "b\n");
  auto refused = tools::make_git_push_kind()->execute(context);
  CHECK(refused.error == "git.push: " + origin.url +
                             " has commits that main does not (not a fast-forward): integrate them, or push with "
                             "force_with_lease");
  CHECK_FALSE(refused.retryable);
}

TEST_CASE("git.push: force_with_lease replaces a branch still where we saw it, and refuses one that moved") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  const auto repo = make_clone(scratch, origin, "work");
  git(repo, "checkout -q -b feat/y");
  commit_file(scratch, repo, "y.txt", "1\n");
  TestStepContext context(scratch, {{"repo", "work"}});
  REQUIRE(tools::make_git_push_kind()->execute(context).succeeded);

  // Rewrite our branch: a plain push is refused, a lease push goes through.
  git(repo, "commit -q --amend -m rewritten");
  const std::string rewritten = git(repo, "rev-parse HEAD");
  context.set_params({{"repo", "work"}, {"force_with_lease", true}});
  auto forced = tools::make_git_push_kind()->execute(context);
  REQUIRE_MESSAGE(forced.succeeded, forced.error);
  CHECK(remote_ref(origin, "feat/y") == rewritten);

  // Someone else pushes; our lease (the tracking ref) is now stale.
  const auto other = make_clone(scratch, origin, "other");
  git(other, "checkout -q feat/y");
  commit_file(scratch, other, "theirs.txt", "t\n");
  git(other, "push -q origin feat/y");
  const std::string theirs = git(other, "rev-parse HEAD");
  git(repo, "commit -q --amend -m 'rewritten again'");
  auto refused = tools::make_git_push_kind()->execute(context);
  CHECK(refused.error == "git.push: refusing to force feat/y: " + origin.url + " has " + theirs.substr(0, 7) +
                             ", expected " + rewritten.substr(0, 7) +
                             " (it moved since it was fetched: fetch, check and push again)");
  CHECK_FALSE(refused.retryable);
  CHECK(remote_ref(origin, "feat/y") == theirs);

  // An explicit expectation that matches lets it through.
  context.set_params({{"repo", "work"}, {"force_with_lease", true}, {"expect", theirs}});
  auto explicit_lease = tools::make_git_push_kind()->execute(context);
  REQUIRE_MESSAGE(explicit_lease.succeeded, explicit_lease.error);
  CHECK(remote_ref(origin, "feat/y") == git(repo, "rev-parse HEAD"));
}

TEST_CASE("git.push: dry run prints what it would push and pushes nothing") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  const auto repo = make_clone(scratch, origin, "work");
  git(repo, "checkout -q -b feat/z");
  commit_file(scratch, repo, "z.txt", "z\n");
  const std::string head = git(repo, "rev-parse HEAD");
  TestStepContext context(scratch, {{"repo", "work"}, {"force_with_lease", true}});
  context.set_dry_run(true);
  auto result = tools::make_git_push_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs ==
        Value{{"remote", origin.url}, {"ref", "refs/heads/feat/z"}, {"commit", head}, {"dry_run", true}});
  CHECK(context.out() == "dry run: would push " + head.substr(0, 7) + " to " + origin.url +
                             " as refs/heads/feat/z (force-with-lease, expecting nothing)\n");
  CHECK(remote_ref(origin, "feat/z") == "");

  TestStepContext by_param(scratch, {{"repo", "work"}, {"dry_run", true}});
  auto param = tools::make_git_push_kind()->execute(by_param);
  CHECK(param.outputs["dry_run"] == true);
  CHECK(remote_ref(origin, "feat/z") == "");
}

TEST_CASE("git.push: no such remote, no such branch, a detached HEAD") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  const auto repo = make_clone(scratch, origin, "work");
  TestStepContext context(scratch, {{"repo", "work"}, {"remote", "upstream"}});
  CHECK(tools::make_git_push_kind()->execute(context).error ==
        "git.push: the repository has no remote named 'upstream'");
  context.set_params({{"repo", "work"}, {"branch", "nope"}});
  CHECK(tools::make_git_push_kind()->execute(context).error == "git.push: no local branch 'nope'");
  git(repo, "checkout -q --detach");
  context.set_params({{"repo", "work"}});
  CHECK(tools::make_git_push_kind()->execute(context).error == "git.push: HEAD is detached: give the branch to push");
}

TEST_CASE("git.delete_branch: local and on the remote; again is not an error; dry run deletes nothing") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  const auto repo = make_clone(scratch, origin, "work");
  git(repo, "branch old");
  git(repo, "push -q origin old");
  git(repo, "branch keep");
  git(repo, "push -q origin keep");

  TestStepContext dry(scratch, {{"repo", "work"}, {"name", "keep"}, {"remote", "origin"}, {"dry_run", true}});
  auto dry_result = tools::make_git_delete_branch_kind()->execute(dry);
  REQUIRE_MESSAGE(dry_result.succeeded, dry_result.error);
  CHECK(dry.out() == "dry run: would delete the local branch keep\ndry run: would delete refs/heads/keep on " +
                         origin.url + "\n");
  CHECK(remote_ref(origin, "keep") != "");
  CHECK(git(repo, "branch --list keep") == "  keep");

  TestStepContext context(scratch, {{"repo", "work"}, {"name", "old"}, {"remote", "origin"}});
  auto result = tools::make_git_delete_branch_kind()->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"name", "old"}, {"local_deleted", true}, {"remote_deleted", true}});
  CHECK(remote_ref(origin, "old") == "");
  CHECK(git(repo, "branch --list old") == "");
  CHECK(git(repo, "branch -r --list origin/old") == "");

  auto again = tools::make_git_delete_branch_kind()->execute(context);
  REQUIRE_MESSAGE(again.succeeded, again.error);
  CHECK(again.outputs == Value{{"name", "old"}, {"local_deleted", false}, {"remote_deleted", false}});

  context.set_params({{"repo", "work"}, {"name", "main"}});
  CHECK(tools::make_git_delete_branch_kind()->execute(context).error ==
        "git.delete_branch: main is checked out: switch to another branch first");
  // Refused before anything is deleted, on the remote too.
  context.set_params({{"repo", "work"}, {"name", "main"}, {"remote", "origin"}});
  CHECK(tools::make_git_delete_branch_kind()->execute(context).error ==
        "git.delete_branch: main is checked out: switch to another branch first");
  CHECK(remote_ref(origin, "main") != "");
}

TEST_CASE("git.clone: a secret in the url as its user name (a token) is refused, and shown nowhere") {
  ScratchDir scratch;
  const auto origin = make_origin(scratch);
  const std::string token = "ghp_secret0123456789";
  const std::string url = "https://" + token + "@127.0.0.1:9/acme/app.git";
  TestStepContext context(scratch, {{"url", url}, {"path", "work"}});
  context.add_secret(token);
  auto result = tools::make_git_clone_kind()->execute(context);
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error ==
        "git.clone: the url https://***@127.0.0.1:9/acme/app.git carries a secret; give it as `token` or `password` "
        "instead");
  CHECK(context.out().find(token) == std::string::npos);
  CHECK(context.err().find(token) == std::string::npos);
}

}  // TEST_SUITE
