#pragma once
// Configuration (cli.md "Configuration"), later wins: built-in defaults,
// $XDG_CONFIG_HOME/automata/config.yaml, .automata/config.yaml of the
// repository, --config FILE, AUTOMATA_* environment, flags.
// Keys: output, jobs, durability, home, color (true/false), prices (model ->
// {prompt, completion} in USD per million tokens). The environment:
// AUTOMATA_OUTPUT_MODE (not AUTOMATA_OUTPUT: inside a shell step that names
// the step's outputs file), AUTOMATA_JOBS, AUTOMATA_DURABILITY, AUTOMATA_HOME.
#include <string>
#include <vector>

#include "commands/invocation.hpp"

namespace automata::commands {

// The values of --output and --durability (and of their variables and keys).
inline const std::vector<std::string> k_output_modes = {"auto", "tty", "plain", "json"};
inline const std::vector<std::string> k_durabilities = {"grouped", "strict"};

struct ExplicitFlags {
  bool output = false;
  bool jobs = false;
  bool durability = false;
  bool home = false;
};

// Fills options not given as flags. Errors name the file, line and column.
Result<void> apply_configuration(GlobalOptions& options, const ExplicitFlags& given);

}  // namespace automata::commands
