#pragma once
// What an llm.chat step does once it runs: its parameters as a request, the
// replies a resumed attempt recorded, then live ones (each checkpointed
// before it is judged), and the verdict on the last: text, JSON satisfying
// the schema (after at most one repair turn), calls of the tools given, or
// a refusal (a failure of its own, neither repaired nor retried).
#include "engine/step_kind.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::llm {

engine::StepResult run_chat(engine::StepContext& context, const ChatClientFactory& factory);

}  // namespace automata::tools::llm
