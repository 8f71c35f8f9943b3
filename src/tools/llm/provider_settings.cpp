#include "tools/llm/provider_settings.hpp"

#include <optional>
#include <string_view>

#include <fmt/format.h>

namespace automata::tools::llm {
namespace {

struct Provider {
  std::string_view name;
  std::string_view default_url;
  std::string_view key_variable;  // "" when the provider needs no key
};

// The order of the keys tried when a step names no provider.
constexpr Provider k_providers[] = {
    {"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"},
    {"openai", "https://api.openai.com/v1", "OPENAI_API_KEY"},
    {"anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY"},
    {"ollama", "http://localhost:11434/v1", ""},
};

const Provider* find_provider(std::string_view name) {
  for (const auto& provider : k_providers) {
    if (provider.name == name) {
      return &provider;
    }
  }
  return nullptr;
}

std::string env_value(const std::vector<std::string>& environment, std::string_view name) {
  std::string found;
  for (const auto& entry : environment) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=') {
      found = entry.substr(name.size() + 1);  // the last one wins, as in a process environment
    }
  }
  return found;
}

std::string param(const Value& params, const char* name) {
  const auto it = params.find(name);
  return it != params.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string host_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  url = url.substr(0, url.find_first_of("/?#"));
  const auto at = url.rfind('@');
  if (at != std::string_view::npos) {
    url.remove_prefix(at + 1);
  }
  if (!url.empty() && url.front() == '[') {
    return std::string(url.substr(0, url.find(']') + 1));  // an IPv6 literal
  }
  return std::string(url.substr(0, url.find(':')));
}

std::string trim_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

const std::string k_nothing_configured =
    "set AUTOMATA_MODEL (or model:), and OPENROUTER_API_KEY, OPENAI_API_KEY or ANTHROPIC_API_KEY (or "
    "AUTOMATA_LLM_BASE_URL for a local server)";

}  // namespace

const std::vector<std::string>& key_variables() {
  static const std::vector<std::string> k_names = [] {
    std::vector<std::string> names{"AUTOMATA_LLM_API_KEY"};
    for (const auto& provider : k_providers) {
      if (!provider.key_variable.empty()) {
        names.emplace_back(provider.key_variable);
      }
    }
    return names;
  }();
  return k_names;
}

const std::vector<std::string>& provider_names() {
  static const std::vector<std::string> k_names = [] {
    std::vector<std::string> names;
    for (const auto& provider : k_providers) {
      names.emplace_back(provider.name);
    }
    return names;
  }();
  return k_names;
}

std::string key_variable(const std::string& provider) {
  const Provider* known = find_provider(provider);
  return known != nullptr ? std::string(known->key_variable) : std::string();
}

std::string describe_provider(const ChatSettings& settings) {
  const Provider* known = find_provider(settings.provider);
  if (known != nullptr && trim_slashes(settings.base_url) == known->default_url) {
    return settings.provider;
  }
  // openai and anthropic at another URL are how a server of one's own is
  // spoken to (AUTOMATA_LLM_BASE_URL): it is not OpenAI; say where it is and
  // which protocol it is spoken to in.
  if (settings.provider == "openai" || settings.provider == "anthropic") {
    return fmt::format("the model server at {} ({})", settings.base_url,
                       settings.provider == "anthropic" ? "Anthropic-compatible" : "OpenAI-compatible");
  }
  return fmt::format("{} at {}", settings.provider, settings.base_url);
}

ChatRequest with_model(const ChatRequest& request, const ChatSettings& settings) {
  ChatRequest copy = request;
  if (copy.model.empty()) {
    copy.model = settings.model;
  }
  return copy;
}

Result<ChatSettings> chat_settings(const Value& params, const std::vector<std::string>& environment) {
  ChatSettings settings;
  settings.provider = param(params, "provider");
  settings.model = param(params, "model");
  settings.base_url = param(params, "base_url");
  settings.api_key = param(params, "api_key");
  if (settings.model.empty()) {
    settings.model = env_value(environment, "AUTOMATA_MODEL");
  }
  if (settings.base_url.empty()) {
    settings.base_url = env_value(environment, "AUTOMATA_LLM_BASE_URL");
  }

  const Provider* provider = nullptr;
  if (!settings.provider.empty()) {
    provider = find_provider(settings.provider);
    if (provider == nullptr) {
      return Error::usage(fmt::format("unknown provider '{}'", settings.provider),
                          "use openai (any OpenAI-compatible server), openrouter, anthropic or ollama");
    }
    if (settings.api_key.empty() && !provider->key_variable.empty()) {
      settings.api_key = env_value(environment, provider->key_variable);
    }
  } else if (!settings.base_url.empty()) {
    // A base_url alone: the provider whose host it is, else an OpenAI-compatible
    // server of one's own. A provider's key never goes to another host.
    const std::string host = host_of(settings.base_url);
    for (const auto& candidate : k_providers) {
      if (!candidate.key_variable.empty() && host == host_of(candidate.default_url)) {
        provider = &candidate;
      }
    }
    if (provider == nullptr) {
      provider = find_provider(host.find("anthropic.com") != std::string::npos ? "anthropic" : "openai");
      if (settings.api_key.empty()) {
        settings.api_key = env_value(environment, "AUTOMATA_LLM_API_KEY");
      }
    } else if (settings.api_key.empty()) {
      settings.api_key = env_value(environment, provider->key_variable);
    }
  } else {
    for (const auto& candidate : k_providers) {
      if (!candidate.key_variable.empty() && provider == nullptr) {
        std::string key = env_value(environment, candidate.key_variable);
        if (!key.empty()) {
          provider = &candidate;
          if (settings.api_key.empty()) {
            settings.api_key = std::move(key);
          }
        }
      }
    }
    if (provider == nullptr) {
      return Error::usage(settings.model.empty() ? "no model configured" : "no provider configured",
                          k_nothing_configured);
    }
  }
  settings.provider = std::string(provider->name);
  if (settings.base_url.empty()) {
    settings.base_url = std::string(provider->default_url);
  }
  settings.base_url = trim_slashes(settings.base_url);
  if (settings.base_url.rfind("http://", 0) != 0 && settings.base_url.rfind("https://", 0) != 0) {
    return Error::usage(fmt::format("base_url '{}' is not an http:// or https:// URL", settings.base_url),
                        "set base_url (or AUTOMATA_LLM_BASE_URL) to the server's API root, e.g. "
                        "http://localhost:11434/v1");
  }
  const bool own_url = trim_slashes(std::string(provider->default_url)) != settings.base_url;
  if (settings.api_key.empty() && !provider->key_variable.empty() && !own_url) {
    return Error::usage(fmt::format("no API key for {}", settings.provider),
                        fmt::format("set {} (or api_key:)", provider->key_variable));
  }
  if (settings.model.empty()) {
    return Error::usage("no model configured", fmt::format("set AUTOMATA_MODEL (or model:) to one of {}'s models",
                                                           settings.provider));
  }
  return settings;
}

}  // namespace automata::tools::llm
