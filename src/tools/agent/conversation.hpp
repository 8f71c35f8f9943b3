#pragma once
// Messages as JSON (for checkpoints and the transcript) and back, and masking
// of every string in a value: what is journaled or written never holds a
// secret the step knows.
//
// A message: {"role": "assistant", "content": "...", "tool_calls": [{"id",
// "name", "arguments" (raw text), "extra" (the provider's own fields, when
// any)}], "refusal" (when the model declined), "tool_call_id", "tool_name",
// "is_error"}; absent fields are empty.
#include <functional>
#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "engine/value.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::agent {

using Masker = std::function<std::string(std::string_view)>;

std::string_view role_name(llm::Role role);
Value message_to_value(const llm::Message& message);
Result<llm::Message> message_from_value(const Value& value);

// Every string (not key) of `value` masked.
Value mask_value(const Value& value, const Masker& mask);
// A message with its text, refusal, tool-call arguments and extra fields and
// result masked; arguments are parsed again from the masked text.
llm::Message mask_message(const llm::Message& message, const Masker& mask);

// The arguments as a model sent them, parsed: an object, or null.
Value parse_arguments(std::string_view raw);

}  // namespace automata::tools::agent
