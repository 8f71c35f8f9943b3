#pragma once
// The one interface through which the engine sees a step kind (architecture.md):
// a name, a parameter schema, and execute(StepContext&) -> StepResult.
// Kinds are listed in an explicit table (StepKindRegistry), not self-registered.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.hpp"
#include "engine/process.hpp"
#include "engine/result.hpp"
#include "engine/value.hpp"

namespace automata::engine {

enum class ParamType { string, number, integer, boolean, duration, list, object, any };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::string;
  bool required = false;
  std::string description;
  Value default_value = nullptr;
  std::vector<std::string> choices;  // a string parameter that takes only these
};

// What is wrong with a parameter's value, as the end of a sentence
// ("must be a list, got 'x'", "must be one of merge, squash, rebase, got
// 'sqash' (did you mean 'squash'?)"), or nullopt when it fits the spec.
// `automata validate` applies it to literal values, the engine to every value
// once its expressions are rendered.
std::optional<std::string> param_problem(const ParamSpec& spec, const Value& value);

struct StepResult {
  bool succeeded = false;
  Value outputs = Value::object();
  std::optional<int> exit_code;
  bool timed_out = false;
  bool cancelled = false;  // stopped by cancel/interrupt, not a failure of its own
  std::string error;       // one line, for failures
  bool retryable = true;

  static StepResult success(Value outputs = Value::object()) {
    StepResult r;
    r.succeeded = true;
    r.outputs = std::move(outputs);
    return r;
  }
  static StepResult failure(std::string error, bool retryable = true) {
    StepResult r;
    r.error = std::move(error);
    r.retryable = retryable;
    return r;
  }
};

struct SignalRecord {
  std::string name;
  Value data;
};

// What a running step can see and do. Implemented by the engine; a fake in tests.
class StepContext {
 public:
  virtual ~StepContext() = default;
  virtual const std::string& step_id() const = 0;  // instance id, e.g. "lint[tool=cppcheck]"
  virtual int attempt() const = 0;
  virtual const Value& params() const = 0;  // `with`, expressions rendered, defaults applied
  virtual const std::vector<std::string>& environment() const = 0;  // KEY=VALUE for processes
  virtual const std::filesystem::path& working_directory() const = 0;
  virtual const std::filesystem::path& run_directory() const = 0;
  virtual std::optional<Duration> timeout() const = 0;
  virtual const Clock& clock() const = 0;
  virtual const CancelToken& cancel_token() const = 0;
  virtual ProcessLauncher& launcher() = 0;
  // When this step first started, across attempts and resumes (durable timers).
  virtual SystemTime first_started() const = 0;
  // Step output (stdout/stderr bytes, any chunking): logged and shown, secrets masked.
  virtual void output(OutputStream stream, std::string_view chunk) = 0;
  virtual void heartbeat(std::string message, std::optional<double> progress = std::nullopt) = 0;
  // Blocks until the named signal has been received by the run (returns it),
  // the deadline passes, or the step is cancelled (both: nullopt).
  virtual std::optional<SignalRecord> wait_for_signal(const std::string& name, std::optional<SystemTime> deadline) = 0;
  // Runs a child workflow whose journal is nested in this run (kind `workflow`).
  virtual StepResult run_child_workflow(const std::filesystem::path& file, const Value& inputs) = 0;
  // Masks secrets in a string (for outputs and errors a kind builds itself).
  virtual std::string mask(std::string_view text) const = 0;
  // The run was created with `run --dry-run`: kinds that change something
  // outside the workspace print what they would send and change nothing.
  virtual bool dry_run() const = 0;
  // Durable progress inside one step (an agent's turns, a model's reply):
  // each value is journaled (StepCheckpoint, secrets masked) before this
  // returns. When a killed run is resumed, the same attempt starts again with
  // checkpoints() holding what it had recorded, so it can go on from there
  // instead of repeating work (a model call already paid for).
  virtual Result<void> checkpoint(Value data) = 0;
  virtual const std::vector<Value>& checkpoints() const = 0;
  // Tokens a model call used, added to the step's StepCompleted `llm` record
  // (and so to the run's totals in `status`).
  virtual void add_llm_usage(const std::string& model, std::int64_t prompt_tokens, std::int64_t completion_tokens) = 0;
};

class StepKind {
 public:
  virtual ~StepKind() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  virtual const std::vector<ParamSpec>& params() const = 0;
  // Steps of kinds that only wait (sleep, wait) do not take one of the --jobs slots.
  virtual bool uses_job_slot() const { return true; }
  // Kinds that start no process (sleep, wait, workflow) skip building one
  // environment per step: it is the largest part of a durable step's cost.
  virtual bool needs_environment() const { return true; }
  // The secret variables (secret_names.hpp) this kind reads from its step
  // environment, given its rendered parameters: only these, and the ones the
  // step's own `env:` maps, are in that environment.
  virtual std::vector<std::string> secret_variables(const Value& params) const {
    (void)params;
    return {};
  }
  // A result known without waiting or working (a sleep whose time is up, as
  // on resume) is returned here, on the driver thread and under its lock:
  // handing such a step to a thread and back is most of its cost. Must not
  // print, heartbeat or wait. nullopt: run execute() on a step thread.
  virtual std::optional<StepResult> try_complete_at_once(StepContext& context) {
    (void)context;
    return std::nullopt;
  }
  virtual StepResult execute(StepContext& context) = 0;
};

class StepKindRegistry {
 public:
  void add(std::unique_ptr<StepKind> kind);
  StepKind* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::unique_ptr<StepKind>, std::less<>> m_kinds;
};

}  // namespace automata::engine
