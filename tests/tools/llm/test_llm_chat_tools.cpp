// llm.chat's `tools` (sent in each protocol's shape, the model's calls as
// the output tool_calls, bad definitions and bad calls refused) and its
// refusal outcome (a failure of its own: no repair turn, no retry).
#include <doctest/doctest.h>

#include "tools/llm/llm_chat_fixture.hpp"
#include "tools/llm/recorded_payloads.hpp"

using namespace automata;
using automata::test::LlmProtocol;
using automata::test::LlmStubServer;
using automata::test::RecordedWaits;
using automata::test::ScratchDir;
using automata::test::ScriptedReply;
using automata::test::k_key;
using Fixture = automata::test::LlmChatFixture;

namespace {

const Value k_weather_tool = Value::parse(R"({"name":"get_weather","description":"The weather in a city now",
  "parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string"},
  "unit":{"type":"string","enum":["c","f"]}}}})");

const Value k_read_tool = Value::parse(R"({"name":"read_file","parameters":{"type":"object",
  "properties":{"path":{"type":"string"}}}})");

const Value k_schema = Value::parse(R"({"type":"object","required":["steps"],"properties":{"steps":{"type":"array"}}})");

}  // namespace

TEST_SUITE("llm.chat tools") {

TEST_CASE("tools go out in the Chat Completions shape; the model's calls are the output tool_calls") {
  Fixture f;
  f.server.enqueue(ScriptedReply::call({{"call_w1", "get_weather", R"({"city":"Paris","unit":"c"})"},
                                        {"call_w2", "get_weather", R"({"city":"Oslo"})"}}));
  const auto result = f.run({{"prompt", "Weather in Paris and Oslo?"}, {"tools", Value::array({k_weather_tool})}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(f.server.body(0)["tools"] == Value::parse(R"([{"type":"function","function":{"name":"get_weather",
    "description":"The weather in a city now","parameters":{"type":"object","required":["city"],
    "properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}}}}}])"));
  CHECK(result.outputs["finish_reason"] == "tool_calls");
  CHECK(result.outputs["text"] == "");
  CHECK(result.outputs["tool_calls"] == Value::parse(R"([
    {"id":"call_w1","name":"get_weather","arguments":{"city":"Paris","unit":"c"}},
    {"id":"call_w2","name":"get_weather","arguments":{"city":"Oslo"}}])"));
  REQUIRE(f.context.recorded_checkpoints().size() == 1);
  CHECK(f.context.recorded_checkpoints()[0]["response"]["tool_calls"] == Value::parse(R"([
    {"id":"call_w1","name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"c\"}"},
    {"id":"call_w2","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}])"));
}

TEST_CASE("tools through Anthropic: input_schema out, tool_use blocks back as tool_calls") {
  LlmStubServer server(LlmProtocol::anthropic);
  server.enqueue(ScriptedReply::call({{"toolu_01A", "get_weather", R"({"city":"Paris"})"}}));
  RecordedWaits waits;
  ScratchDir dir;
  test::TestStepContext context(dir, {{"prompt", "Weather in Paris?"}, {"provider", "anthropic"},
                                      {"base_url", server.base_url()}, {"model", "claude-sonnet-4"},
                                      {"tools", Value::array({k_weather_tool})}});
  context.set_environment({"ANTHROPIC_API_KEY=sk-ant-xyz"});
  const auto result = tools::make_llm_chat_kind(tools::llm::chat_client_factory(waits.waiter()))->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(server.body(0)["tools"] == Value::parse(R"([{"name":"get_weather","description":"The weather in a city now",
    "input_schema":{"type":"object","required":["city"],"properties":{"city":{"type":"string"},
    "unit":{"type":"string","enum":["c","f"]}}}}])"));
  CHECK(result.outputs["finish_reason"] == "tool_calls");
  CHECK(result.outputs["tool_calls"] == Value::parse(R"([{"id":"toolu_01A","name":"get_weather",
                                                          "arguments":{"city":"Paris"}}])"));
}

TEST_CASE("Ollama's two calls at index 0 are two tool_calls") {
  Fixture f;
  f.server.enqueue(ScriptedReply::replay(test::payloads::ollama_reusing_index_0()));
  const auto result = f.run({{"prompt", "Read a.txt and b.txt."}, {"tools", Value::array({k_read_tool})}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["tool_calls"] == Value::parse(R"([
    {"id":"call_k3b9x2fq","name":"read_file","arguments":{"path":"a.txt"}},
    {"id":"call_7wq0m1ds","name":"read_file","arguments":{"path":"b.txt"}}])"));
}

TEST_CASE("a text answer beside tools: tool_calls is empty and the schema still applies") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say(R"({"steps":["look outside"]})"));
  const auto result = f.run({{"prompt", "Plan."}, {"tools", Value::array({k_weather_tool})}, {"schema", k_schema}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["tool_calls"] == Value::array());
  CHECK(result.outputs["json"] == Value::parse(R"({"steps":["look outside"]})"));
  CHECK(f.server.body(0).contains("response_format"));
  CHECK(f.server.body(0).contains("tools"));
}

TEST_CASE("no tools given: no tools sent, no tool_calls output") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say("hi"));
  const auto result = f.run({{"prompt", "hi"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK_FALSE(f.server.body(0).contains("tools"));
  CHECK_FALSE(result.outputs.contains("tool_calls"));
}

TEST_CASE("bad tool definitions are refused before any request, each with what is wrong") {
  Fixture f;
  const auto error_for = [&f](Value tools) {
    const auto result = f.run({{"prompt", "x"}, {"tools", std::move(tools)}});
    CHECK_FALSE(result.succeeded);
    CHECK_FALSE(result.retryable);
    return result.error;
  };
  CHECK(error_for({{"name", "a"}}) == R"(llm.chat: tools must be a list of {name, description, parameters}, got {"name":"a"})");
  CHECK(error_for(Value::array({"get_weather"})) ==
        R"(llm.chat: tools[0] must be {name, description, parameters}, got "get_weather")");
  CHECK(error_for(Value::parse(R"([{"name":"get weather"}])")) ==
        R"(llm.chat: tools[0].name must be 1 to 64 letters, digits, _ or -, got "get weather")");
  CHECK(error_for(Value::parse(R"([{"description":"no name"}])")) ==
        "llm.chat: tools[0].name must be 1 to 64 letters, digits, _ or -, got null");
  CHECK(error_for(Value::parse(R"([{"name":"a","input_schema":{}}])")) ==
        "llm.chat: tools[0] has an unknown key 'input_schema': give name, description and parameters");
  CHECK(error_for(Value::parse(R"([{"name":"a","parameters":{"type":"string"}}])")) ==
        "llm.chat: tools[0].parameters must be a JSON schema with type: object (a call's arguments are an object)");
  CHECK(error_for(Value::parse(R"([{"name":"a","parameters":{"type":"obj"}}])")) ==
        "llm.chat: tools[0].parameters has an unknown type \"obj\": use object, array, string, number, integer, "
        "boolean or null");
  CHECK(error_for(Value::parse(R"([{"name":"a"},{"name":"a"}])")) == "llm.chat: tools[1].name 'a' is given twice");
  CHECK(error_for(Value::parse(R"([{"name":"a","description":7}])")) ==
        "llm.chat: tools[0].description must be a string, got 7");
  CHECK(f.server.requests().empty());
}

TEST_CASE("a tool without parameters takes none") {
  Fixture f;
  f.server.enqueue(ScriptedReply::call({{"call_1", "now", ""}}));
  const auto result = f.run({{"prompt", "Time?"}, {"tools", Value::parse(R"([{"name":"now"}])")}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(f.server.body(0)["tools"][0]["function"]["parameters"] ==
        Value::parse(R"({"type":"object","properties":{}})"));
  CHECK(result.outputs["tool_calls"] == Value::parse(R"([{"id":"call_1","name":"now","arguments":{}}])"));
}

TEST_CASE("a call of an unknown tool, or with arguments that are malformed or break the schema, fails the step") {
  struct Case {
    std::string name;
    std::string arguments;
    std::string error;
  };
  const Case cases[] = {
      {"get_time", "{}", "llm.chat: the model called 'get_time', which is not one of the tools (get_weather)"},
      {"get_weather", R"({"city":"Par)",
       R"(llm.chat: the model called get_weather with arguments that are not a JSON object: {"city":"Par)"},
      {"get_weather", R"({"city":7})",
       "llm.chat: the model called get_weather with arguments that break its parameters schema: $.city: must be a "
       "string, got 7"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.arguments);
    Fixture f;
    f.server.enqueue(ScriptedReply::call({{"call_1", c.name, c.arguments}}));
    const auto result = f.run({{"prompt", "Weather?"}, {"tools", Value::array({k_weather_tool})}});
    REQUIRE_FALSE(result.succeeded);
    CHECK(result.retryable);  // another attempt asks the model again
    CHECK(result.error == c.error);
    CHECK(result.outputs["tool_calls"][0]["name"] == c.name);
    CHECK(f.server.requests().size() == 1);
  }
}

TEST_CASE("resumed with the calls checkpointed: no request, the same tool_calls") {
  Fixture f;
  f.context.set_resumed_checkpoints({Value::parse(R"({"response":{"content":"","finish_reason":"tool_calls",
    "tool_calls":[{"id":"call_9","name":"get_weather","arguments":"{\"city\":\"Rome\"}"}]},
    "usage":{"model":"m1","prompt_tokens":10,"completion_tokens":5},"turn":0})")});
  const auto result = f.run({{"prompt", "Weather?"}, {"tools", Value::array({k_weather_tool})}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(f.server.requests().empty());
  CHECK(result.outputs["tool_calls"] == Value::parse(R"([{"id":"call_9","name":"get_weather",
                                                          "arguments":{"city":"Rome"}}])"));
}

}  // TEST_SUITE

TEST_SUITE("llm.chat refusal") {

TEST_CASE("a refusal fails the step at once with its text: no repair turn, not retried") {
  for (const bool stream : {true, false}) {
    CAPTURE(stream);
    Fixture f;
    f.server.enqueue(stream ? ScriptedReply::replay(test::payloads::openai_refusal_chunks())
                            : ScriptedReply::replay_whole(test::payloads::openai_refusal_body()));
    f.server.enqueue(ScriptedReply::say(R"({"steps":[]})"));  // what a repair turn would get
    const auto result = f.run({{"prompt", "How do I pick this lock?"}, {"schema", k_schema}, {"stream", stream}});
    REQUIRE_FALSE(result.succeeded);
    CHECK_FALSE(result.retryable);
    CHECK(result.error == "llm.chat: the model refused: I'm sorry, I can't assist with that.");
    CHECK(f.server.requests().size() == 1);
    CHECK(result.outputs["refusal"] == "I'm sorry, I can't assist with that.");
    CHECK(result.outputs["finish_reason"] == "refusal");
    CHECK(result.outputs["text"] == "");
    CHECK_FALSE(result.outputs.contains("json"));
    CHECK(result.outputs["usage"] == Value{{"prompt_tokens", 81}, {"completion_tokens", 9}});
    REQUIRE(f.context.recorded_checkpoints().size() == 1);
    CHECK(f.context.recorded_checkpoints()[0]["response"]["refusal"] == "I'm sorry, I can't assist with that.");
    CHECK(f.everything(result).find(k_key) == std::string::npos);
  }
}

TEST_CASE("a refusal without a schema fails too: it is not the model's answer") {
  Fixture f;
  f.server.enqueue(ScriptedReply::replay(test::payloads::openai_refusal_chunks()));
  const auto result = f.run({{"prompt", "How do I pick this lock?"}});
  REQUIRE_FALSE(result.succeeded);
  CHECK(result.error == "llm.chat: the model refused: I'm sorry, I can't assist with that.");
}

TEST_CASE("resumed with a refusal checkpointed: the same failure, no request") {
  Fixture f;
  f.context.set_resumed_checkpoints({Value::parse(R"({"response":{"content":"","finish_reason":"refusal",
    "refusal":"I can't help with that."},"usage":{"model":"m1","prompt_tokens":10,"completion_tokens":5},"turn":0})")});
  const auto result = f.run({{"prompt", "x"}, {"schema", k_schema}});
  REQUIRE_FALSE(result.succeeded);
  CHECK(result.error == "llm.chat: the model refused: I can't help with that.");
  CHECK(f.server.requests().empty());
}

}  // TEST_SUITE
