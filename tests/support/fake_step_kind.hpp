#pragma once
// A scripted step kind for driver tests: what each attempt of each step does
// is a table (step key -> one entry per attempt), not code. The kind records
// every call and how many calls ran at once, overall and per step.
//
// The key of a call is the instance id ("build", "lint[tool=x]"), followed by
// "/TAG" when the step's `with` has a `tag` (compensations, to tell them apart
// from the step they undo).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/step_kind.hpp"

namespace automata::test {

struct FakeAttempt {
  bool succeed = true;
  std::chrono::milliseconds duration{0};  // on the context's clock; cancellable
  bool until_cancelled = false;           // blocks until the step is cancelled (timeouts, fail_fast)
  std::string gate;                       // blocks until release(gate) or cancel
  std::optional<int> exit_code;
  bool retryable = true;
  std::string error;
  Value outputs = Value::object();
  std::vector<Value> checkpoints;  // recorded (context.checkpoint) before anything else
  Value llm_usage;                 // {model, prompt_tokens, completion_tokens}: reported before finishing

  static FakeAttempt ok(Value outputs = Value::object()) {
    FakeAttempt a;
    a.outputs = std::move(outputs);
    return a;
  }
  static FakeAttempt fail(int exit_code, bool retryable = true) {
    FakeAttempt a;
    a.succeed = false;
    a.exit_code = exit_code;
    a.retryable = retryable;
    return a;
  }
  static FakeAttempt sleep(std::chrono::milliseconds d) {
    FakeAttempt a;
    a.duration = d;
    return a;
  }
  static FakeAttempt hang() {
    FakeAttempt a;
    a.until_cancelled = true;
    return a;
  }
  static FakeAttempt gated(std::string name, bool succeed = true) {
    FakeAttempt a;
    a.gate = std::move(name);
    a.succeed = succeed;
    if (!succeed) {
      a.exit_code = 1;
    }
    return a;
  }
};

struct FakeCall {
  std::string key;
  int attempt = 0;
  std::vector<Value> resumed_checkpoints;  // what context.checkpoints() held
};

class FakeStepKind final : public engine::StepKind {
 public:
  // Per key, the attempts in order; calls past the end repeat the last entry.
  // Keys with no script succeed at once with no outputs.
  std::map<std::string, std::vector<FakeAttempt>> script;

  std::string_view name() const override { return "fake"; }
  std::string_view summary() const override { return "a scripted step for tests"; }
  const std::vector<engine::ParamSpec>& params() const override {
    static const std::vector<engine::ParamSpec> k_params = {
        {"tag", engine::ParamType::string, false, "distinguishes calls of one step", nullptr, {}},
        {"value", engine::ParamType::any, false, "echoed as outputs.value", nullptr, {}}};
    return k_params;
  }

  engine::StepResult execute(engine::StepContext& context) override {
    std::string key = context.step_id();
    const Value& params = context.params();
    if (params.contains("tag") && params["tag"].is_string()) {
      key += "/" + params["tag"].get<std::string>();
    }
    FakeAttempt attempt;
    {
      std::lock_guard lock(m_mutex);
      const std::size_t index = m_call_count[key]++;
      if (const auto it = script.find(key); it != script.end() && !it->second.empty()) {
        attempt = it->second[std::min(index, it->second.size() - 1)];
      }
      m_calls.push_back({key, context.attempt(), context.checkpoints()});
      m_running_keys.insert(key);
      ++m_running;
      m_max_running = std::max(m_max_running, m_running);
      const std::string group = key.substr(0, key.find('['));
      m_max_by_group[group] = std::max(m_max_by_group[group], ++m_running_by_group[group]);
    }
    m_changed.notify_all();
    for (const auto& data : attempt.checkpoints) {
      (void)context.checkpoint(data);
    }
    if (attempt.llm_usage.is_object()) {
      context.add_llm_usage(attempt.llm_usage.value("model", std::string()),
                            attempt.llm_usage.value("prompt_tokens", std::int64_t{0}),
                            attempt.llm_usage.value("completion_tokens", std::int64_t{0}));
    }
    bool cancelled = false;
    if (attempt.until_cancelled) {
      while (!context.cancel_token().wait_for(std::chrono::milliseconds(1000))) {
      }
      cancelled = true;
    } else if (!attempt.gate.empty()) {
      std::unique_lock lock(m_mutex);
      while (m_released.count(attempt.gate) == 0 && !context.cancel_token().cancelled()) {
        m_changed.wait_for(lock, std::chrono::milliseconds(5));
      }
      cancelled = m_released.count(attempt.gate) == 0;
    } else if (attempt.duration.count() > 0) {
      // On the context's clock: with a ManualClock the attempt lasts until
      // the test has advanced it by `duration`.
      const engine::Clock& clock = context.clock();
      const auto until = clock.steady_now() + attempt.duration;
      for (auto now = clock.steady_now(); now < until && !cancelled; now = clock.steady_now()) {
        cancelled = context.cancel_token().wait_for(
            clock.real_wait(std::chrono::ceil<std::chrono::milliseconds>(until - now)));
      }
    }
    {
      std::lock_guard lock(m_mutex);
      --m_running;
      --m_running_by_group[key.substr(0, key.find('['))];
      m_running_keys.erase(key);
      m_finished.push_back(key);
    }
    m_changed.notify_all();
    engine::StepResult result;
    if (cancelled) {
      result.cancelled = true;
      result.error = "cancelled";
      result.exit_code = 143;
      return result;
    }
    result.succeeded = attempt.succeed;
    result.exit_code = attempt.exit_code.value_or(attempt.succeed ? 0 : 1);
    result.retryable = attempt.retryable;
    result.error = attempt.error;
    result.outputs = attempt.outputs;
    if (params.contains("value")) {
      result.outputs["value"] = params["value"];
    }
    return result;
  }

  void release(const std::string& gate) {
    {
      std::lock_guard lock(m_mutex);
      m_released.insert(gate);
    }
    m_changed.notify_all();
  }

  // Waits until `key` is running (true) or the deadline passes (false).
  bool wait_running(const std::string& key, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, deadline, [&] { return m_running_keys.count(key) != 0; });
  }

  std::vector<FakeCall> calls() const {
    std::lock_guard lock(m_mutex);
    return m_calls;
  }
  std::vector<std::string> call_keys() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> keys;
    for (const auto& call : m_calls) {
      keys.push_back(call.key);
    }
    return keys;
  }
  std::vector<std::string> finished() const {
    std::lock_guard lock(m_mutex);
    return m_finished;
  }
  int max_running() const {
    std::lock_guard lock(m_mutex);
    return m_max_running;
  }
  int max_running_of(const std::string& group) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_max_by_group.find(group);
    return it == m_max_by_group.end() ? 0 : it->second;
  }
  std::size_t count_of(const std::string& key) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_call_count.find(key);
    return it == m_call_count.end() ? 0 : it->second;
  }

 private:
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::map<std::string, std::size_t> m_call_count;
  std::vector<FakeCall> m_calls;
  std::vector<std::string> m_finished;
  std::set<std::string> m_running_keys;
  std::set<std::string> m_released;
  int m_running = 0;
  int m_max_running = 0;
  std::map<std::string, int> m_running_by_group;
  std::map<std::string, int> m_max_by_group;
};

}  // namespace automata::test
