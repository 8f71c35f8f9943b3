#pragma once
// What the LLM client tests share: settings aimed at a scripted server, and
// retry waits recorded instead of slept.
#include <chrono>
#include <string>
#include <vector>

#include "tools/llm/chat.hpp"
#include "tools/llm/transport.hpp"

namespace automata::test {

struct RecordedWaits {
  std::vector<engine::Duration> waits;
  tools::llm::Waiter waiter() {
    return [this](engine::Duration duration, const engine::CancelToken*) {
      waits.push_back(duration);
      return false;
    };
  }
};

inline tools::llm::ChatSettings stub_settings(std::string provider, std::string base_url, std::string key) {
  tools::llm::ChatSettings settings;
  settings.provider = std::move(provider);
  settings.base_url = std::move(base_url);
  settings.model = "test-model";
  settings.api_key = std::move(key);
  return settings;
}

// No jitter, 100ms first backoff: the waits are exact.
inline tools::llm::ClientOptions quick_options(RecordedWaits& waits, int attempts = 4) {
  tools::llm::ClientOptions options;
  options.retry.max_attempts = attempts;
  options.retry.initial_delay = std::chrono::milliseconds(100);
  options.retry.jitter = 0.0;
  options.timeout = std::chrono::seconds(10);
  options.wait = waits.waiter();
  return options;
}

// Collects what an observer is told.
struct Seen {
  std::vector<std::string> deltas;
  std::vector<std::string> retries;
  tools::llm::ChatObserver observer() {
    tools::llm::ChatObserver observer;
    observer.on_text = [this](std::string_view delta) { deltas.emplace_back(delta); };
    observer.on_retry = [this](const std::string& note) { retries.push_back(note); };
    return observer;
  }
  std::string text() const {
    std::string all;
    for (const auto& delta : deltas) {
      all += delta;
    }
    return all;
  }
};

}  // namespace automata::test
