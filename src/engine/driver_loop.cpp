// The scheduler loop (architecture.md step 4-7): a ready set, caps, retries,
// timeouts, stages (main, compensations, on_failure, finally), and the end.
#include <algorithm>

#include <fmt/format.h>

#include "engine/driver_context.hpp"
#include "engine/driver_impl.hpp"
#include "engine/loader.hpp"
#include "engine/retry.hpp"

namespace automata::engine {
namespace {

// The longest the loop sleeps without looking at its inbox (driver_inbox.hpp).
constexpr std::chrono::milliseconds k_wake_poll{50};

}  // namespace

void Driver::Impl::announce_total() {
  const std::size_t total = graph.total_instances;
  if (total != graph.announced_total) {
    graph.announced_total = total;
    sinks->on_total(total);
  }
}

void Driver::Impl::cancel_instance(Instance& instance, bool interrupt_child) {
  instance.cancel->cancel();
  // A child workflow's steps have their own tokens: the child driver is told
  // too, or a step waiting inside it would never notice.
  if (instance.child != nullptr) {
    if (interrupt_child) {
      instance.child->interrupt();
    } else {
      instance.child->post_signal("cancel", Value());
    }
  }
}

bool Driver::Impl::completed_before(const StepDef& def) const {
  if (const auto own = state.steps.find(def.id); own != state.steps.end() && own->second.status == "succeeded") {
    return true;
  }
  if (!def.matrix) {
    return false;
  }
  // A matrix step's instances ("id[...]"): a scan, on the rare paths (cancel
  // after resume) that ask about a step not expanded in this drive.
  for (const auto& [id, step] : state.steps) {
    if (step.status == "succeeded" && step.matrix_of == def.id) {
      return true;
    }
  }
  return false;
}

void Driver::Impl::request_stop(StopMode stop_mode) {
  if (!flow.raise_stop(stop_mode)) {
    return;
  }
  for (int index : graph.live) {
    Instance& instance = graph.instance(index);
    if (instance.phase != InstancePhase::running) {
      continue;
    }
    // Cleanup (compensations, on_failure, finally) keeps running on cancel and
    // rollback; only an interrupt stops it, so Ctrl-C ends the process promptly.
    const bool cleanup = instance.is_compensation || instance.def->phase != Phase::main;
    if (stop_mode != StopMode::interrupt && cleanup) {
      continue;
    }
    instance.cancel_requested = true;
    cancel_instance(instance, stop_mode == StopMode::interrupt);
  }
  wake.notify_all();
}

Result<void> Driver::Impl::handle_signal(const std::string& name, const Value& data) {
  TRY(emit({{"type", "SignalReceived"}, {"name", name}, {"data", data}}));
  if (name == "pause") {
    flow.paused = true;
  } else if (name == "resume") {
    flow.paused = false;
  } else if (name == "cancel") {
    flow.clear_pause();
    request_stop(StopMode::cancel);
  } else if (name == "rollback") {
    flow.clear_pause();
    if (!outcome.failed) {
      outcome.message = "rolled back by signal";
    }
    request_stop(StopMode::rollback);
  }
  // Children see the parent's signals through their wait steps.
  wake.notify_all();
  return {};
}

Result<void> Driver::Impl::skip_remaining(Phase which, const std::string& reason) {
  // A step that completed in an earlier drive but was not expanded in this one
  // (a run cancelled right after resume) keeps its result: it is expanded so
  // its instances are known as done (and can be compensated), never skipped.
  for (bool grew = true; grew;) {
    grew = false;
    for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
      const Node& node = graph.nodes[n];
      if (node.def->phase != which || node.expanded || !node_ready(node) || !completed_before(*node.def)) {
        continue;
      }
      TRY(expand(static_cast<int>(n)));
      grew = true;
    }
  }
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    Node& node = graph.nodes[n];
    if (node.def->phase != which || node.done) {
      continue;
    }
    if (!node.expanded) {
      node.expanded = true;
      TRY(emit({{"type", "StepSkipped"}, {"step", node.def->id}, {"reason", reason}}));
      graph.node_done(static_cast<int>(n));
      node.status = "skipped";
      continue;
    }
    for (int index : node.instances) {
      Instance& instance = graph.instance(index);
      if (instance.phase == InstancePhase::waiting || instance.phase == InstancePhase::retry_wait) {
        TRY(emit({{"type", "StepSkipped"}, {"step", instance.id}, {"reason", reason}}));
        TRY(finish_instance(instance, "skipped"));
      }
    }
  }
  return {};
}

