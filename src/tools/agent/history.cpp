#include "tools/agent/history.hpp"

#include <fmt/format.h>

#include "tools/agent/truncate.hpp"

namespace automata::tools::agent {
namespace {

// Results this short cost less than the note that would replace them.
constexpr std::size_t k_worth_eliding = 240;

}  // namespace

std::size_t message_bytes(const llm::Message& message) {
  std::size_t bytes = message.content.size();
  for (const auto& call : message.tool_calls) {
    bytes += call.name.size() + call.raw_arguments.size();
    if (!call.extra.empty()) {
      bytes += call.extra.dump().size();  // a thought signature can be kilobytes
    }
  }
  return bytes;
}

std::vector<llm::Message> compact_history(const std::vector<llm::Message>& messages, std::size_t max_bytes,
                                          std::size_t keep_recent_turns) {
  std::size_t total = 0;
  for (const auto& message : messages) {
    total += message_bytes(message);
  }
  if (max_bytes == 0 || total <= max_bytes) {
    return messages;
  }
  // The first message of the turns kept whole: the keep_recent_turns-th
  // assistant message from the end.
  std::size_t protected_from = messages.size();
  std::size_t turns = 0;
  for (std::size_t i = messages.size(); i > 0 && turns < keep_recent_turns; --i) {
    if (messages[i - 1].role == llm::Role::assistant) {
      ++turns;
      protected_from = i - 1;
    }
  }
  std::vector<llm::Message> compacted = messages;
  for (std::size_t i = 0; i < protected_from && total > max_bytes; ++i) {
    llm::Message& message = compacted[i];
    if (message.role != llm::Role::tool || message.content.size() < k_worth_eliding) {
      continue;
    }
    const std::string note = fmt::format("[{} bytes of output elided to keep the conversation short; call {} again "
                                         "if you need it]",
                                         with_thousands(message.content.size()), message.tool_name);
    total = total - message.content.size() + note.size();
    message.content = note;
  }
  return compacted;
}

}  // namespace automata::tools::agent
