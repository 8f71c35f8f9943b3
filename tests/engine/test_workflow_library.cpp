// Where a child workflow's `file:` leads: next to the parent file, or among
// the built-ins for a built-in parent; and the messages when it leads nowhere.
#include "engine/workflow_library.hpp"

#include <doctest/doctest.h>

#include "support/scratch.hpp"

using namespace automata;
using namespace automata::engine;
using automata::test::ScratchDir;

namespace {

constexpr BuiltinWorkflow k_builtins[] = {{"gate", "version: 1\n"}, {"plan", "version: 2\n"}};

}  // namespace

TEST_SUITE("workflow library") {

TEST_CASE("built-in names: builtin:NAME, and what counts as a bare name") {
  CHECK(builtin_file_name("agent") == "builtin:agent");
  CHECK(builtin_name_of("builtin:agent") == std::optional<std::string>("agent"));
  CHECK(builtin_name_of("agent.yaml") == std::nullopt);
  CHECK(is_bare_name("agent"));
  CHECK_FALSE(is_bare_name("./agent"));
  CHECK_FALSE(is_bare_name("agent.yaml"));
  CHECK_FALSE(is_bare_name("agent.yml"));
  CHECK_FALSE(is_bare_name(""));
  const WorkflowLibrary library(k_builtins);
  CHECK(library.names() == std::vector<std::string>{"gate", "plan"});
  CHECK(library.find("plan")->source == "version: 2\n");
  CHECK(library.find("pr") == nullptr);
}

TEST_CASE("a file parent's relative child is next to the parent; an absolute one is itself") {
  ScratchDir dir;
  dir.write("wf/child.yaml", "version: 1\n");
  const WorkflowLibrary library(k_builtins);
  const std::string parent = (dir / "wf" / "parent.yaml").string();
  auto found = resolve_child_workflow(library, parent, "child.yaml", "/nowhere");
  REQUIRE(found.ok());
  CHECK(found->file == (dir / "wf" / "child.yaml").string());
  CHECK(found->source == "version: 1\n");
  found = resolve_child_workflow(library, "parent.yaml", "wf/child.yaml", dir.path());
  REQUIRE(found.ok());
  CHECK(found->file == (dir / "wf" / "child.yaml").string());
  found = resolve_child_workflow(library, "x/parent.yaml", (dir / "wf" / "child.yaml").string(), "/nowhere");
  REQUIRE(found.ok());
  CHECK(found->file == (dir / "wf" / "child.yaml").string());
  // A bare name in a file parent is a file, even when a built-in has that name.
  auto missing = resolve_child_workflow(library, parent, "gate", "/nowhere");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "child workflow " + (dir / "wf" / "gate").string() +
            ": no such file; a relative file: is relative to the directory of " + parent +
            ", and a built-in is copied there with `automata workflows gate > " + (dir / "wf" / "gate.yaml").string() +
            "`");
  missing = resolve_child_workflow(library, parent, "chld.yaml", "/nowhere");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "child workflow " + (dir / "wf" / "chld.yaml").string() + ": no such file (did you mean 'child.yaml'?)");
}

TEST_CASE("a built-in parent's bare child name is a built-in") {
  const WorkflowLibrary library(k_builtins);
  auto found = resolve_child_workflow(library, "builtin:pr", "plan", "/nowhere");
  REQUIRE(found.ok());
  CHECK(found->file == "builtin:plan");
  CHECK(found->source == "version: 2\n");
  auto missing = resolve_child_workflow(library, "builtin:pr", "gat", "/nowhere");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "no built-in workflow 'gat' (did you mean 'gate'?); the built-ins are gate, plan");
}

TEST_CASE("workflow_directory: a file's directory, made absolute; the base for a built-in") {
  CHECK(workflow_directory("/a/b/wf.yaml", "/base") == "/a/b");
  CHECK(workflow_directory("wf/x.yaml", "/base") == "/base/wf");
  CHECK(workflow_directory("x.yaml", "/base") == "/base");
  CHECK(workflow_directory("builtin:agent", "/base") == "/base");
}

}  // TEST_SUITE
