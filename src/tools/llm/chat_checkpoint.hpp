#pragma once
// A model's reply as a step checkpoints it, and back: what a resumed step
// returns instead of asking again. Format (one StepCheckpoint per reply):
//   {"response": {"content": "...", "finish_reason": "stop",
//                 "tool_calls": [{"id", "name", "arguments", "extra" (when any)}],
//                 "refusal": "..." (when the model declined)},
//    "usage": {"model": "...", "prompt_tokens": N, "completion_tokens": N}}
// plus whatever fields the caller adds (llm.chat: "turn").
#include <optional>

#include "engine/value.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::llm {

Value response_checkpoint(const ChatResponse& response);

// nullopt when `checkpoint` holds no response.
std::optional<ChatResponse> response_from_checkpoint(const Value& checkpoint);

}  // namespace automata::tools::llm
