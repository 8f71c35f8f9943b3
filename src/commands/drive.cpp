#include "commands/drive.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "commands/builtin_workflows.hpp"
#include "engine/atomic_file.hpp"
#include "engine/build_info.hpp"
#include "engine/suggest.hpp"

namespace automata::commands {

Result<engine::WorkflowSource> find_builtin_workflow(const std::string& name) {
  if (const engine::BuiltinWorkflow* builtin = workflow_library().find(name)) {
    return engine::WorkflowSource{engine::builtin_file_name(builtin->name), std::string(builtin->source)};
  }
  const auto names = workflow_library().names();
  std::string message = fmt::format("no built-in workflow named '{}'", name);
  if (auto suggestion = engine::did_you_mean(name, names)) {
    message += fmt::format(" (did you mean '{}'?)", *suggestion);
  }
  return Error::usage(message, fmt::format("the built-in workflows are {} (`automata workflows` lists them)",
                                           fmt::join(names, ", ")));
}

Result<engine::WorkflowSource> read_workflow_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error::usage(fmt::format("cannot read the workflow file {}: {}", path,
                                    std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error::usage(fmt::format("cannot read the workflow file {}: {}", path, std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return engine::WorkflowSource{path, buffer.str()};
}

Result<engine::WorkflowSource> find_workflow(const std::string& argument) {
  if (!engine::is_bare_name(argument)) {
    return read_workflow_file(argument);
  }
  if (workflow_library().find(argument) != nullptr) {
    return find_builtin_workflow(argument);
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(argument, ec)) {
    return read_workflow_file(argument);
  }
  const auto names = workflow_library().names();
  std::string message = fmt::format("no workflow file '{}' and no built-in workflow named '{}'", argument, argument);
  if (auto suggestion = engine::did_you_mean(argument, names)) {
    message += fmt::format(" (did you mean '{}'?)", *suggestion);
  }
  return Error::usage(message, fmt::format("the built-in workflows are {}; or give the path of a workflow file, "
                                           "e.g. workflows/examples/showcase.yaml",
                                           fmt::join(names, ", ")));
}

Result<std::shared_ptr<const engine::Workflow>> load_or_report(const Invocation& inv, engine::WorkflowSource workflow) {
  auto outcome = engine::load_workflow(workflow.file, std::move(workflow.source), inv.kinds(), workflow_library());
  if (!outcome.ok()) {
    inv.io->err(outcome.rendered);
    return Error::usage(fmt::format("{}: {} problem{}; nothing was run", workflow.file, outcome.diagnostics.size(),
                                    outcome.diagnostics.size() == 1 ? "" : "s"));
  }
  return outcome.workflow;
}

Result<std::shared_ptr<const engine::Workflow>> load_source_or_report(const Invocation& inv, const std::string& name,
                                                                      std::string source) {
  auto outcome = engine::load_workflow(name, std::move(source), inv.kinds(), workflow_library());
  if (!outcome.ok()) {
    inv.io->err(outcome.rendered);
    return Error::usage(fmt::format("{}: {} problem{}", name, outcome.diagnostics.size(),
                                    outcome.diagnostics.size() == 1 ? "" : "s"));
  }
  return outcome.workflow;
}

Result<std::optional<std::string>> chosen_run_id(const std::string& flag) {
  if (flag.empty()) {
    return std::optional<std::string>();
  }
  if (!engine::is_valid_run_id(flag)) {
    return Error::usage(fmt::format("--run-id '{}': use letters, digits, '.', '-' and '_' (at most 100)", flag));
  }
  return std::optional<std::string>(flag);
}

engine::EngineServices make_services(const Invocation& inv) {
  // Every step process under a shim: journaled before its command
  // runs, and stopped when this process dies (docs/processes.md).
  static engine::PosixProcessLauncher launcher(engine::Supervision::shim);
  engine::EngineServices services;
  services.kinds = &inv.kinds();
  services.launcher = &launcher;
  services.clock = &engine::real_clock();
  services.automata_version = build_info::k_version;
  services.workflows = &workflow_library();
  return services;
}

engine::DriveOptions make_drive_options(const Invocation& inv) {
  engine::DriveOptions options;
  options.jobs = inv.global.jobs;
  options.hold_when_paused = inv.detached;
  options.durability = inv.global.durability == "strict" ? engine::Durability::strict : engine::Durability::grouped;
  for (const auto& [model, price] : inv.global.prices) {
    options.prices[model] = {price.prompt, price.completion};
  }
  return options;
}

std::string paused_note(const std::string& id, const std::vector<std::string>& waiting_for, const std::string& reason,
                        bool still) {
  if (waiting_for.empty()) {
    return fmt::format("run {} is paused ({}); continue it with: automata resume {}", id, reason, id);
  }
  std::vector<std::string> names;
  std::vector<std::string> commands;
  for (const auto& name : waiting_for) {
    names.push_back("'" + name + "'");
    commands.push_back(fmt::format("automata signal {} {}", id, name));
  }
  return fmt::format("run {} is {}waiting for signal {}: send it with: {}, then: automata resume {}", id,
                     still ? "still " : "", fmt::join(names, ", "), fmt::join(commands, " or "), id);
}

int open_and_drive(Invocation& inv, const std::filesystem::path& run_dir,
                   std::shared_ptr<const engine::Workflow> workflow, engine::OpenMode mode,
                   const std::vector<std::pair<std::string, Value>>& signals_first,
                   std::unique_ptr<engine::EventSink> renderer) {
  if (!renderer) {
    renderer = inv.io->make_renderer();
  }
  engine::EngineServices services = make_services(inv);
  services.sinks.push_back(renderer.get());
  const engine::Masker masker = engine::masker_for(*workflow);
  if (!mode.resume) {
    // create_run wrote RunStarted before this renderer existed: show it, so
    // `--output json` starts with RunStarted and the banner is printed.
    if (auto contents = engine::load_journal(run_dir / "journal.jsonl", nullptr); contents.ok()) {
      for (const auto& record : contents->records) {
        renderer->on_record(record);
      }
    }
  }
  if (!mode.note) {
    mode.note = [&inv](const std::string& text) { inv.note(text); };
  }
  auto opened = engine::Driver::open(run_dir, workflow, masker, services, make_drive_options(inv), mode);
  if (!opened.ok()) {
    renderer->close();
    return inv.fail(opened.error());
  }
  engine::Driver& driver = *opened.value();
  if (driver.torn_note()) {
    inv.note(*driver.torn_note());
  }
  for (const auto& [name, data] : signals_first) {
    driver.post_signal(name, data);
  }
  set_interrupt_target([&driver](int count) {
    if (count >= 2) {
      driver.interrupt_hard();
    } else {
      driver.interrupt();
    }
  });
  auto result = driver.drive();
  clear_interrupt_target();
  renderer->close();
  if (!inv.global.junit.empty()) {
    auto contents = engine::load_journal(run_dir / "journal.jsonl", nullptr);
    if (contents.ok()) {
      auto written = engine::write_file_atomic(inv.global.junit, inv.io->junit_xml(contents->records), 0644);
      if (!written.ok()) {
        inv.fail(written.error());
      }
    }
  }
  if (!result.ok()) {
    return inv.fail(result.error());
  }
  const std::string id = driver.run_id();
  switch (result->end) {
    case engine::RunEnd::succeeded:
      return 0;
    case engine::RunEnd::failed:
      return 1;
    case engine::RunEnd::cancelled:
      return 3;
    case engine::RunEnd::paused:
      // tty and plain renderers end with the same hint on stdout.
      if (inv.io->mode() == Mode::json) {
        inv.note(paused_note(id, result->waiting_for, result->error));
      }
      return 4;
    case engine::RunEnd::interrupted:
      if (inv.io->mode() == Mode::json) {
        inv.note(fmt::format("run {} interrupted; resume it with: automata resume {}", id, id));
      }
      return 130;
  }
  return 1;
}

}  // namespace automata::commands
