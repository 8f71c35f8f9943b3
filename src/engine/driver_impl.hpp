#pragma once
// Private to the driver: the state of one driven run. All fields below the
// mutex are guarded by it; step threads touch only their Instance's
// `context`, and report through `completions`.
#include <random>

#include "engine/async_sinks.hpp"
#include "engine/driver_inbox.hpp"
#include "engine/driver.hpp"
#include "engine/step_threads.hpp"
#include "engine/expr.hpp"
#include "engine/expression_scope.hpp"
#include "engine/run_flow.hpp"
#include "engine/shell_script.hpp"
#include "engine/step_graph.hpp"

namespace automata::engine {

class InstanceContext;
class ControlServer;

struct Completion {
  int instance = -1;
  StepResult result;
};

inline constexpr int k_max_running_waiters = 256;


struct Driver::Impl {
  // Fixed at open.
  std::filesystem::path run_dir;
  std::string run_id;
  std::shared_ptr<const Workflow> workflow;
  Masker masker;
  EngineServices services;
  // services.sinks, fed from a thread of its own (async_sinks.hpp); made at
  // open, flushed at the end of each drive, closed after the step threads.
  std::unique_ptr<AsyncSinks> sinks;
  DriveOptions options;
  OpenMode mode;
  std::optional<RunLock> run_lock;
  std::unique_ptr<JournalWriter> journal;
  std::optional<std::string> torn_note;
  std::filesystem::path cwd;  // where the run started
  Value inputs;
  ExpressionScope scope;  // contexts, environments, caches (driver_eval.cpp)
  SystemTime run_started_wall{};
  std::mt19937_64 random_engine{std::random_device{}()};
  std::string parent_label;  // prefix for a child's heartbeats
  StepContext* parent_context = nullptr;  // a child workflow waits for signals through its parent step

  std::mutex mutex;
  std::condition_variable wake;
  RunState state;     // the fold of the journal
  StepGraph graph;    // the steps and their instances
  RunFlow flow;       // the stage, stops and pauses
  RunOutcome outcome;
  std::deque<Completion> completions;  // finished attempts, from the step threads
  DriverInbox inbox;  // signals and interrupts from other threads (its own lock)
  std::unique_ptr<ControlServer> control;
  // Last: destroyed (and so joined) before anything its jobs touch.
  StepThreads step_threads;
  void stop_step_threads();  // cancel what still executes, wait for every job to return
  // driver_budget.cpp
  // `pending`: the `llm` usage of the step being recorded, not yet folded.
  std::optional<std::string> budget_problem(const Value& pending) const;
  void check_budget(const Value& pending);  // before a step's usage is recorded: may stop the run

  // driver.cpp
  Result<Value> emit(Value record);  // mask, journal, fold, deliver; returns the full record
  Result<DriveResult> run_loop();
  // driver_loop.cpp: the phases of one turn of the loop.
  struct Turn {
    enum class Next { again, sleep, stop, end_run } next = Next::sleep;
    DriveResult result;  // for stop: how the drive ends (interrupted, paused)
  };
  Result<void> take_inbox();        // posted signals and an interrupt
  Result<void> take_completions();  // finished attempts
  void enforce_timeouts(SteadyTime now);
  Result<bool> start_next_compensation(SteadyTime now);
  Result<Turn> decide_turn(std::unique_lock<std::mutex>& lock);
  Result<Turn> when_nothing_runs();
  Turn when_only_waits_run();
  bool stage_done() const;
  Result<DriveResult> pause_run();
  void sleep_until_next(std::unique_lock<std::mutex>& lock);
  Result<DriveResult> end_run();
  // driver_schedule.cpp
  void build_nodes();  // the graph, and which steps expressions read
  bool node_ready(const Node& node) const;
  Result<void> expand(int node_index);
  Result<bool> schedule_ready(SteadyTime now);
  Result<void> start_attempt(int index, SteadyTime now);
  Result<void> handle_completion(Completion completion);
  Result<void> finish_instance(Instance& instance, const std::string& status);
  Result<void> prepare_attempt(Instance& instance, const expr::EvalContext& context, InstanceContext& step_context);
  void update_node(int node_index);
  void request_stop(StopMode stop_mode);
  // Cancels a running instance's attempt, and the child workflow it drives
  // (interrupted, or sent `cancel`).
  void cancel_instance(Instance& instance, bool interrupt_child);
  // Whether the journal shows the step (or one of its matrix instances) succeeded.
  bool completed_before(const StepDef& def) const;
  Result<void> run_compensations();
  Result<void> skip_remaining(Phase which, const std::string& reason);
  Result<void> handle_signal(const std::string& name, const Value& data);
  Result<void> write_run_json(const std::string& status);
  void announce_total();
  // driver_eval.cpp
  expr::EvalContext eval_context(const Instance* instance, const Value* attempt);
  Result<Value> render(const TemplateText& text, const expr::EvalContext& context);
  Result<Value> render_value(const Value& value, const expr::EvalContext& context);
  // `decided_by_needs` (when given) is set when the result is false because
  // the implicit success() was: no condition, or one without a status function.
  Result<bool> evaluate_condition(const std::optional<TemplateText>& text, const expr::EvalContext& context,
                                  bool default_value, bool* decided_by_needs = nullptr);
  expr::StatusFlags needs_status(const StepDef& def) const;
  void update_steps_context(const Instance& instance);
  std::vector<std::string> step_environment(const StepDef& def, const Instance& instance, const expr::EvalContext& ctx,
                                            const std::vector<std::string>& secret_names, Result<void>& error);
  // The secret variables a step names: $NAME in its run text (declared secrets), its kind's, its *_env parameters'.
  std::vector<std::string> secrets_for_step(const StepDef& def, const StepKind* kind, const Value& params);
  Result<std::shared_ptr<const ShellScript>> shell_script(const TemplateText& run, const std::string& shell);
  // AUTOMATA_EXPR_<n>=value for each expression of a run script (shell_script.hpp).
  Result<std::vector<std::string>> script_variables(const ShellScript& script, const expr::EvalContext& context);
  Result<void> prepare_contexts();
};

}  // namespace automata::engine
