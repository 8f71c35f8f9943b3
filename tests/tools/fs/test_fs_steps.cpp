// The step kinds fs.read, fs.write and fs.patch: parameters, outputs, the
// "fs.x: " prefix on failures, the workspace parameter, registration.
#include "tools/fs/fs_steps.hpp"

#include <doctest/doctest.h>

#include "engine/hash.hpp"
#include "engine/loader.hpp"
#include "support/scratch.hpp"
#include "support/test_step_context.hpp"
#include "tools/registry.hpp"

using namespace automata;
using namespace automata::engine;
using automata::test::read_file;
using automata::test::ScratchDir;
using TestContext = automata::test::TestStepContext;

TEST_SUITE("fs steps") {

TEST_CASE("fs.read: the whole file, with lines, bytes and sha256") {
  ScratchDir dir;
  dir.write("a.txt", "one\ntwo\nthree\n");
  TestContext context(dir, Value{{"path", "a.txt"}});
  const auto result = tools::make_fs_read_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs == Value{{"path", "a.txt"},
                                {"content", "one\ntwo\nthree\n"},
                                {"lines", 3},
                                {"bytes", 14},
                                {"start_line", 1},
                                {"end_line", 3},
                                {"sha256", sha256_hex("one\ntwo\nthree\n")}});
}

TEST_CASE("fs.read: a line range; an end past the file is clamped") {
  ScratchDir dir;
  dir.write("a.txt", "one\ntwo\nthree\nfour\n");
  TestContext context(dir, Value{{"path", "a.txt"}, {"start_line", 2}, {"end_line", 3}});
  auto result = tools::make_fs_read_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["content"] == "two\nthree\n");
  CHECK(result.outputs["lines"] == 4);
  context.set_params(Value{{"path", "a.txt"}, {"start_line", 3}, {"end_line", 99}});
  result = tools::make_fs_read_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["content"] == "three\nfour\n");
  CHECK(result.outputs["end_line"] == 4);
  context.set_params(Value{{"path", "a.txt"}, {"start_line", 9}});
  result = tools::make_fs_read_kind()->execute(context);
  CHECK_FALSE(result.succeeded);
  CHECK(result.error == "fs.read: lines 9 to the end are not in \"a.txt\", which has 4 lines");
}

TEST_CASE("fs.read: an empty file") {
  ScratchDir dir;
  dir.write("empty.txt", "");
  TestContext context(dir, Value{{"path", "empty.txt"}});
  const auto result = tools::make_fs_read_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["content"] == "");
  CHECK(result.outputs["lines"] == 0);
  CHECK(result.outputs["start_line"] == 0);
}

TEST_CASE("fs.read: refusals are one line with the kind, not retried") {
  ScratchDir dir;
  dir.write("big.txt", std::string(100, 'x'));
  TestContext context(dir, Value{{"path", "big.txt"}, {"max_bytes", 10}});
  auto result = tools::make_fs_read_kind()->execute(context);
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "fs.read: refused \"big.txt\": 100 bytes is over the read limit of 10 bytes (max_bytes)");
  context.set_params(Value{{"path", "../x"}});
  result = tools::make_fs_read_kind()->execute(context);
  CHECK(result.error.starts_with("fs.read: refused \"../x\": \"..\" leads out of the workspace "));
}

TEST_CASE("fs.write: outputs path, bytes, created; mode create refuses an existing file") {
  ScratchDir dir;
  TestContext context(dir,
                      Value{{"path", "out/a.txt"}, {"content", "hi\n"}, {"mode", "create"}, {"create_dirs", true}});
  auto result = tools::make_fs_write_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs == Value{{"path", "out/a.txt"}, {"bytes", 3}, {"created", true}});
  CHECK(read_file(dir / "out/a.txt") == "hi\n");
  result = tools::make_fs_write_kind()->execute(context);
  CHECK_FALSE(result.succeeded);
  CHECK(result.error ==
        "fs.write: cannot create \"out/a.txt\": it already exists; use mode overwrite or append to change it");
  context.set_params(Value{{"path", "out/a.txt"}, {"content", "more\n"}, {"mode", "append"}});
  result = tools::make_fs_write_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs == Value{{"path", "out/a.txt"}, {"bytes", 8}, {"created", false}});
}

TEST_CASE("the workspace parameter confines paths to another directory") {
  ScratchDir dir;
  dir.write("sub/in.txt", "in\n");
  dir.write("top.txt", "top\n");
  TestContext context(dir, Value{{"path", "in.txt"}, {"workspace", "sub"}});
  auto result = tools::make_fs_read_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["content"] == "in\n");
  context.set_params(Value{{"path", "../top.txt"}, {"workspace", "sub"}});
  result = tools::make_fs_read_kind()->execute(context);
  CHECK_FALSE(result.succeeded);
}

