// automata workflows [NAME]: the built-in workflows, or one's exact source,
// to copy and change (`automata workflows agent > my-agent.yaml`, then
// `automata run my-agent.yaml` or `automata agent --workflow my-agent.yaml`).
#include <fmt/format.h>

#include "commands/builtin_workflows.hpp"
#include "commands/commands.hpp"
#include "commands/drive.hpp"

namespace automata::commands {
namespace {

std::string description_of(const Invocation& inv, const engine::BuiltinWorkflow& builtin) {
  const auto outcome = engine::load_workflow(engine::builtin_file_name(builtin.name), std::string(builtin.source),
                                             inv.kinds(), workflow_library());
  return outcome.ok() ? outcome.workflow->description : std::string();
}

int workflows_command(Invocation& inv, const std::string& name) {
  if (!name.empty()) {
    auto found = find_builtin_workflow(name);
    if (!found.ok()) {
      return inv.fail(found.error());
    }
    inv.io->out(found->source);  // the exact bytes, in every output mode
    return 0;
  }
  std::size_t width = 0;
  for (const auto& builtin : builtin_workflows()) {
    width = std::max(width, builtin.name.size());
  }
  std::string out;
  for (const auto& builtin : builtin_workflows()) {
    const std::string description = description_of(inv, builtin);
    if (inv.io->mode() == Mode::json) {
      out += Value{{"name", builtin.name}, {"description", description}}.dump() + "\n";
    } else {
      out += fmt::format("{:<{}}  {}\n", builtin.name, width, description);
    }
  }
  inv.io->out(out);
  return 0;
}

}  // namespace

void add_workflows(CLI::App& app, Invocation& inv) {
  auto name = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("workflows", "List the built-in workflows, or print one's source to copy and change");
  sub->add_option("name", *name, "A built-in workflow: print its exact source");
  sub->callback([&inv, name] { inv.action = [&inv, name] { return workflows_command(inv, *name); }; });
}

}  // namespace automata::commands
