// The agent's validation: test counts from each runner's real output, the
// commands detected per kind of repository (and their order), running them
// through the shell policy with real processes, the JSON and the feedback.
#include "tools/agent/validation.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "support/scratch.hpp"

using namespace automata;
using namespace automata::tools::agent;
using namespace std::chrono_literals;
using automata::test::ScratchDir;
namespace stdfs = std::filesystem;

namespace {

void check_counts(const TestCounts& counts, std::optional<int> passed, std::optional<int> failed) {
  CHECK(counts.passed == passed);
  CHECK(counts.failed == failed);
}

ValidationOptions options_for(const ScratchDir& dir) {
  ValidationOptions options;
  options.shell.workspace = dir.path();
  options.shell.environment = {"PATH=/usr/bin:/bin", "HOME=/tmp"};
  options.shell.base_branch = "main";
  options.shell.timeout = 10s;
  return options;
}

const stdfs::path build_root = "/tmp/automata-builds/run 1";

}  // namespace

TEST_SUITE("agent validation") {

TEST_CASE("validation, test counts: pytest, plain and coloured, errors count as failed") {
  const char* full =
      "============================= test session starts ==============================\n"
      "platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0\n"
      "collected 16 items\n\n"
      "tests/test_a.py ..F.........s...                                        [100%]\n\n"
      "=================================== FAILURES ===================================\n"
      "E       assert 1 == 2\n"
      "=========================== short test summary info ============================\n"
      "FAILED tests/test_a.py::test_x - assert 1 == 2\n"
      "==================== 3 failed, 12 passed, 1 skipped in 0.52s ====================\n";
  check_counts(parse_test_counts(full), 12, 3);
  check_counts(parse_test_counts("....\n5 passed in 0.1s\n"), 5, 0);
  check_counts(parse_test_counts("5 passed, 2 warnings in 0.10s\n"), 5, 0);
  check_counts(parse_test_counts("==== 1 error in 0.12s ====\n"), 0, 1);
  check_counts(parse_test_counts("= 1 failed, 2 passed, 2 errors, 1 xfailed in 0.3s =\n"), 2, 3);
  const char* coloured =
      "\x1b[31m\x1b[1m===== \x1b[0m\x1b[31m\x1b[1m3 failed\x1b[0m, \x1b[32m12 passed\x1b[0m, "
      "\x1b[33m1 skipped\x1b[0m\x1b[31m in 0.52s\x1b[0m\x1b[31m\x1b[1m =====\x1b[0m\n";
  check_counts(parse_test_counts(coloured), 12, 3);
  check_counts(parse_test_counts("collected 0 items\n\n==== no tests ran in 0.01s ====\n"), 0, 0);
}

TEST_CASE("validation, test counts: ctest") {
  const char* output =
      "Test project /tmp/build\n"
      "    Start 1: parse\n"
      "1/4 Test #1: parse ............................   Passed    0.01 sec\n"
      "4/4 Test #4: run ..............................***Failed    0.01 sec\n"
      "[doctest] test cases: 9 | 8 passed | 1 failed | 0 skipped\n"
      "3 passed, 1 failed in 0.2s\n"  // a test's own output (--output-on-failure): ctest's summary comes after
      "\n75% tests passed, 1 tests failed out of 4\n\n"
      "Total Test time (real) =   0.05 sec\n\n"
      "The following tests FAILED:\n\t  4 - run (Failed)\nErrors while running CTest\n";
  check_counts(parse_test_counts(output), 3, 1);
  check_counts(parse_test_counts("100% tests passed, 0 tests failed out of 12\n"), 12, 0);
}

TEST_CASE("validation, test counts: cargo sums every test binary") {
  const char* output =
      "   Compiling demo v0.1.0 (/tmp/demo)\n"
      "     Running unittests src/lib.rs (target/debug/deps/demo-1a2b)\n\n"
      "running 3 tests\ntest a ... ok\ntest b ... ok\ntest c ... ok\n\n"
      "test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\n"
      "     Running tests/api.rs (target/debug/deps/api-3c4d)\n\n"
      "running 2 tests\ntest d ... ok\ntest e ... FAILED\n\n"
      "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\n"
      "error: test failed, to rerun pass `--test api`\n";
  check_counts(parse_test_counts(output), 4, 1);
}

TEST_CASE("validation, test counts: go test, verbose lines counted, package lines alone say nothing") {
  const char* verbose =
      "=== RUN   TestAdd\n--- PASS: TestAdd (0.00s)\n"
      "=== RUN   TestSub\n    math_test.go:12: got 1, want 2\n--- FAIL: TestSub (0.00s)\n"
      "=== RUN   TestTable\n=== RUN   TestTable/one\n--- PASS: TestTable (0.00s)\n"
      "    --- PASS: TestTable/one (0.00s)\n"
      "FAIL\nFAIL\texample.com/m\t0.002s\nFAIL\n";
  check_counts(parse_test_counts(verbose), 2, 1);
  check_counts(parse_test_counts("ok  \texample.com/m\t0.002s\nok  \texample.com/m/sub\t0.001s\n"), std::nullopt,
               std::nullopt);
  // Without -v a passing test prints nothing: how many passed is unknown.
  check_counts(parse_test_counts("--- FAIL: TestSub (0.00s)\n    x_test.go:12: bad\nFAIL\nFAIL\texample.com/m\t0.002s\n"),
               std::nullopt, 1);
}

TEST_CASE("validation, test counts: jest, mocha, TAP") {
  const char* jest =
      " FAIL  src/sum.test.js\n  \xE2\x97\x8F sum \xE2\x80\xBA adds\n\n"
      "Test Suites: 1 failed, 1 passed, 2 total\n"
      "Tests:       1 failed, 5 passed, 6 total\n"
      "Snapshots:   0 total\nTime:        1.2 s\nRan all test suites.\n";
  check_counts(parse_test_counts(jest), 5, 1);
  check_counts(parse_test_counts("Tests:       7 passed, 7 total\n"), 7, 0);

  const char* mocha =
      "\n  sum\n    \xE2\x9C\x93 adds\n    1) subtracts\n\n"
      "  5 passing (20ms)\n  2 pending\n  1 failing\n\n"
      "  1) sum\n       subtracts:\n     AssertionError: expected 1 to equal 2\n";
  check_counts(parse_test_counts(mocha), 5, 1);
  check_counts(parse_test_counts("  3 passing (4ms)\n"), 3, 0);

  const char* tap =
      "TAP version 13\n# Subtest: adds\nok 1 - adds\nnot ok 6 - fails\n1..6\n"
      "# tests 6\n# suites 0\n# pass 5\n# fail 1\n# cancelled 0\n# skipped 0\n# duration_ms 50.1\n";
  check_counts(parse_test_counts(tap), 5, 1);
}

TEST_CASE("validation, test counts: nothing recognizable, and the last summary wins") {
  check_counts(parse_test_counts(""), std::nullopt, std::nullopt);
  check_counts(parse_test_counts("Building...\nall good, 3 files in 0.2s\nDone.\n"), std::nullopt, std::nullopt);
  check_counts(parse_test_counts("3 files in 0.2s\n"), std::nullopt, std::nullopt);
  // A huge line (minified output, a dumped blob) is not a summary: skipped, not a crash.
  check_counts(parse_test_counts(std::string(200'000, '1') + " passed in 0.1s\n"), std::nullopt, std::nullopt);
  check_counts(parse_test_counts("Tests:       1 failed, 1 total\n5 passed in 0.1s\n"), 5, 0);
  // A summary beats go's per-test lines wherever they are.
  check_counts(parse_test_counts("2 passed, 1 failed in 0.1s\n--- PASS: TestA (0.00s)\n"), 2, 1);
}

TEST_CASE("validation, detect: a Makefile test target; one without it does not count") {
  ScratchDir dir;
  dir.write("Makefile", ".PHONY: all test\nall:\n\tcc -o x x.c\n\ntest: all\n\t./x --selftest\n");
  dir.write("package.json", R"({"scripts": {"test": "jest"}})");
  CHECK(detect_validation_commands(dir.path(), build_root) == std::vector<std::string>{"make test"});

  ScratchDir double_colon;
  double_colon.write("GNUmakefile", "test ::\n\t./run-tests\n");
  CHECK(detect_validation_commands(double_colon.path(), build_root) == std::vector<std::string>{"make test"});

  ScratchDir no_target;
  no_target.write("Makefile", ".PHONY: test\ntest_dir := tests\nall:\n\techo test: not a target\n");
  no_target.write("package.json", R"({"scripts": {"test": "jest"}})");
  CHECK(detect_validation_commands(no_target.path(), build_root) == std::vector<std::string>{"npm test"});
}

TEST_CASE("validation, detect: CTest builds outside the workspace, the build directory quoted") {
  ScratchDir dir;
  dir.write("CMakeLists.txt", "cmake_minimum_required(VERSION 3.20)\nproject(x)\nENABLE_TESTING ()\n");
  dir.write("package.json", R"({"scripts": {"test": "jest"}})");
  const auto commands = detect_validation_commands(dir.path(), build_root);
  REQUIRE(commands.size() == 1);
  CHECK(commands[0] ==
        "cmake -S . -B '/tmp/automata-builds/run 1/ctest' && cmake --build '/tmp/automata-builds/run 1/ctest' -j && "
        "ctest --test-dir '/tmp/automata-builds/run 1/ctest' --output-on-failure");

  CHECK(detect_validation_commands(dir.path(), "/tmp/it's")[0].find("-B '/tmp/it'\\''s/ctest'") != std::string::npos);

  ScratchDir include_ctest;
  include_ctest.write("CMakeLists.txt", "project(x)\ninclude(CTest)\n");
  CHECK(detect_validation_commands(include_ctest.path(), build_root).size() == 1);

  ScratchDir no_tests;
  no_tests.write("CMakeLists.txt", "project(x)\nadd_executable(x main.c)\ngtest_add_tests(TARGET x)\n");
  CHECK(detect_validation_commands(no_tests.path(), build_root).empty());
}

TEST_CASE("validation, detect: npm's placeholder script is ignored") {
  ScratchDir dir;
  dir.write("package.json", R"({"name": "x", "scripts": {"test": "echo \"Error: no test specified\" && exit 1"}})");
  CHECK(detect_validation_commands(dir.path(), build_root).empty());
  dir.write("broken/package.json", "{ not json");
  CHECK(detect_validation_commands(dir / "broken", build_root).empty());
}

TEST_CASE("validation, detect: pytest by configuration or by test files") {
  const std::vector<std::string> pytest{"python3 -m pytest -q"};
  for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
           {"pytest.ini", "[pytest]\n"},
           {"conftest.py", ""},
           {"tox.ini", "[tox]\n[pytest]\naddopts = -q\n"},
           {"setup.cfg", "[metadata]\n[tool:pytest]\n"},
           {"pyproject.toml", "[project]\nname='x'\n[tool.pytest.ini_options]\n"},
           {"tests/unit/test_parse.py", "def test_x(): pass\n"},
           {"test/parse_test.py", "def test_x(): pass\n"},
           {"test_top.py", "def test_x(): pass\n"}}) {
    CAPTURE(name);
    ScratchDir dir;
    dir.write(name, content);
    CHECK(detect_validation_commands(dir.path(), build_root) == pytest);
  }
  ScratchDir not_pytest;
  not_pytest.write("tox.ini", "[tox]\nenvlist = py311\n");
  not_pytest.write("tests/helpers.py", "");
  not_pytest.write("setup.py", "");
  CHECK(detect_validation_commands(not_pytest.path(), build_root).empty());
}

