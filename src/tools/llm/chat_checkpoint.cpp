#include "tools/llm/chat_checkpoint.hpp"

#include "tools/llm/tool_arguments.hpp"

namespace automata::tools::llm {

Value response_checkpoint(const ChatResponse& response) {
  Value reply = {{"content", response.message.content}, {"finish_reason", response.finish_reason}};
  if (!response.message.tool_calls.empty()) {
    Value calls = Value::array();
    for (const auto& call : response.message.tool_calls) {
      Value recorded = {{"id", call.id}, {"name", call.name}, {"arguments", arguments_text(call)}};
      if (call.extra.is_object() && !call.extra.empty()) {
        recorded["extra"] = call.extra;
      }
      calls.push_back(std::move(recorded));
    }
    reply["tool_calls"] = std::move(calls);
  }
  if (response.message.refusal) {
    reply["refusal"] = *response.message.refusal;
  }
  return {{"response", std::move(reply)},
          {"usage",
           {{"model", response.usage.model},
            {"prompt_tokens", response.usage.prompt_tokens},
            {"completion_tokens", response.usage.completion_tokens}}}};
}

namespace {

std::optional<ChatResponse> read_checkpoint(const Value& checkpoint) {
  if (!checkpoint.is_object() || !checkpoint.contains("response") || !checkpoint["response"].is_object()) {
    return std::nullopt;
  }
  const Value& reply = checkpoint["response"];
  ChatResponse response;
  response.message.role = Role::assistant;
  response.message.content = reply.value("content", std::string());
  response.finish_reason = reply.value("finish_reason", std::string("stop"));
  if (const auto calls = reply.find("tool_calls"); calls != reply.end() && calls->is_array()) {
    for (std::size_t i = 0; i < calls->size(); ++i) {
      const Value& call = (*calls)[i];
      ToolCall read = make_tool_call(call.value("id", std::string()), call.value("name", std::string()),
                                     call.value("arguments", std::string()), i);
      if (const auto extra = call.find("extra"); extra != call.end() && extra->is_object()) {
        read.extra = *extra;
      }
      response.message.tool_calls.push_back(std::move(read));
    }
  }
  if (const auto refusal = reply.find("refusal"); refusal != reply.end() && refusal->is_string()) {
    response.message.refusal = refusal->get<std::string>();
  }
  const Value usage = checkpoint.value("usage", Value::object());
  response.usage.model = usage.value("model", std::string());
  response.usage.prompt_tokens = integer_field(usage, "prompt_tokens");
  response.usage.completion_tokens = integer_field(usage, "completion_tokens");
  return response;
}

}  // namespace

// A checkpoint of another shape (written by a later version, say) is not a
// reply: the call is made again rather than the step failing.
std::optional<ChatResponse> response_from_checkpoint(const Value& checkpoint) {
  try {
    return read_checkpoint(checkpoint);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace automata::tools::llm
