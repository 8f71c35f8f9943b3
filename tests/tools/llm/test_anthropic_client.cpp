// Anthropic Messages against a scripted server: the exact request (system
// on top, tool_use and tool_result blocks paired by id), streamed events,
// retries on 529, errors.
#include "tools/llm/anthropic_client.hpp"

#include <doctest/doctest.h>

#include "support/llm_stub_server.hpp"
#include "tools/llm/llm_test_helpers.hpp"

using namespace automata;
using namespace automata::tools::llm;
using namespace std::chrono_literals;
using automata::test::LlmProtocol;
using automata::test::LlmStubServer;
using automata::test::RecordedWaits;
using automata::test::ScriptedReply;
using automata::test::Seen;

namespace {

ChatRequest conversation() {
  ChatRequest request;
  request.model = "claude-sonnet-4";
  request.messages.push_back({Role::system, "You are terse.", {}, {}, {}, false, std::nullopt});
  request.messages.push_back({Role::user, "Look at two files.", {}, {}, {}, false, std::nullopt});
  Message asked{Role::assistant, "Reading both.", {}, {}, {}, false, std::nullopt};
  asked.tool_calls.push_back({"toolu_1", "read_file", R"({"path":"a"})", {{"path", "a"}}, Value::object()});
  asked.tool_calls.push_back({"toolu_2", "read_file", R"({"path":"b"})", {{"path", "b"}}, Value::object()});
  request.messages.push_back(asked);
  request.messages.push_back({Role::tool, "contents of a", {}, "toolu_1", "read_file", false, std::nullopt});
  request.messages.push_back({Role::tool, "no such file", {}, "toolu_2", "read_file", true, std::nullopt});
  request.tools.push_back({"read_file", "Read a file", Value::parse(R"({"type":"object","properties":{"path":{"type":"string"}}})")});
  request.temperature = 0.5;
  return request;
}

}  // namespace

