// Which provider, model, URL and key a step ends up with, from its
// parameters and its environment; and the errors when something is missing.
#include "tools/llm/provider_settings.hpp"

#include <doctest/doctest.h>

using namespace automata;
using namespace automata::tools::llm;

namespace {

struct Row {
  const char* name;
  Value params;
  std::vector<std::string> env;
  const char* provider;
  const char* base_url;
  const char* model;
  const char* key;
};

std::string error_text(const Result<ChatSettings>& result) {
  return result.error().message + ": " + result.error().hint;
}

}  // namespace

TEST_SUITE("llm settings") {

TEST_CASE("settings resolution: parameters first, then the environment") {
  const std::vector<Row> rows = {
      {"OPENROUTER_API_KEY alone picks OpenRouter", Value::object(),
       {"AUTOMATA_MODEL=qwen/qwen3-coder", "OPENROUTER_API_KEY=or-key"}, "openrouter", "https://openrouter.ai/api/v1",
       "qwen/qwen3-coder", "or-key"},
      {"OPENAI_API_KEY alone picks OpenAI", Value::object(), {"AUTOMATA_MODEL=gpt-4.1", "OPENAI_API_KEY=oa-key"},
       "openai", "https://api.openai.com/v1", "gpt-4.1", "oa-key"},
      {"ANTHROPIC_API_KEY alone picks Anthropic", Value::object(),
       {"AUTOMATA_MODEL=claude-sonnet-4", "ANTHROPIC_API_KEY=an-key"}, "anthropic", "https://api.anthropic.com",
       "claude-sonnet-4", "an-key"},
      {"OpenRouter comes before OpenAI when both keys are set", Value::object(),
       {"AUTOMATA_MODEL=m", "OPENAI_API_KEY=oa-key", "OPENROUTER_API_KEY=or-key"}, "openrouter",
       "https://openrouter.ai/api/v1", "m", "or-key"},
      {"model: beats AUTOMATA_MODEL", {{"model", "from-param"}}, {"AUTOMATA_MODEL=from-env", "OPENAI_API_KEY=k"},
       "openai", "https://api.openai.com/v1", "from-param", "k"},
      {"provider: picks its own key among several", {{"provider", "anthropic"}},
       {"AUTOMATA_MODEL=m", "OPENROUTER_API_KEY=or-key", "ANTHROPIC_API_KEY=an-key"}, "anthropic",
       "https://api.anthropic.com", "m", "an-key"},
      {"api_key: beats the environment", {{"provider", "openai"}, {"api_key", "param-key"}},
       {"AUTOMATA_MODEL=m", "OPENAI_API_KEY=env-key"}, "openai", "https://api.openai.com/v1", "m", "param-key"},
      {"a local server needs no key, and gets none of the providers' keys",
       Value::object(), {"AUTOMATA_LLM_BASE_URL=http://localhost:11434/v1/", "AUTOMATA_MODEL=qwen2.5-coder",
                         "OPENROUTER_API_KEY=or-key"},
       "openai", "http://localhost:11434/v1", "qwen2.5-coder", ""},
      {"AUTOMATA_LLM_API_KEY is the key for a server of one's own", {{"base_url", "https://vllm.internal:8000/v1"}},
       {"AUTOMATA_MODEL=m", "AUTOMATA_LLM_API_KEY=own-key", "OPENAI_API_KEY=oa-key"}, "openai",
       "https://vllm.internal:8000/v1", "m", "own-key"},
      {"a base_url on a provider's host gets that provider's key", {{"base_url", "https://openrouter.ai/api/v1"}},
       {"AUTOMATA_MODEL=m", "OPENROUTER_API_KEY=or-key"}, "openrouter", "https://openrouter.ai/api/v1", "m", "or-key"},
      {"base_url: beats AUTOMATA_LLM_BASE_URL", {{"base_url", "http://127.0.0.1:8080/v1"}},
       {"AUTOMATA_LLM_BASE_URL=http://elsewhere/v1", "AUTOMATA_MODEL=m"}, "openai", "http://127.0.0.1:8080/v1", "m",
       ""},
      {"provider ollama: the local default URL, no key", {{"provider", "ollama"}, {"model", "llama3.2"}}, {},
       "ollama", "http://localhost:11434/v1", "llama3.2", ""},
      {"a named provider with base_url sends its key there (a proxy)",
       {{"provider", "openai"}, {"base_url", "https://proxy.example/v1"}}, {"AUTOMATA_MODEL=m", "OPENAI_API_KEY=k"},
       "openai", "https://proxy.example/v1", "m", "k"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const auto settings = chat_settings(row.params, row.env);
    REQUIRE_MESSAGE(settings.ok(), (settings.ok() ? "" : error_text(settings)));
    CHECK(settings->provider == row.provider);
    CHECK(settings->base_url == row.base_url);
    CHECK(settings->model == row.model);
    CHECK(settings->api_key == row.key);
  }
}

TEST_CASE("nothing configured: the error names every way to configure it") {
  const auto settings = chat_settings(Value::object(), {"PATH=/usr/bin", "HOME=/tmp"});
  REQUIRE_FALSE(settings.ok());
  CHECK(settings.error().code == Errc::usage);
  CHECK(error_text(settings) ==
        "no model configured: set AUTOMATA_MODEL (or model:), and OPENROUTER_API_KEY, OPENAI_API_KEY or "
        "ANTHROPIC_API_KEY (or AUTOMATA_LLM_BASE_URL for a local server)");
}

TEST_CASE("a key but no model: the error asks for the model") {
  const auto settings = chat_settings(Value::object(), {"OPENROUTER_API_KEY=or-key"});
  REQUIRE_FALSE(settings.ok());
  CHECK(error_text(settings) == "no model configured: set AUTOMATA_MODEL (or model:) to one of openrouter's models");
  CHECK(error_text(settings).find("or-key") == std::string::npos);
}

TEST_CASE("a named provider without its key: the error names the variable") {
  const auto settings = chat_settings({{"provider", "anthropic"}, {"model", "m"}}, {"OPENAI_API_KEY=x"});
  REQUIRE_FALSE(settings.ok());
  CHECK(error_text(settings) == "no API key for anthropic: set ANTHROPIC_API_KEY (or api_key:)");
}

TEST_CASE("an unknown provider and a base_url that is not a URL are refused") {
  const auto unknown = chat_settings({{"provider", "gemini"}, {"model", "m"}}, {});
  REQUIRE_FALSE(unknown.ok());
  CHECK(error_text(unknown) ==
        "unknown provider 'gemini': use openai (any OpenAI-compatible server), openrouter, anthropic or ollama");
  const auto bad_url = chat_settings({{"base_url", "localhost:11434"}, {"model", "m"}}, {});
  REQUIRE_FALSE(bad_url.ok());
  CHECK(bad_url.error().message == "base_url 'localhost:11434' is not an http:// or https:// URL");
}

TEST_CASE("describe_provider names the URL only when it is not the provider's own") {
  ChatSettings settings;
  settings.provider = "openrouter";
  settings.base_url = "https://openrouter.ai/api/v1";
  CHECK(describe_provider(settings) == "openrouter");
  settings.base_url = "http://127.0.0.1:9/v1";
  CHECK(describe_provider(settings) == "openrouter at http://127.0.0.1:9/v1");
  CHECK(key_variable("openrouter") == "OPENROUTER_API_KEY");
  CHECK(key_variable("ollama").empty());
}

}  // TEST_SUITE
