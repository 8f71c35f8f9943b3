#pragma once
// Which provider, model and key a step talks to (ChatSettings), chosen from
// its parameters and then its environment; and what a user can set, for the
// error that says nothing is configured.
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "engine/value.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::llm {

// The providers a step may name: openai (any OpenAI-compatible server),
// openrouter, anthropic, ollama (OpenAI-compatible, local, no key).
const std::vector<std::string>& provider_names();

// Order of precedence: the parameters `provider`, `model`, `base_url`,
// `api_key`; then AUTOMATA_LLM_BASE_URL, AUTOMATA_MODEL and the providers'
// keys (OPENROUTER_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY, in that order
// when no provider is named). An environment key is only sent to its own
// provider's host, or to any base_url when the provider is named explicitly;
// AUTOMATA_LLM_API_KEY is the key for a base_url of one's own. Errors are
// Errc::usage, worded without a "llm.chat:" prefix (the agent shares them).
Result<ChatSettings> chat_settings(const Value& params, const std::vector<std::string>& environment);

// The environment variable that holds a provider's key ("" for none), for
// hints such as "check OPENROUTER_API_KEY".
std::string key_variable(const std::string& provider);

// Every variable a provider's key may come from: the secret variables an
// LLM step reads from its environment.
const std::vector<std::string>& key_variables();

// The provider's name; when the URL is not the provider's usual one,
// "the model server at <base_url> (OpenAI-compatible)" (or
// Anthropic-compatible) for openai and anthropic, the protocols a server of
// one's own speaks, else "<provider> at <base_url>": the subject of every
// error about a reply.
std::string describe_provider(const ChatSettings& settings);

// `request` with the settings' model when it names none.
ChatRequest with_model(const ChatRequest& request, const ChatSettings& settings);

}  // namespace automata::tools::llm