TEST_CASE("validation, detect: cargo, go, the order between them, and nothing") {
  ScratchDir both;
  both.write("Cargo.toml", "[package]\nname = \"x\"\n");
  both.write("go.mod", "module example.com/x\n");
  CHECK(detect_validation_commands(both.path(), build_root) == std::vector<std::string>{"cargo test"});
  ScratchDir go;
  go.write("go.mod", "module example.com/x\n");
  CHECK(detect_validation_commands(go.path(), build_root) == std::vector<std::string>{"go test ./..."});
  ScratchDir python_and_cargo;
  python_and_cargo.write("Cargo.toml", "");
  python_and_cargo.write("conftest.py", "");
  CHECK(detect_validation_commands(python_and_cargo.path(), build_root) ==
        std::vector<std::string>{"python3 -m pytest -q"});
  ScratchDir empty;
  empty.write("README.md", "hello\n");
  CHECK(detect_validation_commands(empty.path(), build_root).empty());
  CHECK(detect_validation_commands(empty / "missing", build_root).empty());
}

TEST_CASE("validation, run: passing then failing; the failure stops the rest; output and counts kept") {
  ScratchDir dir;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  const std::vector<std::string> commands{"echo one", "printf '5 passed, 1 failed in 0.1s\\n'; echo oops >&2; exit 1",
                                          "touch later"};
  std::string streamed;
  const auto report = run_validation(launcher, commands, options_for(dir), cancel,
                                     [&streamed](engine::OutputStream, std::string_view chunk) { streamed += chunk; });
  CHECK_FALSE(report.passed);
  REQUIRE(report.commands.size() == 2);
  CHECK(report.commands[0].command == "echo one");
  CHECK(report.commands[0].passed);
  CHECK(report.commands[0].exit_code == 0);
  CHECK(report.commands[0].output_tail == "one\n");
  check_counts(report.commands[0].counts, std::nullopt, std::nullopt);
  CHECK_FALSE(report.commands[1].passed);
  CHECK(report.commands[1].exit_code == 1);
  CHECK_FALSE(report.commands[1].timed_out);
  CHECK(report.commands[1].refused.empty());
  CHECK(report.commands[1].output_tail == "5 passed, 1 failed in 0.1s\noops\n");
  check_counts(report.commands[1].counts, 5, 1);
  CHECK(report.tests_passed() == 5);
  CHECK(report.tests_failed() == 1);
  CHECK_FALSE(stdfs::exists(dir / "later"));
  CHECK(streamed.find("one\n") != std::string::npos);
  CHECK(streamed.find("oops\n") != std::string::npos);

  auto keep_going = options_for(dir);
  keep_going.stop_at_first_failure = false;
  const auto all = run_validation(launcher, commands, keep_going, cancel);
  CHECK_FALSE(all.passed);
  CHECK(all.commands.size() == 3);
  CHECK(all.commands[2].passed);
  CHECK(stdfs::exists(dir / "later"));
}

