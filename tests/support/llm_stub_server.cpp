#include "support/llm_stub_server.hpp"

namespace automata::test {
namespace {

// Pieces of a few characters, as models stream them.
std::vector<std::string> pieces(const std::string& text, std::size_t size) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < text.size(); at += size) {
    out.push_back(text.substr(at, size));
  }
  return out;
}

std::string sse(const std::string& event, const Value& data) {
  return (event.empty() ? "" : "event: " + event + "\n") + "data: " + data.dump() + "\n\n";
}

// Each event cut in two, so a line arrives in two pieces.
StubResponse stream_of(const std::vector<std::string>& events, int cut_after) {
  StubResponse response;
  response.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
  int count = 0;
  for (const auto& event : events) {
    if (cut_after >= 0 && count++ >= cut_after) {
      break;
    }
    const std::size_t half = event.size() / 2;
    response.chunks.push_back(event.substr(0, half));
    response.chunks.push_back(event.substr(half));
  }
  return response;
}

StubResponse openai(const ScriptedReply& reply, bool streamed) {
  const std::string finish = !reply.finish_reason.empty() ? reply.finish_reason
                             : reply.calls.empty()         ? "stop"
                                                           : "tool_calls";
  const Value usage = {{"prompt_tokens", reply.prompt_tokens},
                       {"completion_tokens", reply.completion_tokens},
                       {"total_tokens", reply.prompt_tokens + reply.completion_tokens}};
  if (!streamed) {
    Value message = {{"role", "assistant"}, {"content", reply.text.empty() ? Value(nullptr) : Value(reply.text)}};
    if (!reply.calls.empty()) {
      message["tool_calls"] = Value::array();
      for (const auto& call : reply.calls) {
        message["tool_calls"].push_back(
            {{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
      }
    }
    const Value body = {{"id", "chatcmpl-1"},
                        {"object", "chat.completion"},
                        {"model", reply.model},
                        {"choices", Value::array({{{"index", 0}, {"message", message}, {"finish_reason", finish}}})},
                        {"usage", usage}};
    return StubResponse::json(200, body.dump());
  }
  auto chunk = [&reply](Value delta, Value finish_reason) {
    return Value{{"id", "chatcmpl-1"},
                 {"object", "chat.completion.chunk"},
                 {"model", reply.model},
                 {"choices", Value::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish_reason}}})}};
  };
  std::vector<std::string> events = {sse("", chunk({{"role", "assistant"}, {"content", ""}}, nullptr))};
  for (const auto& piece : pieces(reply.text, 4)) {
    events.push_back(sse("", chunk({{"content", piece}}, nullptr)));
  }
  for (std::size_t i = 0; i < reply.calls.size(); ++i) {
    const ScriptedCall& call = reply.calls[i];
    events.push_back(sse("", chunk({{"tool_calls", Value::array({{{"index", i},
                                                                  {"id", call.id},
                                                                  {"type", "function"},
                                                                  {"function", {{"name", call.name}, {"arguments", ""}}}}})}},
                                   nullptr)));
    for (const auto& piece : pieces(call.arguments, 5)) {
      events.push_back(sse(
          "", chunk({{"tool_calls", Value::array({{{"index", i}, {"function", {{"arguments", piece}}}}})}}, nullptr)));
    }
  }
  events.push_back(sse("", chunk(Value::object(), finish)));
  events.push_back(sse("", {{"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"model", reply.model},
                            {"choices", Value::array()}, {"usage", usage}}));
  events.push_back("data: [DONE]\n\n");
  return stream_of(events, reply.cut_short ? 3 : -1);
}

