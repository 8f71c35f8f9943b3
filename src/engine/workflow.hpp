#pragma once
// The workflow model: what a workflow file means once loaded and validated
// (dsl.md). Every string that may hold ${{ }} is kept as its source text and
// parsed into a Template when used; the loader has already checked it parses.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/clock.hpp"
#include "engine/diagnostics.hpp"
#include "engine/value.hpp"

namespace automata::engine {



// A string field that may contain expressions, with where it came from.
struct TemplateText {
  std::string text;
  SourcePos pos;
};
using NamedTemplates = std::vector<std::pair<std::string, TemplateText>>;

enum class InputType { string, number, boolean, list, choice };

struct InputDecl {
  std::string name;
  InputType type = InputType::string;
  std::optional<Value> default_value;  // no default: the input is required
  std::vector<Value> options;          // choice
  std::string description;
  SourcePos pos;
};

struct RetryPolicy {
  int max_attempts = 1;
  Duration initial_interval{1000};
  double backoff = 2.0;
  Duration max_interval{60000};
  double jitter = 0.2;  // fraction of the delay added or removed at random
  std::vector<int> non_retryable_exit_codes;
  std::optional<TemplateText> when;  // over attempt.exit_code, attempt.timed_out, attempt.error
};

struct MatrixDef {
  Value axes = Value::object();     // axis name -> list of values (or an expression string), in file order
  std::vector<std::pair<std::string, SourcePos>> axis_positions;  // of axes given as expressions
  std::vector<Value> include;       // objects added (or merged into matching combinations)
  std::vector<Value> exclude;       // objects removing matching combinations
  std::optional<TemplateText> from;  // an expression giving a list, evaluated when the step is ready
};

enum class Phase { main, on_failure, finally };

struct StepDef {
  std::string id;
  std::string name;  // display name; empty: the id
  SourcePos pos;     // of the id
  Phase phase = Phase::main;

  std::optional<TemplateText> run;  // shell step
  std::string uses;                 // step kind ("shell" for run steps)
  SourcePos uses_pos;
  Value with = Value::object();     // parameters, strings may hold expressions
  std::vector<std::pair<std::string, SourcePos>> with_positions;
  std::vector<std::pair<std::string, SourcePos>> child_input_positions;  // keys of with.inputs, if a map

  std::vector<std::string> needs;
  std::vector<SourcePos> needs_pos;
  std::optional<TemplateText> if_expr;
  std::optional<MatrixDef> matrix;
  int max_parallel = 0;  // 0: no cap beyond the run's
  bool fail_fast = true;

  NamedTemplates env;
  std::optional<TemplateText> working_directory;
  std::string shell;  // empty: the workflow default
  std::optional<Duration> timeout;
  RetryPolicy retry;
  bool continue_on_error = false;
  std::shared_ptr<StepDef> compensate;
  NamedTemplates outputs;
};

struct Workflow {
  std::string file;    // as given on the command line
  std::string source;  // the exact bytes loaded
  std::string source_hash;  // sha256 hex of source
  int version = 1;
  std::string name;
  std::string description;
  std::vector<InputDecl> inputs;
  std::vector<std::string> secrets;
  NamedTemplates env;
  std::optional<Duration> default_timeout;
  RetryPolicy default_retry;
  std::string default_shell = "bash";
  std::optional<TemplateText> default_working_directory;
  int concurrency = 0;  // 0: only --jobs caps
  // `budget:` the run fails, stopping its steps, once its LLM steps have used
  // more than this (tokens: prompt + completion; cost: US dollars, priced by
  // DriveOptions::prices).
  std::optional<std::int64_t> max_tokens_total;
  std::optional<double> max_cost;
  std::vector<StepDef> steps;  // main, on_failure and finally, in file order
  NamedTemplates outputs;

  // Step id -> index in `steps`, kept by the loader (lookups in big files).
  std::unordered_map<std::string, std::size_t> step_index;
  const StepDef* find_step(std::string_view id) const;
};

}  // namespace automata::engine
