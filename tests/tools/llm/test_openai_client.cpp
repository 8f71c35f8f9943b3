// Chat Completions against a scripted server: the exact request, streamed
// and whole replies, tool calls, retries and their waits, errors.
#include "tools/llm/openai_client.hpp"

#include <doctest/doctest.h>

#include "support/llm_stub_server.hpp"
#include "tools/llm/llm_test_helpers.hpp"

using namespace automata;
using namespace automata::tools::llm;
using namespace std::chrono_literals;
using automata::test::LlmProtocol;
using automata::test::LlmStubServer;
using automata::test::RecordedWaits;
using automata::test::ScriptedCall;
using automata::test::ScriptedReply;
using automata::test::Seen;

namespace {

ChatRequest conversation() {
  ChatRequest request;
  request.model = "qwen/qwen3-coder";
  request.messages.push_back({Role::system, "You are terse.", {}, {}, {}, false, std::nullopt});
  request.messages.push_back({Role::user, "Run the tests.", {}, {}, {}, false, std::nullopt});
  Message asked{Role::assistant, "", {}, {}, {}, false, std::nullopt};
  asked.tool_calls.push_back({"call_1", "run_shell_command", R"({"command":"pytest -x"})", {{"command", "pytest -x"}}, Value::object()});
  request.messages.push_back(asked);
  request.messages.push_back({Role::tool, "1 failed", {}, "call_1", "run_shell_command", true, std::nullopt});
  request.tools.push_back({"run_shell_command", "Run a shell command in the repo",
                           Value::parse(R"({"type":"object","properties":{"command":{"type":"string"}},
                                            "required":["command"]})")});
  request.max_tokens = 512;
  request.temperature = 0.0;
  return request;
}

}  // namespace

TEST_SUITE("llm openai client") {

TEST_CASE("the request body, path and headers are exactly the Chat Completions ones") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::say("ok"));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openrouter", server.base_url(), "sk-or-test"),
                                   test::quick_options(waits));
  Seen seen;
  ChatRequest request = conversation();
  request.response_schema = Value::parse(R"({"type":"object","properties":{"ok":{"type":"boolean"}}})");
  REQUIRE(client->chat(request, seen.observer()).ok());

  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/v1/chat/completions");
  CHECK(requests[0].header("authorization") == "Bearer sk-or-test");
  CHECK(requests[0].header("content-type") == "application/json");
  CHECK(requests[0].header("accept") == "text/event-stream");
  CHECK(server.body(0) == Value::parse(R"({
    "model": "qwen/qwen3-coder",
    "messages": [
      {"role": "system", "content": "You are terse."},
      {"role": "user", "content": "Run the tests."},
      {"role": "assistant", "content": null,
       "tool_calls": [{"id": "call_1", "type": "function",
                       "function": {"name": "run_shell_command", "arguments": "{\"command\":\"pytest -x\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "1 failed"}
    ],
    "tools": [{"type": "function", "function": {"name": "run_shell_command",
               "description": "Run a shell command in the repo",
               "parameters": {"type": "object", "properties": {"command": {"type": "string"}},
                              "required": ["command"]}}}],
    "response_format": {"type": "json_schema", "json_schema": {"name": "reply",
      "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}, "strict": false}},
    "max_tokens": 512,
    "temperature": 0.0,
    "stream": true,
    "stream_options": {"include_usage": true}
  })"));
}

TEST_CASE("OpenAI itself gets max_completion_tokens; no key, no Authorization; the settings' model when none asked") {
  CHECK(openai_request_body(conversation(), true).contains("max_completion_tokens"));
  CHECK_FALSE(openai_request_body(conversation(), true).contains("max_tokens"));

  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::say("ok"));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), ""), test::quick_options(waits));
  Seen seen;
  ChatRequest request;
  request.messages.push_back({Role::user, "hi", {}, {}, {}, false, std::nullopt});
  request.stream = false;
  REQUIRE(client->chat(request, seen.observer()).ok());
  CHECK_FALSE(server.requests()[0].header("authorization").has_value());
  CHECK(server.body(0) == Value::parse(R"({"model":"test-model","messages":[{"role":"user","content":"hi"}],
                                          "stream":false})"));
}

TEST_CASE("a streamed reply is assembled from its deltas, text shown as it grows, usage from the last chunk") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::say("Hello from a streamed reply."));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE(reply.ok());
  CHECK(reply->message.role == Role::assistant);
  CHECK(reply->message.content == "Hello from a streamed reply.");
  CHECK(reply->message.tool_calls.empty());
  CHECK(reply->finish_reason == "stop");
  CHECK(reply->usage.prompt_tokens == 12);
  CHECK(reply->usage.completion_tokens == 7);
  CHECK(reply->usage.model == "stub-model");
  CHECK(seen.deltas.size() == 7);
  CHECK(seen.text() == "Hello from a streamed reply.");
}

