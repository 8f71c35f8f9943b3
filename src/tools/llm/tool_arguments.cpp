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

}  // namespace automata::tools::llm
