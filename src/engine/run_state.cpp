#include "engine/run_state.hpp"

#include "engine/journal.hpp"

#include <unordered_map>
#include <unordered_set>

namespace automata::engine {
namespace {

// Views into the record: replay folds hundreds of thousands of records and
// a copy of every field it reads is most of what the fold would cost.
std::string_view str(const Value& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>()) : std::string_view();
}

std::int64_t ms_between(std::string_view from, std::string_view to) {
  const auto start = parse_timestamp(from);
  const auto end = parse_timestamp(to);
  if (!start || !end || *end < *start) {
    return 0;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*end - *start).count();
}

std::int64_t ms_between(std::string_view from, SystemTime to) {
  const auto start = parse_timestamp(from);
  if (!start || to < *start) {
    return 0;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - *start).count();
}

}  // namespace

std::int64_t RunState::running_ms(std::optional<SystemTime> now) const {
  if (!drive_open) {
    return ended_drives_ms;
  }
  return ended_drives_ms + (now ? ms_between(drive_started, *now) : ms_between(drive_started, drive_last));
}

std::int64_t RunState::elapsed_ms(std::optional<SystemTime> now) const {
  if (!finished.empty()) {
    return ms_between(started, finished);
  }
  if (now) {
    return ms_between(started, *now);
  }
  return ms_between(started, drive_open ? drive_last : last_end);
}

std::string RunState::shown_status(const std::string& id, const StepState& step) const {
  if (step.status == "succeeded" && compensated.count(id) != 0) {
    return compensation_failed.count(id) != 0 ? "compensation_failed" : "compensated";
  }
  return step.status;
}

void RunState::add_llm_usage(const Value& record) {
  if (const auto llm = record.find("llm"); llm != record.end() && llm->is_object()) {
    const std::int64_t prompt = llm->value("prompt_tokens", std::int64_t{0});
    const std::int64_t completion = llm->value("completion_tokens", std::int64_t{0});
    prompt_tokens += prompt;
    completion_tokens += completion;
    llm_calls += llm->value("calls", std::int64_t{0});
    auto& by_model = tokens_by_model[llm->value("model", std::string())];
    by_model.first += prompt;
    by_model.second += completion;
  }
}

StepState& RunState::step(std::string_view id) {
  if (const auto it = steps.find(id); it != steps.end()) {
    return it->second;
  }
  auto inserted = steps.emplace(std::string(id), StepState{}).first;
  order.push_back(inserted->first);
  return inserted->second;
}

void RunState::apply(const Value& record) { apply_record(record, false); }

void RunState::apply(Value&& record) { apply_record(record, true); }

