#pragma once
// The state of a run is a pure fold over its journal records (journal.md
// "Replay"). The same fold serves `status` from a journal, live status from
// the driving process, and resume.
#include <filesystem>
#include <map>
#include <unordered_map>
#include <optional>
#include <set>
#include <string_view>
#include <string>
#include <vector>

#include "engine/clock.hpp"
#include "engine/result.hpp"
#include "engine/step_kind.hpp"
#include "engine/value.hpp"

namespace automata::engine {

// Lets `steps` be searched by string_view without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// A StepProcess record: a process group an attempt started.
struct RecordedProcess {
  int attempt = 0;
  bool compensation = false;
  ProcessIdentity identity;
  std::int64_t kill_grace_ms = 0;  // its SIGTERM -> SIGKILL grace
};

struct StepState {
  std::string status = "pending";  // pending running retrying succeeded failed skipped cancelled
  int attempt = 0;
  Value outputs = Value::object();
  std::optional<int> exit_code;
  std::int64_t duration_ms = 0;
  std::string error;
  std::string reason;                // skipped
  std::string stdout_tail;           // when recorded
  bool has_stdout = false;
  bool continue_on_error = false;
  std::string first_started;         // ts of the first StepStarted
  std::string name;
  Value instance;                    // matrix values or null
  std::string matrix_of;             // parent step id of a matrix instance
  bool completed_once = false;       // a StepCompleted was folded (completion_order holds it)
  int checkpoint_attempt = 0;        // the attempt `checkpoints` belong to
  std::vector<Value> checkpoints;    // StepCheckpoint data of that attempt, in order
  // The process groups of the attempt (or compensation) that runs; cleared
  // when it ends, and by RunResumed, which is written only once a resume has
  // made sure none of them still runs (orphans.hpp).
  std::vector<RecordedProcess> processes;
};

struct RunState {
  std::string run_id;
  std::string workflow;
  std::string file;
  std::string source_hash;
  Value inputs = Value::object();
  std::vector<std::string> planned_steps;  // main step ids from RunStarted
  bool dry_run = false;                    // RunStarted: created with run --dry-run
  std::string status = "running";  // running paused succeeded failed cancelled interrupted
  std::string started;
  std::string finished;
  std::int64_t duration_ms = 0;
  std::string error;
  Value outputs = Value::object();
  std::vector<std::string> order;            // step ids in order of first appearance
  // Hashed: replay looks a step up for every record, and a tree of tens of
  // thousands of large nodes costs a cache miss per level.
  std::unordered_map<std::string, StepState, StringHash, std::equal_to<>> steps;
  std::vector<std::string> completion_order;  // succeeded steps, in completion order
  std::vector<SignalRecord> signals;
  std::set<std::string> compensated;          // CompensationCompleted or Failed
  std::set<std::string> compensation_failed;  // CompensationFailed
  std::map<std::string, std::string> compensation_errors;  // step -> CompensationFailed error
  std::map<std::string, Value> compensation_outputs;       // step -> CompensationCompleted outputs
  bool pause_requested = false;
  std::string paused_reason;
  // RunPaused `waiting_for`: the signals its wait steps wait for, less those
  // received since (the run then continues with `resume`).
  std::vector<std::string> waiting_for;
  // Running time: each drive runs from its RunStarted or RunResumed to its
  // end record (RunPaused, RunInterrupted, RunCompleted, RunFailed,
  // RunCancelled) or, killed, to its last record. Signals recorded while no
  // process drives the run are not running time.
  std::int64_t ended_drives_ms = 0;
  std::string drive_started;  // ts of the current drive's first record
  std::string drive_last;     // ts of its latest record (not a signal)
  bool drive_open = false;
  std::string last_end;       // ts of the latest end record
  std::uint64_t last_seq = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t llm_calls = 0;
  // Per model, for cost: model -> {prompt, completion}.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> tokens_by_model;

  void apply(const Value& record);
  void apply(Value&& record);  // moves what it keeps out of the record
  StepState& step(std::string_view id);
  // Milliseconds the run has been driven (the sum of its drives; with `now`,
  // the open drive counts until then), and since its first start (finished:
  // until its end; else until `now`, or without it the latest record).
  std::int64_t running_ms(std::optional<SystemTime> now = std::nullopt) const;
  std::int64_t elapsed_ms(std::optional<SystemTime> now = std::nullopt) const;
  // A step's final status as shown: `compensated` or `compensation_failed`
  // for a succeeded step that was rolled back, else its status.
  std::string shown_status(const std::string& id, const StepState& step) const;
  // `status --output json` (cli.md); with_steps false for `runs`. `now`: a
  // live driver's clock (durations of the open drive).
  Value to_json(bool with_steps, std::optional<SystemTime> now = std::nullopt) const;

 private:
  void apply_record(const Value& record, bool take_outputs);
  void add_llm_usage(const Value& record);  // the `llm` of StepCompleted and StepFailed
};

// How to continue a paused run, on its status object: `paused_reason`,
// `waiting_for` ([{"signal", "command"}], the `automata signal` command of
// each signal it waits for) and, when no process drives it any more,
// `resume_command` (`automata resume RUN`, after those signals).
void add_pause_fields(Value& out, const std::string& run_id, const std::string& reason,
                      const std::vector<std::string>& signals, bool process_exited);

RunState fold_records(const std::vector<Value>& records);
// Consumes the records, freeing each once folded.
RunState fold_records(std::vector<Value>&& records);
// Reads and folds a journal in one pass, folding while later records are
// still being decoded (status of a long run). Errors as load_journal.
Result<RunState> replay_journal(const std::filesystem::path& file);

}  // namespace automata::engine
