#include "tools/llm/anthropic_client.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tools/llm/provider_settings.hpp"
#include "tools/llm/reply_exchange.hpp"
#include "tools/llm/sse.hpp"
#include "tools/llm/tool_arguments.hpp"

namespace automata::tools::llm {
namespace {

std::string string_field(const Value& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Value text_block(const std::string& text) { return {{"type", "text"}, {"text", text}}; }

std::string schema_instruction(const Value& schema) {
  return "Reply with only a JSON value that satisfies this JSON schema, with no other text and no code fence:\n" +
         schema.dump();
}

// Anthropic counts cached prompt tokens apart; all of them were read.
Usage usage_from(const Value& usage, Usage into) {
  if (!usage.is_object()) {
    return into;
  }
  if (usage.contains("input_tokens")) {
    into.prompt_tokens = integer_field(usage, "input_tokens") + integer_field(usage, "cache_creation_input_tokens") +
                         integer_field(usage, "cache_read_input_tokens");
  }
  if (usage.contains("output_tokens")) {
    into.completion_tokens = integer_field(usage, "output_tokens");
  }
  return into;
}

// A reply stopped for a refusal carries no reason of its own: what text
// came before the stop is the nearest to one.
void mark_refusal(ChatResponse& response) {
  if (response.finish_reason == "refusal") {
    response.message.refusal = response.message.content;
  }
}

Result<ChatResponse> parse_reply(const Value& body);

class AnthropicClient final : public ChatClient {
 public:
  AnthropicClient(ChatSettings settings, ClientOptions options)
      : m_settings(std::move(settings)), m_options(std::move(options)) {}

  Result<ChatResponse> chat(const ChatRequest& request, const ChatObserver& observer) override {
    http::HttpRequest http;
    const std::string& base = m_settings.base_url;
    const bool has_version = base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0;
    http.url = base + (has_version ? "/messages" : "/v1/messages");
    http.body = anthropic_request_body(with_model(request, m_settings)).dump();
    if (!m_settings.api_key.empty()) {
      http.headers.emplace_back("x-api-key", m_settings.api_key);
    }
    http.headers.emplace_back("anthropic-version", "2023-06-01");
    return exchange_reply<AnthropicStream>(m_settings, m_options, request, observer, std::move(http), &AnthropicStream::event,
                                   parse_anthropic_reply);
  }

 private:
  ChatSettings m_settings;
  ClientOptions m_options;
};

}  // namespace

Value anthropic_request_body(const ChatRequest& request) {
  Value body = {{"model", request.model}, {"max_tokens", request.max_tokens.value_or(k_anthropic_default_max_tokens)}};
  std::string system;
  Value messages = Value::array();
  // Blocks for the user turn being built: tool results and text that follow
  // one another form one user message, as the API requires.
  auto add_user_blocks = [&messages](Value blocks) {
    if (!messages.empty() && messages.back()["role"] == "user") {
      Value& content = messages.back()["content"];
      for (auto& block : blocks) {
        content.push_back(std::move(block));
      }
      return;
    }
    messages.push_back({{"role", "user"}, {"content", std::move(blocks)}});
  };
  for (const auto& message : request.messages) {
    switch (message.role) {
      case Role::system:
        system += (system.empty() ? "" : "\n\n") + message.content;
        break;
      case Role::user:
        add_user_blocks(Value::array({text_block(message.content)}));
        break;
      case Role::tool: {
        Value result = {{"type", "tool_result"}, {"tool_use_id", message.tool_call_id}, {"content", message.content}};
        if (message.is_error) {
          result["is_error"] = true;
        }
        add_user_blocks(Value::array({std::move(result)}));
        break;
      }
      case Role::assistant: {
        Value content = Value::array();
        if (!message.content.empty()) {
          content.push_back(text_block(message.content));
        }
        for (const auto& call : message.tool_calls) {
          content.push_back({{"type", "tool_use"},
                             {"id", call.id},
                             {"name", call.name},
                             {"input", call.arguments.is_object() ? call.arguments : Value::object()}});
        }
        messages.push_back({{"role", "assistant"}, {"content", std::move(content)}});
        break;
      }
    }
  }
  if (request.response_schema) {
    system += (system.empty() ? "" : "\n\n") + schema_instruction(*request.response_schema);
  }
  if (!system.empty()) {
    body["system"] = system;
  }
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    Value tools = Value::array();
    for (const auto& tool : request.tools) {
      tools.push_back({{"name", tool.name}, {"description", tool.description}, {"input_schema", tool.parameters}});
    }
    body["tools"] = std::move(tools);
  }
  if (request.temperature) {
    body["temperature"] = *request.temperature;
  }
  body["stream"] = request.stream;
  return body;
}

std::string anthropic_finish_reason(std::string_view reason) {
  if (reason == "end_turn" || reason == "stop_sequence") {
    return "stop";
  }
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") {
    return "length";
  }
  if (reason == "tool_use") {
    return "tool_calls";
  }
  return reason == "refusal" ? "refusal" : "other";
}