Result<void> Driver::Impl::run_compensations() {
  // Called once when the compensation stage begins: completed main steps with
  // a compensation, newest first.
  for (auto it = state.completion_order.rbegin(); it != state.completion_order.rend(); ++it) {
    if (state.compensated.count(*it) != 0) {
      continue;
    }
    for (std::size_t i = 0; i < graph.instances.size(); ++i) {
      Instance& original = graph.instances[i];
      if (original.id != *it || original.is_compensation || original.status != "succeeded") {
        continue;
      }
      const StepDef* def = graph.node(original.node).def;
      if (!def->compensate || def->phase != Phase::main) {
        continue;
      }
      Instance compensation;
      compensation.node = original.node;
      compensation.id = original.id;
      compensation.matrix = original.matrix;
      compensation.def = def->compensate.get();
      compensation.is_compensation = true;
      compensation.condition_checked = true;
      compensation.uses_slot = false;
      graph.instances.push_back(std::move(compensation));
      flow.compensation_queue.push_back(static_cast<int>(graph.instances.size() - 1));
    }
  }
  return {};
}

// The loop (ninja's Builder, style.md): take what arrived, start what is
// ready, and when nothing runs decide what the run does next; then sleep
// until something can happen. Each phase is one function below.
Result<DriveResult> Driver::Impl::run_loop() {
  std::unique_lock lock(mutex);
  build_nodes();
  if (auto prepared = prepare_contexts(); !prepared.ok()) {
    outcome.message = prepared.error().message;
    TRY(emit({{"type", "RunFailed"}, {"duration_ms", 0}, {"error", outcome.message}}));
    TRY(journal->sync());
    return DriveResult{RunEnd::failed, outcome.message, Value::object(), {}};
  }
  announce_total();
  while (true) {
    TRY(take_inbox());
    TRY(take_completions());
    const SteadyTime now = services.clock->steady_now();
    enforce_timeouts(now);
    if (flow.may_schedule()) {
      TRY(schedule_ready(now));
    }
    TRY_ASSIGN(const bool compensating, start_next_compensation(now));
    if (compensating) {
      continue;
    }
    TRY_ASSIGN(Turn turn, decide_turn(lock));
    switch (turn.next) {
      case Turn::Next::again:
        continue;
      case Turn::Next::sleep:
        sleep_until_next(lock);
        continue;
      case Turn::Next::stop:
        return std::move(turn.result);
      case Turn::Next::end_run:
        return end_run();
    }
  }
}

Result<void> Driver::Impl::take_inbox() {
  for (auto& [name, data] : inbox.take()) {
    TRY(handle_signal(name, data));
  }
  if (inbox.interrupt_requested() && flow.stop != StopMode::interrupt) {
    request_stop(StopMode::interrupt);
  }
  return {};
}

Result<void> Driver::Impl::take_completions() {
  while (!completions.empty()) {
    Completion completion = std::move(completions.front());
    completions.pop_front();
    // The job that pushed the completion no longer touches the instance.
    graph.instance(completion.instance).executing = false;
    TRY(handle_completion(std::move(completion)));
  }
  return {};
}

void Driver::Impl::enforce_timeouts(SteadyTime now) {
  graph.prune_live();
  for (int index : graph.live) {
    Instance& instance = graph.instance(index);
    if (instance.phase == InstancePhase::running && !instance.timed_out && now >= instance.deadline) {
      instance.timed_out = true;
      cancel_instance(instance, false);
    }
  }
}

