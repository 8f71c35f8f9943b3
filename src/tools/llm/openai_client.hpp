#pragma once
// OpenAI-compatible Chat Completions (OpenAI, OpenRouter, Ollama, llama.cpp,
// vLLM): POST {base_url}/chat/completions, streamed as server-sent events.
// The pieces are public so tests can check them without a server.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/llm/chat.hpp"
#include "tools/llm/tool_call_deltas.hpp"
#include "tools/llm/transport.hpp"

namespace automata::tools::llm {

// The request body. `completion_tokens_field`: OpenAI's own API wants
// max_completion_tokens (its newer models refuse max_tokens); the other
// servers know max_tokens.
Value openai_request_body(const ChatRequest& request, bool completion_tokens_field);

// A whole (not streamed) reply; an error names what is missing.
Result<ChatResponse> parse_openai_reply(const Value& body);

// stop, length, tool_calls, content_filter, other (a reply with tool calls
// or a refusal says tool_calls or refusal whatever the server's reason).
std::string openai_finish_reason(std::string_view reason);

// Assembles a streamed reply from its `data:` payloads: text and refusal
// deltas in order, tool-call deltas as tool_call_deltas.hpp tells, usage
// from the last chunk.
class OpenAiStream {
 public:
  explicit OpenAiStream(std::function<void(std::string_view)> on_text) : m_on_text(std::move(on_text)) {}
  void reset();
  void data(const std::string& payload);
  // Why the stream is not a whole reply (it stopped before a finish reason,
  // or carried an error), or nullopt.
  std::optional<std::string> problem() const;
  ChatResponse response(const std::string& requested_model) const;

 private:
  void consume(const std::string& payload);

  std::function<void(std::string_view)> m_on_text;
  std::string m_text;
  std::string m_refusal;
  ToolCallDeltas m_calls;
  std::string m_finish_reason;
  std::string m_model;
  Usage m_usage;
  bool m_done = false;
  std::string m_error;
};

std::unique_ptr<ChatClient> make_openai_client(ChatSettings settings, ClientOptions options);

}  // namespace automata::tools::llm
