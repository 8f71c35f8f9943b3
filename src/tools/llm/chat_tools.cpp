#include "tools/llm/chat_tools.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tools/llm/json_schema.hpp"

namespace automata::tools::llm {
namespace {

// What OpenAI and Anthropic both accept as a tool's name.
constexpr std::size_t k_max_name = 64;
// Enough of malformed arguments to see what went wrong, on one line.
constexpr std::size_t k_shown_arguments = 120;

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= k_max_name && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<ToolSpec> tool_spec_from(const Value& entry, std::size_t index) {
  const std::string where = fmt::format("tools[{}]", index);
  if (!entry.is_object()) {
    return Error::usage(where + " must be {name, description, parameters}, got " + entry.dump());
  }
  for (const auto& [key, value] : entry.items()) {
    if (key != "name" && key != "description" && key != "parameters") {
      return Error::usage(fmt::format("{} has an unknown key '{}': give name, description and parameters", where, key));
    }
  }
  ToolSpec spec;
  const Value name = entry.value("name", Value());
  spec.name = name.is_string() ? name.get<std::string>() : std::string();
  if (!valid_name(spec.name)) {
    return Error::usage(fmt::format("{}.name must be 1 to 64 letters, digits, _ or -, got {}", where, name.dump()));
  }
  const Value description = entry.value("description", Value(""));
  if (!description.is_string()) {
    return Error::usage(fmt::format("{}.description must be a string, got {}", where, description.dump()));
  }
  spec.description = description.get<std::string>();
  spec.parameters = entry.value("parameters", Value());
  if (spec.parameters.is_null()) {
    spec.parameters = {{"type", "object"}, {"properties", Value::object()}};
  }
  if (auto problem = schema_problem(spec.parameters)) {
    return Error::usage(fmt::format("{}.parameters {}", where, *problem));
  }
  if (spec.parameters.value("type", Value()) != "object") {
    return Error::usage(fmt::format("{}.parameters must be a JSON schema with type: object (a call's arguments are "
                                    "an object)",
                                    where));
  }
  return spec;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.size() > k_shown_arguments ? text.substr(0, k_shown_arguments) + "…" : text;
}

std::optional<std::string> call_problem(const ToolCall& call, const std::vector<ToolSpec>& tools) {
  const auto tool = std::find_if(tools.begin(), tools.end(), [&](const ToolSpec& spec) { return spec.name == call.name; });
  if (tool == tools.end()) {
    std::string names;
    for (const auto& spec : tools) {
      names += (names.empty() ? "" : ", ") + spec.name;
    }
    return fmt::format("the model called '{}', which is not one of the tools ({})", call.name, names);
  }
  if (!call.arguments.is_object()) {
    return fmt::format("the model called {} with arguments that are not a JSON object: {}", call.name,
                       one_line(call.raw_arguments));
  }
  if (auto violation = schema_violation(tool->parameters, call.arguments)) {
    return fmt::format("the model called {} with arguments that break its parameters schema: {}", call.name,
                       *violation);
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<ToolSpec>> tool_specs_from(const Value& tools) {
  if (!tools.is_array()) {
    return Error::usage("tools must be a list of {name, description, parameters}, got " + tools.dump());
  }
  std::vector<ToolSpec> specs;
  for (std::size_t i = 0; i < tools.size(); ++i) {
    TRY_ASSIGN(ToolSpec spec, tool_spec_from(tools[i], i));
    if (std::any_of(specs.begin(), specs.end(), [&](const ToolSpec& seen) { return seen.name == spec.name; })) {
      return Error::usage(fmt::format("tools[{}].name '{}' is given twice", i, spec.name));
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

ToolCallsOutput tool_calls_output(const std::vector<ToolCall>& calls, const std::vector<ToolSpec>& tools) {
  ToolCallsOutput out;
  for (const auto& call : calls) {
    out.calls.push_back({{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
    if (!out.problem) {
      out.problem = call_problem(call, tools);
    }
  }
  return out;
}

}  // namespace automata::tools::llm
