#include "tools/llm/chat_client.hpp"

#include "tools/llm/anthropic_client.hpp"
#include "tools/llm/openai_client.hpp"
#include "tools/llm/provider_settings.hpp"

namespace automata::tools::llm {

std::unique_ptr<ChatClient> make_chat_client(const ChatSettings& settings, ClientOptions options) {
  if (settings.provider == "anthropic") {
    return make_anthropic_client(settings, std::move(options));
  }
  return make_openai_client(settings, std::move(options));
}

ChatClientFactory chat_client_factory(Waiter wait) {
  return [wait = std::move(wait)](const Value& params,
                                  const std::vector<std::string>& environment) -> Result<std::unique_ptr<ChatClient>> {
    TRY_ASSIGN(const ChatSettings settings, chat_settings(params, environment));
    ClientOptions options = client_options(params);
    options.wait = wait;
    return make_chat_client(settings, std::move(options));
  };
}

ChatClientFactory default_chat_client_factory() { return chat_client_factory({}); }

}  // namespace automata::tools::llm
