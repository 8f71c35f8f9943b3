#include "tools/agent/transcript.hpp"

#include "engine/step_file_name.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "tools/agent/conversation.hpp"

namespace automata::tools::agent {
namespace {

// A fence longer than any run of backticks in the text, so the text cannot close it.
std::string fence_for(const std::string& text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

std::string fenced(const std::string& text) {
  const std::string fence = fence_for(text);
  return fmt::format("{}\n{}{}{}\n", fence, text, text.empty() || text.back() == '\n' ? "" : "\n", fence);
}

}  // namespace

std::string step_file_name(const std::string& step_id) { return engine::safe_file_name(step_id); }

std::filesystem::path transcript_path(const std::filesystem::path& run_directory, const std::string& step_id) {
  return run_directory / "artifacts" / ("agent-" + step_file_name(step_id) + ".md");
}

std::string render_transcript(const std::string& step_id, const std::vector<llm::Message>& messages,
                              const std::string& status) {
  std::string text = fmt::format("# agent.run {}\n\n{}\n", step_id, status);
  int turn = 0;
  for (const auto& message : messages) {
    switch (message.role) {
      case llm::Role::system:
        text += "\n## System prompt\n\n" + fenced(message.content);
        break;
      case llm::Role::user:
        text += "\n## User\n\n" + message.content + "\n";
        break;
      case llm::Role::assistant:
        text += fmt::format("\n## Turn {}: assistant\n\n", ++turn);
        if (!message.content.empty()) {
          text += message.content + "\n";
        }
        if (message.refusal) {
          text += "\n**refused**\n\n" + fenced(*message.refusal);
        }
        for (const auto& call : message.tool_calls) {
          text += fmt::format("\n**call** `{}` ({})\n\n", call.name, call.id) + fenced(call.raw_arguments);
        }
        break;
      case llm::Role::tool:
        text += fmt::format("\n**result** of `{}` ({}){}\n\n", message.tool_name, message.tool_call_id,
                            message.is_error ? ", error" : "") +
                fenced(message.content);
        break;
    }
  }
  return text;
}

Result<void> write_transcript(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Error::infra(fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  }
  return engine::write_file_atomic(path, text, 0644);
}

}  // namespace automata::tools::agent
