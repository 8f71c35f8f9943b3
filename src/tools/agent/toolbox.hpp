#pragma once
// The seven tools an agent may call, their JSON schemas, and their execution
// against one workspace. Nothing a model sends throws: a refused path, a
// blocked command, a file too large, malformed arguments or an unknown tool
// all come back as a result with is_error set, saying why, for the model to
// read and correct.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/process.hpp"
#include "tools/fs/workspace.hpp"
#include "tools/llm/chat.hpp"
#include "tools/shell_policy/shell_policy.hpp"

namespace automata::tools::agent {

inline constexpr std::size_t k_default_max_tool_output_bytes = 16 * 1024;

struct ToolboxOptions {
  shell_policy::ShellPolicyOptions shell;  // workspace, environment, timeout (the ceiling a call may ask for), sandbox...
  std::size_t max_output_bytes = k_default_max_tool_output_bytes;  // per tool result, head and tail kept
  std::size_t max_file_bytes = fs::k_default_max_read_bytes;
};

struct ToolResult {
  std::string content;  // what the model reads (bounded by max_output_bytes)
  bool is_error = false;
  bool format_error = false;  // unknown tool or arguments that do not fit the schema
  bool finish = false;        // `finish` was called
  std::string summary;        // finish's summary
  std::vector<std::string> files_changed;  // by write_file or apply_patch
};

class AgentToolbox {
 public:
  AgentToolbox(fs::Workspace workspace, ToolboxOptions options, engine::ProcessLauncher& launcher);

  static const std::vector<llm::ToolSpec>& specs();

  // Runs one call; `cancel` stops a running command, and a command runs no
  // longer than `time_left` (what remains of the run's time limit).
  ToolResult execute(const llm::ToolCall& call, const engine::CancelToken& cancel,
                     std::optional<std::chrono::milliseconds> time_left = std::nullopt);

  const fs::Workspace& workspace() const { return m_workspace; }

 private:
  ToolResult run_shell_command(const Value& args, const engine::CancelToken& cancel,
                               std::optional<std::chrono::milliseconds> time_left);
  ToolResult read_file(const Value& args) const;
  ToolResult write_file(const Value& args) const;
  ToolResult list_directory(const Value& args) const;
  ToolResult search_files(const Value& args) const;
  ToolResult apply_patch(const Value& args) const;

  fs::Workspace m_workspace;
  ToolboxOptions m_options;
  engine::ProcessLauncher& m_launcher;
};

}  // namespace automata::tools::agent
