#pragma once
// Reports of a run's steps, folded from its journal records: the JUnit XML
// file of --junit, the Markdown table appended to $GITHUB_STEP_SUMMARY, and
// the done/total count and final line of the renderers.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/result.hpp"
#include "engine/value.hpp"

namespace automata::cli {

// A record's field as text (strings as they are, numbers and booleans
// printed, anything else empty) or as an integer; never throws.
std::string field_text(const Value& record, const char* key);
std::optional<std::int64_t> field_int(const Value& record, const char* key);

// compensated: succeeded, then undone by its compensation (the run failed or
// was rolled back or cancelled); compensation_failed: that compensation failed.
enum class StepState { scheduled, running, retrying, succeeded, failed, skipped, compensated, compensation_failed };

// One step instance, as of its latest attempt.
struct StepReport {
  std::string id;    // "ID" or "ID[key=value,...]" for a matrix instance
  std::string name;  // display name from StepScheduled, empty if none
  StepState state = StepState::scheduled;
  int attempts = 0;  // highest attempt seen
  std::optional<int> max_attempts;
  std::int64_t duration_ms = 0;  // of the latest finished attempt
  std::optional<int> exit_code;
  std::string error;   // StepFailed
  std::string reason;  // StepSkipped
  std::string compensation_error;  // CompensationFailed

  // The name a person reads: the display name (with the matrix suffix of the
  // id when the name lacks one), else the id.
  std::string display() const;
  bool finished() const {
    return state == StepState::succeeded || state == StepState::failed || state == StepState::skipped ||
           state == StepState::compensated || state == StepState::compensation_failed;
  }
};

// A pure fold over a run's records; unknown record types and missing or
// mistyped fields are ignored, never fatal.
class RunReport {
 public:
  void apply(const Value& record);

  const std::string& run() const { return m_run; }
  const std::string& workflow() const { return m_workflow; }
  // "running", "succeeded", "failed", "cancelled", "paused" or "interrupted".
  const std::string& status() const { return m_status; }
  std::optional<std::int64_t> duration_ms() const { return m_duration_ms; }
  const std::string& error() const { return m_error; }  // RunFailed error, RunInterrupted and RunPaused reason
  // RunPaused: each signal it waits for with the command that sends it, and
  // the command that continues it after them.
  const std::vector<std::pair<std::string, std::string>>& waiting_for() const { return m_waiting_for; }
  const std::string& resume_command() const { return m_resume_command; }
  std::size_t planned() const { return m_planned; }     // RunStarted steps
  // Step instances in order of first appearance.
  const std::vector<StepReport>& steps() const { return m_steps; }
  const StepReport* find(std::string_view id) const;
  // Instances succeeded, failed or skipped (a failed attempt that is retried
  // is not done).
  std::size_t done() const;

 private:
  StepReport& step(const std::string& id);

  std::string m_run;
  std::string m_workflow;
  std::string m_status = "running";
  std::optional<std::int64_t> m_duration_ms;
  std::string m_error;
  std::vector<std::pair<std::string, std::string>> m_waiting_for;
  std::string m_resume_command;
  std::size_t m_planned = 0;
  std::vector<StepReport> m_steps;
  std::unordered_map<std::string, std::size_t> m_index;
};

// ✓ ✗ ⊘ for a finished step (↶ compensated, ✗ its compensation failed), ↻
// for one waiting to retry, else empty.
std::string_view step_symbol(StepState state);
// A step's line without its symbol: "build 1.2s", "test exit 2 · 0.4s · why"
// (first line of the error), "deploy skipped (reason)".
std::string step_outcome(const StepReport& step);
// Why a failed run failed, said once: "step 'plan' failed: E" is shortened
// to "step 'plan' failed" when E is the error of that step's ✗ line, which
// every renderer shows (in --quiet too).
std::string failure_cause(const RunReport& report);
// "test retry 2/3 in 4s" (the maximum from the step's StepRetryScheduled).
std::string retry_outcome(const StepReport& step, std::int64_t next_attempt, std::int64_t delay_ms);

// Text for a step's <system-out> (e.g. the tail of its log); empty for none.
using StepLog = std::function<std::string(const StepReport& step)>;

// JUnit XML (reference 3.10): one <testsuite> for the run, one <testcase> per
// step instance with its final attempt; failed -> <failure>, skipped ->
// <skipped/>, started but never finished -> <error>. Text is XML-escaped and
// stripped of escape sequences and characters XML 1.0 forbids.
std::string junit_xml(const RunReport& report, const StepLog& step_log = {});
std::string junit_xml(const std::vector<Value>& records, const StepLog& step_log = {});

// GitHub-flavoured Markdown: a heading with the outcome and a table of step,
// result and duration; '|' and line breaks in cells are escaped.
std::string summary_markdown(const RunReport& report);

// The final line of a run without its symbol: "ci succeeded in 3.4s
// (3 steps)", "ci failed in 3.4s: why", "ci cancelled after 3.4s", "ci paused
// after 3.4s · resume with: automata resume RUN", "ci paused after 3.4s:
// waiting for signal 'approve' · send it with: automata signal RUN approve,
// then: automata resume RUN". elapsed is used when the
// terminal record carries no duration. symbol is one of ✓ ✗ ⊘ ⏸, or empty
// while the run has not ended.
struct Outcome {
  std::string_view symbol;
  std::string text;
};
Outcome run_outcome(const RunReport& report, std::int64_t elapsed_ms);

// Appends summary_markdown(report) and a blank line to the file at path
// ($GITHUB_STEP_SUMMARY), creating it if needed. Errors are Errc::infra.
Result<void> append_step_summary(const std::string& path, const RunReport& report);

// Escapes text for XML element content or attribute values.
std::string xml_escape(std::string_view text);

}  // namespace automata::cli
