#include "commands/agent_result.hpp"

#include <fmt/format.h>

#include "commands/run_lookup.hpp"

namespace automata::commands {
namespace {

const engine::StepState* step_of(const engine::RunState& state, std::string_view id) {
  const auto found = state.steps.find(id);
  return found == state.steps.end() ? nullptr : &found->second;
}

bool succeeded(const engine::RunState& state, std::string_view id) {
  const auto* step = step_of(state, id);
  return step != nullptr && step->status == "succeeded";
}

Value output_of(const engine::RunState& state, std::string_view id, const char* key) {
  const auto* step = step_of(state, id);
  if (step == nullptr || !step->outputs.is_object()) {
    return nullptr;
  }
  const auto found = step->outputs.find(key);
  return found == step->outputs.end() ? Value() : *found;
}

// What the compensation of step `id` said it did, or null.
Value compensation_output(const engine::RunState& state, std::string_view id, const char* key) {
  const auto found = state.compensation_outputs.find(std::string(id));
  if (found == state.compensation_outputs.end() || !found->second.is_object()) {
    return nullptr;
  }
  return found->second.value(key, Value());
}

std::string text_of(const Value& value) { return value.is_string() ? value.get<std::string>() : std::string(); }

std::string duration_text(std::int64_t ms) {
  const std::int64_t seconds = ms / 1000;
  if (seconds >= 60) {
    return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  }
  return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
}

std::string plural(std::int64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string counts_text(const Value& item) {
  if (!item.value("tests_passed", Value()).is_number() && !item.value("tests_failed", Value()).is_number()) {
    return {};
  }
  const auto number = [&item](const char* key) {
    const Value value = item.value(key, Value());
    return value.is_number() ? value.get<std::int64_t>() : 0;
  };
  return fmt::format(" ({} passed, {} failed)", number("tests_passed"), number("tests_failed"));
}

class SilentSink final : public engine::EventSink {
 public:
  void on_record(const Value& /*record*/) override {}
};

}  // namespace

Value agent_result(const engine::RunState& state, const Value& tokens) {
  Value result = Value::object();
  result["success"] = state.status == "succeeded";
  result["run"] = state.run_id;
  result["status"] = state.status;
  // A run that failed before any work was done removed its worktree and
  // branch again (the worktree step's compensation): they are not named.
  const bool discarded = compensation_output(state, "worktree", "branch_deleted") == true;
  result["branch"] = discarded ? Value() : output_of(state, "branch", "name");
  const Value commit = output_of(state, "commit", "changed") == true ? output_of(state, "commit", "commit") : Value();
  result["commit"] = commit;
  result["pushed"] = succeeded(state, "push") && output_of(state, "push", "dry_run") != true;
  result["remote"] = succeeded(state, "push") ? output_of(state, "push", "remote") : Value();
  // Where the work is: the clone, or the worktree unless it was removed after success.
  Value workspace = output_of(state, "clone", "path");
  if (workspace.is_null() && !succeeded(state, "cleanup") &&
      compensation_output(state, "worktree", "removed") != true) {
    workspace = output_of(state, "worktree", "path");
  }
  result["workspace"] = workspace;
  result["plan"] = output_of(state, "plan", "json");
  Value completed = Value::array();
  for (const auto& id : state.order) {
    if (succeeded(state, id)) {
      completed.push_back(id);
    }
  }
  result["steps_completed"] = std::move(completed);
  const auto* implement = step_of(state, "implement");
  if (implement != nullptr && implement->outputs.is_object() && implement->outputs.contains("outcome")) {
    const Value& out = implement->outputs;
    result["agent"] = Value{{"outcome", out.value("outcome", Value())},
                            {"summary", out.value("summary", Value())},
                            {"iterations", out.value("iterations", Value())},
                            {"tool_calls", out.value("tool_calls", Value())},
                            {"fix_rounds", out.value("fix_rounds", Value())},
                            {"files_changed", out.value("files_changed", Value::array())},
                            {"transcript", out.value("transcript", Value())}};
    result["validation"] = out.value("validation", Value());
  } else {
    result["agent"] = nullptr;
    result["validation"] = nullptr;
  }
  result["error"] = state.error.empty() ? Value() : Value(state.error);
  result["duration_ms"] = state.duration_ms;
  result["llm_calls"] = state.llm_calls;
  Value totals = tokens;
  totals["total"] = totals.value("prompt", std::int64_t{0}) + totals.value("completion", std::int64_t{0});
  totals.erase("calls");
  result["tokens"] = std::move(totals);
  return result;
}

std::string format_agent_result(const Value& result) {
  const bool success = result.value("success", false);
  std::string text = fmt::format("\nagent {}  (run {})\n", success ? "succeeded" : result.value("status", std::string("failed")),
                                 result.value("run", std::string()));
  const auto line = [&text](std::string_view label, const std::string& value) {
    text += fmt::format("  {:<11} {}\n", label, value);
  };
  if (const std::string branch = text_of(result["branch"]); !branch.empty()) {
    std::string where = branch;
    if (result.value("pushed", false)) {
      where += " → pushed to " + text_of(result["remote"]);
    } else if (!text_of(result["commit"]).empty()) {
      where += " (not pushed)";
    }
    line("branch", where);
  }
  if (const std::string commit = text_of(result["commit"]); !commit.empty()) {
    line("commit", commit.substr(0, 12));
  }
  if (const Value& plan = result["plan"]; plan.is_object()) {
    const auto count = [&plan](const char* key) {
      return plan.contains(key) && plan[key].is_array() ? static_cast<std::int64_t>(plan[key].size()) : 0;
    };
    line("plan", fmt::format("{}, {} to create, {} to modify", plural(count("steps"), "step"),
                             plural(count("files_to_create"), "file"), count("files_to_modify")));
  }
  if (const Value& agent = result["agent"]; agent.is_object()) {
    const auto number = [&agent](const char* key) {
      return agent.contains(key) && agent[key].is_number() ? agent[key].get<std::int64_t>() : 0;
    };
    const auto files = agent.value("files_changed", Value::array());
    line("agent", fmt::format("{} after {} ({}); {} changed", text_of(agent["outcome"]),
                              plural(number("iterations"), "iteration"), plural(number("tool_calls"), "tool call"),
                              plural(static_cast<std::int64_t>(files.size()), "file")));
    if (const std::string summary = text_of(agent["summary"]); !summary.empty()) {
      line("summary", summary.substr(0, summary.find('\n')));
    }
  }
  if (const Value& validation = result["validation"]; validation.is_object()) {
    std::vector<std::string> commands;
    for (const auto& item : validation.value("commands", Value::array())) {
      commands.push_back(fmt::format("{} {}{}", item.value("passed", false) ? "✓" : "✗",
                                     item.value("command", std::string()), counts_text(item)));
    }
    const std::int64_t rounds = result["agent"].is_object() ? result["agent"].value("fix_rounds", std::int64_t{0}) : 0;
    line("validation", fmt::format("{}{}: {}", validation.value("passed", false) ? "passed" : "failed",
                                   rounds > 0 ? fmt::format(" after {}", plural(rounds, "fix round")) : std::string(),
                                   fmt::join(commands, ", ")));
  } else if (result["agent"].is_object()) {
    line("validation", "none (no commands given or found)");
  }
  const Value& tokens = result["tokens"];
  std::string usage = fmt::format("{} in {} ({} prompt + {} completion tokens)",
                                  plural(tokens.value("total", std::int64_t{0}), "token"),
                                  plural(result.value("llm_calls", std::int64_t{0}), "call"),
                                  tokens.value("prompt", std::int64_t{0}), tokens.value("completion", std::int64_t{0}));
  if (tokens.contains("cost") && tokens["cost"].is_number()) {
    usage += fmt::format(" · ${:.4f}", tokens["cost"].get<double>());
  }
  line("llm", usage);
  line("duration", duration_text(result.value("duration_ms", std::int64_t{0})));
  if (const std::string workspace = text_of(result["workspace"]); !workspace.empty() && !success) {
    line("workspace", workspace);
  }
  if (const std::string error = text_of(result["error"]); !error.empty()) {
    // The failed step's own line above gave its error: it is not repeated.
    const std::size_t failed = error.rfind("step '", 0) == 0 ? error.find("' failed: ") : std::string::npos;
    line("error", failed == std::string::npos ? error : error.substr(0, failed + 8) + " (its error is above)");
  }
  return text;
}

std::unique_ptr<engine::EventSink> agent_result_view(const Invocation& inv) {
  if (inv.io->mode() == Mode::json) {
    return std::make_unique<SilentSink>();
  }
  return nullptr;
}

void print_agent_result(const Invocation& inv, const std::filesystem::path& run_dir) {
  auto records = read_records(run_dir);
  if (!records.ok()) {
    return;
  }
  const engine::RunState state = engine::fold_records(records.value());
  Value status = state.to_json(false);
  add_cost(status, inv.global.prices);
  const Value result = agent_result(state, status.value("tokens", Value::object()));
  if (inv.io->mode() == Mode::json) {
    inv.io->out(result.dump() + "\n");
  } else if (!inv.global.quiet) {
    inv.io->out(format_agent_result(result));
  }
}

}  // namespace automata::commands
