// The llm.chat step kind against a scripted server: outputs, usage,
// checkpoints and resume, structured output with its repair turn, errors,
// and the key kept out of everything the step leaves behind.
#include "tools/llm/llm_chat_step.hpp"

#include <doctest/doctest.h>

#include "tools/llm/llm_chat_fixture.hpp"

using namespace automata;
using namespace std::chrono_literals;
using automata::test::LlmProtocol;
using automata::test::LlmStubServer;
using automata::test::RecordedWaits;
using automata::test::ScratchDir;
using automata::test::ScriptedReply;
using automata::test::k_key;
using TestContext = automata::test::TestStepContext;
using Fixture = automata::test::LlmChatFixture;

namespace {

const Value k_schema = Value::parse(R"({"type":"object","required":["title","labels"],"additionalProperties":false,
  "properties":{"title":{"type":"string"},"labels":{"type":"array","items":{"type":"string"}}}})");

}  // namespace

TEST_SUITE("llm.chat step") {

TEST_CASE("a prompt gets a reply: outputs, usage reported, the reply checkpointed and printed") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say("Three small commits would be clearer."));
  const auto result = f.run({{"prompt", "Review this diff."}, {"system", "You review code."}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value::parse(R"({"text":"Three small commits would be clearer.","finish_reason":"stop",
    "model":"stub-model","usage":{"prompt_tokens":12,"completion_tokens":7}})"));
  CHECK(f.server.body(0)["model"] == "qwen/qwen3-coder");
  CHECK(f.server.body(0)["messages"] == Value::parse(R"([{"role":"system","content":"You review code."},
                                                        {"role":"user","content":"Review this diff."}])"));
  CHECK(f.server.body(0)["stream"] == true);
  CHECK(f.server.requests()[0].header("authorization") == std::string("Bearer ") + k_key);
  CHECK(f.context.usage() ==
        std::vector<Value>{{{"model", "stub-model"}, {"prompt_tokens", 12}, {"completion_tokens", 7}}});
  REQUIRE(f.context.recorded_checkpoints().size() == 1);
  CHECK(f.context.recorded_checkpoints()[0] == Value::parse(R"({"response":{"content":"Three small commits would be clearer.",
    "finish_reason":"stop"},"usage":{"model":"stub-model","prompt_tokens":12,"completion_tokens":7},"turn":0})"));
  CHECK(f.context.out() == "Three small commits would be clearer.\n");
  REQUIRE_FALSE(f.context.heartbeats().empty());
  CHECK(f.context.heartbeats()[0] == "replying… 4 chars");
}

