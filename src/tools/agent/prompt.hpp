#pragma once
// The system prompt: the agent's role and tool rules, the workflow's own
// instructions, the task, and a short overview of the repository (a bounded
// file tree and the head of the README) so the first turns are not spent
// exploring.
#include <cstddef>
#include <string>
#include <vector>

#include "engine/value.hpp"
#include "tools/fs/workspace.hpp"

namespace automata::tools::agent {

struct AgentTask {
  std::string title;
  std::string description;  // or the whole task, when given as one `task` string
  std::vector<std::string> requirements;
};

struct PromptInputs {
  std::string instructions;  // custom instructions (may be empty)
  AgentTask task;
  std::string overview;      // repository_overview()
  std::string plan;          // plan_text(): an implementation plan to follow (may be empty)
};

// An implementation plan as the agent reads it: numbered steps, the files to
// create and modify, how the result is checked. A plan of another shape is
// shown as JSON; null gives "".
std::string plan_text(const Value& plan);

std::string build_system_prompt(const PromptInputs& inputs);

// The first user message: what starts the loop.
std::string first_user_message(const AgentTask& task);

// "Files (up to N):\n..." and "README.md (first N bytes):\n...", bounded.
std::string repository_overview(const fs::Workspace& workspace, std::size_t max_entries = 200,
                                 std::size_t readme_bytes = 2000);

}  // namespace automata::tools::agent