// Compensations run one at a time, newest completed step first.
Result<bool> Driver::Impl::start_next_compensation(SteadyTime now) {
  if (flow.stage != RunStage::compensate || flow.stop == StopMode::interrupt || flow.pause_exit || graph.running_count(false) != 0 ||
      flow.compensation_queue.empty()) {
    return false;
  }
  const int next = flow.compensation_queue.front();
  flow.compensation_queue.erase(flow.compensation_queue.begin());
  TRY(start_attempt(next, now));
  return true;
}

Result<Driver::Impl::Turn> Driver::Impl::decide_turn(std::unique_lock<std::mutex>& lock) {
  const int running = graph.running_count(false);
  flow.held_waiting_for.clear();
  if (running == 0 && flow.paused && !flow.pause_exit && flow.stop == StopMode::none && options.hold_when_paused) {
    // Held: nothing runs until a `resume` (or a stop) arrives.
    wake.wait_for(lock, k_wake_poll);
    return Turn{Turn::Next::again, {}};
  }
  if (running == 0) {
    return when_nothing_runs();
  }
  if (running == flow.blocked_on_signal && flow.stop == StopMode::none && !flow.pause_exit) {
    return when_only_waits_run();
  }
  return Turn{Turn::Next::sleep, {}};
}

Result<Driver::Impl::Turn> Driver::Impl::when_nothing_runs() {
  if (flow.stop == StopMode::interrupt) {
    TRY(emit({{"type", "RunInterrupted"}, {"reason", inbox.interrupt_requested() ? "interrupted by signal" : "stopped"}}));
    TRY(journal->sync());
    return Turn{Turn::Next::stop, DriveResult{RunEnd::interrupted, "interrupted", Value::object(), {}}};
  }
  if (flow.paused || flow.pause_exit) {
    TRY_ASSIGN(DriveResult result, pause_run());
    return Turn{Turn::Next::stop, std::move(result)};
  }
  // After a cancel or rollback nothing new starts, so the main steps that
  // have not run (not yet ready, or not yet expanded) are skipped now:
  // otherwise the stage would wait forever for steps no one will start.
  if (flow.stage == RunStage::main && (flow.stop == StopMode::cancel || flow.stop == StopMode::rollback)) {
    TRY(skip_remaining(Phase::main, flow.stop == StopMode::cancel ? "run cancelled" : "run rolled back"));
  }
  if (!stage_done()) {
    return Turn{Turn::Next::sleep, {}};  // only retry timers can move it
  }
  if (flow.stage == RunStage::main && flow.stop == StopMode::rollback) {
    outcome.failed = true;
  }
  flow.stage = next_stage(flow.stage, outcome.failed, flow.stop);
  if (flow.stage == RunStage::compensate && !flow.compensations_planned) {
    flow.compensations_planned = true;
    TRY(run_compensations());
  }
  return Turn{flow.stage == RunStage::end ? Turn::Next::end_run : Turn::Next::again, {}};
}

bool Driver::Impl::stage_done() const {
  if (flow.stage == RunStage::compensate) {
    return flow.compensation_queue.empty();
  }
  if (!schedules_steps(flow.stage)) {
    return true;
  }
  return graph.phase_done(phase_of(flow.stage));
}

// Everything still running waits for a signal and nothing else is ready or
// retrying: a held run waits on in this process; any other pauses until a
// signal and `resume`.
Driver::Impl::Turn Driver::Impl::when_only_waits_run() {
  const bool other_work = std::any_of(graph.live.begin(), graph.live.end(), [this](int index) {
    return graph.instance(index).phase == InstancePhase::retry_wait;
  });
  if (other_work) {
    return Turn{Turn::Next::sleep, {}};
  }
  if (options.hold_when_paused) {
    // Held: the waits go on in this process; live status shows what they wait for.
    flow.held_waiting_for = graph.awaited_signals(InstancePhase::running);
    return Turn{Turn::Next::sleep, {}};
  }
  flow.pause_exit = true;
  for (int index : graph.live) {
    Instance& instance = graph.instance(index);
    if (instance.phase == InstancePhase::running) {
      // A child workflow waiting for a signal is stopped like on Ctrl-C:
      // it records RunInterrupted and resumes with the parent.
      cancel_instance(instance, true);
    }
  }
  wake.notify_all();
  return Turn{Turn::Next::again, {}};
}

