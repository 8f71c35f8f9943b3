// Chat Completions replies shaped as real servers send them, replayed by the
// scripted server: tool calls from Ollama (every call at index 0), older
// Ollama and Gemini's OpenAI endpoint (no index), LiteLLM in front of
// Bedrock (numbered from 1), and Gemini's per-call extra_content that must go
// back with the call on the next turn.
#include <doctest/doctest.h>

#include "support/llm_stub_server.hpp"
#include "tools/llm/recorded_payloads.hpp"
#include "tools/llm/llm_test_helpers.hpp"
#include "tools/llm/openai_client.hpp"

using namespace automata;
using namespace automata::tools::llm;
using automata::test::LlmProtocol;
using automata::test::LlmStubServer;
using automata::test::RecordedWaits;
using automata::test::ScriptedReply;
using automata::test::Seen;
using namespace automata::test::payloads;

namespace {

ChatRequest ask(std::string text) {
  ChatRequest request;
  request.model = "m";
  Message user;
  user.role = Role::user;
  user.content = std::move(text);
  request.messages.push_back(std::move(user));
  request.tools.push_back({"read_file", "Read a file", Value::parse(R"({"type":"object","properties":{"path":{"type":"string"}}})")});
  return request;
}

// The reply of `server` to one streamed request.
ChatResponse streamed_reply(LlmStubServer& server) {
  RecordedWaits waits;
  auto client = make_openai_client(test::stub_settings("openai", server.base_url(), ""), test::quick_options(waits));
  Seen seen;
  auto reply = client->chat(ask("Read a.txt and b.txt."), seen.observer());
  REQUIRE_MESSAGE(reply.ok(), reply.error().message);
  return std::move(*reply);
}

}  // namespace

TEST_SUITE("llm openai payloads") {

TEST_CASE("Ollama's calls that all say index 0 are two calls, told apart by id") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::replay(ollama_reusing_index_0()));
  const ChatResponse reply = streamed_reply(server);
  REQUIRE(reply.message.tool_calls.size() == 2);
  CHECK(reply.message.tool_calls[0].id == "call_k3b9x2fq");
  CHECK(reply.message.tool_calls[0].arguments == Value{{"path", "a.txt"}});
  CHECK(reply.message.tool_calls[1].id == "call_7wq0m1ds");
  CHECK(reply.message.tool_calls[1].name == "read_file");
  CHECK(reply.message.tool_calls[1].raw_arguments == R"({"path":"b.txt"})");
  CHECK(reply.finish_reason == "tool_calls");
  CHECK(reply.usage.prompt_tokens == 180);
}

TEST_CASE("older Ollama's calls without an index are two calls; its finish_reason stop still means tool_calls") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::replay(ollama_without_index()));
  const ChatResponse reply = streamed_reply(server);
  REQUIRE(reply.message.tool_calls.size() == 2);
  CHECK(reply.message.tool_calls[0].arguments == Value{{"path", "a.txt"}});
  CHECK(reply.message.tool_calls[1].id == "call_c8pz41rn");
  CHECK(reply.message.tool_calls[1].arguments == Value{{"path", "b.txt"}});
  CHECK(reply.finish_reason == "tool_calls");
}

TEST_CASE("Gemini's parallel calls in one delta array without an index are two calls") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::replay(gemini_parallel_calls()));
  const ChatResponse reply = streamed_reply(server);
  REQUIRE(reply.message.tool_calls.size() == 2);
  CHECK(reply.message.tool_calls[0].id == "function-call-5521");
  CHECK(reply.message.tool_calls[0].arguments == Value{{"path", "a.txt"}});
  CHECK(reply.message.tool_calls[1].id == "function-call-5522");
  CHECK(reply.message.tool_calls[1].arguments == Value{{"path", "b.txt"}});
}

TEST_CASE("calls with neither id nor index: each element of a delta array, and a tool named again, starts a call") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::replay({
      Value::parse(R"({"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[
        {"type":"function","function":{"name":"read_file","arguments":"{\"path\":"}}]},"finish_reason":null}]})"),
      Value::parse(R"({"choices":[{"index":0,"delta":{"tool_calls":[
        {"function":{"arguments":"\"a.txt\"}"}}]},"finish_reason":null}]})"),
      Value::parse(R"({"choices":[{"index":0,"delta":{"tool_calls":[
        {"type":"function","function":{"name":"read_file","arguments":"{\"path\":\"b.txt\"}"}},
        {"type":"function","function":{"name":"read_file","arguments":"{\"path\":\"c.txt\"}"}}]},"finish_reason":null}]})"),
      Value::parse(R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"),
  }));
  const ChatResponse reply = streamed_reply(server);
  REQUIRE(reply.message.tool_calls.size() == 3);
  CHECK(reply.message.tool_calls[0].arguments == Value{{"path", "a.txt"}});
  CHECK(reply.message.tool_calls[1].arguments == Value{{"path", "b.txt"}});
  CHECK(reply.message.tool_calls[2].arguments == Value{{"path", "c.txt"}});
  CHECK(reply.message.tool_calls[0].id != reply.message.tool_calls[1].id);
}

