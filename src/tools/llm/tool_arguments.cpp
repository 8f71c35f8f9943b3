#include "tools/llm/tool_arguments.hpp"

namespace automata::tools::llm {

ToolCall make_tool_call(std::string id, std::string name, std::string raw_arguments, std::size_t index) {
  ToolCall call;
  call.id = id.empty() ? "call_" + std::to_string(index) : std::move(id);
  call.name = std::move(name);
  call.raw_arguments = std::move(raw_arguments);
  const bool blank = call.raw_arguments.find_first_not_of(" \t\r\n") == std::string::npos;
  Value parsed = blank ? Value::object() : Value::parse(call.raw_arguments, nullptr, false);
  call.arguments = parsed.is_object() ? std::move(parsed) : Value(nullptr);
  return call;
}

std::string arguments_text(const ToolCall& call) {
  if (!call.raw_arguments.empty()) {
    return call.raw_arguments;
  }
  return call.arguments.is_object() ? call.arguments.dump() : "{}";
}

std::int64_t integer_field(const Value& object, const char* name) {
  if (!object.is_object()) {
    return 0;
  }
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number()) {
    return 0;
  }
  return it->is_number_float() ? static_cast<std::int64_t>(it->get<double>()) : it->get<std::int64_t>();
}

}  // namespace automata::tools::llm
