#pragma once
// The repository's own validation (its test commands) run after the agent
// says it is finished: which commands a workspace has, running them through
// the shell policy, what the test runners reported, and the text fed back to
// the model when they fail. Nothing here throws.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/process.hpp"
#include "engine/value.hpp"
#include "tools/shell_policy/shell_policy.hpp"

namespace automata::tools::agent {

struct TestCounts {
  std::optional<int> passed;  // nullopt: the output did not say
  std::optional<int> failed;
};

// Counts from a test runner's output (ANSI colours stripped first). Knows the
// summaries of pytest, ctest, cargo test (summed over every test binary),
// jest, mocha and TAP (node --test); go test's "--- PASS/FAIL" lines count
// only when no such summary is present. Among summaries the last one wins.
TestCounts parse_test_counts(std::string_view output);

// The validation commands of a workspace, the first kind found wins: a
// Makefile `test` target, CTest, an npm test script, pytest, cargo, go.
// CTest builds in build_root/"ctest" (outside the workspace, so the build
// does not show up as changed files). Empty when nothing is recognized.
std::vector<std::string> detect_validation_commands(const std::filesystem::path& workspace,
                                                    const std::filesystem::path& build_root);

struct ValidationCommandResult {
  std::string command;
  int exit_code = 0;          // -1 when it did not run (refused)
  bool passed = false;        // exit code 0, not timed out, not refused
  bool timed_out = false;
  std::string refused;        // non-empty: the shell policy refused it or bash could not start; it did not run
  TestCounts counts;
  std::string output_tail;    // stdout then stderr, capped (the tail is kept), secrets are the caller's business
  std::int64_t duration_ms = 0;
};

struct ValidationReport {
  bool passed = true;  // every command passed (vacuously true for none)
  std::vector<ValidationCommandResult> commands;
  // Sums over commands that reported counts; nullopt when none did.
  std::optional<int> tests_passed() const;
  std::optional<int> tests_failed() const;
};

struct ValidationOptions {
  shell_policy::ShellPolicyOptions shell;  // workspace, environment, timeout, sandbox, output_limit...
  bool stop_at_first_failure = true;       // later commands are not run once one fails
};

// Runs the commands in order through shell_policy::ShellPolicy (so the
// environment is scrubbed and timeouts apply). `on_output` (may be empty)
// receives each output chunk as it arrives. Once `cancel` fires, no further
// command starts. Commands not run are absent from the report.
ValidationReport run_validation(engine::ProcessLauncher& launcher, const std::vector<std::string>& commands,
                                const ValidationOptions& options, const engine::CancelToken& cancel,
                                const engine::OutputHandler& on_output = {});

// {"passed", "tests_passed", "tests_failed", "commands": [{"command",
// "exit_code", "passed", "timed_out", "refused" (only when non-empty),
// "tests_passed", "tests_failed", "duration_ms", "output_tail"}]}; unknown
// counts are null.
Value validation_to_json(const ValidationReport& report);

// For the model after a failed validation: the failing command, its exit code
// (or timeout / refusal and why), test counts when known, its output tail in
// a fenced block, and what to do next. At most max_bytes: the output is cut
// in the middle first. For a passing report, a one-line confirmation.
std::string validation_feedback(const ValidationReport& report, std::size_t max_bytes);

}  // namespace automata::tools::agent
