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

// The longest the loop sleeps without looking at its inbox (see inbox_mutex).
constexpr std::chrono::milliseconds k_wake_poll{50};

// The signals the `wait` steps in `phase` wait for, in step order.
std::vector<std::string> awaited_signals(const std::deque<Instance>& instances, InstancePhase phase) {
  std::vector<std::string> names;
  for (const auto& instance : instances) {
    if (instance.phase == phase && !instance.is_compensation && instance.def->uses == "wait") {
      const std::string name = instance.def->with.value("signal", std::string());
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  return names;
}

}  // namespace

int Driver::Impl::running_count(bool slots_only) const {
  int count = 0;
  for (int index : live) {
    const Instance& instance = instances[static_cast<std::size_t>(index)];
    if (instance.phase == InstancePhase::running && (!slots_only || instance.uses_slot)) {
      ++count;
    }
  }
  return count;
}

void Driver::Impl::announce_total() {
  const std::size_t total = total_instances;
  if (total != announced_total) {
    announced_total = total;
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
  // interrupt > rollback > cancel: a stronger stop replaces a weaker one.
  if (static_cast<int>(stop_mode) <= static_cast<int>(stop)) {
    return;
  }
  stop = stop_mode;
  for (int index : live) {
    Instance& instance = instances[static_cast<std::size_t>(index)];
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
    paused = true;
  } else if (name == "resume") {
    paused = false;
  } else if (name == "cancel") {
    // A stop outranks a pause: a paused run that is cancelled must not end
    // paused (the cancel would be lost until a resume).
    paused = false;
    pause_exit = false;
    request_stop(StopMode::cancel);
  } else if (name == "rollback") {
    paused = false;
    pause_exit = false;
    if (!run_failed) {
      failure_message = "rolled back by signal";
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
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      const Node& node = nodes[n];
      if (node.def->phase != which || node.expanded || !node_ready(node) || !completed_before(*node.def)) {
        continue;
      }
      TRY(expand(static_cast<int>(n)));
      grew = true;
    }
  }
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    Node& node = nodes[n];
    if (node.def->phase != which || node.done) {
      continue;
    }
    if (!node.expanded) {
      node.expanded = true;
      TRY(emit({{"type", "StepSkipped"}, {"step", node.def->id}, {"reason", reason}}));
      node_done(static_cast<int>(n));
      node.status = "skipped";
      continue;
    }
    for (int index : node.instances) {
      Instance& instance = instances[static_cast<std::size_t>(index)];
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
    for (std::size_t i = 0; i < instances.size(); ++i) {
      Instance& original = instances[i];
      if (original.id != *it || original.is_compensation || original.status != "succeeded") {
        continue;
      }
      const StepDef* def = nodes[static_cast<std::size_t>(original.node)].def;
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
      instances.push_back(std::move(compensation));
      compensation_queue.push_back(static_cast<int>(instances.size() - 1));
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
    failure_message = prepared.error().message;
    TRY(emit({{"type", "RunFailed"}, {"duration_ms", 0}, {"error", failure_message}}));
    TRY(journal->sync());
    return DriveResult{RunEnd::failed, failure_message, Value::object(), {}};
  }
  announce_total();
  while (true) {
    TRY(take_inbox());
    TRY(take_completions());
    const SteadyTime now = services.clock->steady_now();
    enforce_timeouts(now);
    if (may_schedule()) {
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
  std::deque<std::pair<std::string, Value>> inbox;
  {
    std::lock_guard inbox_lock(inbox_mutex);
    inbox.swap(posted_signals);
  }
  for (auto& [name, data] : inbox) {
    TRY(handle_signal(name, data));
  }
  if (interrupt_requested && stop != StopMode::interrupt) {
    request_stop(StopMode::interrupt);
  }
  return {};
}

Result<void> Driver::Impl::take_completions() {
  while (!completions.empty()) {
    Completion completion = std::move(completions.front());
    completions.pop_front();
    // The job that pushed the completion no longer touches the instance.
    instances[static_cast<std::size_t>(completion.instance)].executing = false;
    TRY(handle_completion(std::move(completion)));
  }
  return {};
}

void Driver::Impl::enforce_timeouts(SteadyTime now) {
  std::erase_if(live, [&](int index) {
    const auto phase = instances[static_cast<std::size_t>(index)].phase;
    return phase != InstancePhase::running && phase != InstancePhase::retry_wait;
  });
  for (int index : live) {
    Instance& instance = instances[static_cast<std::size_t>(index)];
    if (instance.phase == InstancePhase::running && !instance.timed_out && now >= instance.deadline) {
      instance.timed_out = true;
      cancel_instance(instance, false);
    }
  }
}

bool Driver::Impl::may_schedule() const {
  // A cancel or rollback stops the main steps, not the cleanup stages
  // (on_failure, finally) that follow them.
  const bool cleanup = stage == RunStage::on_failure || stage == RunStage::finally;
  return (stop == StopMode::none || (stop != StopMode::interrupt && cleanup)) && !paused && !pause_exit;
}

// Compensations run one at a time, newest completed step first.
Result<bool> Driver::Impl::start_next_compensation(SteadyTime now) {
  if (stage != RunStage::compensate || stop == StopMode::interrupt || pause_exit || running_count(false) != 0 ||
      compensation_queue.empty()) {
    return false;
  }
  const int next = compensation_queue.front();
  compensation_queue.erase(compensation_queue.begin());
  TRY(start_attempt(next, now));
  return true;
}

Result<Driver::Impl::Turn> Driver::Impl::decide_turn(std::unique_lock<std::mutex>& lock) {
  const int running = running_count(false);
  held_waiting_for.clear();
  if (running == 0 && paused && !pause_exit && stop == StopMode::none && options.hold_when_paused) {
    // Held: nothing runs until a `resume` (or a stop) arrives.
    wake.wait_until(lock, std::chrono::steady_clock::now() + k_wake_poll);
    return Turn{Turn::Next::again, {}};
  }
  if (running == 0) {
    return when_nothing_runs();
  }
  if (running == blocked_on_signal && stop == StopMode::none && !pause_exit) {
    return when_only_waits_run();
  }
  return Turn{Turn::Next::sleep, {}};
}

Result<Driver::Impl::Turn> Driver::Impl::when_nothing_runs() {
  if (stop == StopMode::interrupt) {
    TRY(emit({{"type", "RunInterrupted"}, {"reason", interrupt_requested ? "interrupted by signal" : "stopped"}}));
    TRY(journal->sync());
    return Turn{Turn::Next::stop, DriveResult{RunEnd::interrupted, "interrupted", Value::object(), {}}};
  }
  if (paused || pause_exit) {
    TRY_ASSIGN(DriveResult result, pause_run());
    return Turn{Turn::Next::stop, std::move(result)};
  }
  // After a cancel or rollback nothing new starts, so the main steps that
  // have not run (not yet ready, or not yet expanded) are skipped now:
  // otherwise the stage would wait forever for steps no one will start.
  if (stage == RunStage::main && (stop == StopMode::cancel || stop == StopMode::rollback)) {
    TRY(skip_remaining(Phase::main, stop == StopMode::cancel ? "run cancelled" : "run rolled back"));
  }
  if (!stage_done()) {
    return Turn{Turn::Next::sleep, {}};  // only retry timers can move it
  }
  if (stage == RunStage::main && stop == StopMode::rollback) {
    run_failed = true;
  }
  stage = next_stage(stage, run_failed, stop);
  if (stage == RunStage::compensate && !compensations_planned) {
    compensations_planned = true;
    TRY(run_compensations());
  }
  return Turn{stage == RunStage::end ? Turn::Next::end_run : Turn::Next::again, {}};
}

bool Driver::Impl::stage_done() const {
  if (stage == RunStage::compensate) {
    return compensation_queue.empty();
  }
  if (!schedules_steps(stage)) {
    return true;
  }
  const Phase phase = phase_of(stage);
  return std::none_of(nodes.begin(), nodes.end(),
                      [phase](const Node& node) { return node.def->phase == phase && !node.done; });
}

// Everything still running waits for a signal and nothing else is ready or
// retrying: a held run waits on in this process; any other pauses until a
// signal and `resume`.
Driver::Impl::Turn Driver::Impl::when_only_waits_run() {
  const bool other_work = std::any_of(live.begin(), live.end(), [this](int index) {
    return instances[static_cast<std::size_t>(index)].phase == InstancePhase::retry_wait;
  });
  if (other_work) {
    return Turn{Turn::Next::sleep, {}};
  }
  if (options.hold_when_paused) {
    // Held: the waits go on in this process; live status shows what they wait for.
    held_waiting_for = awaited_signals(instances, InstancePhase::running);
    return Turn{Turn::Next::sleep, {}};
  }
  pause_exit = true;
  for (int index : live) {
    Instance& instance = instances[static_cast<std::size_t>(index)];
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
  if (pause_exit) {
    names = awaited_signals(instances, InstancePhase::waiting);
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
  for (int index : live) {
    const Instance& instance = instances[static_cast<std::size_t>(index)];
    if (instance.phase == InstancePhase::retry_wait) {
      next = std::min(next, instance.retry_at);
    } else if (instance.phase == InstancePhase::running && !instance.timed_out) {
      next = std::min(next, instance.deadline);
    }
  }
  {
    std::lock_guard inbox_lock(inbox_mutex);
    if (!completions.empty() || !posted_signals.empty() || (interrupt_requested && stop != StopMode::interrupt)) {
      return;
    }
  }
  wake.wait_until(lock, std::min(next, std::chrono::steady_clock::now() + k_wake_poll));
}

// Every stage is over: the workflow's outputs and the closing record.
Result<DriveResult> Driver::Impl::end_run() {
  // duration_ms: the time the run was driven, this drive and those before
  // (resumes); elapsed_ms: since its first start.
  const SystemTime end_time = services.clock->wall_now();
  const std::int64_t duration_ms = state.running_ms(end_time);
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(end_time - run_started_wall).count();
  if (stop == StopMode::cancel) {
    TRY(emit({{"type", "RunCancelled"}, {"duration_ms", duration_ms}, {"elapsed_ms", elapsed_ms}}));
    TRY(journal->sync());
    return DriveResult{RunEnd::cancelled, "cancelled", Value::object(), {}};
  }
  Value outputs = Value::object();
  if (!run_failed) {
    expr::EvalContext context = eval_context(nullptr, nullptr);
    for (const auto& [name, text] : workflow->outputs) {
      auto value = render(text, context);
      if (!value.ok()) {
        run_failed = true;
        failure_message = fmt::format("workflow output '{}': {}", name, value.error().message);
        break;
      }
      outputs[name] = std::move(value.value());
    }
  }
  if (run_failed) {
    Value failed = {
        {"type", "RunFailed"}, {"duration_ms", duration_ms}, {"elapsed_ms", elapsed_ms}, {"error", failure_message}};
    if (budget_exceeded) {
      failed["budget_exceeded"] = true;
    }
    TRY(emit(std::move(failed)));
    TRY(journal->sync());
    return DriveResult{RunEnd::failed, failure_message, Value::object(), {}};
  }
  masker.mask_value(outputs);
  TRY(emit({{"type", "RunCompleted"}, {"duration_ms", duration_ms}, {"elapsed_ms", elapsed_ms}, {"outputs", outputs}}));
  TRY(journal->sync());
  return DriveResult{RunEnd::succeeded, "", outputs, {}};
}

}  // namespace automata::engine
