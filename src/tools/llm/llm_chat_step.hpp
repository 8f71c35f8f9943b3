#pragma once
#include <memory>

#include "engine/step_kind.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools {

// `llm.chat`: one reply from a language model: text, JSON checked against a
// schema (with one repair turn), or calls of the tools it was given (not
// run: outputs for the workflow). A refusal is a failure of its own. The
// reply is checkpointed before the step returns, so a resumed run never pays
// for it twice. The work is chat_session.hpp's.
std::unique_ptr<engine::StepKind> make_llm_chat_kind();
// The same, its clients made by `factory` (tests aim it at a scripted server).
std::unique_ptr<engine::StepKind> make_llm_chat_kind(llm::ChatClientFactory factory);

}  // namespace automata::tools
