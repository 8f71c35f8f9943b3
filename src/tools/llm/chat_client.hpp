#pragma once
// The client for a provider's wire protocol, and the factory steps use to
// make one from their parameters and environment.
#include <memory>

#include "tools/llm/chat.hpp"
#include "tools/llm/transport.hpp"

namespace automata::tools::llm {

// Anthropic's Messages for provider anthropic, Chat Completions for the rest.
std::unique_ptr<ChatClient> make_chat_client(const ChatSettings& settings, ClientOptions options = {});

// chat_settings(params, environment), then a client with the retry tuning
// of client_options(params).
ChatClientFactory default_chat_client_factory();

// The same, its retry waits going through `wait` (tests record them).
ChatClientFactory chat_client_factory(Waiter wait);

}  // namespace automata::tools::llm
