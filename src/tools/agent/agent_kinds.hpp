#pragma once
// The agent.run step kind: a coding agent (a model calling tools in a loop)
// working in the step's workspace until it calls finish or hits a limit.
// Registered by registry.cpp with the real ChatClientFactory; tests pass a fake.
#include <memory>

#include "engine/step_kind.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools {

std::unique_ptr<engine::StepKind> make_agent_run_kind(llm::ChatClientFactory factory);

}  // namespace automata::tools
