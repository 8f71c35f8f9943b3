#pragma once
// Helpers both wire protocols use on tool calls.
#include <cstdint>
#include <string>

#include "engine/value.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::llm {

// A call as the model sent it: `arguments` parsed when `raw_arguments` is a
// JSON object, else null, so the agent can tell the model what was wrong.
// "" counts as {} (a call without arguments). A missing id is made up from
// `index`, as some OpenAI-compatible servers send none.
ToolCall make_tool_call(std::string id, std::string name, std::string raw_arguments, std::size_t index);

// The text sent back for a call's arguments: raw as received, or the parsed
// value when there was no raw text.
std::string arguments_text(const ToolCall& call);

// A whole-number member of a JSON object (token counts, indices): 0 when it
// is missing, null or not a number, as some servers send.
std::int64_t integer_field(const Value& object, const char* name);

}  // namespace automata::tools::llm
