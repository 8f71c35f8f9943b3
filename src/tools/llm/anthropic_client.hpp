#pragma once
// Anthropic Messages: POST {base_url}/v1/messages with x-api-key and
// anthropic-version: 2023-06-01, streamed as typed server-sent events.
//
// Structured output: the JSON schema goes into the system prompt as an
// instruction ("reply with only a JSON value satisfying …"), not a forced
// tool, so it works beside the caller's own tools and for any schema type;
// llm.chat validates the reply and asks once for a repair.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/llm/chat.hpp"
#include "tools/llm/transport.hpp"

namespace automata::tools::llm {

// max_tokens is required by the API: this when the request sets none.
inline constexpr std::int64_t k_anthropic_default_max_tokens = 8192;

// The request body: system messages joined into `system`, tool calls as
// tool_use blocks, tool results as tool_result blocks in a user message
// (consecutive ones together, paired with their call by id).
Value anthropic_request_body(const ChatRequest& request);

Result<ChatResponse> parse_anthropic_reply(const Value& body);

// stop (end_turn, stop_sequence), length (max_tokens), tool_calls (tool_use),
// refusal (refusal: the reply's text, if any, is its refusal), other.
std::string anthropic_finish_reason(std::string_view reason);

// Assembles a streamed reply from its events (message_start,
// content_block_start/delta/stop, message_delta, message_stop, error).
class AnthropicStream {
 public:
  explicit AnthropicStream(std::function<void(std::string_view)> on_text) : m_on_text(std::move(on_text)) {}
  void reset();
  void event(const std::string& data);
  std::optional<std::string> problem() const;
  ChatResponse response(const std::string& requested_model) const;

 private:
  void consume(const std::string& data);

  struct Block {
    std::string type;  // text, tool_use, or another kind that is ignored
    std::string text;  // text, or the tool's input JSON as it grows
    std::string id;
    std::string name;
  };
  std::function<void(std::string_view)> m_on_text;
  std::vector<Block> m_blocks;  // by index
  std::string m_stop_reason;
  std::string m_model;
  Usage m_usage;
  bool m_stopped = false;
  std::string m_error;
};

std::unique_ptr<ChatClient> make_anthropic_client(ChatSettings settings, ClientOptions options);

}  // namespace automata::tools::llm