TEST_CASE("validation, run: all passing, and none at all") {
  ScratchDir dir;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  const auto report = run_validation(launcher, {"true", "echo '==== 4 passed in 0.01s ===='"}, options_for(dir), cancel);
  CHECK(report.passed);
  CHECK(report.commands.size() == 2);
  CHECK(report.tests_passed() == 4);
  CHECK(report.tests_failed() == 0);
  const auto none = run_validation(launcher, {}, options_for(dir), cancel);
  CHECK(none.passed);
  CHECK(none.commands.empty());
  CHECK(none.tests_passed() == std::nullopt);
  CHECK(none.tests_failed() == std::nullopt);
}

TEST_CASE("validation, run: a timeout and a refused command fail") {
  ScratchDir dir;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  auto options = options_for(dir);
  options.shell.timeout = 300ms;
  options.shell.kill_grace = 200ms;
  const auto slow = run_validation(launcher, {"sleep 5"}, options, cancel);
  CHECK_FALSE(slow.passed);
  REQUIRE(slow.commands.size() == 1);
  CHECK(slow.commands[0].timed_out);
  CHECK_FALSE(slow.commands[0].passed);
  CHECK(slow.commands[0].duration_ms < 4000);

  const auto refused = run_validation(launcher, {"touch ran; rm -rf /", "touch after"}, options_for(dir), cancel);
  CHECK_FALSE(refused.passed);
  REQUIRE(refused.commands.size() == 1);
  CHECK(refused.commands[0].refused.find("deletes the root filesystem") != std::string::npos);
  CHECK_FALSE(refused.commands[0].passed);
  CHECK(refused.commands[0].exit_code == -1);
  CHECK_FALSE(stdfs::exists(dir / "ran"));
  CHECK_FALSE(stdfs::exists(dir / "after"));
}

