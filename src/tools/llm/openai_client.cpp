#include "tools/llm/openai_client.hpp"

#include <fmt/format.h>

#include "tools/llm/provider_settings.hpp"
#include "tools/llm/reply_exchange.hpp"
#include "tools/llm/sse.hpp"
#include "tools/llm/tool_arguments.hpp"
#include "tools/llm/tool_call_deltas.hpp"

namespace automata::tools::llm {
namespace {

Value message_json(const Message& message) {
  switch (message.role) {
    case Role::system:
      return {{"role", "system"}, {"content", message.content}};
    case Role::user:
      return {{"role", "user"}, {"content", message.content}};
    case Role::tool:
      return {{"role", "tool"}, {"tool_call_id", message.tool_call_id}, {"content", message.content}};
    case Role::assistant:
      break;
  }
  Value json = {{"role", "assistant"}};
  // OpenAI wants content null, not "", beside tool calls.
  json["content"] = message.content.empty() && !message.tool_calls.empty() ? Value(nullptr) : Value(message.content);
  if (!message.tool_calls.empty()) {
    Value calls = Value::array();
    for (const auto& call : message.tool_calls) {
      Value json_call = {{"id", call.id},
                         {"type", "function"},
                         {"function", {{"name", call.name}, {"arguments", arguments_text(call)}}}};
      if (call.extra.is_object()) {
        for (const auto& [key, value] : call.extra.items()) {
          if (!json_call.contains(key)) {  // verbatim, beside the fields the protocol defines
            json_call[key] = value;
          }
        }
      }
      calls.push_back(std::move(json_call));
    }
    json["tool_calls"] = std::move(calls);
  }
  return json;
}

std::string string_field(const Value& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Usage usage_from(const Value& usage) {
  Usage out;
  if (usage.is_object()) {
    out.prompt_tokens = integer_field(usage, "prompt_tokens");
    out.completion_tokens = integer_field(usage, "completion_tokens");
  }
  return out;
}

// Some servers say "stop" beside tool calls; OpenAI says "stop" beside a
// refusal, which is what a caller must tell apart from an answer.
std::string reply_finish_reason(std::string_view reason, const Message& message) {
  if (message.refusal) {
    return "refusal";
  }
  return message.tool_calls.empty() ? openai_finish_reason(reason) : "tool_calls";
}

Result<ChatResponse> parse_reply(const Value& body);

class OpenAiClient final : public ChatClient {
 public:
  OpenAiClient(ChatSettings settings, ClientOptions options)
      : m_settings(std::move(settings)), m_options(std::move(options)) {}

  Result<ChatResponse> chat(const ChatRequest& request, const ChatObserver& observer) override {
    const bool openai_itself = m_settings.provider == "openai" && m_settings.base_url == "https://api.openai.com/v1";
    http::HttpRequest http;
    http.url = m_settings.base_url + "/chat/completions";
    http.body = openai_request_body(with_model(request, m_settings), openai_itself).dump();
    if (!m_settings.api_key.empty()) {
      http.headers.emplace_back("Authorization", "Bearer " + m_settings.api_key);
    }
    return exchange_reply<OpenAiStream>(m_settings, m_options, request, observer, std::move(http), &OpenAiStream::data,
                                   parse_openai_reply);
  }

 private:
  ChatSettings m_settings;
  ClientOptions m_options;
};

}  // namespace

Value openai_request_body(const ChatRequest& request, bool completion_tokens_field) {
  Value body = {{"model", request.model}};
  Value messages = Value::array();
  for (const auto& message : request.messages) {
    messages.push_back(message_json(message));
  }
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    Value tools = Value::array();
    for (const auto& tool : request.tools) {
      tools.push_back({{"type", "function"},
                       {"function",
                        {{"name", tool.name}, {"description", tool.description}, {"parameters", tool.parameters}}}});
    }
    body["tools"] = std::move(tools);
  }
  if (request.response_schema) {
    // strict:false: strict mode refuses schemas with optional properties;
    // llm.chat validates the reply itself.
    body["response_format"] = {{"type", "json_schema"},
                               {"json_schema", {{"name", "reply"}, {"schema", *request.response_schema}, {"strict", false}}}};
  }
  if (request.max_tokens) {
    body[completion_tokens_field ? "max_completion_tokens" : "max_tokens"] = *request.max_tokens;
  }
  if (request.temperature) {
    body["temperature"] = *request.temperature;
  }
  body["stream"] = request.stream;
  if (request.stream) {
    body["stream_options"] = {{"include_usage", true}};
  }
  return body;
}

std::string openai_finish_reason(std::string_view reason) {
  if (reason == "stop" || reason == "length" || reason == "tool_calls" || reason == "content_filter") {
    return std::string(reason);
  }
  return reason == "function_call" ? "tool_calls" : "other";
}

Result<ChatResponse> parse_openai_reply(const Value& body) {
  try {
    return parse_reply(body);
  } catch (const std::exception& error) {
    return Error::infra(std::string("an unexpected shape: ") + error.what());
  }
}

namespace {

Result<ChatResponse> parse_reply(const Value& body) {
  if (body.contains("error")) {
    return Error::infra(fmt::format("an error: {}", body["error"].dump()));
  }
  const auto choices = body.find("choices");
  if (choices == body.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object() ||
      !(*choices)[0].contains("message") || !(*choices)[0]["message"].is_object()) {
    return Error::infra("no choices[0].message");
  }
  const Value& choice = (*choices)[0];
  const Value& message = choice["message"];
  ChatResponse response;
  response.message.role = Role::assistant;
  response.message.content = string_field(message, "content");
  if (const auto calls = message.find("tool_calls"); calls != message.end() && calls->is_array()) {
    for (std::size_t i = 0; i < calls->size(); ++i) {
      const Value& call = (*calls)[i];
      const Value function = call.value("function", Value::object());
      ToolCall parsed =
          make_tool_call(string_field(call, "id"), string_field(function, "name"), raw_arguments(function), i);
      parsed.extra = unknown_call_fields(call);
      response.message.tool_calls.push_back(std::move(parsed));
    }
  }
  if (const std::string refusal = string_field(message, "refusal"); !refusal.empty()) {
    response.message.refusal = refusal;
  }
  response.finish_reason = reply_finish_reason(string_field(choice, "finish_reason"), response.message);
  response.usage = usage_from(body.value("usage", Value()));
  response.usage.model = string_field(body, "model");
  return response;
}

}  // namespace

void OpenAiStream::reset() { *this = OpenAiStream(std::move(m_on_text)); }

void OpenAiStream::data(const std::string& payload) {
  try {
    consume(payload);
  } catch (const std::exception& error) {
    m_error = std::string("a chunk of an unexpected shape: ") + error.what();
  }
}

void OpenAiStream::consume(const std::string& payload) {
  if (payload == "[DONE]") {
    m_done = true;
    return;
  }
  const Value chunk = Value::parse(payload, nullptr, false);
  if (!chunk.is_object()) {
    m_error = "a chunk that is not JSON";
    return;
  }
  if (chunk.contains("error")) {
    m_error = chunk["error"].is_object() ? string_field(chunk["error"], "message") : chunk["error"].dump();
    return;
  }
  if (const std::string model = string_field(chunk, "model"); !model.empty()) {
    m_model = model;
  }
  if (const auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
    m_usage = usage_from(*usage);
  }
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
    return;
  }
  const Value& choice = (*choices)[0];
  if (const std::string reason = string_field(choice, "finish_reason"); !reason.empty()) {
    m_finish_reason = reason;
  }
  const Value delta = choice.value("delta", Value::object());
  if (const std::string text = string_field(delta, "content"); !text.empty()) {
    m_text += text;
    if (m_on_text) {
      m_on_text(text);
    }
  }
  // OpenAI streams a refusal as its own text, content null beside it.
  m_refusal += string_field(delta, "refusal");
  if (const auto calls = delta.find("tool_calls"); calls != delta.end()) {
    m_calls.add(*calls);
  }
}

std::optional<std::string> OpenAiStream::problem() const {
  if (!m_error.empty()) {
    return m_error;
  }
  if (!m_done && m_finish_reason.empty()) {
    return std::string("the stream ended before its finish_reason");
  }
  return std::nullopt;
}

ChatResponse OpenAiStream::response(const std::string& requested_model) const {
  ChatResponse response;
  response.message.role = Role::assistant;
  response.message.content = m_text;
  response.message.tool_calls = m_calls.calls();
  if (!m_refusal.empty()) {
    response.message.refusal = m_refusal;
  }
  response.finish_reason = reply_finish_reason(m_finish_reason, response.message);
  response.usage = m_usage;
  response.usage.model = m_model.empty() ? requested_model : m_model;
  return response;
}

std::unique_ptr<ChatClient> make_openai_client(ChatSettings settings, ClientOptions options) {
  return std::make_unique<OpenAiClient>(std::move(settings), std::move(options));
}

}  // namespace automata::tools::llm
