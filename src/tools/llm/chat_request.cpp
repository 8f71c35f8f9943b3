#include "tools/llm/chat_request.hpp"

#include <fmt/format.h>

#include "tools/llm/chat_tools.hpp"
#include "tools/llm/json_schema.hpp"

namespace automata::tools::llm {
namespace {

Message text_message(Role role, std::string content) {
  Message message;
  message.role = role;
  message.content = std::move(content);
  return message;
}

// The conversation: system, then the prompt or the messages as given.
Result<std::vector<Message>> messages_from(const Value& params) {
  std::vector<Message> out;
  if (const auto system = params.find("system"); system != params.end() && system->is_string()) {
    out.push_back(text_message(Role::system, system->get<std::string>()));
  }
  const auto prompt = params.find("prompt");
  const auto messages = params.find("messages");
  const bool has_prompt = prompt != params.end() && prompt->is_string();
  const bool has_messages = messages != params.end() && messages->is_array();
  if (has_prompt == has_messages) {
    return Error::usage(has_prompt ? "give prompt or messages, not both" : "give prompt (a string) or messages (a list)");
  }
  if (has_prompt) {
    out.push_back(text_message(Role::user, prompt->get<std::string>()));
    return out;
  }
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const Value& entry = (*messages)[i];
    const std::string role = entry.is_object() ? entry.value("role", std::string()) : std::string();
    const Value content = entry.is_object() ? entry.value("content", Value()) : Value();
    if ((role != "system" && role != "user" && role != "assistant") || !content.is_string()) {
      return Error::usage(fmt::format("messages[{}] must be {{role: system|user|assistant, content: <text>}}", i));
    }
    const Role parsed = role == "system" ? Role::system : role == "user" ? Role::user : Role::assistant;
    out.push_back(text_message(parsed, content.get<std::string>()));
  }
  return out;
}

}  // namespace

Result<ChatRequest> chat_request_from(const Value& params) {
  ChatRequest request;
  if (const auto model = params.find("model"); model != params.end() && model->is_string()) {
    request.model = model->get<std::string>();
  }
  TRY_ASSIGN(request.messages, messages_from(params));
  if (const auto schema = params.find("schema"); schema != params.end() && !schema->is_null()) {
    if (auto problem = schema_problem(*schema)) {
      return Error::usage("schema " + *problem);
    }
    request.response_schema = *schema;
  }
  if (const auto tools = params.find("tools"); tools != params.end() && !tools->is_null()) {
    TRY_ASSIGN(request.tools, tool_specs_from(*tools));
  }
  if (const auto max_tokens = params.find("max_tokens"); max_tokens != params.end() && max_tokens->is_number_integer()) {
    request.max_tokens = max_tokens->get<std::int64_t>();
  }
  if (const auto temperature = params.find("temperature"); temperature != params.end() && temperature->is_number()) {
    request.temperature = temperature->get<double>();
  }
  if (const auto stream = params.find("stream"); stream != params.end() && stream->is_boolean()) {
    request.stream = stream->get<bool>();
  }
  return request;
}

}  // namespace automata::tools::llm
