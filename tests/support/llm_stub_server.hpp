#pragma once
// A scripted language-model server on 127.0.0.1 speaking one wire protocol
// (OpenAI Chat Completions or Anthropic Messages), on top of HttpStubServer.
// Each request takes the next scripted reply and gets it the way it asked:
// streamed as server-sent events (each event cut in two pieces, so clients
// must reassemble lines) when its body says "stream": true, else one JSON
// body. Errors come in the provider's own error body. A reply may instead
// replay payloads shaped as a real server sends them (Ollama, Gemini,
// LiteLLM...). Every request is recorded.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/value.hpp"
#include "support/http_stub_server.hpp"

namespace automata::test {

enum class LlmProtocol { openai, anthropic };

struct ScriptedCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text as the model sends it; may be malformed
};

struct ScriptedReply {
  std::string text;
  std::vector<ScriptedCall> calls;
  std::string finish_reason;  // in the protocol's words; "" for the natural one
  std::int64_t prompt_tokens = 12;
  std::int64_t completion_tokens = 7;
  std::string model = "stub-model";
  int status = 200;            // not 200: an error reply with `error` as the provider's message
  std::string error;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Retry-After
  bool cut_short = false;      // a stream that stops halfway, without its end
  bool hold = false;           // answered only after release_held() (or never, when the client is gone)
  // Payload shapes recorded from a real server, sent as they are instead of
  // being rendered from the fields above: `chunks` each as one `data:` event
  // (Anthropic: named by its "type"), then OpenAI's `data: [DONE]`, when the
  // request streams; `whole` as the body when it does not (or, with no
  // chunks, as a server that ignores stream: true).
  std::vector<Value> chunks;
  std::optional<Value> whole;

  static ScriptedReply say(std::string text);
  static ScriptedReply call(std::vector<ScriptedCall> calls);
  static ScriptedReply fail(int status, std::string message, std::vector<std::pair<std::string, std::string>> headers = {});
  static ScriptedReply replay(std::vector<Value> chunks);
  static ScriptedReply replay_whole(Value body);
};

class LlmStubServer {
 public:
  explicit LlmStubServer(LlmProtocol protocol);
  ~LlmStubServer();
  LlmStubServer(const LlmStubServer&) = delete;
  LlmStubServer& operator=(const LlmStubServer&) = delete;

  // What a step's base_url is set to: <url>/v1 (OpenAI), <url> (Anthropic).
  std::string base_url() const;
  void enqueue(ScriptedReply reply);
  std::vector<StubRequest> requests() const { return m_http.requests(); }
  // The JSON body of request `index`.
  Value body(std::size_t index) const;
  // Lets held replies go (a test that killed the client lets them go to nobody).
  void release_held();
  // From now on its base_url refuses connections: a model server that is
  // not running (the port stays this server's, so nothing else answers there).
  void refuse_connections() { m_http.stop_listening(); }

  // The rendered answers, public for tests of the rendering itself.
  static StubResponse render(LlmProtocol protocol, const ScriptedReply& reply, bool streamed);

 private:
  StubResponse answer(const StubRequest& request);

  LlmProtocol m_protocol;
  mutable std::mutex m_mutex;
  std::deque<ScriptedReply> m_script;
  std::condition_variable m_released_cv;
  bool m_released = false;
  HttpStubServer m_http;  // last: its threads stop before the script goes
};

}  // namespace automata::test