StubResponse anthropic(const ScriptedReply& reply, bool streamed) {
  const std::string finish = !reply.finish_reason.empty() ? reply.finish_reason
                             : reply.calls.empty()         ? "end_turn"
                                                           : "tool_use";
  if (!streamed) {
    Value content = Value::array();
    if (!reply.text.empty()) {
      content.push_back({{"type", "text"}, {"text", reply.text}});
    }
    for (const auto& call : reply.calls) {
      content.push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", Value::parse(call.arguments)}});
    }
    const Value body = {{"id", "msg_1"},
                        {"type", "message"},
                        {"role", "assistant"},
                        {"model", reply.model},
                        {"content", content},
                        {"stop_reason", finish},
                        {"usage", {{"input_tokens", reply.prompt_tokens}, {"output_tokens", reply.completion_tokens}}}};
    return StubResponse::json(200, body.dump());
  }
  std::vector<std::string> events = {
      sse("message_start", {{"type", "message_start"},
                            {"message",
                             {{"id", "msg_1"},
                              {"type", "message"},
                              {"role", "assistant"},
                              {"model", reply.model},
                              {"content", Value::array()},
                              {"stop_reason", nullptr},
                              {"usage", {{"input_tokens", reply.prompt_tokens}, {"output_tokens", 1}}}}}}),
      sse("ping", {{"type", "ping"}})};
  int index = 0;
  if (!reply.text.empty()) {
    events.push_back(sse("content_block_start", {{"type", "content_block_start"},
                                                 {"index", index},
                                                 {"content_block", {{"type", "text"}, {"text", ""}}}}));
    for (const auto& piece : pieces(reply.text, 4)) {
      events.push_back(sse("content_block_delta", {{"type", "content_block_delta"},
                                                   {"index", index},
                                                   {"delta", {{"type", "text_delta"}, {"text", piece}}}}));
    }
    events.push_back(sse("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
    ++index;
  }
  for (const auto& call : reply.calls) {
    events.push_back(sse("content_block_start",
                         {{"type", "content_block_start"},
                          {"index", index},
                          {"content_block",
                           {{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", Value::object()}}}}));
    for (const auto& piece : pieces(call.arguments, 5)) {
      events.push_back(sse("content_block_delta", {{"type", "content_block_delta"},
                                                   {"index", index},
                                                   {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}}));
    }
    events.push_back(sse("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
    ++index;
  }
  events.push_back(sse("message_delta", {{"type", "message_delta"},
                                         {"delta", {{"stop_reason", finish}, {"stop_sequence", nullptr}}},
                                         {"usage", {{"output_tokens", reply.completion_tokens}}}}));
  events.push_back(sse("message_stop", {{"type", "message_stop"}}));
  return stream_of(events, reply.cut_short ? 3 : -1);
}

// A recorded shape, byte for byte what the server sent but for the framing.
StubResponse replayed(LlmProtocol protocol, const ScriptedReply& reply, bool streamed) {
  if (!streamed || reply.chunks.empty()) {
    return StubResponse::json(200, reply.whole.value_or(Value::object()).dump());
  }
  std::vector<std::string> events;
  for (const auto& chunk : reply.chunks) {
    events.push_back(sse(protocol == LlmProtocol::anthropic ? chunk.value("type", std::string()) : std::string(), chunk));
  }
  if (protocol == LlmProtocol::openai) {
    events.emplace_back("data: [DONE]\n\n");
  }
  return stream_of(events, reply.cut_short ? 3 : -1);
}

std::string anthropic_error_type(int status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 429: return "rate_limit_error";
    case 529: return "overloaded_error";
    default: return "api_error";
  }
}

}  // namespace

ScriptedReply ScriptedReply::say(std::string text) {
  ScriptedReply reply;
  reply.text = std::move(text);
  return reply;
}

ScriptedReply ScriptedReply::call(std::vector<ScriptedCall> calls) {
  ScriptedReply reply;
  reply.calls = std::move(calls);
  return reply;
}

ScriptedReply ScriptedReply::fail(int status, std::string message, std::vector<std::pair<std::string, std::string>> headers) {
  ScriptedReply reply;
  reply.status = status;
  reply.error = std::move(message);
  reply.headers = std::move(headers);
  return reply;
}

ScriptedReply ScriptedReply::replay(std::vector<Value> chunks) {
  ScriptedReply reply;
  reply.chunks = std::move(chunks);
  return reply;
}

ScriptedReply ScriptedReply::replay_whole(Value body) {
  ScriptedReply reply;
  reply.whole = std::move(body);
  return reply;
}

StubResponse LlmStubServer::render(LlmProtocol protocol, const ScriptedReply& reply, bool streamed) {
  if (reply.status != 200) {
    const Value body =
        protocol == LlmProtocol::openai
            ? Value{{"error", {{"message", reply.error}, {"type", "error"}, {"code", reply.status}}}}
            : Value{{"type", "error"}, {"error", {{"type", anthropic_error_type(reply.status)}, {"message", reply.error}}}};
    StubResponse response = StubResponse::json(reply.status, body.dump());
    for (const auto& header : reply.headers) {
      response.headers.push_back(header);
    }
    return response;
  }
  if (!reply.chunks.empty() || reply.whole) {
    return replayed(protocol, reply, streamed);
  }
  return protocol == LlmProtocol::openai ? openai(reply, streamed) : anthropic(reply, streamed);
}

LlmStubServer::LlmStubServer(LlmProtocol protocol) : m_protocol(protocol) {
  m_http.set_handler([this](const StubRequest& request) { return answer(request); });
}

std::string LlmStubServer::base_url() const {
  return m_protocol == LlmProtocol::openai ? m_http.url() + "/v1" : m_http.url();
}

LlmStubServer::~LlmStubServer() { release_held(); }  // before m_http joins its connection threads

void LlmStubServer::release_held() {
  {
    std::lock_guard lock(m_mutex);
    m_released = true;
  }
  m_released_cv.notify_all();
}

void LlmStubServer::enqueue(ScriptedReply reply) {
  std::lock_guard lock(m_mutex);
  m_script.push_back(std::move(reply));
}

Value LlmStubServer::body(std::size_t index) const {
  const auto all = requests();
  return index < all.size() ? Value::parse(all[index].body, nullptr, false) : Value();
}

StubResponse LlmStubServer::answer(const StubRequest& request) {
  ScriptedReply next;
  {
    std::lock_guard lock(m_mutex);
    if (m_script.empty()) {
      return StubResponse::json(599, R"({"error":{"message":"no scripted reply"}})");
    }
    next = std::move(m_script.front());
    m_script.pop_front();
  }
  if (next.hold) {
    std::unique_lock lock(m_mutex);
    m_released_cv.wait(lock, [this] { return m_released; });
  }
  const Value body = Value::parse(request.body, nullptr, false);
  const bool streamed = body.is_object() && body.value("stream", false);
  return render(m_protocol, next, streamed);
}

}  // namespace automata::test