TEST_CASE("validation, run: a cancelled token starts nothing") {
  ScratchDir dir;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  cancel.cancel();
  const auto report = run_validation(launcher, {"touch ran"}, options_for(dir), cancel);
  CHECK_FALSE(report.passed);
  CHECK(report.commands.empty());
  CHECK_FALSE(stdfs::exists(dir / "ran"));
}

TEST_CASE("validation, json: the exact shape, refused only when set") {
  ValidationReport report;
  report.passed = false;
  report.commands.push_back(ValidationCommandResult{"make test", 0, true, false, "", TestCounts{3, 0}, "ok\n", 12});
  report.commands.push_back(
      ValidationCommandResult{"make lint", -1, false, false, "shell: refused", TestCounts{}, "", 0});
  const Value json = validation_to_json(report);
  CHECK(json.dump() ==
        R"({"passed":false,"tests_passed":3,"tests_failed":0,"commands":[)"
        R"({"command":"make test","exit_code":0,"passed":true,"timed_out":false,"tests_passed":3,"tests_failed":0,)"
        R"("duration_ms":12,"output_tail":"ok\n"},)"
        R"({"command":"make lint","exit_code":-1,"passed":false,"timed_out":false,"refused":"shell: refused",)"
        R"("tests_passed":null,"tests_failed":null,"duration_ms":0,"output_tail":""}]})");
  CHECK(validation_to_json(ValidationReport{}).dump() ==
        R"({"passed":true,"tests_passed":null,"tests_failed":null,"commands":[]})");
}

