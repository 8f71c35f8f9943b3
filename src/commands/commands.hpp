#pragma once
// The table of subcommands (style.md: explicit tables). Each registers its
// flags on the app and sets Invocation::action when chosen.
#include <CLI/CLI.hpp>

#include "commands/invocation.hpp"

namespace automata::commands {

struct CommandSpec {
  const char* name;
  void (*add)(CLI::App& app, Invocation& inv);
};

void add_run(CLI::App& app, Invocation& inv);
void add_resume(CLI::App& app, Invocation& inv);
void add_runs(CLI::App& app, Invocation& inv);
void add_status(CLI::App& app, Invocation& inv);
void add_logs(CLI::App& app, Invocation& inv);
void add_cancel(CLI::App& app, Invocation& inv);
void add_signal(CLI::App& app, Invocation& inv);
void add_validate(CLI::App& app, Invocation& inv);
void add_graph(CLI::App& app, Invocation& inv);
void add_version(CLI::App& app, Invocation& inv);
void add_completions(CLI::App& app, Invocation& inv);
void add_agent(CLI::App& app, Invocation& inv);
void add_workflows(CLI::App& app, Invocation& inv);

inline constexpr CommandSpec k_commands[] = {
    {"run", add_run},           {"resume", add_resume}, {"runs", add_runs},         {"status", add_status},
    {"logs", add_logs},         {"cancel", add_cancel}, {"signal", add_signal},     {"validate", add_validate},
    {"graph", add_graph},       {"agent", add_agent},   {"workflows", add_workflows}, {"version", add_version},
    {"completions", add_completions},
};

}  // namespace automata::commands