TEST_CASE("LiteLLM's calls numbered from 1 are one call, no empty one made up before it") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::replay(litellm_bedrock_from_index_1()));
  const ChatResponse reply = streamed_reply(server);
  CHECK(reply.message.content == "I'll read it.");
  REQUIRE(reply.message.tool_calls.size() == 1);
  CHECK(reply.message.tool_calls[0].id == "tooluse_Xk2mQ9rTSv");
  CHECK(reply.message.tool_calls[0].name == "read_file");
  CHECK(reply.message.tool_calls[0].arguments == Value{{"path", "a.txt"}});
  CHECK(reply.finish_reason == "tool_calls");
}

TEST_CASE("OpenAI's own numbering, fragments with the index alone, still assembles as before") {
  LlmStubServer server(LlmProtocol::openai);
  server.enqueue(ScriptedReply::replay({
      Value::parse(R"({"id":"chatcmpl-AB1","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[{"index":0,
        "delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_Ab1","type":"function",
        "function":{"name":"read_file","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}]})"),
      Value::parse(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"pa"}}]},
        "logprobs":null,"finish_reason":null}]})"),
      Value::parse(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"th\":\"a.txt\"}"}}]},
        "logprobs":null,"finish_reason":null}]})"),
      Value::parse(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_Cd2","type":"function",
        "function":{"name":"read_file","arguments":"{\"path\":\"b.txt\"}"}}]},"logprobs":null,"finish_reason":null}]})"),
      Value::parse(R"({"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]})"),
  }));
  const ChatResponse reply = streamed_reply(server);
  REQUIRE(reply.message.tool_calls.size() == 2);
  CHECK(reply.message.tool_calls[0].id == "call_Ab1");
  CHECK(reply.message.tool_calls[0].raw_arguments == R"({"path":"a.txt"})");
  CHECK(reply.message.tool_calls[1].id == "call_Cd2");
  CHECK(reply.message.tool_calls[1].arguments == Value{{"path", "b.txt"}});
}

TEST_CASE("Gemini's extra_content goes back verbatim with its call on the next turn, streamed or not") {
  for (const bool stream : {true, false}) {
    CAPTURE(stream);
    LlmStubServer server(LlmProtocol::openai);
    if (stream) {
      server.enqueue(ScriptedReply::replay(gemini_parallel_calls()));
    } else {
      server.enqueue(ScriptedReply::replay_whole(Value::parse(R"({"choices":[{"finish_reason":"tool_calls","index":0,
        "message":{"role":"assistant","tool_calls":[
          {"extra_content":{"google":{"thought_signature":"CiQBVKhc7uZ0i4lq9RcXJ2c5mRk="}},
           "function":{"arguments":"{\"path\":\"a.txt\"}","name":"read_file"},"id":"function-call-5521","type":"function"},
          {"function":{"arguments":"{\"path\":\"b.txt\"}","name":"read_file"},"id":"function-call-5522","type":"function"}]}}],
        "created":1757000000,"id":"aF3gaPzRLt-n1MkP","model":"gemini-2.5-flash","object":"chat.completion",
        "usage":{"completion_tokens":31,"prompt_tokens":95,"total_tokens":126}})")));
    }
    server.enqueue(ScriptedReply::say("Both read."));
    RecordedWaits waits;
    auto client = make_openai_client(test::stub_settings("openai", server.base_url(), ""), test::quick_options(waits));
    Seen seen;
    ChatRequest request = ask("Read a.txt and b.txt.");
    request.stream = stream;
    auto first = client->chat(request, seen.observer());
    REQUIRE_MESSAGE(first.ok(), first.error().message);
    request.messages.push_back(first->message);
    for (const auto& call : first->message.tool_calls) {
      Message result;
      result.role = Role::tool;
      result.content = "text of " + call.arguments.value("path", std::string());
      result.tool_call_id = call.id;
      result.tool_name = call.name;
      request.messages.push_back(std::move(result));
    }
    REQUIRE(client->chat(request, seen.observer()).ok());
    CHECK(server.body(1)["messages"] == Value::parse(R"([
      {"role":"user","content":"Read a.txt and b.txt."},
      {"role":"assistant","content":null,"tool_calls":[
        {"id":"function-call-5521","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.txt\"}"},
         "extra_content":{"google":{"thought_signature":"CiQBVKhc7uZ0i4lq9RcXJ2c5mRk="}}},
        {"id":"function-call-5522","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"b.txt\"}"}}]},
      {"role":"tool","tool_call_id":"function-call-5521","content":"text of a.txt"},
      {"role":"tool","tool_call_id":"function-call-5522","content":"text of b.txt"}
    ])"));
  }
}

}  // TEST_SUITE