// take_outputs: the caller gave up the record (an rvalue), so StepCompleted's
// outputs are moved out of it rather than copied.
void RunState::apply_record(const Value& record, bool take_outputs) {
  const std::string_view type = str(record, "type");
  if (const auto seq = record.find("seq"); seq != record.end() && seq->is_number_unsigned()) {
    last_seq = seq->get<std::uint64_t>();
  }
  const std::string_view ts = str(record, "ts");
  const bool ends_drive = type == "RunPaused" || type == "RunInterrupted" || type == "RunCompleted" ||
                          type == "RunFailed" || type == "RunCancelled";
  if (drive_open && (type == "RunResumed" || ends_drive)) {
    // A drive killed without its end record ends at its last record.
    ended_drives_ms += ms_between(drive_started, type == "RunResumed" ? std::string_view(drive_last) : ts);
    drive_open = false;
    if (ends_drive) {
      last_end.assign(ts);
    }
  } else if (drive_open && type != "SignalReceived") {
    drive_last.assign(ts);
  }
  if (type == "RunStarted" || type == "RunResumed") {
    drive_started.assign(ts);
    drive_last.assign(ts);
    drive_open = true;
  }
  if (type == "StepStarted") {
    StepState& s = step(str(record, "step"));
    s.status = "running";
    s.processes.clear();
    s.attempt = record.value("attempt", s.attempt);
    if (s.first_started.empty()) {
      s.first_started = ts;
    }
  } else if (type == "StepCompleted") {
    const std::string_view id = str(record, "step");
    StepState& s = step(id);
    s.status = "succeeded";
    s.attempt = record.value("attempt", s.attempt);
    s.processes.clear();
    if (const auto found = record.find("outputs"); found == record.end()) {
      s.outputs = Value::object();
    } else if (take_outputs) {
      s.outputs = std::move(const_cast<Value&>(*found));
    } else {
      s.outputs = *found;
    }
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
    completion_order.emplace_back(id);
    add_llm_usage(record);
  } else if (type == "StepFailed") {
    add_llm_usage(record);
    StepState& s = step(str(record, "step"));
    s.status = record.value("cancelled", false) ? "cancelled" : "failed";
    s.attempt = record.value("attempt", s.attempt);
    s.processes.clear();
    s.error = str(record, "error");
    s.duration_ms = record.value("duration_ms", std::int64_t{0});
    s.exit_code = record.contains("exit_code") && record["exit_code"].is_number()
                      ? std::optional<int>(record["exit_code"].get<int>())
                      : std::nullopt;
    s.continue_on_error = record.value("continue_on_error", false);
    if (const auto found = record.find("outputs"); found != record.end() && found->is_object()) {
      s.outputs = *found;
    } else {
      s.outputs = Value::object();
    }
    if (record.contains("stdout")) {
      s.stdout_tail = record["stdout"].get<std::string>();
      s.has_stdout = true;
    }
  } else if (type == "StepCheckpoint") {
    StepState& s = step(str(record, "step"));
    const int attempt = record.value("attempt", 0);
    if (attempt != s.checkpoint_attempt) {
      s.checkpoints.clear();
      s.checkpoint_attempt = attempt;
    }
    const auto data = record.find("data");
    s.checkpoints.push_back(data == record.end() ? Value() : *data);
  } else if (type == "StepProcess") {
    StepState& s = step(str(record, "step"));
    RecordedProcess process;
    process.attempt = record.value("attempt", 0);
    process.compensation = record.value("compensation", false);
    process.identity.pgid = record.value("pgid", 0);
    process.identity.start_time = record.value("start_time", std::uint64_t{0});
    process.identity.boot_id = str(record, "boot_id");
    process.identity.host = str(record, "host");
    process.kill_grace_ms = record.value("kill_grace_ms", std::int64_t{0});
    s.processes.push_back(std::move(process));
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
    const std::string name(str(record, "name"));
    signals.push_back({name, record.value("data", Value())});
    std::erase(waiting_for, name);
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
    const std::string id(str(record, "step"));
    if (const auto found = steps.find(id); found != steps.end()) {
      found->second.processes.clear();
    }
    compensated.emplace(id);
    if (type == "CompensationFailed") {
      compensation_failed.emplace(id);
      compensation_errors[id] = str(record, "error");
    } else {
      compensation_failed.erase(id);
      compensation_errors.erase(id);
      compensation_outputs[id] = record.value("outputs", Value::object());
    }
  } else if (type == "RunStarted") {
    run_id = str(record, "run");
    workflow = str(record, "workflow");
    file = str(record, "file");
    source_hash = str(record, "source_hash");
    inputs = record.value("inputs", Value::object());
    started = ts;
    status = "running";
    dry_run = record.value("dry_run", false);
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
        compensation_failed.erase(step_id);
        compensation_errors.erase(step_id);
        compensation_outputs.erase(step_id);
      }
    }
    pause_requested = false;
    for (auto& entry : steps) {
      entry.second.processes.clear();
    }
    waiting_for.clear();
  } else if (type == "RunPaused") {
    status = "paused";
    paused_reason = str(record, "reason");
    waiting_for.clear();
    if (const auto names = record.find("waiting_for"); names != record.end() && names->is_array()) {
      for (const auto& wait : *names) {
        if (wait.is_object() && wait.contains("signal") && wait["signal"].is_string()) {
          waiting_for.push_back(wait["signal"].get<std::string>());
        }
      }
    }
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

Value RunState::to_json(bool with_steps, std::optional<SystemTime> now) const {
  Value out = Value::object();
  out["run"] = run_id;
  out["workflow"] = workflow;
  out["status"] = status;
  if (dry_run) {
    out["dry_run"] = true;
  }
  out["started"] = started;
  out["finished"] = finished.empty() ? Value() : Value(finished);
  out["duration_ms"] = running_ms(now);
  out["elapsed_ms"] = elapsed_ms(now);
  if (!error.empty()) {
    out["error"] = error;
  }
  // Steps rolled back (`runs` has no steps to show it on).
  Value undone = Value::array();
  Value undo_failed = Value::array();
  for (const auto& id : compensated) {
    (compensation_failed.count(id) != 0 ? undo_failed : undone).push_back(id);
  }
  if (!undone.empty()) {
    out["compensated"] = std::move(undone);
  }
  if (!undo_failed.empty()) {
    out["compensation_failed"] = std::move(undo_failed);
  }
  if (status == "paused") {
    // Without RunPaused, a `pause` signal: the process that took it still
    // drives the run (run_status says interrupted otherwise).
    const bool exited = !paused_reason.empty();
    std::string reason = exited ? paused_reason : "paused by signal";
    if (exited && waiting_for.empty() && reason.rfind("waiting for signal", 0) == 0) {
      reason = "the signals it waited for have been received";
    }
    add_pause_fields(out, run_id, reason, exited ? waiting_for : std::vector<std::string>{"resume"}, exited);
  }
  if (with_steps) {
    // Linear in the number of steps (a run can have tens of thousands):
    // ordered_json's keyed insert is a linear search, so entries are appended
    // to its underlying vector, each key once, in this order: planned steps in
    // file order, each followed by its matrix instances, then the rest
    // (on_failure and finally steps) in order of first appearance.
    using Entries = std::vector<std::pair<const std::string, Value>>;
    auto item_for = [this](const std::string& id, const StepState& s) {
      // Appended to the object's vector, sized once: tens of thousands of these.
      Value item = Value::object();
      auto& fields = static_cast<Entries&>(item.get_ref<Value::object_t&>());
      fields.reserve(8);
      fields.emplace_back("status", shown_status(id, s));
      fields.emplace_back("attempts", s.attempt);
      fields.emplace_back("outputs", s.outputs);
      fields.emplace_back("exit_code", s.exit_code ? Value(*s.exit_code) : Value());
      fields.emplace_back("duration_ms", s.duration_ms);
      if (!s.error.empty()) {
        fields.emplace_back("error", s.error);
      }
      if (!s.reason.empty()) {
        fields.emplace_back("reason", s.reason);
      }
      if (const auto failed = compensation_errors.find(id); failed != compensation_errors.end()) {
        fields.emplace_back("compensation_error", failed->second);
      }
      return item;
    };
    std::unordered_map<std::string, std::vector<const std::string*>> instances_of;
    for (const auto& id : order) {
      const auto bracket = id.find('[');
      if (bracket != std::string::npos) {
        instances_of[id.substr(0, bracket)].push_back(&id);
      }
    }
    Value steps_json = Value::object();
    auto& entries = static_cast<Entries&>(steps_json.get_ref<Value::object_t&>());
    entries.reserve(order.size() + planned_steps.size());
    std::unordered_set<std::string_view> placed;
    for (const auto& id : planned_steps) {
      const auto own = steps.find(id);
      const auto instances = instances_of.find(id);
      if (own != steps.end()) {
        entries.emplace_back(id, item_for(id, own->second));
        placed.insert(own->first);
      } else if (instances == instances_of.end()) {
        entries.emplace_back(id, Value{{"status", "pending"}, {"attempts", 0}, {"outputs", Value::object()},
                                       {"exit_code", nullptr}, {"duration_ms", 0}});
      }
      if (instances != instances_of.end()) {
        for (const std::string* instance : instances->second) {
          if (placed.insert(*instance).second) {
            entries.emplace_back(*instance, item_for(*instance, steps.at(*instance)));
          }
        }
      }
    }
    for (const auto& id : order) {
      if (placed.insert(id).second) {
        entries.emplace_back(id, item_for(id, steps.at(id)));
      }
    }
    out["steps"] = std::move(steps_json);
  }
  out["outputs"] = outputs;
  out["tokens"] = Value{{"prompt", prompt_tokens}, {"completion", completion_tokens}, {"calls", llm_calls}};
  if (!tokens_by_model.empty()) {
    Value by_model = Value::object();
    for (const auto& [model, tokens] : tokens_by_model) {
      by_model[model.empty() ? "unknown" : model] = Value{{"prompt", tokens.first}, {"completion", tokens.second}};
    }
    out["tokens"]["by_model"] = std::move(by_model);
  }
  return out;
}

void add_pause_fields(Value& out, const std::string& run_id, const std::string& reason,
                      const std::vector<std::string>& signals, bool process_exited) {
  out["paused_reason"] = reason;
  if (!signals.empty()) {
    Value waiting = Value::array();
    for (const auto& name : signals) {
      waiting.push_back(Value{{"signal", name}, {"command", "automata signal " + run_id + " " + name}});
    }
    out["waiting_for"] = std::move(waiting);
  }
  if (process_exited) {
    out["resume_command"] = "automata resume " + run_id;
  }
}

RunState fold_records(const std::vector<Value>& records) {
  RunState state;
  for (const auto& record : records) {
    state.apply(record);
  }
  return state;
}

Result<RunState> replay_journal(const std::filesystem::path& file) {
  RunState state;
  TRY(load_journal(file, nullptr, [&state](Value&& record) { state.apply(std::move(record)); }));
  return state;
}

RunState fold_records(std::vector<Value>&& records) {
  RunState state;
  for (auto& record : records) {
    state.apply(std::move(record));
    record = Value();  // freed while it is still in cache
  }
  records.clear();
  return state;
}

}  // namespace automata::engine