TEST_CASE("streamed tool calls are assembled by index: id and name first, arguments concatenated") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::call({{"call_a", "read_file", R"({"path":"src/main.cpp"})"},
                                      {"call_b", "run_shell_command", R"({"command":"make test"})"}}));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE(reply.ok());
  REQUIRE(reply->message.tool_calls.size() == 2);
  CHECK(reply->message.tool_calls[0].id == "call_a");
  CHECK(reply->message.tool_calls[0].name == "read_file");
  CHECK(reply->message.tool_calls[0].raw_arguments == R"({"path":"src/main.cpp"})");
  CHECK(reply->message.tool_calls[0].arguments == Value{{"path", "src/main.cpp"}});
  CHECK(reply->message.tool_calls[1].id == "call_b");
  CHECK(reply->message.tool_calls[1].arguments == Value{{"command", "make test"}});
  CHECK(reply->finish_reason == "tool_calls");
  CHECK(seen.deltas.empty());
}

TEST_CASE("malformed tool arguments keep their raw text and parse to null, streamed or not") {
  for (const bool stream : {true, false}) {
    CAPTURE(stream);
    LlmStubServer server(LlmProtocol::openai);
    server.enqueue(ScriptedReply::call({{"call_x", "write_file", R"({"path":"a.txt", "content": )"}}));
    RecordedWaits waits;
    auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits));
    Seen seen;
    ChatRequest request = conversation();
    request.stream = stream;
    const auto reply = client->chat(request, seen.observer());
    REQUIRE(reply.ok());
    REQUIRE(reply->message.tool_calls.size() == 1);
    CHECK(reply->message.tool_calls[0].raw_arguments == R"({"path":"a.txt", "content": )");
    CHECK(reply->message.tool_calls[0].arguments.is_null());
  }
}

TEST_CASE("a whole (not streamed) reply is read, and its text still reaches the observer") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::say("whole"));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  ChatRequest request = conversation();
  request.stream = false;
  const auto reply = client->chat(request, seen.observer());
  REQUIRE(reply.ok());
  CHECK(server.body(0)["stream"] == false);
  CHECK_FALSE(server.body(0).contains("stream_options"));
  CHECK(reply->message.content == "whole");
  CHECK(reply->usage.prompt_tokens == 12);
  CHECK(seen.text() == "whole");
}

TEST_CASE("429 waits as Retry-After says, 5xx and 409 back off, then the reply comes") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::fail(429, "Rate limit reached", {{"Retry-After", "7"}}));
  server.enqueue(ScriptedReply::fail(503, "upstream unavailable"));
  server.enqueue(ScriptedReply::fail(409, "conflict"));
  server.enqueue(ScriptedReply::say("finally"));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openrouter", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE(reply.ok());
  CHECK(reply->message.content == "finally");
  CHECK(server.requests().size() == 4);
  CHECK(waits.waits == std::vector<engine::Duration>{7s, 200ms, 400ms});
  REQUIRE(seen.retries.size() == 3);
  CHECK(seen.retries[0] == "429 from openrouter at " + server.base_url() + ": retrying in 7s (attempt 2 of 4)");
  CHECK(seen.retries[1] == "503 from openrouter at " + server.base_url() + ": retrying in 200ms (attempt 3 of 4)");
  CHECK(seen.text() == "finally");
}

TEST_CASE("a stream cut off before its end is sent again") {
  LlmStubServer server(LlmProtocol::openai);
  ScriptedReply cut = ScriptedReply::say("this reply breaks off");
  cut.cut_short = true;
  server.enqueue(cut);
  server.enqueue(ScriptedReply::say("whole again"));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE(reply.ok());
  CHECK(reply->message.content == "whole again");
  CHECK(server.requests().size() == 2);
  REQUIRE(seen.retries.size() == 1);
  CHECK(seen.retries[0].rfind("a broken stream from the model server at " + server.base_url() + " (OpenAI-compatible)", 0) ==
        0);
}

TEST_CASE("401 fails at once with the provider's own message and what to check; the key never shows") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::fail(401, "No auth credentials found (got sk-or-secret)"));
  RecordedWaits waits;
  auto client =
      make_openai_client(test::stub_settings("openrouter", server.base_url(), "sk-or-secret"), test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().code == Errc::usage);
  CHECK(reply.error().message ==
        "openrouter at " + server.base_url() + " answered 401 (No auth credentials found (got ***))");
  CHECK(reply.error().hint == "check OPENROUTER_API_KEY");
  CHECK(server.requests().size() == 1);
  CHECK(waits.waits.empty());
}

