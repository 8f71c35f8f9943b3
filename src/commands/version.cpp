// automata version
#include <fmt/format.h>

#include "commands/commands.hpp"
#include "engine/build_info.hpp"

namespace automata::commands {

void add_version(CLI::App& app, Invocation& inv) {
  CLI::App* sub = app.add_subcommand("version", "Print the version, build and compiled-in backends");
  sub->callback([&inv] {
    inv.action = [&inv] {
      if (inv.io->mode() == Mode::json) {
        inv.io->out(Value{{"version", build_info::k_version},
                          {"build_type", build_info::k_build_type},
                          {"compiler", build_info::k_compiler},
                          {"stores", Value::array({"local"})}}
                        .dump() +
                    "\n");
      } else {
        inv.io->out(fmt::format("automata {}\nbuild: {} ({})\nstores: local\n", build_info::k_version,
                                build_info::k_build_type, build_info::k_compiler));
      }
      return 0;
    };
  });
}

}  // namespace automata::commands
