// The shell step kind: $AUTOMATA_OUTPUT parsing, and execute() against a real
// process launcher with a minimal StepContext.
#include "tools/shell_step.hpp"

#include <doctest/doctest.h>

#include <thread>

#include "engine/process.hpp"
#include "support/scratch.hpp"
#include "support/test_step_context.hpp"
#include "tools/registry.hpp"

using namespace automata;
using namespace automata::engine;
using namespace std::chrono_literals;
using automata::test::ScratchDir;

namespace {

using TestContext = automata::test::TestStepContext;

StepResult run_shell(TestContext& context) { return tools::make_shell_kind()->execute(context); }

}  // namespace

TEST_SUITE("shell step") {

TEST_CASE("output file: key=value lines, JSON values kept, text otherwise") {
  auto parsed = tools::parse_output_file("name=ana\ncount=42\nflag=true\nlist=[1,\"b\"]\nobj={\"a\":{\"b\":1}}\n"
                                         "text=hello world\nempty=\neq=a=b\r\n\n");
  REQUIRE(parsed.ok());
  CHECK(parsed.value() == Value{{"name", "ana"},
                                {"count", 42},
                                {"flag", true},
                                {"list", Value({1, "b"})},
                                {"obj", {{"a", {{"b", 1}}}}},
                                {"text", "hello world"},
                                {"empty", ""},
                                {"eq", "a=b"}});
}

TEST_CASE("output file: key<<DELIM blocks keep several lines, and JSON in them") {
  auto parsed = tools::parse_output_file("notes<<EOF\nline one\nline=two\n\nEOF\njson<<END\n{\n  \"k\": [1, 2]\n}\nEND\n"
                                         "after=1\n");
  REQUIRE(parsed.ok());
  CHECK(parsed.value() == Value{{"notes", "line one\nline=two\n"}, {"json", {{"k", Value({1, 2})}}}, {"after", 1}});
}

TEST_CASE("output file: a later value replaces an earlier one") {
  auto parsed = tools::parse_output_file("a=1\na=2\n");
  REQUIRE(parsed.ok());
  CHECK(parsed.value() == Value{{"a", 2}});
}

TEST_CASE("output file: malformed lines are errors with the line number") {
  auto no_equals = tools::parse_output_file("a=1\njust text\n");
  REQUIRE_FALSE(no_equals.ok());
  CHECK(no_equals.error().message == "$AUTOMATA_OUTPUT line 2: expected key=value or key<<DELIMITER, got 'just text'");
  auto unclosed = tools::parse_output_file("x=1\nbody<<EOF\nnever closed\n");
  REQUIRE_FALSE(unclosed.ok());
  CHECK(unclosed.error().message == "$AUTOMATA_OUTPUT line 2: 'body' is never closed by a line 'EOF'");
  auto no_key = tools::parse_output_file("=value\n");
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.error().message == "$AUTOMATA_OUTPUT line 1: expected key=value or key<<DELIMITER, got '=value'");
}

TEST_CASE("a bash step: output streamed, outputs from $AUTOMATA_OUTPUT, the environment passed") {
  ScratchDir dir;
  TestContext context(dir, Value{{"run", "echo \"$GREETING out\"\necho err >&2\necho 'n=5' >> \"$AUTOMATA_OUTPUT\"\n"
                                         "printf 'msg<<X\\na\\nb\\nX\\n' >> \"$AUTOMATA_OUTPUT\""},
                                 {"shell", "bash"}});
  const auto result = run_shell(context);
  CHECK(result.succeeded);
  CHECK(result.exit_code == 0);
  CHECK(result.outputs == Value{{"n", 5}, {"msg", "a\nb"}});
  CHECK(context.out() == "hello out\n");
  CHECK(context.err() == "err\n");
  // The output file is removed after the step.
  CHECK(std::filesystem::is_empty(dir / "tmp"));
}

TEST_CASE("bash runs with -e and pipefail; sh with -e") {
  ScratchDir dir;
  TestContext pipe(dir, Value{{"run", "false | true\necho not reached"}, {"shell", "bash"}});
  const auto piped = run_shell(pipe);
  CHECK_FALSE(piped.succeeded);
  CHECK(piped.exit_code == 1);
  CHECK(piped.error == "exit code 1");
  CHECK(pipe.out().empty());
  TestContext sh(dir, Value{{"run", "exit 3\necho not reached"}, {"shell", "sh"}});
  const auto failed = run_shell(sh);
  CHECK(failed.exit_code == 3);
  CHECK(failed.retryable);
  CHECK(sh.out().empty());
}

TEST_CASE("any other shell is called with -c") {
  // scripts/install-deps.sh installs python3: a machine without it fails here, never passes silently.
  REQUIRE_MESSAGE(std::system("command -v python3 >/dev/null 2>&1") == 0, "python3 is not installed: run scripts/install-deps.sh");
  ScratchDir dir;
  TestContext context(dir, Value{{"run", "print('from python')"}, {"shell", "python3"}});
  const auto result = run_shell(context);
  CHECK(result.succeeded);
  CHECK(context.out() == "from python\n");
}

TEST_CASE("a bad output file fails the step without retry") {
  ScratchDir dir;
  TestContext context(dir, Value{{"run", "echo garbage >> \"$AUTOMATA_OUTPUT\""}, {"shell", "bash"}});
  const auto result = run_shell(context);
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "$AUTOMATA_OUTPUT line 1: expected key=value or key<<DELIMITER, got 'garbage'");
}

TEST_CASE("a shell that does not exist fails without retry") {
  ScratchDir dir;
  TestContext context(dir, Value{{"run", "true"}, {"shell", "no-such-shell-xyz"}});
  const auto result = run_shell(context);
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.exit_code == 127);
}

TEST_CASE("cancelling stops the process group") {
  ScratchDir dir;
  TestContext context(dir, Value{{"run", "sleep 30 & sleep 30; wait"}, {"shell", "bash"}});
  std::thread canceller([&context] {
    std::this_thread::sleep_for(100ms);
    context.cancel().cancel();
  });
  const auto started = std::chrono::steady_clock::now();
  const auto result = run_shell(context);
  canceller.join();
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK_FALSE(result.succeeded);
  CHECK(result.cancelled);
  CHECK(result.error == "cancelled");
}

TEST_CASE("the registry lists every built-in step kind") {
  const auto kinds = tools::builtin_step_kinds();
  CHECK(kinds.names() == std::vector<std::string>{"agent.run", "forge.comment", "forge.issue", "forge.merge", "forge.pr",
                                                  "forge.status", "fs.patch", "fs.read", "fs.write", "git.branch",
                                                  "git.clone", "git.commit", "git.delete_branch", "git.diff",
                                                  "git.push", "git.reset", "git.worktree", "http.request", "llm.chat", "shell",
                                                  "sleep", "wait", "workflow"});
  CHECK(kinds.find("sleep")->uses_job_slot() == false);
  CHECK(kinds.find("wait")->uses_job_slot() == false);
  CHECK(kinds.find("shell")->uses_job_slot() == true);
}

}  // TEST_SUITE