TEST_CASE("validation, feedback: the failed command, its exit code, counts, the tail, capped") {
  ValidationReport report;
  report.passed = false;
  report.commands.push_back(ValidationCommandResult{"cargo build", 0, true, false, "", TestCounts{}, "built\n", 5});
  report.commands.push_back(ValidationCommandResult{"cargo test", 101, false, false, "", TestCounts{4, 1},
                                                    "test e ... FAILED\nassertion failed: x == 2\n", 50});
  const std::string text = validation_feedback(report, 4000);
  CHECK(text.find("`cargo test` exited with code 101 (4 tests passed, 1 failed)") != std::string::npos);
  CHECK(text.find("`cargo build` passed before it") != std::string::npos);
  CHECK(text.find("```\ntest e ... FAILED\nassertion failed: x == 2\n```") != std::string::npos);
  CHECK(text.find("do not weaken") != std::string::npos);
  CHECK(text.find("call finish again") != std::string::npos);

  // A long output is cut in the middle: its start and its end stay, the message fits.
  std::string long_output = "FIRST LINE\n";
  for (int i = 0; i < 5000; ++i) {
    long_output += "noise noise noise noise\n";
  }
  long_output += "LAST ERROR\n";
  report.commands[1].output_tail = long_output;
  const std::string capped = validation_feedback(report, 2000);
  CHECK(capped.size() <= 2000);
  CHECK(capped.find("FIRST LINE") != std::string::npos);
  CHECK(capped.find("LAST ERROR") != std::string::npos);
  CHECK(capped.find("bytes cut ...]") != std::string::npos);
  CHECK(capped.find("cargo test") != std::string::npos);
  CHECK(capped.find("call finish again") != std::string::npos);
  CHECK(validation_feedback(report, 100).size() <= 100);
}

TEST_CASE("validation, feedback: timeouts and refusals say so") {
  ValidationReport timed_out;
  timed_out.passed = false;
  timed_out.commands.push_back(ValidationCommandResult{"sleep 9", 124, false, true, "", TestCounts{}, "", 3000});
  CHECK(validation_feedback(timed_out, 4000).find("`sleep 9` timed out after 3s") != std::string::npos);

  ValidationReport refused;
  refused.passed = false;
  refused.commands.push_back(ValidationCommandResult{"rm -rf /", -1, false, false,
                                                     "shell: refused \"rm -rf /\": deletes the root filesystem",
                                                     TestCounts{}, "", 0});
  const std::string text = validation_feedback(refused, 4000);
  CHECK(text.find("`rm -rf /` did not run: shell: refused") != std::string::npos);
  CHECK(text.find("deletes the root filesystem") != std::string::npos);

  CHECK(validation_feedback(ValidationReport{}, 4000) == "Validation passed.");
}

}  // TEST_SUITE
