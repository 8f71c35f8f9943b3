#pragma once
// `automata help [COMMAND]`, and the message for a command that does not
// exist. Both need the whole CLI11 app, so they live in cli/.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "commands/invocation.hpp"

namespace automata::cli {

// Adds `help [COMMAND]`: the help `automata COMMAND --help` prints, and
// `automata --help` without a COMMAND. An unknown COMMAND is a usage error.
void add_help_command(CLI::App& app, commands::Invocation& inv);

// The first word of argv that stands where the command does (after the
// global options and their values), when it names no command of `app`:
// the error for it, "automata: no such command 'rn' (did you mean 'run'?)".
// Nothing when the command exists or none is given.
std::optional<std::string> unknown_command_error(const CLI::App& app, int argc, const char* const* argv);

// The error for a word given as a command that is not one.
std::string no_such_command(const CLI::App& app, const std::string& word);

}  // namespace automata::cli
