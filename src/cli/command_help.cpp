#include "cli/command_help.hpp"

#include <fmt/format.h>

#include "engine/suggest.hpp"
#include "engine/visible_text.hpp"

namespace automata::cli {
namespace {

// The commands a person is offered: hidden ones (no group) are for scripts.
std::vector<std::string> visible_commands(const CLI::App& app) {
  std::vector<std::string> names;
  const auto visible = [](const CLI::App* candidate) { return !candidate->get_group().empty(); };
  for (const CLI::App* sub : app.get_subcommands(visible)) {
    names.push_back(sub->get_name());
  }
  return names;
}

const CLI::App* find_command(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* /*candidate*/) { return true; })) {
    if (sub->get_name() == name) {
      return sub;
    }
  }
  return nullptr;
}

// Whether `arg` is a global option that takes the next argument as its
// value (`--output json`, `-j 4`), not written as `--output=json` or `-j4`.
bool takes_next_argument(const CLI::App& app, const std::string& arg) {
  if (arg.find('=') != std::string::npos) {
    return false;
  }
  const bool long_form = arg.rfind("--", 0) == 0;
  if (!long_form && arg.size() != 2) {
    return false;  // -j4, or a bundle of short flags
  }
  const std::string name = long_form ? arg.substr(2) : arg.substr(1);
  for (const CLI::Option* option : app.get_options()) {
    const auto& names = long_form ? option->get_lnames() : option->get_snames();
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return option->get_items_expected_max() > 0;
    }
  }
  return false;
}

}  // namespace

std::string no_such_command(const CLI::App& app, const std::string& word) {
  std::string message = fmt::format("automata: no such command '{}'", engine::visible_text(word));
  if (auto suggestion = engine::did_you_mean(word, visible_commands(app))) {
    message += fmt::format(" (did you mean '{}'?)", *suggestion);
  }
  return message + "\nautomata: hint: run `automata help` for the list of commands\n";
}

std::optional<std::string> unknown_command_error(const CLI::App& app, int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      return std::nullopt;
    }
    if (arg.size() > 1 && arg.front() == '-') {
      i += takes_next_argument(app, arg) ? 1 : 0;
      continue;
    }
    if (find_command(app, arg) != nullptr) {
      return std::nullopt;
    }
    return no_such_command(app, arg);
  }
  return std::nullopt;
}

void add_help_command(CLI::App& app, commands::Invocation& inv) {
  auto command = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("help", "Show the help of a command (as COMMAND --help), or of automata");
  sub->add_option("command", *command, "The command");
  sub->callback([&inv, &app, command] {
    inv.action = [&inv, &app, command] {
      if (command->empty()) {
        inv.io->out(app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal));
        return 0;
      }
      const CLI::App* chosen = find_command(app, *command);
      if (chosen == nullptr) {
        inv.io->err(no_such_command(app, *command));
        return 2;
      }
      // What CLI11 prints for `automata COMMAND --help`.
      inv.io->out(chosen->help(app.get_name()));
      return 0;
    };
  });
}

}  // namespace automata::cli
