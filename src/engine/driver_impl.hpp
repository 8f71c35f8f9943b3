#pragma once
// Private to the driver: the state of one driven run. All fields below the
// mutex are guarded by it; step threads touch only their Instance's
// `context`, and report through `completions`.
#include <atomic>
#include <random>
#include <map>
#include <unordered_map>
#include <set>

#include "engine/async_sinks.hpp"
#include "engine/driver.hpp"
#include "engine/step_threads.hpp"
#include "engine/expr.hpp"
#include "engine/expression_scope.hpp"
#include "engine/run_stage.hpp"
#include "engine/shell_script.hpp"

namespace automata::engine {

class InstanceContext;
class ControlServer;

enum class InstancePhase { waiting, running, retry_wait, done };

struct Instance {
  int node = -1;
  std::string id;
  Value matrix;  // null when the step has no matrix
  InstancePhase phase = InstancePhase::waiting;
  std::string status;  // final: succeeded failed skipped cancelled
  int attempt = 0;     // of the attempt running or last run
  int attempt_base = 0;  // attempts before this drive (a failed step re-run by resume)
  bool resumed_attempt = false;  // the journal shows this attempt started but not finished
  SteadyTime retry_at{};
  SteadyTime started_at{};
  SteadyTime deadline = SteadyTime::max();  // timeout of the running attempt
  bool timed_out = false;
  bool cancel_requested = false;
  bool uses_slot = true;
  bool condition_checked = false;
  bool is_compensation = false;
  const StepDef* def = nullptr;  // the step (or compensation) this instance runs
  std::unique_ptr<CancelToken> cancel;
  std::unique_ptr<InstanceContext> context;
  bool executing = false;  // a step thread runs this attempt (until its completion is handled)
  Driver* child = nullptr;  // a child workflow's driver while one runs in this instance
  Value outputs = Value::object();
  std::optional<int> exit_code;
  std::string error;
  std::int64_t duration_ms = 0;
};

struct Node {
  const StepDef* def = nullptr;
  bool expanded = false;
  bool done = false;
  std::vector<int> instances;
  std::string status;  // aggregated final status
  int pending_needs = 0;        // needs not done yet; ready at 0
  std::vector<int> dependents;  // nodes that need this one
};

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
  std::vector<std::string> base_environment;
  Value inputs;
  ExpressionScope scope;  // contexts, environments, caches (driver_eval.cpp)
  SteadyTime drive_started{};
  SystemTime run_started_wall{};
  std::int64_t previous_duration_ms = 0;
  std::mt19937_64 random_engine{std::random_device{}()};
  std::string parent_label;          // prefix for a child's heartbeats

  std::mutex mutex;
  std::condition_variable wake;
  RunState state;
  std::vector<Node> nodes;
  std::deque<Instance> instances;  // deque: step threads hold references across push_back
  std::deque<Completion> completions;
  // Posted signals and interrupts arrive without `mutex`: a parent driver
  // holds its own mutex when it stops a child, while the child's events take
  // the parent's mutex (heartbeats), so taking the child's here could
  // deadlock. `inbox_mutex` is a leaf lock; the loop's waits are bounded
  // (k_wake_poll) so a notify that slips between check and wait is not lost.
  std::mutex inbox_mutex;
  std::deque<std::pair<std::string, Value>> posted_signals;  // guarded by inbox_mutex
  std::atomic<bool> interrupt_requested{false};
  StopMode stop = StopMode::none;
  bool paused = false;
  int blocked_on_signal = 0;
  RunStage stage = RunStage::main;
  bool pause_exit = false;  // only waits for signals remain: stop them and exit paused
  // hold_when_paused and only waits for signals remain: the signals they wait
  // for (live status shows the run paused, waiting for them).
  std::vector<std::string> held_waiting_for;
  std::vector<int> compensation_queue;  // instance indices, run one at a time
  StepContext* parent_context = nullptr;  // a child workflow waits for signals through its parent step
  bool run_failed = false;
  bool budget_exceeded = false;  // the run's budget stopped it (RunFailed says so)
  std::string failure_message;
  std::string failed_step;
  std::size_t announced_total = 0;
  // Scheduling is event-driven so a step costs the same in a run of 30 or
  // 30,000 steps: nodes whose needs are all done wait in ready_nodes, expanded
  // unfinished nodes in active_nodes, running or retrying instances in live.
  std::unordered_map<std::string, int> node_by_id;
  std::vector<int> ready_nodes;
  std::vector<int> active_nodes;
  std::vector<int> live;
  std::size_t total_instances = 0;
  void node_done(int node_index);
  std::unique_ptr<ControlServer> control;
  // Last: destroyed (and so joined) before anything its jobs touch.
  StepThreads step_threads;
  void stop_step_threads();
  // driver_budget.cpp
  // `pending`: the `llm` usage of the step being recorded, not yet folded.
  std::optional<std::string> budget_problem(const Value& pending) const;
  void check_budget(const Value& pending);  // before a step's usage is recorded: may stop the run  // cancel what still executes, wait for every job to return

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
  bool may_schedule() const;
  Result<bool> start_next_compensation(SteadyTime now);
  Result<Turn> decide_turn(std::unique_lock<std::mutex>& lock);
  Result<Turn> when_nothing_runs();
  Turn when_only_waits_run();
  bool stage_done() const;
  Result<DriveResult> pause_run();
  void sleep_until_next(std::unique_lock<std::mutex>& lock);
  Result<DriveResult> end_run();
  bool compensations_planned = false;  // the compensation stage queued them (once)
  // driver_schedule.cpp
  void build_nodes();
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
  int running_count(bool slots_only) const;
  Result<void> run_compensations();
  Result<void> skip_remaining(Phase which, const std::string& reason);
  Result<void> handle_signal(const std::string& name, const Value& data);
  Result<void> write_run_json(const std::string& status);
  void announce_total();
  // driver_eval.cpp
  expr::EvalContext eval_context(const Instance* instance, const Value* attempt) ;
  Result<Value> render(const TemplateText& text, const expr::EvalContext& context);
  Result<Value> render_value(const Value& value, const expr::EvalContext& context);
  Result<bool> evaluate_condition(const std::optional<TemplateText>& text, const expr::EvalContext& context,
                                  bool default_value);
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
