#pragma once
// llm.chat's `tools`: the definitions a workflow gives, checked before any
// request, and the model's calls of them as outputs a workflow can act on.
// The step runs none of them.
#include <optional>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "engine/value.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::llm {

// A list of {name, description, parameters (a JSON schema of type object)}.
// Errc::usage naming the first problem: "tools[1].name must be 1 to 64
// letters, digits, _ or -, got 'get weather'". No parameters: a tool that
// takes none.
Result<std::vector<ToolSpec>> tool_specs_from(const Value& tools);

struct ToolCallsOutput {
  Value calls = Value::array();        // [{id, name, arguments}], arguments parsed (null when malformed)
  std::optional<std::string> problem;  // the first call that is not a valid call of a given tool
};

// What the step outputs for the model's calls; a call of an unknown tool, or
// with arguments that are not a JSON object or break the tool's schema, is
// the problem.
ToolCallsOutput tool_calls_output(const std::vector<ToolCall>& calls, const std::vector<ToolSpec>& tools);

}  // namespace automata::tools::llm
