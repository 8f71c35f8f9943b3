#include "tools/llm/llm_chat_step.hpp"

#include "tools/llm/chat_client.hpp"
#include "tools/llm/chat_session.hpp"
#include "tools/llm/provider_settings.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;

class LlmChatKind final : public engine::StepKind {
 public:
  explicit LlmChatKind(llm::ChatClientFactory factory) : m_factory(std::move(factory)) {}

  std::string_view name() const override { return "llm.chat"; }
  std::vector<std::string> secret_variables(const Value&) const override { return llm::key_variables(); }
  std::string_view summary() const override {
    return "ask a language model for one reply: text, JSON checked against a schema, or calls of the tools given";
  }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"prompt", ParamType::string, false, "the user's message (or give messages)", nullptr, {}},
        {"messages", ParamType::list, false, "the conversation: a list of {role: system|user|assistant, content}",
         nullptr, {}},
        {"system", ParamType::string, false, "the system prompt", nullptr, {}},
        {"schema", ParamType::object, false,
         "JSON schema the reply must satisfy (type, properties, required, items, enum, additionalProperties); "
         "the parsed reply is the output json",
         nullptr, {}},
        {"tools", ParamType::list, false,
         "tools the model may call: a list of {name, description, parameters (JSON schema of type object)}; its "
         "calls are the output tool_calls ({id, name, arguments}), not run",
         nullptr, {}},
        {"model", ParamType::string, false, "the model; default AUTOMATA_MODEL", nullptr, {}},
        {"provider", ParamType::string, false,
         "default: from base_url or from the key set (OPENROUTER_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY)", nullptr,
         llm::provider_names()},
        {"base_url", ParamType::string, false,
         "the API root (e.g. http://localhost:11434/v1); default AUTOMATA_LLM_BASE_URL or the provider's", nullptr, {}},
        {"api_key", ParamType::string, false, "the key; default the provider's variable (OPENROUTER_API_KEY, ...)",
         nullptr, {}},
        {"max_tokens", ParamType::integer, false, "most tokens in the reply", nullptr, {}},
        {"max_tokens_total", ParamType::integer, false,
         "the step's budget: no further call (a schema repair) once prompt + completion tokens reach it", nullptr, {}},
        {"temperature", ParamType::number, false, "sampling temperature", nullptr, {}},
        {"stream", ParamType::boolean, false, "stream the reply (printed and heartbeated as it grows)", true, {}},
        {"timeout", ParamType::duration, false, "time allowed for each attempt", "10m", {}},
        {"retries", ParamType::integer, false, "extra attempts after connection errors, 408, 409, 429, 5xx and 529", 3,
         {}},
        {"retry_delay", ParamType::duration, false, "first backoff wait; doubles each retry, with jitter", "1s", {}},
        {"max_retry_wait", ParamType::duration, false,
         "most time spent waiting between attempts (a longer Retry-After fails the step)", "2m", {}},
        {"ca_file", ParamType::string, false, "CA bundle for a self-hosted server's certificate", nullptr, {}},
    };
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    return llm::run_chat(context, m_factory);
  }

 private:
  llm::ChatClientFactory m_factory;
};

}  // namespace

std::unique_ptr<engine::StepKind> make_llm_chat_kind() {
  return std::make_unique<LlmChatKind>(llm::default_chat_client_factory());
}

std::unique_ptr<engine::StepKind> make_llm_chat_kind(llm::ChatClientFactory factory) {
  return std::make_unique<LlmChatKind>(std::move(factory));
}

}  // namespace automata::tools