TEST_CASE("messages are sent as given, and the settings come from the step's parameters") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say("4"));
  const auto result = f.run({{"messages", Value::parse(R"([{"role":"user","content":"2+2?"},
      {"role":"assistant","content":"4"},{"role":"user","content":"And again?"}])")},
                             {"model", "other/model"}, {"max_tokens", 20}, {"temperature", 0.2}, {"stream", false}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  const Value body = f.server.body(0);
  CHECK(body["model"] == "other/model");
  CHECK(body["messages"].size() == 3);
  CHECK(body["max_tokens"] == 20);
  CHECK(body["temperature"] == 0.2);
  CHECK(body["stream"] == false);
}

TEST_CASE("resumed with the reply checkpointed: no request is sent, the reply and its usage come back") {
  Fixture f;
  f.context.set_resumed_checkpoints({Value::parse(R"({"response":{"content":"from before","finish_reason":"stop"},
    "usage":{"model":"m1","prompt_tokens":100,"completion_tokens":20},"turn":0})")});
  const auto result = f.run({{"prompt", "Review this diff."}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(f.server.requests().empty());
  CHECK(result.outputs["text"] == "from before");
  CHECK(result.outputs["usage"] == Value{{"prompt_tokens", 100}, {"completion_tokens", 20}});
  CHECK(f.context.usage() == std::vector<Value>{{{"model", "m1"}, {"prompt_tokens", 100}, {"completion_tokens", 20}}});
  CHECK(f.context.recorded_checkpoints().empty());
}

TEST_CASE("resumed with nothing configured any more: the recorded reply still comes back") {
  Fixture f;
  f.context.set_environment({"PATH=/usr/bin"});
  f.context.set_resumed_checkpoints({Value::parse(R"({"response":{"content":"kept","finish_reason":"stop"},
    "usage":{"model":"m1","prompt_tokens":1,"completion_tokens":1}})")});
  f.context.set_params({{"prompt", "x"}});
  const auto result = f.kind->execute(f.context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["text"] == "kept");
}

TEST_CASE("structured output: a reply that fits becomes the json output") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say(R"({"title":"Fix the flaky test","labels":["ci"]})"));
  const auto result = f.run({{"prompt", "Summarise the issue."}, {"schema", k_schema}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["json"] == Value::parse(R"({"title":"Fix the flaky test","labels":["ci"]})"));
  CHECK(f.server.body(0)["response_format"]["json_schema"]["schema"] == k_schema);
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("structured output: a reply in a code fence is accepted") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say("```json\n{\"title\":\"t\",\"labels\":[]}\n```"));
  const auto result = f.run({{"prompt", "Summarise."}, {"schema", k_schema}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["json"]["title"] == "t");
}

TEST_CASE("structured output: one repair turn tells the model what was wrong") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say(R"({"title":1,"labels":[]})"));
  f.server.enqueue(ScriptedReply::say(R"({"title":"fixed","labels":[]})"));
  const auto result = f.run({{"prompt", "Summarise the issue."}, {"schema", k_schema}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["json"] == Value::parse(R"({"title":"fixed","labels":[]})"));
  CHECK(result.outputs["usage"] == Value{{"prompt_tokens", 24}, {"completion_tokens", 14}});
  REQUIRE(f.server.requests().size() == 2);
  CHECK(f.server.body(1)["messages"] == Value::parse(R"([
    {"role":"user","content":"Summarise the issue."},
    {"role":"assistant","content":"{\"title\":1,\"labels\":[]}"},
    {"role":"user","content":"Your reply does not satisfy the JSON schema: $.title: must be a string, got 1. Reply again with only the corrected JSON value, no other text."}
  ])"));
  CHECK(f.context.usage().size() == 2);
  CHECK(f.context.recorded_checkpoints().size() == 2);
}

TEST_CASE("structured output: still wrong after the repair turn fails with what is wrong") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say("Sure! Here it is."));
  f.server.enqueue(ScriptedReply::say(R"({"title":"t"})"));
  const auto result = f.run({{"prompt", "Summarise."}, {"schema", k_schema}});
  REQUIRE_FALSE(result.succeeded);
  CHECK(result.error ==
        "llm.chat: the reply does not satisfy the schema even after a repair turn ($: lacks the required property "
        "\"labels\"); simplify the schema or the prompt, or try a stronger model");
  CHECK(f.server.body(1)["messages"].back()["content"] ==
        "Your reply does not satisfy the JSON schema: the reply is not JSON. Reply again with only the corrected JSON "
        "value, no other text.");
  CHECK(result.outputs["text"] == R"({"title":"t"})");
}

TEST_CASE("structured output: a step at its max_tokens_total asks for no repair turn") {
  Fixture f;
  f.server.enqueue(ScriptedReply::say(R"({"title":1,"labels":[]})"));  // 12 + 7 tokens
  const auto result = f.run({{"prompt", "Summarise."}, {"schema", k_schema}, {"max_tokens_total", 19}});
  REQUIRE_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error ==
        "llm.chat: budget exceeded: the step used 19 tokens, its max_tokens_total is 19; the reply does not satisfy "
        "the schema ($.title: must be a string, got 1) and no repair turn was asked");
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("resumed after an invalid first reply: only the repair turn is sent") {
  Fixture f;
  f.context.set_resumed_checkpoints({Value::parse(R"({"response":{"content":"not json","finish_reason":"stop"},
    "usage":{"model":"stub-model","prompt_tokens":5,"completion_tokens":2},"turn":0})")});
  f.server.enqueue(ScriptedReply::say(R"({"title":"t","labels":["x"]})"));
  const auto result = f.run({{"prompt", "Summarise."}, {"schema", k_schema}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  REQUIRE(f.server.requests().size() == 1);
  CHECK(f.server.body(0)["messages"][1] == Value{{"role", "assistant"}, {"content", "not json"}});
  CHECK(result.outputs["usage"] == Value{{"prompt_tokens", 17}, {"completion_tokens", 9}});
  CHECK(f.context.usage().size() == 2);
}

TEST_CASE("401: fails at once, not retryable, with the provider's message; the key is nowhere") {
  Fixture f;
  f.context.add_secret(k_key);
  f.server.enqueue(ScriptedReply::fail(401, std::string("No auth credentials found for ") + k_key));
  const auto result = f.run({{"prompt", "hi"}});
  REQUIRE_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "llm.chat: openrouter at " + f.server.base_url() +
                            " answered 401 (No auth credentials found for ***): check OPENROUTER_API_KEY");
  CHECK(f.server.requests().size() == 1);
  CHECK(f.everything(result).find(k_key) == std::string::npos);
}

TEST_CASE("the key stays out even when the context does not know it is a secret") {
  Fixture f;
  f.server.enqueue(ScriptedReply::fail(429, std::string("slow down, ") + k_key, {{"Retry-After", "1"}}));
  f.server.enqueue(ScriptedReply::say("ok"));
  const auto result = f.run({{"prompt", "hi"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(f.waits.waits == std::vector<engine::Duration>{1s});
  REQUIRE_FALSE(f.context.heartbeats().empty());
  CHECK(f.context.heartbeats()[0] == "429 from openrouter at " + f.server.base_url() + ": retrying in 1s (attempt 2 of 4)");
  CHECK(f.everything(result).find(k_key) == std::string::npos);
}

TEST_CASE("5xx until the retries run out: a retryable failure") {
  Fixture f;
  f.server.enqueue(ScriptedReply::fail(500, "boom"));
  f.server.enqueue(ScriptedReply::fail(500, "boom"));
  const auto result = f.run({{"prompt", "hi"}, {"retries", 1}, {"retry_delay", "250ms"}});
  REQUIRE_FALSE(result.succeeded);
  CHECK(result.retryable);
  CHECK(result.error == "llm.chat: openrouter at " + f.server.base_url() +
                            " answered 500 (boom) after 2 attempt(s): try again later");
  CHECK(f.waits.waits.size() == 1);
}

TEST_CASE("nothing configured: the error says what to set") {
  Fixture f;
  f.context.set_environment({"PATH=/usr/bin"});
  f.context.set_params({{"prompt", "hi"}});
  const auto result = f.kind->execute(f.context);
  REQUIRE_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error ==
        "llm.chat: no model configured: set AUTOMATA_MODEL (or model:), and OPENROUTER_API_KEY, OPENAI_API_KEY or "
        "ANTHROPIC_API_KEY (or AUTOMATA_LLM_BASE_URL for a local server)");
}

TEST_CASE("bad parameters are refused before any request") {
  Fixture f;
  CHECK(f.run({{"prompt", "a"}, {"messages", Value::array()}}).error == "llm.chat: give prompt or messages, not both");
  CHECK(f.run(Value::object()).error == "llm.chat: give prompt (a string) or messages (a list)");
  CHECK(f.run({{"messages", Value::parse(R"([{"role":"robot","content":"x"}])")}}).error ==
        "llm.chat: messages[0] must be {role: system|user|assistant, content: <text>}");
  CHECK(f.run({{"prompt", "a"}, {"schema", {{"type", "text"}}}}).error ==
        "llm.chat: schema has an unknown type \"text\": use object, array, string, number, integer, boolean or null");
  CHECK(f.server.requests().empty());
}

TEST_CASE("Anthropic through provider: anthropic, its key from the environment") {
  LlmStubServer server(LlmProtocol::anthropic);
  server.enqueue(ScriptedReply::say("hello from claude"));
  RecordedWaits waits;
  ScratchDir dir;
  TestContext context(dir, {{"prompt", "hi"}, {"provider", "anthropic"}, {"base_url", server.base_url()},
                            {"model", "claude-sonnet-4"}, {"system", "Be brief."}});
  context.set_environment({"ANTHROPIC_API_KEY=sk-ant-xyz"});
  auto kind = tools::make_llm_chat_kind(tools::llm::chat_client_factory(waits.waiter()));
  const auto result = kind->execute(context);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["text"] == "hello from claude");
  CHECK(server.requests()[0].header("x-api-key") == "sk-ant-xyz");
  CHECK(server.body(0)["system"] == "Be brief.");
  CHECK(context.usage().size() == 1);
}

TEST_CASE("the kind declares its parameters, provider choices included") {
  const auto kind = tools::make_llm_chat_kind();
  CHECK(kind->name() == "llm.chat");
  const auto& params = kind->params();
  const auto provider = std::find_if(params.begin(), params.end(), [](const auto& p) { return p.name == "provider"; });
  REQUIRE(provider != params.end());
  CHECK(provider->choices == std::vector<std::string>{"openrouter", "openai", "anthropic", "ollama"});
}

}  // TEST_SUITE

TEST_SUITE("llm.chat step") {

TEST_CASE("a cancelled step sends nothing more and reports itself cancelled") {
  Fixture f;
  f.context.cancel().cancel();
  f.server.enqueue(ScriptedReply::say("too late"));
  const auto result = f.run({{"prompt", "hi"}});
  REQUIRE_FALSE(result.succeeded);
  CHECK(result.cancelled);
  CHECK(f.context.recorded_checkpoints().empty());
  CHECK(f.context.usage().empty());
}

}  // TEST_SUITE
