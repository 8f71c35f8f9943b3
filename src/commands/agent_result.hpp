#pragma once
// The result of a coding-agent run (workflows/agent.yaml), read from its
// journal: what `automata agent` prints at the end, as text or, with
// `--output json`, as one JSON object (and nothing else on stdout).
#include <filesystem>
#include <memory>

#include "commands/invocation.hpp"
#include "engine/run_state.hpp"

namespace automata::commands {

// {"success", "run", "status", "branch", "base", "commit", "pushed", "remote",
//  "workspace", "plan", "steps_completed", "agent", "validation", "error",
//  "duration_ms", "llm_calls", "tokens"}: see README.md, "The coding agent".
Value agent_result(const engine::RunState& state, const Value& tokens);

std::string format_agent_result(const Value& result);

// The renderer `automata agent` drives with: the usual one, except under
// --output json, where stdout is kept for the result object alone.
std::unique_ptr<engine::EventSink> agent_result_view(const Invocation& inv);

// Prints the result of the run in `run_dir` (nothing when its journal cannot
// be read: the run's own error has been printed already).
void print_agent_result(const Invocation& inv, const std::filesystem::path& run_dir);

}  // namespace automata::commands
