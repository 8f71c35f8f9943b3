// automata runs [--status S] [--limit N]: newest first.
#include <limits>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/run_lookup.hpp"
#include "commands/value_checks.hpp"

namespace automata::commands {
namespace {

struct RunsOptions {
  std::string status;
  int limit = 20;
};

int runs_command(Invocation& inv, const RunsOptions& options) {
  const engine::RunStore store = inv.store();
  int shown = 0;
  std::string text;
  for (const auto& summary : store.list()) {
    if (options.limit > 0 && shown >= options.limit) {
      break;
    }
    auto status = run_status(RunRef{summary.id, summary.dir});
    Value item = status.ok() ? std::move(status.value())
                             : Value{{"run", summary.id}, {"status", "unreadable"}, {"error", status.error().message}};
    item.erase("steps");
    if (!options.status.empty() && item.value("status", std::string()) != options.status) {
      continue;
    }
    ++shown;
    if (inv.io->mode() == Mode::json) {
      inv.io->out(item.dump() + "\n");
    } else {
      std::string notes = item.value("dry_run", false) ? "  (dry run)" : "";
      for (const char* key : {"compensated", "compensation_failed"}) {
        if (item.contains(key)) {
          notes += fmt::format("  {}: {}", key == std::string("compensated") ? "compensated" : "compensation failed",
                               fmt::join(item[key].get<std::vector<std::string>>(), ", "));
        }
      }
      text += fmt::format("{:<26} {:<12} {:<20} {}{}\n", item.value("run", summary.id),
                          item.value("status", std::string()), item.value("workflow", std::string()),
                          item.value("started", std::string()), notes);
    }
  }
  if (inv.io->mode() != Mode::json) {
    if (shown == 0) {
      inv.note(fmt::format("no runs in {}", store.runs_dir().string()));
    } else {
      inv.io->out(fmt::format("{:<26} {:<12} {:<20} {}\n", "RUN", "STATUS", "WORKFLOW", "STARTED") + text);
    }
  }
  return 0;
}

}  // namespace

void add_runs(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<RunsOptions>();
  CLI::App* sub = app.add_subcommand("runs", "List runs, newest first");
  sub->add_option("--status", options->status, "Only runs with this status")
      ->check(one_of("--status", {"running", "paused", "succeeded", "failed", "cancelled", "interrupted"}));
  sub->add_option("--limit", options->limit, "At most this many runs (0: all)")
      ->check(whole_number("--limit", 0, std::numeric_limits<int>::max()));
  sub->callback([&inv, options] { inv.action = [&inv, options] { return runs_command(inv, *options); }; });
}

}  // namespace automata::commands
