#pragma once
// An llm.chat step aimed at a scripted server through OpenRouter's
// settings, its key in the environment: what the step tests share.
#include <memory>
#include <string>

#include "support/llm_stub_server.hpp"
#include "support/scratch.hpp"
#include "support/test_step_context.hpp"
#include "tools/llm/chat_client.hpp"
#include "tools/llm/llm_chat_step.hpp"
#include "tools/llm/llm_test_helpers.hpp"

namespace automata::test {

inline const char* const k_key = "sk-or-v1-very-secret";

// A step aimed at `server` through OpenRouter's settings, the key in the environment.
struct LlmChatFixture {
  LlmStubServer server{LlmProtocol::openai};
  RecordedWaits waits;
  ScratchDir dir;
  TestStepContext context{dir, Value::object()};
  std::unique_ptr<engine::StepKind> kind = tools::make_llm_chat_kind(tools::llm::chat_client_factory(waits.waiter()));

  LlmChatFixture() {
    context.set_environment({"PATH=/usr/bin:/bin", "AUTOMATA_MODEL=qwen/qwen3-coder", std::string("OPENROUTER_API_KEY=") + k_key});
  }
  engine::StepResult run(Value params) {
    params["provider"] = "openrouter";
    params["base_url"] = server.base_url();
    context.set_params(std::move(params));
    return kind->execute(context);
  }
  // Everything the step left where a person or the journal could read it.
  std::string everything(const engine::StepResult& result) {
    std::string all = result.error + result.outputs.dump() + context.out() + context.err();
    for (const auto& beat : context.heartbeats()) {
      all += beat;
    }
    for (const auto& checkpoint : context.recorded_checkpoints()) {
      all += checkpoint.dump();
    }
    return all;
  }
};

}  // namespace automata::test