Result<DriveResult> Driver::Impl::pause_run() {
  std::string reason = "paused by signal";
  std::vector<std::string> names;
  if (flow.pause_exit) {
    names = graph.awaited_signals(InstancePhase::waiting);
    reason = fmt::format("waiting for signal {}",
                         names.empty() ? std::string("") : fmt::format("'{}'", fmt::join(names, "', '")));
  }
  // How to continue, for every output mode: the signals to send, then resume.
  Value how = Value::object();
  add_pause_fields(how, run_id, reason, names, true);
  Value record = {{"type", "RunPaused"}, {"reason", reason}};
  if (how.contains("waiting_for")) {
    record["waiting_for"] = how["waiting_for"];
  }
  record["resume_command"] = how["resume_command"];
  TRY(emit(std::move(record)));
  TRY(journal->sync());
  return DriveResult{RunEnd::paused, reason, Value::object(), names};
}

// Sleeps until the next thing that can happen: a completion, a signal, a
// retry coming due, or a timeout.
void Driver::Impl::sleep_until_next(std::unique_lock<std::mutex>& lock) {
  SteadyTime next = SteadyTime::max();
  for (int index : graph.live) {
    const Instance& instance = graph.instance(index);
    if (instance.phase == InstancePhase::retry_wait) {
      next = std::min(next, instance.retry_at);
    } else if (instance.phase == InstancePhase::running && !instance.timed_out) {
      next = std::min(next, instance.deadline);
    }
  }
  if (!completions.empty() || inbox.has_signals() || (inbox.interrupt_requested() && flow.stop != StopMode::interrupt)) {
    return;
  }
  // The wait is on the driver's clock (tests move theirs by hand), and never
  // longer than k_wake_poll of real time.
  Duration wait = k_wake_poll;
  if (next != SteadyTime::max()) {
    wait = std::clamp(std::chrono::ceil<Duration>(next - services.clock->steady_now()), Duration(0), wait);
  }
  wake.wait_for(lock, services.clock->real_wait(wait));
}

// Every stage is over: the workflow's outputs and the closing record.
Result<DriveResult> Driver::Impl::end_run() {
  // duration_ms: the time the run was driven, this drive and those before
  // (resumes); elapsed_ms: since its first start.
  const SystemTime end_time = services.clock->wall_now();
  const std::int64_t duration_ms = state.running_ms(end_time);
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(end_time - run_started_wall).count();
  if (flow.stop == StopMode::cancel) {
    TRY(emit({{"type", "RunCancelled"}, {"duration_ms", duration_ms}, {"elapsed_ms", elapsed_ms}}));
    TRY(journal->sync());
    return DriveResult{RunEnd::cancelled, "cancelled", Value::object(), {}};
  }
  Value outputs = Value::object();
  if (!outcome.failed) {
    expr::EvalContext context = eval_context(nullptr, nullptr);
    for (const auto& [name, text] : workflow->outputs) {
      auto value = render(text, context);
      if (!value.ok()) {
        outcome.failed = true;
        outcome.message = fmt::format("workflow output '{}': {}", name, value.error().message);
        break;
      }
      outputs[name] = std::move(value.value());
    }
  }
  if (outcome.failed) {
    Value failed = {
        {"type", "RunFailed"}, {"duration_ms", duration_ms}, {"elapsed_ms", elapsed_ms}, {"error", outcome.message}};
    if (outcome.budget_exceeded) {
      failed["budget_exceeded"] = true;
    }
    TRY(emit(std::move(failed)));
    TRY(journal->sync());
    return DriveResult{RunEnd::failed, outcome.message, Value::object(), {}};
  }
  masker.mask_value(outputs);
  TRY(emit({{"type", "RunCompleted"}, {"duration_ms", duration_ms}, {"elapsed_ms", elapsed_ms}, {"outputs", outputs}}));
  TRY(journal->sync());
  return DriveResult{RunEnd::succeeded, "", outputs, {}};
}

}  // namespace automata::engine
