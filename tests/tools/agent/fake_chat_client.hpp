#pragma once
// A scripted ChatClient: replies come from a queue, every request is kept.
// The factory hands out clients that share one script, so a test can read
// what the step sent after the step has dropped its client.
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tools/llm/chat.hpp"

namespace automata::test {

struct ChatScript {
  std::deque<Result<tools::llm::ChatResponse>> replies;
  std::vector<tools::llm::ChatRequest> requests;
  std::vector<Value> factory_params;
  std::function<void()> on_chat;  // runs at each request, before the reply (e.g. to cancel)
};

class FakeChatClient final : public tools::llm::ChatClient {
 public:
  explicit FakeChatClient(std::shared_ptr<ChatScript> script) : m_script(std::move(script)) {}
  Result<tools::llm::ChatResponse> chat(const tools::llm::ChatRequest& request,
                                        const tools::llm::ChatObserver&) override {
    m_script->requests.push_back(request);
    if (m_script->on_chat) {
      m_script->on_chat();
    }
    if (m_script->replies.empty()) {
      return Error::usage("the fake's script has no more replies");
    }
    auto reply = std::move(m_script->replies.front());
    m_script->replies.pop_front();
    return reply;
  }

 private:
  std::shared_ptr<ChatScript> m_script;
};

inline tools::llm::ChatClientFactory fake_factory(std::shared_ptr<ChatScript> script) {
  return [script](const Value& params, const std::vector<std::string>&)
             -> Result<std::unique_ptr<tools::llm::ChatClient>> {
    script->factory_params.push_back(params);
    return std::unique_ptr<tools::llm::ChatClient>(std::make_unique<FakeChatClient>(script));
  };
}

// A reply calling tools: {name, raw JSON arguments} each, ids call_1, call_2...
inline tools::llm::ChatResponse calls(std::vector<std::pair<std::string, std::string>> tool_calls,
                                      std::string text = {}, std::int64_t prompt_tokens = 100,
                                      std::int64_t completion_tokens = 10) {
  static int next_id = 0;
  tools::llm::ChatResponse response;
  response.message.role = tools::llm::Role::assistant;
  response.message.content = std::move(text);
  for (auto& [name, raw] : tool_calls) {
    tools::llm::ToolCall call;
    call.id = "call_" + std::to_string(++next_id);
    call.name = name;
    call.raw_arguments = raw;
    Value parsed = Value::parse(raw, nullptr, false);
    call.arguments = parsed.is_object() ? parsed : Value(nullptr);
    response.message.tool_calls.push_back(std::move(call));
  }
  response.finish_reason = "tool_calls";
  response.usage = {prompt_tokens, completion_tokens, "fake-model"};
  return response;
}

inline tools::llm::ChatResponse call(std::string name, std::string raw) {
  return calls({{std::move(name), std::move(raw)}});
}

inline tools::llm::ChatResponse text_reply(std::string text) {
  tools::llm::ChatResponse response;
  response.message.role = tools::llm::Role::assistant;
  response.message.content = std::move(text);
  response.finish_reason = "stop";
  response.usage = {100, 10, "fake-model"};
  return response;
}

inline tools::llm::ChatResponse finish_reply(std::string summary = "done") {
  return call("finish", Value{{"summary", std::move(summary)}}.dump());
}

}  // namespace automata::test
