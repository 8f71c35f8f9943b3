#include "engine/run_state.hpp"

namespace automata::engine {
namespace {

std::string str(const Value& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

StepState& RunState::step(const std::string& id) {
  auto [it, inserted] = steps.try_emplace(id);
  if (inserted) {
    order.push_back(id);
  }
  return it->second;
}

void RunState::apply(const Value& record) {
  const std::string type = str(record, "type");
  if (const auto seq = record.find("seq"); seq != record.end() && seq->is_number_unsigned()) {
    last_seq = seq->get<std::uint64_t>();
  }
  const std::string ts = str(record, "ts");
  if (type == "StepStarted") {
    StepState& s = step(str(record, "step"));
    s.status = "running";
    s.attempt = record.value("attempt", s.attempt);
    if (s.first_started.empty()) {
      s.first_started = ts;
    }
  } else if (type == "StepCompleted") {
    const std::string id = str(record, "step");
    StepState& s = step(id);
    s.status = "succeeded";
    s.attempt = record.value("attempt", s.attempt);
    s.outputs = record.value("outputs", Value::object());
    s.duration_ms = record.value("duration_ms", std::int64_t{0});
    s.exit_code = record.contains("exit_code") ? std::optional<int>(record["exit_code"].get<int>()) : std::nullopt;
    s.error.clear();
    if (record.contains("stdout")) {
      s.stdout_tail = record["stdout"].get<std::string>();
      s.has_stdout = true;
    }
    // A step completes once per drive; only a re-run (resume --from) moves it.
    if (s.completed_once) {
      std::erase(completion_order, id);
    }
    s.completed_once = true;
    completion_order.push_back(id);
    if (const auto llm = record.find("llm"); llm != record.end() && llm->is_object()) {
      prompt_tokens += llm->value("prompt_tokens", std::int64_t{0});
      completion_tokens += llm->value("completion_tokens", std::int64_t{0});
    }
  } else if (type == "StepFailed") {
    StepState& s = step(str(record, "step"));
    s.status = record.value("cancelled", false) ? "cancelled" : "failed";
    s.attempt = record.value("attempt", s.attempt);
    s.error = str(record, "error");
    s.duration_ms = record.value("duration_ms", std::int64_t{0});
    s.exit_code = record.contains("exit_code") && record["exit_code"].is_number()
                      ? std::optional<int>(record["exit_code"].get<int>())
                      : std::nullopt;
    s.continue_on_error = record.value("continue_on_error", false);
    if (record.contains("stdout")) {
      s.stdout_tail = record["stdout"].get<std::string>();
      s.has_stdout = true;
    }
  } else if (type == "StepRetryScheduled") {
    step(str(record, "step")).status = "retrying";
  } else if (type == "StepSkipped") {
    StepState& s = step(str(record, "step"));
    s.status = "skipped";
    s.reason = str(record, "reason");
  } else if (type == "StepScheduled") {
    StepState& s = step(str(record, "step"));
    if (record.contains("instance")) {
      s.instance = record["instance"];
    }
    s.matrix_of = str(record, "matrix_of");
    s.name = str(record, "name");
  } else if (type == "SignalReceived") {
    const std::string name = str(record, "name");
    signals.push_back({name, record.value("data", Value())});
    if (name == "pause") {
      pause_requested = true;
      if (status == "running") {
        status = "paused";
      }
    } else if (name == "resume") {
      pause_requested = false;
      // A driver that stopped paused (RunPaused, a reason) is not running
      // again until RunResumed: a resume signal recorded meanwhile only notes it.
      if (status == "paused" && paused_reason.empty()) {
        status = "running";
      }
    }
  } else if (type == "CompensationCompleted" || type == "CompensationFailed") {
    compensated.insert(str(record, "step"));
  } else if (type == "RunStarted") {
    run_id = str(record, "run");
    workflow = str(record, "workflow");
    file = str(record, "file");
    source_hash = str(record, "source_hash");
    inputs = record.value("inputs", Value::object());
    started = ts;
    status = "running";
    if (const auto planned = record.find("steps"); planned != record.end() && planned->is_array()) {
      for (const auto& id : *planned) {
        planned_steps.push_back(id.get<std::string>());
      }
    }
  } else if (type == "RunResumed") {
    // Resuming is the request to continue: the driver starts unpaused.
    status = "running";
    finished.clear();
    error.clear();
    paused_reason.clear();
    if (const auto hash = record.find("source_hash"); hash != record.end()) {
      source_hash = hash->get<std::string>();
    }
    if (const auto reset = record.find("reset"); reset != record.end() && reset->is_array()) {
      for (const auto& id : *reset) {
        const std::string step_id = id.get<std::string>();
        steps.erase(step_id);
        std::erase(order, step_id);
        std::erase(completion_order, step_id);
        compensated.erase(step_id);
      }
    }
    pause_requested = false;
  } else if (type == "RunPaused") {
    status = "paused";
    paused_reason = str(record, "reason");
  } else if (type == "RunInterrupted") {
    status = "interrupted";
  } else if (type == "RunCompleted" || type == "RunFailed" || type == "RunCancelled") {
    status = type == "RunCompleted" ? "succeeded" : type == "RunFailed" ? "failed" : "cancelled";
    finished = ts;
    duration_ms = record.value("duration_ms", std::int64_t{0});
    error = str(record, "error");
    if (record.contains("outputs")) {
      outputs = record["outputs"];
    }
  }
}

Value RunState::to_json(bool with_steps) const {
  Value out = Value::object();
  out["run"] = run_id;
  out["workflow"] = workflow;
  out["status"] = status;
  out["started"] = started;
  out["finished"] = finished.empty() ? Value() : Value(finished);
  if (!error.empty()) {
    out["error"] = error;
  }
  if (with_steps) {
    Value steps_json = Value::object();
    for (const auto& id : planned_steps) {
      // A matrix step appears through its instances ("id[...]").
      const auto instance = steps.lower_bound(id + "[");
      const bool has_instances = instance != steps.end() && instance->first.compare(0, id.size() + 1, id + "[") == 0;
      if (steps.count(id) == 0 && !has_instances) {
        steps_json[id] = Value{{"status", "pending"}, {"attempts", 0}, {"outputs", Value::object()},
                               {"exit_code", nullptr}, {"duration_ms", 0}};
      }
    }
    for (const auto& id : order) {
      const StepState& s = steps.at(id);
      Value item = Value::object();
      item["status"] = s.status;
      item["attempts"] = s.attempt;
      item["outputs"] = s.outputs;
      item["exit_code"] = s.exit_code ? Value(*s.exit_code) : Value();
      item["duration_ms"] = s.duration_ms;
      if (!s.error.empty()) {
        item["error"] = s.error;
      }
      if (!s.reason.empty()) {
        item["reason"] = s.reason;
      }
      steps_json[id] = std::move(item);
    }
    // Planned steps first in file order, then instances and later steps.
    Value ordered = Value::object();
    for (const auto& id : planned_steps) {
      if (steps_json.contains(id)) {
        ordered[id] = steps_json[id];
      }
      for (const auto& [key, value] : steps_json.items()) {
        if (key.size() > id.size() && key.compare(0, id.size(), id) == 0 && key[id.size()] == '[') {
          ordered[key] = value;
        }
      }
    }
    for (const auto& [key, value] : steps_json.items()) {
      if (!ordered.contains(key)) {
        ordered[key] = value;
      }
    }
    out["steps"] = std::move(ordered);
  }
  out["outputs"] = outputs;
  out["tokens"] = Value{{"prompt", prompt_tokens}, {"completion", completion_tokens}};
  return out;
}

RunState fold_records(const std::vector<Value>& records) {
  RunState state;
  for (const auto& record : records) {
    state.apply(record);
  }
  return state;
}

}  // namespace automata::engine
