// automata status RUN: live from the driving process, else from the journal.
#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/run_lookup.hpp"

namespace automata::commands {
namespace {

const char* mark_for(const std::string& status) {
  if (status == "succeeded") {
    return "✓";
  }
  if (status == "failed") {
    return "✗";
  }
  if (status == "skipped" || status == "cancelled") {
    return "⊘";
  }
  if (status == "compensated") {
    return "↶";
  }
  if (status == "compensation_failed") {
    return "✗";
  }
  if (status == "retrying") {
    return "↻";
  }
  if (status == "running") {
    return "▸";
  }
  if (status == "interrupted") {
    return "⏸";
  }
  return "·";
}

std::string seconds(std::int64_t ms) { return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0); }

}  // namespace

std::string format_status_text(const Value& status) {
  std::string text = fmt::format("run {}  {}  {}{}\n", status.value("run", std::string()),
                                 status.value("workflow", std::string()), status.value("status", std::string()),
                                 status.value("dry_run", false) ? "  (dry run)" : "");
  text += fmt::format("  started  {}\n", status.value("started", std::string()));
  if (status.contains("finished") && status["finished"].is_string()) {
    text += fmt::format("  finished {}\n", status["finished"].get<std::string>());
  }
  if (status.contains("duration_ms")) {
    text += fmt::format("  time     {} running, {} since the first start\n",
                        seconds(status.value("duration_ms", std::int64_t{0})),
                        seconds(status.value("elapsed_ms", std::int64_t{0})));
  }
  if (status.contains("error")) {
    text += fmt::format("  error    {}\n", status["error"].get<std::string>());
  }
  if (status.contains("paused_reason")) {
    text += fmt::format("  paused   {}\n", status["paused_reason"].get<std::string>());
    for (const auto& wait : status.value("waiting_for", Value::array())) {
      text += fmt::format("  waiting  for signal '{}': {}\n", wait.value("signal", std::string()),
                          wait.value("command", std::string()));
    }
    if (status.contains("resume_command")) {
      text += fmt::format("  continue {}{}\n", status.contains("waiting_for") ? "then " : "",
                          status["resume_command"].get<std::string>());
    }
  }
  if (status.contains("steps")) {
    std::size_t width = 4;
    for (const auto& [id, step] : status["steps"].items()) {
      width = std::max(width, id.size());
    }
    for (const auto& [id, step] : status["steps"].items()) {
      const std::string s = step.value("status", std::string());
      std::string line = fmt::format("  {} {:<{}}  {:<9}", mark_for(s), id, width, s);
      if (step.value("attempts", 0) > 1) {
        line += fmt::format("  attempts {}", step["attempts"].get<int>());
      }
      if (step.contains("exit_code") && step["exit_code"].is_number() && step["exit_code"].get<int>() != 0) {
        line += fmt::format("  exit {}", step["exit_code"].get<int>());
      }
      if (s == "succeeded" || s == "failed" || s == "compensated" || s == "compensation_failed") {
        line += "  " + seconds(step.value("duration_ms", std::int64_t{0}));
      }
      if (step.contains("error")) {
        line += "  " + step["error"].get<std::string>();
      }
      if (step.contains("compensation_error")) {
        line += "  compensation: " + step["compensation_error"].get<std::string>();
      }
      if (step.contains("reason")) {
        line += "  (" + step["reason"].get<std::string>() + ")";
      }
      text += line + "\n";
    }
  }
  if (status.contains("outputs") && !status["outputs"].empty()) {
    text += fmt::format("  outputs  {}\n", status["outputs"].dump());
  }
  const auto& tokens = status.value("tokens", Value::object());
  if (tokens.value("prompt", 0) + tokens.value("completion", 0) > 0) {
    text += fmt::format("  tokens   {} prompt, {} completion", tokens.value("prompt", 0), tokens.value("completion", 0));
    if (const auto calls = tokens.value("calls", std::int64_t{0}); calls > 0) {
      text += fmt::format(" in {} call{}", calls, calls == 1 ? "" : "s");
    }
    if (tokens.contains("cost") && tokens["cost"].is_number()) {
      text += fmt::format(" · ${:.4f}", tokens["cost"].get<double>());
    } else if (tokens.contains("unpriced")) {
      text += fmt::format(" · no price for {} (config prices)", fmt::join(tokens["unpriced"], ", "));
    }
    text += "\n";
  }
  return text;
}

void add_cost(Value& status, const std::map<std::string, ModelPrice>& prices) {
  if (!status.contains("tokens") || !status["tokens"].contains("by_model")) {
    return;
  }
  Value& tokens = status["tokens"];
  double cost = 0;
  Value unpriced = Value::array();
  for (const auto& [model, used] : tokens["by_model"].items()) {
    const auto price = prices.find(model);
    if (price == prices.end()) {
      unpriced.push_back(model);
      continue;
    }
    cost += (used.value("prompt", 0.0) * price->second.prompt + used.value("completion", 0.0) * price->second.completion) /
            1e6;
  }
  // A partial sum would look like the whole cost: none unless every model is priced.
  if (unpriced.empty()) {
    tokens["cost"] = cost;
  } else {
    tokens["unpriced"] = std::move(unpriced);
  }
}

namespace {

int status_command(Invocation& inv, const std::string& argument) {
  auto run = find_run(inv, argument);
  if (!run.ok()) {
    return inv.fail(run.error());
  }
  auto status = run_status(run.value());
  if (!status.ok()) {
    return inv.fail(status.error());
  }
  add_cost(status.value(), inv.global.prices);
  if (inv.io->mode() == Mode::json) {
    inv.io->out(status->dump() + "\n");
  } else {
    inv.io->out(format_status_text(status.value()));
  }
  return 0;
}

}  // namespace

void add_status(CLI::App& app, Invocation& inv) {
  auto run = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("status", "Show the state of a run (live, or from its journal)");
  sub->add_option("run", *run, "Run id, unique prefix, or 'last'")->required();
  sub->callback([&inv, run] { inv.action = [&inv, run] { return status_command(inv, *run); }; });
}

}  // namespace automata::commands