TEST_SUITE("llm anthropic client") {

TEST_CASE("the request body, path and headers are exactly the Messages ones") {
  LlmStubServer server(LlmProtocol::anthropic);
  server.enqueue(ScriptedReply::say("ok"));
  RecordedWaits waits;
  auto client = make_anthropic_client(test::stub_settings("anthropic", server.base_url(), "sk-ant-test"),
                                      test::quick_options(waits));
  Seen seen;
  REQUIRE(client->chat(conversation(), seen.observer()).ok());
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/v1/messages");
  CHECK(requests[0].header("x-api-key") == "sk-ant-test");
  CHECK(requests[0].header("anthropic-version") == "2023-06-01");
  CHECK_FALSE(requests[0].header("authorization").has_value());
  CHECK(server.body(0) == Value::parse(R"({
    "model": "claude-sonnet-4",
    "max_tokens": 8192,
    "system": "You are terse.",
    "messages": [
      {"role": "user", "content": [{"type": "text", "text": "Look at two files."}]},
      {"role": "assistant", "content": [
        {"type": "text", "text": "Reading both."},
        {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "a"}},
        {"type": "tool_use", "id": "toolu_2", "name": "read_file", "input": {"path": "b"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "contents of a"},
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": "no such file", "is_error": true}]}
    ],
    "tools": [{"name": "read_file", "description": "Read a file",
               "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}],
    "temperature": 0.5,
    "stream": true
  })"));
}

TEST_CASE("structured output is asked for in the system prompt; max_tokens as given") {
  ChatRequest request;
  request.model = "m";
  request.messages.push_back({Role::user, "Rate it.", {}, {}, {}, false, std::nullopt});
  request.response_schema = Value::parse(R"({"type":"object"})");
  request.max_tokens = 100;
  const Value body = anthropic_request_body(request);
  CHECK(body["system"] ==
        "Reply with only a JSON value that satisfies this JSON schema, with no other text and no code fence:\n"
        R"({"type":"object"})");
  CHECK(body["max_tokens"] == 100);
}

TEST_CASE("streamed text and tool_use blocks are assembled; usage from message_start and message_delta") {
  LlmStubServer server(LlmProtocol::anthropic);
  ScriptedReply reply = ScriptedReply::call({{"toolu_9", "run_shell_command", R"({"command":"ctest -R llm"})"}});
  reply.text = "Let me run the tests.";
  reply.prompt_tokens = 120;
  reply.completion_tokens = 33;
  server.enqueue(reply);
  RecordedWaits waits;
  auto client = make_anthropic_client(test::stub_settings("anthropic", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto got = client->chat(conversation(), seen.observer());
  REQUIRE(got.ok());
  CHECK(got->message.content == "Let me run the tests.");
  CHECK(seen.text() == "Let me run the tests.");
  CHECK(seen.deltas.size() > 1);
  REQUIRE(got->message.tool_calls.size() == 1);
  CHECK(got->message.tool_calls[0].id == "toolu_9");
  CHECK(got->message.tool_calls[0].name == "run_shell_command");
  CHECK(got->message.tool_calls[0].arguments == Value{{"command", "ctest -R llm"}});
  CHECK(got->finish_reason == "tool_calls");
  CHECK(got->usage.prompt_tokens == 120);
  CHECK(got->usage.completion_tokens == 33);
  CHECK(got->usage.model == "stub-model");
}

TEST_CASE("a whole reply is read; stop reasons are normalised") {
  LlmStubServer server(LlmProtocol::anthropic);
  ScriptedReply reply = ScriptedReply::say("cut");
  reply.finish_reason = "max_tokens";
  server.enqueue(reply);
  RecordedWaits waits;
  auto client = make_anthropic_client(test::stub_settings("anthropic", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  ChatRequest request = conversation();
  request.stream = false;
  const auto got = client->chat(request, seen.observer());
  REQUIRE(got.ok());
  CHECK(got->message.content == "cut");
  CHECK(got->finish_reason == "length");
  CHECK(got->usage.prompt_tokens == 12);
  CHECK(anthropic_finish_reason("end_turn") == "stop");
  CHECK(anthropic_finish_reason("refusal") == "refusal");
  CHECK(anthropic_finish_reason("pause_turn") == "other");
}

TEST_CASE("malformed streamed tool input keeps its raw text and parses to null") {
  LlmStubServer server(LlmProtocol::anthropic);
  server.enqueue(ScriptedReply::call({{"toolu_3", "write_file", R"({"path": "x", "content)"}}));
  RecordedWaits waits;
  auto client = make_anthropic_client(test::stub_settings("anthropic", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto got = client->chat(conversation(), seen.observer());
  REQUIRE(got.ok());
  REQUIRE(got->message.tool_calls.size() == 1);
  CHECK(got->message.tool_calls[0].raw_arguments == R"({"path": "x", "content)");
  CHECK(got->message.tool_calls[0].arguments.is_null());
}

TEST_CASE("529 overloaded is retried with backoff, honouring retry-after") {
  LlmStubServer server(LlmProtocol::anthropic);
  server.enqueue(ScriptedReply::fail(529, "Overloaded"));
  server.enqueue(ScriptedReply::fail(429, "Number of request tokens has exceeded your rate limit", {{"retry-after", "2"}}));
  server.enqueue(ScriptedReply::say("done"));
  RecordedWaits waits;
  auto client = make_anthropic_client(test::stub_settings("anthropic", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto got = client->chat(conversation(), seen.observer());
  REQUIRE(got.ok());
  CHECK(got->message.content == "done");
  CHECK(waits.waits == std::vector<engine::Duration>{100ms, 2s});
  REQUIRE(seen.retries.size() == 2);
  CHECK(seen.retries[0].rfind("529 from the model server at " + server.base_url() + " (Anthropic-compatible): ", 0) == 0);
}

TEST_CASE("401 fails at once with Anthropic's message and the variable to check") {
  LlmStubServer server(LlmProtocol::anthropic);
  server.enqueue(ScriptedReply::fail(401, "invalid x-api-key"));
  RecordedWaits waits;
  auto client = make_anthropic_client(test::stub_settings("anthropic", server.base_url(), "sk-ant-secret"),
                                      test::quick_options(waits));
  Seen seen;
  const auto got = client->chat(conversation(), seen.observer());
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().code == Errc::usage);
  CHECK(got.error().message ==
        "the model server at " + server.base_url() + " (Anthropic-compatible) answered 401 (invalid x-api-key)");
  CHECK(got.error().hint == "check ANTHROPIC_API_KEY");
  CHECK(server.requests().size() == 1);
}

TEST_CASE("a stream that ends before message_stop is sent again") {
  LlmStubServer server(LlmProtocol::anthropic);
  ScriptedReply cut = ScriptedReply::say("partial reply text");
  cut.cut_short = true;
  server.enqueue(cut);
  server.enqueue(ScriptedReply::say("complete"));
  RecordedWaits waits;
  auto client = make_anthropic_client(test::stub_settings("anthropic", server.base_url(), "sk-test-key"), test::quick_options(waits));
  Seen seen;
  const auto got = client->chat(conversation(), seen.observer());
  REQUIRE(got.ok());
  CHECK(got->message.content == "complete");
  CHECK(server.requests().size() == 2);
}

}  // TEST_SUITE

TEST_SUITE("llm anthropic client") {

TEST_CASE("an error event inside a stream makes the reply incomplete (so it is retried)") {
  AnthropicStream stream(nullptr);
  stream.event(R"({"type":"message_start","message":{"model":"m","usage":{"input_tokens":3,"output_tokens":1}}})");
  CHECK(stream.problem() == "the stream ended before message_stop");
  stream.event(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  CHECK(stream.problem() == "overloaded_error (Overloaded)");
  stream.reset();
  stream.event(R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}})");
  CHECK_FALSE(stream.problem().has_value());
  CHECK(stream.response("asked").usage.model == "asked");
  CHECK(stream.response("asked").usage.completion_tokens == 4);
}

}  // TEST_SUITE
