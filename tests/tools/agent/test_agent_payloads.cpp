// agent.run against the scripted server replaying real servers' shapes,
// through the real Chat Completions client: Gemini's thought signature sent
// back on the next turn (and by a resumed run), Ollama's calls at index 0
// run as two calls, and a refusal ending the run as its own outcome.
#include <doctest/doctest.h>

#include "support/llm_stub_server.hpp"
#include "support/scratch.hpp"
#include "support/test_step_context.hpp"
#include "tools/agent/agent_kinds.hpp"
#include "tools/llm/chat_client.hpp"
#include "tools/llm/llm_test_helpers.hpp"
#include "tools/llm/recorded_payloads.hpp"

using namespace automata;
using namespace automata::test;

namespace {

const char* const k_key = "sk-gemini-very-secret";
const char* const k_signature = "CiQBVKhc7uZ0i4lq9RcXJ2c5mRkAzE2f/7bX+Q==";

// An agent aimed at `server` (an OpenAI-compatible server of one's own).
struct ServedRun {
  LlmStubServer server{LlmProtocol::openai};
  RecordedWaits waits;
  ScratchDir dir;
  TestStepContext context{dir, Value::object()};

  ServedRun() {
    std::filesystem::create_directories(dir / "ws");
    context.set_working_directory(dir / "ws");
    context.set_params({{"task", "read the notes"}, {"base_url", server.base_url()}, {"model", "gemini-2.5-flash"},
                        {"api_key", k_key}, {"sandbox", "off"}});
    context.add_secret(k_key);
  }
  engine::StepResult execute() {
    return tools::make_agent_run_kind(tools::llm::chat_client_factory(waits.waiter()))->execute(context);
  }
};

Value signed_call(const std::string& id, const std::string& name, const std::string& arguments,
                  const std::string& signature) {
  return {{"id", id},
          {"type", "function"},
          {"function", {{"name", name}, {"arguments", arguments}}},
          {"extra_content", {{"google", {{"thought_signature", signature}}}}}};
}

}  // namespace

TEST_SUITE("agent payloads") {

TEST_CASE("Gemini's thought signature goes back with its call on the next turn, and from a resumed run") {
  ServedRun live;
  live.dir.write("ws/notes.txt", "remember the milk\n");
  live.server.enqueue(ScriptedReply::replay(
      payloads::gemini_call("function-call-101", "read_file", {{"path", "notes.txt"}}, k_signature)));
  live.server.enqueue(ScriptedReply::replay(
      payloads::gemini_call("function-call-102", "finish", {{"summary", "read them"}}, "sig-2")));
  const auto result = live.execute();
  REQUIRE_MESSAGE(result.succeeded, result.error);
  REQUIRE(live.server.requests().size() == 2);
  const Value second = live.server.body(1)["messages"];
  REQUIRE(second.size() == 4);
  CHECK(second[2] == Value{{"role", "assistant"},
                           {"content", nullptr},
                           {"tool_calls", Value::array({signed_call("function-call-101", "read_file",
                                                                    R"({"path":"notes.txt"})", k_signature)})}});
  CHECK(second[3] == Value{{"role", "tool"}, {"tool_call_id", "function-call-101"}, {"content", "remember the milk\n"}});

  // The journal keeps the call's extra fields beside it.
  const auto& recorded = live.context.recorded_checkpoints();
  REQUIRE(recorded.size() == 2);
  CHECK(recorded[0]["reply"]["tool_calls"][0] ==
        Value{{"id", "function-call-101"},
              {"name", "read_file"},
              {"arguments", R"({"path":"notes.txt"})"},
              {"extra", {{"extra_content", {{"google", {{"thought_signature", k_signature}}}}}}}});

  // Killed after turn 1: the resumed run sends what the live one sent.
  ServedRun resumed;
  resumed.dir.write("ws/notes.txt", "remember the milk\n");
  resumed.context.set_resumed_checkpoints({recorded[0]});
  resumed.server.enqueue(ScriptedReply::replay(
      payloads::gemini_call("function-call-102", "finish", {{"summary", "read them"}}, "sig-2")));
  const auto again = resumed.execute();
  REQUIRE_MESSAGE(again.succeeded, again.error);
  REQUIRE(resumed.server.requests().size() == 1);
  CHECK(resumed.server.body(0)["messages"] == second);
}

TEST_CASE("Ollama's two calls at index 0 run as two calls, each result answering its own id") {
  ServedRun run;
  run.dir.write("ws/a.txt", "alpha\n");
  run.dir.write("ws/b.txt", "beta\n");
  run.server.enqueue(ScriptedReply::replay(payloads::ollama_reusing_index_0()));
  run.server.enqueue(ScriptedReply::call({{"call_f", "finish", R"({"summary":"read both"})"}}));
  const auto result = run.execute();
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["tool_calls"] == 3);
  const Value second = run.server.body(1)["messages"];
  REQUIRE(second.size() == 5);
  CHECK(second[2]["tool_calls"] == Value::parse(R"([
    {"id":"call_k3b9x2fq","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.txt\"}"}},
    {"id":"call_7wq0m1ds","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"b.txt\"}"}}])"));
  CHECK(second[3] == Value{{"role", "tool"}, {"tool_call_id", "call_k3b9x2fq"}, {"content", "alpha\n"}});
  CHECK(second[4] == Value{{"role", "tool"}, {"tool_call_id", "call_7wq0m1ds"}, {"content", "beta\n"}});
}

TEST_CASE("a refusal ends the run as refused, with its text: not a format error, no further turn") {
  ServedRun run;
  run.server.enqueue(ScriptedReply::replay(payloads::openai_refusal_chunks()));
  const auto result = run.execute();
  REQUIRE_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.exit_code == 17);
  CHECK(result.error == "agent.run: the model refused: I'm sorry, I can't assist with that. (refused)");
  CHECK(result.outputs["outcome"] == "refused");
  CHECK(result.outputs["refusal"] == "I'm sorry, I can't assist with that.");
  CHECK(result.outputs["iterations"] == 1);
  CHECK(run.server.requests().size() == 1);
  const auto& recorded = run.context.recorded_checkpoints();
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0]["reply"]["refusal"] == "I'm sorry, I can't assist with that.");
  CHECK(recorded[0]["notes"] == Value::array());
  const std::string transcript = read_file(result.outputs["transcript"].get<std::string>());
  CHECK(transcript.find("**refused**\n\n```\nI'm sorry, I can't assist with that.\n```\n") != std::string::npos);

  ServedRun resumed;
  resumed.context.set_resumed_checkpoints({recorded[0]});
  const auto again = resumed.execute();
  CHECK(again.outputs["outcome"] == "refused");
  CHECK(again.error == result.error);
  CHECK(resumed.server.requests().empty());
}

TEST_CASE("a finished run says no refusal") {
  ServedRun run;
  run.server.enqueue(ScriptedReply::call({{"call_f", "finish", R"({"summary":"nothing to do"})"}}));
  const auto result = run.execute();
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["refusal"].is_null());
}

}  // TEST_SUITE
