#pragma once
// llm.chat's parameters as the request it sends: prompt or messages, system,
// schema, tools and the sampling settings. A bad one is an Errc::usage error
// worded for the step's one-line failure, before anything is sent.
#include "engine/result.hpp"
#include "engine/value.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::llm {

Result<ChatRequest> chat_request_from(const Value& params);

}  // namespace automata::tools::llm
