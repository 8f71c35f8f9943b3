#pragma once
// The provider-neutral shape of a chat with a language model: what the
// llm.chat and agent.run step kinds build, and what every wire protocol
// (OpenAI-compatible Chat Completions, Anthropic Messages) translates to and
// from. Kept free of HTTP and of any one provider's field names.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/process.hpp"
#include "engine/result.hpp"
#include "engine/value.hpp"

namespace automata::tools::llm {

// A tool the model may call: its arguments are described by a JSON schema.
struct ToolSpec {
  std::string name;
  std::string description;
  Value parameters = Value::object();  // JSON schema of the arguments object
};

struct ToolCall {
  std::string id;             // the provider's id; a tool result answers it
  std::string name;
  std::string raw_arguments;  // as the model sent them (may be malformed JSON)
  Value arguments;            // parsed; null when raw_arguments is not a JSON object
  // Fields of the call the protocol does not read, kept to be sent back
  // verbatim with it: a provider may require them on the next turn (Gemini's
  // extra_content.google.thought_signature answers 400 when missing).
  Value extra = Value::object();
};

enum class Role { system, user, assistant, tool };

struct Message {
  Role role = Role::user;
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant: calls it asks for
  std::string tool_call_id;          // tool: the call this result answers
  std::string tool_name;             // tool: the called tool's name (Anthropic and some servers want it)
  bool is_error = false;             // tool: the result reports a failure
  // assistant: the model declined to answer, with its reason (OpenAI's
  // `refusal`; Anthropic's reply text when it stopped for a refusal, maybe "").
  std::optional<std::string> refusal;
};

struct ChatRequest {
  std::string model;
  std::vector<Message> messages;     // a leading system message becomes Anthropic's `system`
  std::vector<ToolSpec> tools;
  std::optional<Value> response_schema;  // structured output: the reply must be JSON satisfying it
  std::optional<std::int64_t> max_tokens;
  std::optional<double> temperature;
  bool stream = true;
};

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::string model;  // as the provider reports it
};

struct ChatResponse {
  Message message;            // role assistant: text and/or tool calls
  std::string finish_reason;  // normalised: stop, tool_calls, length, content_filter, refusal, other
  Usage usage;
};

// What a caller sees while a reply is produced.
struct ChatObserver {
  std::function<void(std::string_view text_delta)> on_text;  // streamed text as it grows
  std::function<void(const std::string& note)> on_retry;     // "429 from openrouter: retrying in 3s"
  const engine::CancelToken* cancel = nullptr;               // aborts the transfer and any wait
};

// One provider behind one wire protocol. Errors carry the provider's message
// (after the client's own retries): Errc::usage when another attempt cannot
// succeed (401, 400, no model configured), Errc::infra otherwise.
class ChatClient {
 public:
  virtual ~ChatClient() = default;
  virtual Result<ChatResponse> chat(const ChatRequest& request, const ChatObserver& observer) = 0;
};

}  // namespace automata::tools::llm

namespace automata::tools::llm {

// Which provider, model and key a step talks to, chosen from its parameters
// (`provider`, `model`, `base_url`, `api_key`) and then its environment
// (AUTOMATA_LLM_BASE_URL, AUTOMATA_MODEL, OPENROUTER_API_KEY, OPENAI_API_KEY,
// ANTHROPIC_API_KEY). Implemented in provider_settings.cpp.
struct ChatSettings {
  std::string provider;  // openai (any OpenAI-compatible server), openrouter, anthropic
  std::string base_url;
  std::string model;
  std::string api_key;   // a secret: never printed, journaled or put in a URL
};

// Makes the client a step uses; tests inject their own (a fake, or one aimed
// at a scripted server).
using ChatClientFactory =
    std::function<Result<std::unique_ptr<ChatClient>>(const Value& params, const std::vector<std::string>& environment)>;

}  // namespace automata::tools::llm
