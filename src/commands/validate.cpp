// automata validate FILE...: every problem of every file, nothing run.
#include <fmt/format.h>

#include "commands/builtin_workflows.hpp"
#include "commands/commands.hpp"
#include "engine/loader.hpp"

namespace automata::commands {
namespace {

int validate_command(Invocation& inv, const std::vector<std::string>& files) {
  std::size_t problems = 0;
  for (const auto& file : files) {
    const auto outcome = engine::load_workflow_file(file, inv.kinds(), workflow_library());
    problems += outcome.diagnostics.size();
    if (inv.io->mode() == Mode::json) {
      Value item = {{"file", file}, {"ok", outcome.ok()}, {"diagnostics", Value::array()}};
      for (const auto& d : outcome.diagnostics) {
        item["diagnostics"].push_back({{"file", d.file}, {"line", d.pos.line}, {"column", d.pos.column},
                                       {"message", d.message}});
      }
      if (outcome.ok()) {
        item["workflow"] = outcome.workflow->name;
        item["steps"] = outcome.workflow->steps.size();
      }
      inv.io->out(item.dump() + "\n");
      continue;
    }
    if (outcome.ok()) {
      inv.io->out(fmt::format("{}: ok ({} step{})\n", file, outcome.workflow->steps.size(),
                              outcome.workflow->steps.size() == 1 ? "" : "s"));
    } else {
      inv.io->err(outcome.rendered);
    }
  }
  if (problems > 0) {
    if (inv.io->mode() != Mode::json) {
      inv.note(fmt::format("{} problem{} found", problems, problems == 1 ? "" : "s"));
    }
    return 2;
  }
  return 0;
}

}  // namespace

void add_validate(CLI::App& app, Invocation& inv) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = app.add_subcommand("validate", "Check workflow files without running them");
  sub->add_option("files", *files, "Workflow files")->required();
  sub->callback([&inv, files] { inv.action = [&inv, files] { return validate_command(inv, *files); }; });
}

}  // namespace automata::commands
