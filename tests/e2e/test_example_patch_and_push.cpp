// workflows/examples/patch-and-push.yaml end to end through the real binary:
// clone a bare remote over file://, branch, fs.patch, commit, push; the
// result checked with the git command.
#include <doctest/doctest.h>

#include "e2e/e2e_support.hpp"
#include "tools/git/git_fixture.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;
namespace fixture = automata::test::git;

namespace {

// A bare remote whose main branch holds README.md "Hello, world\n".
std::string make_remote(const Project& project) {
  const auto seed = project.dir() / "seed";
  std::filesystem::create_directories(seed);
  fixture::git(seed, "init -q -b main");
  project.write("seed/README.md", "Hello, world\n");
  fixture::git(seed, "add README.md");
  fixture::git(seed, "commit -q -m 'first commit'");
  fixture::git(project.dir().path(), "clone -q --bare seed remote.git");
  return "file://" + (project.dir() / "remote.git").string();
}

const std::filesystem::path k_example = source_dir() / "workflows/examples/patch-and-push.yaml";

}  // namespace

TEST_SUITE("e2e example") {
  TEST_CASE("patch-and-push clones, branches, patches, commits and pushes to a bare remote") {
    Project project;
    const std::string url = make_remote(project);
    const auto remote = project.dir() / "remote.git";
    const auto result = project.run({"--output", "json", "run", k_example.string(), "-i", "repository=" + url});
    INFO(result.out);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);

    // The branch is on the remote, one commit above main, with the edit.
    const std::string branch = fixture::git(remote, "for-each-ref --format='%(refname:short)' refs/heads/feat/");
    CHECK(branch.rfind("feat/", 0) == 0);
    CHECK(branch.find("-greet-automata") != std::string::npos);
    CHECK(fixture::git(remote, "log --format=%s main.." + branch) == "Greet automata");
    CHECK(fixture::git(remote, "log -1 --format='%an <%ae>' " + branch) == "automata <automata@example.invalid>");
    CHECK(fixture::git(remote, "show " + branch + ":README.md") == "Hello, automata");
    CHECK(fixture::git(remote, "show main:README.md") == "Hello, world");

    // The workflow's outputs name that branch and commit.
    const auto status = project.run({"status", "last", "--output", "json"});
    REQUIRE(status.exit_code == 0);
    const Value state = Value::parse(status.out);
    CHECK(state["status"] == "succeeded");
    CHECK(state["outputs"]["branch"] == branch);
    CHECK(state["outputs"]["commit"] == fixture::git(remote, "rev-parse " + branch));
  }

  TEST_CASE("patch-and-push with dry_run pushes nothing and says what it would push") {
    Project project;
    const std::string url = make_remote(project);
    const auto result = project.run({"--output", "plain", "run", k_example.string(), "-i", "repository=" + url,
                                     "-i", "dry_run=true"});
    INFO(result.out);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(fixture::git(project.dir() / "remote.git", "for-each-ref --format='%(refname)'") == "refs/heads/main");
    CHECK(result.out.find("dry run") != std::string::npos);
  }

  TEST_CASE("patch-and-push: a search text the file lacks fails the edit and pushes nothing") {
    Project project;
    const std::string url = make_remote(project);
    const auto result = project.run({"--output", "plain", "run", k_example.string(), "-i", "repository=" + url,
                                     "-i", "search=Goodbye"});
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("✗ edit") != std::string::npos);
    CHECK(result.out.find("fs.patch:") != std::string::npos);
    CHECK(fixture::git(project.dir() / "remote.git", "for-each-ref --format='%(refname)'") == "refs/heads/main");
  }
}
