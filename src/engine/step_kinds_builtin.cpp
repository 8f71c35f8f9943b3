#include "engine/step_kinds_builtin.hpp"

#include <fmt/format.h>

#include "engine/loader.hpp"

namespace automata::engine {
namespace {

Duration duration_param(const Value& params, const char* name, Duration fallback) {
  const auto it = params.find(name);
  if (it == params.end() || it->is_null()) {
    return fallback;
  }
  if (it->is_number()) {
    return Duration(static_cast<Duration::rep>(it->get<double>() * 1000));
  }
  if (it->is_string()) {
    if (auto parsed = parse_duration(it->get<std::string>())) {
      return *parsed;
    }
  }
  return Duration(-1);
}

class SleepKind final : public StepKind {
 public:
  std::string_view name() const override { return "sleep"; }
  std::string_view summary() const override { return "wait for a duration; resume honours the time left"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"duration", ParamType::duration, true, "how long, e.g. 30s, 5m, 1h", nullptr, {}}};
    return k_params;
  }
  bool uses_job_slot() const override { return false; }
  bool needs_environment() const override { return false; }
  std::optional<StepResult> try_complete_at_once(StepContext& context) override {
    const Duration duration = duration_param(context.params(), "duration", Duration(0));
    if (duration.count() < 0) {
      return StepResult::failure(fmt::format("sleep: bad duration {}", context.params()["duration"].dump()), false);
    }
    if (time_left(context, duration).count() > 0) {
      return std::nullopt;
    }
    return StepResult::success({{"slept_ms", duration.count()}});
  }
  StepResult execute(StepContext& context) override {
    const Duration duration = duration_param(context.params(), "duration", Duration(0));
    if (duration.count() < 0) {
      return StepResult::failure(fmt::format("sleep: bad duration {}", context.params()["duration"].dump()), false);
    }
    if (time_left(context, duration).count() > 0) {
      context.heartbeat(fmt::format("sleeping {}", format_duration_spec(duration)));
    }
    for (auto left = time_left(context, duration); left.count() > 0; left = time_left(context, duration)) {
      if (context.cancel_token().wait_for(context.clock().real_wait(left))) {
        StepResult stopped;
        stopped.cancelled = true;
        stopped.error = "cancelled while sleeping";
        return stopped;
      }
    }
    return StepResult::success({{"slept_ms", duration.count()}});
  }

 private:
  // Durable: the deadline counts from the step's first start, across resumes.
  static std::chrono::milliseconds time_left(const StepContext& context, Duration duration) {
    const SystemTime wake_at = context.first_started() + duration;
    return std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - context.clock().wall_now());
  }
};

class WaitKind final : public StepKind {
 public:
  std::string_view name() const override { return "wait"; }
  std::string_view summary() const override { return "wait for a named signal (automata signal RUN NAME)"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"signal", ParamType::string, true, "the signal's name", nullptr, {}},
        {"timeout", ParamType::duration, false, "fail when the signal has not come by then", nullptr, {}}};
    return k_params;
  }
  bool uses_job_slot() const override { return false; }
  bool needs_environment() const override { return false; }
  StepResult execute(StepContext& context) override {
    const auto& params = context.params();
    const std::string signal = params.value("signal", std::string());
    std::optional<SystemTime> deadline;
    std::optional<Duration> timeout;
    if (params.contains("timeout") && !params["timeout"].is_null()) {
      const Duration d = duration_param(params, "timeout", Duration(0));
      if (d.count() < 0) {
        return StepResult::failure(fmt::format("wait: bad timeout {}", params["timeout"].dump()), false);
      }
      timeout = d;
      deadline = context.first_started() + d;
    }
    context.heartbeat(fmt::format("waiting for signal '{}'", signal));
    auto received = context.wait_for_signal(signal, deadline);
    if (received) {
      return StepResult::success({{"signal", received->name}, {"data", received->data}});
    }
    if (context.cancel_token().cancelled()) {
      StepResult stopped;
      stopped.cancelled = true;
      stopped.error = fmt::format("stopped while waiting for signal '{}'", signal);
      return stopped;
    }
    StepResult timed_out = StepResult::failure(
        fmt::format("timed out waiting for signal '{}' after {}", signal, format_duration_spec(timeout.value_or(Duration(0)))),
        false);
    timed_out.timed_out = true;
    timed_out.exit_code = 124;
    return timed_out;
  }
};

class WorkflowKind final : public StepKind {
 public:
  std::string_view name() const override { return "workflow"; }
  std::string_view summary() const override { return "run a child workflow; its journal is nested in this run"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"file", ParamType::string, true, "the child workflow's file, relative to this workflow file's directory (in a built-in workflow, a built-in's name)", nullptr, {}},
        {"inputs", ParamType::object, false, "the child's inputs", nullptr, {}}};
    return k_params;
  }
  bool needs_environment() const override { return false; }
  StepResult execute(StepContext& context) override {
    const auto& params = context.params();
    return context.run_child_workflow(params.value("file", std::string()), params.value("inputs", Value::object()));
  }
};

}  // namespace

std::unique_ptr<StepKind> make_sleep_kind() { return std::make_unique<SleepKind>(); }
std::unique_ptr<StepKind> make_wait_kind() { return std::make_unique<WaitKind>(); }
std::unique_ptr<StepKind> make_workflow_kind() { return std::make_unique<WorkflowKind>(); }

void StepKindRegistry::add(std::unique_ptr<StepKind> kind) {
  std::string key(kind->name());
  m_kinds[key] = std::move(kind);
}

StepKind* StepKindRegistry::find(std::string_view name) const {
  const auto it = m_kinds.find(name);
  return it == m_kinds.end() ? nullptr : it->second.get();
}

std::vector<std::string> StepKindRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [key, kind] : m_kinds) {
    out.push_back(key);
  }
  return out;
}

}  // namespace automata::engine
