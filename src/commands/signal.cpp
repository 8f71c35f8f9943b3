// automata signal RUN NAME [--data JSON] and automata cancel RUN.
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "commands/builtin_workflows.hpp"
#include "commands/commands.hpp"
#include "commands/drive.hpp"
#include "commands/run_lookup.hpp"
#include "engine/control.hpp"
#include "engine/driver.hpp"
#include "engine/loader.hpp"
#include "engine/run_state.hpp"

namespace automata::commands {
namespace {

struct SignalOptions {
  std::string run;
  std::string name;
  std::string data;
};

bool is_signal_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// The masker of the run's own workflow (the copy stored with it, named as
// when the run started), so data journaled while no process drives the run
// is masked as a live run masks it.
engine::Masker run_masker(const Invocation& inv, const RunRef& run) {
  std::ifstream in(run.dir / "workflow.yaml", std::ios::binary);
  std::stringstream source;
  source << in.rdbuf();
  auto records = read_records(run.dir);
  const std::string started_as = records.ok() ? engine::fold_records(records.value()).file : std::string();
  auto outcome = engine::load_workflow(started_as.empty() ? (run.dir / "workflow.yaml").string() : started_as,
                                       source.str(), inv.kinds(), workflow_library());
  if (outcome.workflow) {
    return engine::masker_for(*outcome.workflow);
  }
  engine::Workflow none;
  return engine::masker_for(none);
}

// Live: through the control socket. A driver that holds the lock but has not
// opened its socket yet (it just started) is given a moment.
Result<bool> send_live(const RunRef& run, const Value& request) {
  for (int tries = 0; tries < 30; ++tries) {
    if (!run_is_live(run.dir)) {
      return false;
    }
    auto reply = engine::control_request(run.dir / "control.sock", request);
    if (reply.ok()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Error::infra(fmt::format("run {} is driven by a process that does not answer", run.id));
}

// Drives a run no process drives with `name` (cancel, rollback) posted first,
// so it stops with its compensations, on_failure and finally steps.
int drive_with_signal(Invocation& inv, const RunRef& run, const std::string& name, const Value& data) {
  std::ifstream in(run.dir / "workflow.yaml", std::ios::binary);
  std::stringstream source;
  source << in.rdbuf();
  // Named as when the run started, so its child workflows resolve as they did.
  auto records = read_records(run.dir);
  const std::string started_as = records.ok() ? engine::fold_records(records.value()).file : std::string();
  auto workflow = load_source_or_report(inv, started_as.empty() ? (run.dir / "workflow.yaml").string() : started_as,
                                        source.str());
  if (!workflow.ok()) {
    return inv.fail(workflow.error());
  }
  engine::OpenMode mode;
  mode.resume = true;
  mode.by = name;
  return open_and_drive(inv, run.dir, workflow.value(), mode, {{name, data}});
}

int signal_command(Invocation& inv, const SignalOptions& options) {
  if (!is_signal_name(options.name)) {
    return inv.fail(Error::usage(fmt::format("'{}' is not a signal name: use letters, digits, '-' and '_'", options.name)));
  }
  Value data;
  if (!options.data.empty()) {
    data = Value::parse(options.data, nullptr, false);
    if (data.is_discarded()) {
      return inv.fail(Error::usage(fmt::format("--data is not JSON: {}", options.data)));
    }
  }
  auto run = find_run(inv, options.run);
  if (!run.ok()) {
    return inv.fail(run.error());
  }
  auto live = send_live(run.value(), Value{{"op", "signal"}, {"name", options.name}, {"data", data}});
  if (!live.ok()) {
    return inv.fail(live.error());
  }
  if (live.value()) {
    inv.note(fmt::format("signal '{}' sent to run {}", options.name, run->id));
    return 0;
  }
  auto status = run_status(run.value());
  if (status.ok()) {
    const std::string s = status->value("status", std::string());
    if (s == "succeeded" || s == "failed" || s == "cancelled") {
      return inv.fail(Error::usage(fmt::format("run {} has finished ({}); it takes no more signals", run->id, s)));
    }
  }
  if (options.name == "cancel" || options.name == "rollback") {
    // Recorded for later, these would wait for a `resume` that may never come
    // (and a resumed driver acts only on signals it receives): like
    // `automata cancel`, drive the run now so its compensations run.
    return drive_with_signal(inv, run.value(), options.name, data);
  }
  auto recorded = engine::record_signal_offline(run->dir, options.name, data, run_masker(inv, run.value()),
                                                engine::real_clock());
  if (!recorded.ok()) {
    return inv.fail(recorded.error());
  }
  inv.note(fmt::format("signal '{}' recorded for run {}, which is not running; continue it with: automata resume {}",
                       options.name, run->id, run->id));
  return 0;
}

int cancel_command(Invocation& inv, const std::string& argument) {
  auto run = find_run(inv, argument);
  if (!run.ok()) {
    return inv.fail(run.error());
  }
  auto live = send_live(run.value(), Value{{"op", "cancel"}});
  if (!live.ok()) {
    return inv.fail(live.error());
  }
  if (live.value()) {
    inv.note(fmt::format("cancel requested for run {}; its compensations run before it stops", run->id));
    return 0;
  }
  auto status = run_status(run.value());
  if (!status.ok()) {
    return inv.fail(status.error());
  }
  const std::string s = status->value("status", std::string());
  if (s == "succeeded" || s == "failed" || s == "cancelled") {
    inv.note(fmt::format("run {} has already finished ({}); nothing to cancel", run->id, s));
    return 0;
  }
  // Not running (interrupted or paused): drive it just long enough to cancel,
  // so its compensations and finally steps run.
  return drive_with_signal(inv, run.value(), "cancel", Value());
}

}  // namespace

void add_signal(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<SignalOptions>();
  CLI::App* sub = app.add_subcommand("signal", "Send a signal to a run: pause, resume, cancel, rollback, or its own");
  sub->add_option("run", options->run, "Run id, unique prefix, or 'last'")->required();
  sub->add_option("name", options->name, "Signal name")->required();
  sub->add_option("--data", options->data, "JSON data for the signal");
  sub->callback([&inv, options] { inv.action = [&inv, options] { return signal_command(inv, *options); }; });
}

void add_cancel(CLI::App& app, Invocation& inv) {
  auto run = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("cancel", "Ask a run to stop; its compensations run");
  sub->add_option("run", *run, "Run id, unique prefix, or 'last'")->required();
  sub->callback([&inv, run] { inv.action = [&inv, run] { return cancel_command(inv, *run); }; });
}

}  // namespace automata::commands
