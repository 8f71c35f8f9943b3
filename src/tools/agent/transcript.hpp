#pragma once
// The transcript of an agent run, an artifact of the run:
// <run dir>/artifacts/agent-<step id>.md, rewritten (atomically) after every
// turn so a killed run leaves what it had done. Built from the conversation,
// whose messages are already masked.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::agent {

// "lint[tool=x]" -> "agent-lint_tool_x_.md": one safe file name per step instance.
// A step id as a file name: [A-Za-z0-9._-], anything else as '_'.
std::string step_file_name(const std::string& step_id);

std::filesystem::path transcript_path(const std::filesystem::path& run_directory, const std::string& step_id);

// Markdown: one section per message, tool calls with their arguments, results
// fenced; `status` (outcome, totals) at the top.
std::string render_transcript(const std::string& step_id, const std::vector<llm::Message>& messages,
                              const std::string& status);

Result<void> write_transcript(const std::filesystem::path& path, const std::string& text);

}  // namespace automata::tools::agent
