#include "tools/agent/conversation.hpp"

#include <fmt/format.h>

namespace automata::tools::agent {

std::string_view role_name(llm::Role role) {
  switch (role) {
    case llm::Role::system: return "system";
    case llm::Role::user: return "user";
    case llm::Role::assistant: return "assistant";
    case llm::Role::tool: return "tool";
  }
  return "user";
}

Value parse_arguments(std::string_view raw) {
  Value parsed = Value::parse(raw.begin(), raw.end(), nullptr, false);
  return parsed.is_object() ? parsed : Value(nullptr);
}

Value message_to_value(const llm::Message& message) {
  Value value = {{"role", role_name(message.role)}, {"content", message.content}};
  if (!message.tool_calls.empty()) {
    Value calls = Value::array();
    for (const auto& call : message.tool_calls) {
      Value recorded = {{"id", call.id}, {"name", call.name}, {"arguments", call.raw_arguments}};
      if (call.extra.is_object() && !call.extra.empty()) {
        recorded["extra"] = call.extra;  // a resumed agent sends them back as the live one did
      }
      calls.push_back(std::move(recorded));
    }
    value["tool_calls"] = std::move(calls);
  }
  if (message.refusal) {
    value["refusal"] = *message.refusal;
  }
  if (message.role == llm::Role::tool) {
    value["tool_call_id"] = message.tool_call_id;
    value["tool_name"] = message.tool_name;
    value["is_error"] = message.is_error;
  }
  return value;
}

Result<llm::Message> message_from_value(const Value& value) {
  if (!value.is_object() || !value.contains("role") || !value["role"].is_string()) {
    return Error::failed(fmt::format("not a message: {}", value.dump().substr(0, 120)));
  }
  llm::Message message;
  const std::string role = value["role"].get<std::string>();
  if (role == "system") {
    message.role = llm::Role::system;
  } else if (role == "user") {
    message.role = llm::Role::user;
  } else if (role == "assistant") {
    message.role = llm::Role::assistant;
  } else if (role == "tool") {
    message.role = llm::Role::tool;
  } else {
    return Error::failed(fmt::format("unknown message role \"{}\"", role));
  }
  message.content = value.value("content", std::string());
  if (const auto it = value.find("tool_calls"); it != value.end() && it->is_array()) {
    for (const auto& call : *it) {
      llm::ToolCall parsed;
      parsed.id = call.value("id", std::string());
      parsed.name = call.value("name", std::string());
      parsed.raw_arguments = call.value("arguments", std::string());
      parsed.arguments = parse_arguments(parsed.raw_arguments);
      if (const auto extra = call.find("extra"); extra != call.end() && extra->is_object()) {
        parsed.extra = *extra;
      }
      message.tool_calls.push_back(std::move(parsed));
    }
  }
  if (const auto refusal = value.find("refusal"); refusal != value.end() && refusal->is_string()) {
    message.refusal = refusal->get<std::string>();
  }
  message.tool_call_id = value.value("tool_call_id", std::string());
  message.tool_name = value.value("tool_name", std::string());
  message.is_error = value.value("is_error", false);
  return message;
}

Value mask_value(const Value& value, const Masker& mask) {
  if (value.is_string()) {
    return mask(value.get<std::string>());
  }
  if (value.is_array() || value.is_object()) {
    Value out = value;
    for (auto& [key, item] : out.items()) {
      item = mask_value(item, mask);
    }
    return out;
  }
  return value;
}

llm::Message mask_message(const llm::Message& message, const Masker& mask) {
  llm::Message masked = message;
  masked.content = mask(message.content);
  for (auto& call : masked.tool_calls) {
    call.raw_arguments = mask(call.raw_arguments);
    call.arguments = parse_arguments(call.raw_arguments);
    // Masked as the journal masks them, so that the live conversation and a
    // resumed one send the same bytes back.
    call.extra = mask_value(call.extra, mask);
  }
  if (masked.refusal) {
    masked.refusal = mask(*masked.refusal);
  }
  return masked;
}

}  // namespace automata::tools::agent