TEST_CASE("fs.patch: diff, search/replace and blocks; outputs files and hunks") {
  ScratchDir dir;
  dir.write("a.txt", "one\ntwo\n");
  TestContext context(dir, Value{{"diff", "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-one\n+ONE\n two\n"}});
  auto result = tools::make_fs_patch_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs == Value{{"files", Value({"a.txt"})},
                                {"created", Value::array()},
                                {"deleted", Value::array()},
                                {"hunks", 1}});
  context.set_params(Value{{"path", "a.txt"}, {"search", "two"}, {"replace", "TWO"}});
  result = tools::make_fs_patch_kind()->execute(context);
  REQUIRE(result.succeeded);
  context.set_params(Value{{"path", "a.txt"},
                           {"blocks", Value({Value{{"search", "ONE"}, {"replace", "1"}},
                                             Value{{"search", "TWO"}, {"replace", "2"}}})}});
  result = tools::make_fs_patch_kind()->execute(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["hunks"] == 2);
  CHECK(read_file(dir / "a.txt") == "1\n2\n");
}

TEST_CASE("fs.patch: bad parameter combinations") {
  ScratchDir dir;
  dir.write("a.txt", "a\n");
  TestContext context(dir, Value{{"path", "a.txt"}});
  auto result = tools::make_fs_patch_kind()->execute(context);
  CHECK(result.error == "fs.patch: give exactly one of diff, search (with replace) or blocks");
  context.set_params(Value{{"search", "a"}, {"replace", "b"}});
  result = tools::make_fs_patch_kind()->execute(context);
  CHECK(result.error == "fs.patch: path is required with search/replace");
  context.set_params(Value{{"path", "a.txt"}, {"blocks", Value({"a"})}});
  result = tools::make_fs_patch_kind()->execute(context);
  CHECK(result.error == "fs.patch: blocks[0] must be an object with a string search and replace");
  CHECK(read_file(dir / "a.txt") == "a\n");
}

TEST_CASE("fs.patch: the documented failure message") {
  ScratchDir dir;
  dir.write("src/main.cpp", "int main() {\n  int x = 2;\n}\n");
  TestContext context(dir, Value{{"diff", "--- a/src/main.cpp\n+++ b/src/main.cpp\n@@ -2 +2 @@\n-  int x = 1;\n"
                                          "+  int x = 3;\n"}});
  const auto result = tools::make_fs_patch_kind()->execute(context);
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "fs.patch: hunk 1 of src/main.cpp does not apply: line 2 expected \"  int x = 1;\", found "
                        "\"  int x = 2;\"; the file is unchanged");
}

TEST_CASE("the fs kinds are registered and declare their parameters") {
  const auto kinds = tools::builtin_step_kinds();
  for (const char* name : {"fs.read", "fs.write", "fs.patch"}) {
    CAPTURE(name);
    REQUIRE(kinds.find(name) != nullptr);
    CHECK_FALSE(kinds.find(name)->params().empty());
  }
  const auto& write_params = kinds.find("fs.write")->params();
  const auto mode =
      std::find_if(write_params.begin(), write_params.end(), [](const ParamSpec& p) { return p.name == "mode"; });
  REQUIRE(mode != write_params.end());
  CHECK(mode->choices == std::vector<std::string>{"overwrite", "create", "append"});
}

TEST_CASE("validate checks fs parameters against their specs") {
  const auto kinds = tools::builtin_step_kinds();
  const auto outcome = load_workflow("wf.yaml",
                                     "steps:\n"
                                     "  w: {uses: fs.write, with: {path: a.txt, content: x, mode: crate}}\n"
                                     "  r: {uses: fs.read, with: {max_bytes: lots}}\n",
                                     kinds);
  CHECK_FALSE(outcome.ok());
  INFO(outcome.rendered);
  CHECK(outcome.rendered.find("wf.yaml:2:55: parameter 'mode' of step 'w' must be one of overwrite, create, append, "
                              "got 'crate' (did you mean 'create'?)\n") != std::string::npos);
  CHECK(outcome.rendered.find("wf.yaml:3:13: step kind 'fs.read' needs parameter 'path' in 'with': the file, "
                              "relative to the workspace\n") != std::string::npos);
  CHECK(outcome.rendered.find("wf.yaml:3:29: parameter 'max_bytes' of step 'r' must be a whole number, got 'lots'\n") !=
        std::string::npos);
}

}  // TEST_SUITE