TEST_CASE("400, 403 and 404 are not retried; nor is a 429 that means the credit ran out") {
  for (const int status : {400, 403, 404}) {
    CAPTURE(status);
    LlmStubServer server(LlmProtocol::openai);
    server.enqueue(ScriptedReply::fail(status, "no"));
    RecordedWaits waits;
    auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits));
    Seen seen;
    CHECK_FALSE(client->chat(conversation(), seen.observer()).ok());
    CHECK(server.requests().size() == 1);
  }
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::fail(429, "You exceeded your current quota (insufficient_quota)"));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().hint == "check the account's credit and rate limits");
  CHECK(server.requests().size() == 1);
}

TEST_CASE("after the last attempt the error says how many were made") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::fail(500, "boom"));
  server.enqueue(ScriptedReply::fail(502, "bad gateway"));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits, 2));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().code == Errc::infra);
  CHECK(reply.error().message ==
        "the model server at " + server.base_url() + " (OpenAI-compatible) answered 502 (bad gateway) after 2 attempt(s)");
  CHECK(waits.waits == std::vector<engine::Duration>{100ms});
}

TEST_CASE("a server that is not running: one error at once, naming the URL posted to and the protocol, no retry") {
  LlmStubServer server(LlmProtocol::openai);
  server.refuse_connections();
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), ""), test::quick_options(waits));
  Seen seen;
  const auto started = std::chrono::steady_clock::now();
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().code == Errc::infra);
  CHECK(reply.error().message == "cannot reach the model server at " + server.base_url() +
                                     " (OpenAI-compatible): connection refused (POST " + server.base_url() +
                                     "/chat/completions)");
  CHECK(reply.error().hint == "check that the server runs and listens at " + server.base_url());
  CHECK(waits.waits.empty());
  CHECK(seen.retries.empty());
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("a host name that does not resolve is not retried either; a provider at its own URL is named") {
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openrouter", "http://no-such-host.invalid/api/v1", "k"),
                                   test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().message == "cannot reach openrouter at http://no-such-host.invalid/api/v1: the host name does "
                                 "not resolve (POST http://no-such-host.invalid/api/v1/chat/completions)");
  CHECK(reply.error().hint == "check the host name in http://no-such-host.invalid/api/v1");
  CHECK(waits.waits.empty());
}

TEST_CASE("a Retry-After beyond max_retry_wait fails instead of hanging") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::fail(429, "slow down", {{"Retry-After", "3600"}}));
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(conversation(), seen.observer());
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().message ==
        "the model server at " + server.base_url() +
            " (OpenAI-compatible) answered 429 (slow down); it asks to wait 3600s, more than max_retry_wait");
  CHECK(waits.waits.empty());
}

}  // TEST_SUITE

TEST_SUITE("llm openai client") {

TEST_CASE("a stream error chunk, missing ids and object arguments are handled") {
  OpenAiStream stream(nullptr);
  stream.data(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":{"a":1}}}]}}]})");
  stream.data(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
  CHECK_FALSE(stream.problem().has_value());
  const ChatResponse response = stream.response("m");
  REQUIRE(response.message.tool_calls.size() == 1);
  CHECK(response.message.tool_calls[0].id == "call_0");
  CHECK(response.message.tool_calls[0].arguments == Value{{"a", 1}});
  CHECK(response.finish_reason == "tool_calls");
  stream.data(R"({"error":{"message":"provider overloaded"}})");
  CHECK(stream.problem() == "provider overloaded");
}

}  // TEST_SUITE

TEST_SUITE("llm openai client") {

TEST_CASE("odd shapes from loose servers neither throw nor crash") {
  OpenAiStream stream(nullptr);
  stream.data(R"({"choices":[{"index":0,"delta":{"content":"hi","tool_calls":["nonsense"]},"finish_reason":null}]})");
  stream.data(R"({"choices":[],"usage":{"prompt_tokens":null,"completion_tokens":2.0}})");
  stream.data("[DONE]");
  CHECK_FALSE(stream.problem().has_value());
  const ChatResponse response = stream.response("m");
  CHECK(response.message.content == "hi");
  CHECK(response.usage.prompt_tokens == 0);
  CHECK(response.usage.completion_tokens == 2);
  const auto whole = parse_openai_reply(Value::parse(R"({"choices":[{"message":{"content":"x","tool_calls":[7]}}]})"));
  REQUIRE_FALSE(whole.ok());
  CHECK(whole.error().message.rfind("an unexpected shape: ", 0) == 0);
}

}  // TEST_SUITE
