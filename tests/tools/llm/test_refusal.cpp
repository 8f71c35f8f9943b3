// A model that declines to answer: OpenAI's `refusal` (streamed as
// delta.refusal, whole as message.refusal) and Anthropic's stop_reason
// refusal become a refusal with its text, apart from an empty answer; and the
// one line a step fails with.
#include <doctest/doctest.h>

#include "support/llm_stub_server.hpp"
#include "tools/llm/anthropic_client.hpp"
#include "tools/llm/chat_checkpoint.hpp"
#include "tools/llm/llm_test_helpers.hpp"
#include "tools/llm/openai_client.hpp"
#include "tools/llm/recorded_payloads.hpp"
#include "tools/llm/refusal.hpp"

using namespace automata;
using namespace automata::tools::llm;
using automata::test::LlmProtocol;
using automata::test::LlmStubServer;
using automata::test::RecordedWaits;
using automata::test::ScriptedReply;
using automata::test::Seen;

namespace {

ChatRequest question() {
  ChatRequest request;
  request.model = "gpt-4o-2024-08-06";
  Message user;
  user.role = Role::user;
  user.content = "How do I pick this lock?";
  request.messages.push_back(std::move(user));
  request.response_schema = Value::parse(R"({"type":"object","properties":{"steps":{"type":"array"}}})");
  return request;
}

}  // namespace

TEST_SUITE("llm refusal") {

TEST_CASE("OpenAI's refusal, streamed or whole, is a refusal with its text, not an empty answer") {
  for (const bool stream : {true, false}) {
    CAPTURE(stream);
    LlmStubServer server(LlmProtocol::openai);
    server.enqueue(stream ? ScriptedReply::replay(test::payloads::openai_refusal_chunks())
                          : ScriptedReply::replay_whole(test::payloads::openai_refusal_body()));
    RecordedWaits waits;
    auto client = make_openai_client(test::stub_settings("openai", server.base_url(), ""), test::quick_options(waits));
    Seen seen;
    ChatRequest request = question();
    request.stream = stream;
    const auto reply = client->chat(request, seen.observer());
    REQUIRE_MESSAGE(reply.ok(), reply.error().message);
    CHECK(reply->message.refusal == "I'm sorry, I can't assist with that.");
    CHECK(reply->message.content.empty());
    CHECK(reply->finish_reason == "refusal");
    CHECK(reply->usage.completion_tokens == 9);
    CHECK(seen.deltas.empty());  // a refusal is not the answer's text
  }
}

TEST_CASE("an empty refusal field beside an answer is no refusal") {
  OpenAiStream stream(nullptr);
  stream.data(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}]})");
  stream.data(R"({"choices":[{"index":0,"delta":{"content":"fine","refusal":""},"finish_reason":"stop"}]})");
  const ChatResponse response = stream.response("m");
  CHECK_FALSE(response.message.refusal.has_value());
  CHECK(response.finish_reason == "stop");
  const auto whole = parse_openai_reply(Value::parse(
      R"({"choices":[{"message":{"role":"assistant","content":"fine","refusal":null},"finish_reason":"stop"}]})"));
  REQUIRE(whole.ok());
  CHECK_FALSE(whole->message.refusal.has_value());
}

TEST_CASE("Anthropic's stop_reason refusal is a refusal, its text the reason") {
  LlmStubServer server(LlmProtocol::anthropic);
  ScriptedReply refused = ScriptedReply::say("I can't help with that.");
  refused.finish_reason = "refusal";
  server.enqueue(refused);
  RecordedWaits waits;
  auto client = make_anthropic_client(test::stub_settings("anthropic", server.base_url(), ""), test::quick_options(waits));
  Seen seen;
  const auto reply = client->chat(question(), seen.observer());
  REQUIRE(reply.ok());
  CHECK(reply->finish_reason == "refusal");
  CHECK(reply->message.refusal == "I can't help with that.");
}

TEST_CASE("a refusal survives the checkpoint: a resumed step sees it again") {
  const auto whole = parse_openai_reply(test::payloads::openai_refusal_body());
  REQUIRE(whole.ok());
  const Value checkpoint = response_checkpoint(*whole);
  CHECK(checkpoint["response"] == Value::parse(R"({"content":"","finish_reason":"refusal",
                                                  "refusal":"I'm sorry, I can't assist with that."})"));
  const auto back = response_from_checkpoint(checkpoint);
  REQUIRE(back.has_value());
  CHECK(back->message.refusal == "I'm sorry, I can't assist with that.");
  CHECK(back->finish_reason == "refusal");
}

TEST_CASE("the refusal's line: one line, cut when long, said when there is no reason") {
  CHECK(refusal_line("I'm sorry,\n\n  I can't.") == "the model refused: I'm sorry, I can't.");
  CHECK(refusal_line("  \n") == "the model refused (no reason given)");
  const std::string line = refusal_line(std::string(400, 'x'));
  CHECK(line.size() == std::string("the model refused: ").size() + 300 + std::string("…").size());
  CHECK(line.find('\n') == std::string::npos);
}

}  // TEST_SUITE
