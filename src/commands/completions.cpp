// automata completions bash|zsh|fish
#include "commands/completions.hpp"

#include <fmt/format.h>

#include "commands/commands.hpp"

namespace automata::commands {
namespace {

CompletionGenerator& generator() {
  static CompletionGenerator g_generator;
  return g_generator;
}

}  // namespace

void set_completion_generator(CompletionGenerator completion_generator) {
  generator() = std::move(completion_generator);
}

void add_completions(CLI::App& app, Invocation& inv) {
  auto shell = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("completions", "Print a shell completion script: bash, zsh or fish");
  // No IsMember check: an unknown shell gets our own message, not CLI11's.
  sub->add_option("shell", *shell, "bash, zsh or fish")->required();
  const CLI::App* root = &app;
  sub->callback([&inv, shell, root] {
    inv.action = [&inv, shell, root] {
      std::optional<std::string> script;
      if (generator()) {
        script = generator()(*root, *shell);
      }
      if (!script) {
        return inv.fail(Error::usage(fmt::format("unknown shell '{}'", *shell),
                                     "choose one of bash, zsh or fish, e.g. `automata completions bash`"));
      }
      inv.io->out(*script);
      return 0;
    };
  });
}

}  // namespace automata::commands