Result<ChatResponse> parse_anthropic_reply(const Value& body) {
  try {
    return parse_reply(body);
  } catch (const std::exception& error) {
    return Error::infra(std::string("an unexpected shape: ") + error.what());
  }
}

namespace {

Result<ChatResponse> parse_reply(const Value& body) {
  if (string_field(body, "type") == "error") {
    return Error::infra(fmt::format("an error: {}", body.value("error", Value()).dump()));
  }
  const auto content = body.find("content");
  if (content == body.end() || !content->is_array()) {
    return Error::infra("no content");
  }
  ChatResponse response;
  response.message.role = Role::assistant;
  for (const auto& block : *content) {
    const std::string type = block.is_object() ? string_field(block, "type") : std::string();
    if (type == "text") {
      response.message.content += string_field(block, "text");
    } else if (type == "tool_use") {
      response.message.tool_calls.push_back(make_tool_call(string_field(block, "id"), string_field(block, "name"),
                                                           block.value("input", Value::object()).dump(),
                                                           response.message.tool_calls.size()));
    }
  }
  response.finish_reason = anthropic_finish_reason(string_field(body, "stop_reason"));
  mark_refusal(response);
  response.usage = usage_from(body.value("usage", Value()), Usage{});
  response.usage.model = string_field(body, "model");
  return response;
}

}  // namespace

void AnthropicStream::reset() { *this = AnthropicStream(std::move(m_on_text)); }

void AnthropicStream::event(const std::string& data) {
  try {
    consume(data);
  } catch (const std::exception& error) {
    m_error = std::string("an event of an unexpected shape: ") + error.what();
  }
}

void AnthropicStream::consume(const std::string& data) {
  const Value event = Value::parse(data, nullptr, false);
  if (!event.is_object()) {
    m_error = "an event that is not JSON";
    return;
  }
  const std::string type = string_field(event, "type");
  const auto index = static_cast<std::size_t>(std::max<std::int64_t>(0, integer_field(event, "index")));
  if (index > 256) {
    m_error = "a content block index out of range";
    return;
  }
  if (type == "message_start") {
    const Value message = event.value("message", Value::object());
    m_model = string_field(message, "model");
    m_usage = usage_from(message.value("usage", Value()), m_usage);
  } else if (type == "content_block_start") {
    if (index >= m_blocks.size()) {
      m_blocks.resize(index + 1);
    }
    const Value block = event.value("content_block", Value::object());
    Block& started = m_blocks[index];
    started.type = string_field(block, "type");
    started.id = string_field(block, "id");
    started.name = string_field(block, "name");
    started.text = started.type == "text" ? string_field(block, "text") : std::string();
  } else if (type == "content_block_delta") {
    if (index >= m_blocks.size()) {
      m_blocks.resize(index + 1);
    }
    const Value delta = event.value("delta", Value::object());
    const std::string kind = string_field(delta, "type");
    if (kind == "text_delta") {
      const std::string text = string_field(delta, "text");
      m_blocks[index].text += text;
      if (m_on_text && !text.empty()) {
        m_on_text(text);
      }
    } else if (kind == "input_json_delta") {
      m_blocks[index].text += string_field(delta, "partial_json");
    }
  } else if (type == "message_delta") {
    if (const std::string reason = string_field(event.value("delta", Value::object()), "stop_reason"); !reason.empty()) {
      m_stop_reason = reason;
    }
    m_usage = usage_from(event.value("usage", Value()), m_usage);
  } else if (type == "message_stop") {
    m_stopped = true;
  } else if (type == "error") {
    const Value error = event.value("error", Value::object());
    m_error = fmt::format("{} ({})", string_field(error, "type"), string_field(error, "message"));
  }
}

std::optional<std::string> AnthropicStream::problem() const {
  if (!m_error.empty()) {
    return m_error;
  }
  if (!m_stopped && m_stop_reason.empty()) {
    return std::string("the stream ended before message_stop");
  }
  return std::nullopt;
}

ChatResponse AnthropicStream::response(const std::string& requested_model) const {
  ChatResponse response;
  response.message.role = Role::assistant;
  for (const auto& block : m_blocks) {
    if (block.type == "text") {
      response.message.content += block.text;
    } else if (block.type == "tool_use") {
      response.message.tool_calls.push_back(
          make_tool_call(block.id, block.name, block.text, response.message.tool_calls.size()));
    }
  }
  response.finish_reason = anthropic_finish_reason(m_stop_reason);
  mark_refusal(response);
  response.usage = m_usage;
  response.usage.model = m_model.empty() ? requested_model : m_model;
  return response;
}

std::unique_ptr<ChatClient> make_anthropic_client(ChatSettings settings, ClientOptions options) {
  return std::make_unique<AnthropicClient>(std::move(settings), std::move(options));
}

}  // namespace automata::tools::llm
