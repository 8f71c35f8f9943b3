// agent.run through its step kind with a scripted model: what the model is
// sent, the outcomes and limits, stuck detection, resume from checkpoints,
// the transcript and masking.
#include <algorithm>
#include <cstdlib>
#include <doctest/doctest.h>

#include "support/scratch.hpp"
#include "support/test_step_context.hpp"
#include "fake_chat_client.hpp"
#include "tools/agent/agent_kinds.hpp"

using namespace automata;
using namespace automata::test;
using automata::tools::llm::Role;

namespace {

struct Run {
  ScratchDir dir;
  std::shared_ptr<ChatScript> script = std::make_shared<ChatScript>();
  TestStepContext context;

  explicit Run(Value params = {{"task", "fix the bug"}}) : context(dir, std::move(params)) {
    std::filesystem::create_directories(dir / "ws");
    context.set_working_directory(dir / "ws");
  }
  void reply(Result<tools::llm::ChatResponse> response) { script->replies.push_back(std::move(response)); }
  engine::StepResult execute() { return tools::make_agent_run_kind(fake_factory(script))->execute(context); }
  std::filesystem::path ws(std::string_view name) const { return dir / "ws" / name; }
  const std::vector<tools::llm::Message>& last_messages() const { return script->requests.back().messages; }
};

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

std::string shell(std::string command) { return Value{{"command", std::move(command)}}.dump(); }

}  // namespace

TEST_SUITE("agent run") {

TEST_CASE("the first request: system prompt with instructions, task, requirements and overview; all tools") {
  Run run(Value{{"title", "Add a greeting"},
                {"description", "The tool should greet."},
                {"requirements", {"prints hello", "has a test"}},
                {"instructions", "Use tabs."},
                {"model", "m-1"}});
  run.dir.write("ws/README.md", "# Greeter\nA tiny project.\n");
  run.dir.write("ws/src/main.c", "int main(){}\n");
  run.dir.write("ws/.git/HEAD", "ref\n");
  run.reply(finish_reply("added"));
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  REQUIRE(run.script->requests.size() == 1);
  const auto& request = run.script->requests[0];
  CHECK(request.model == "m-1");
  REQUIRE(request.messages.size() == 2);
  CHECK(request.messages[0].role == Role::system);
  const std::string& system = request.messages[0].content;
  CHECK(contains(system, "Use tabs."));
  CHECK(contains(system, "Title: Add a greeting"));
  CHECK(contains(system, "The tool should greet."));
  CHECK(contains(system, "- prints hello\n- has a test\n"));
  CHECK(contains(system, "src/main.c\n"));
  CHECK(contains(system, "README.md (whole):\n# Greeter\nA tiny project.\n"));
  CHECK_FALSE(contains(system, ".git"));
  CHECK(request.messages[1].role == Role::user);
  REQUIRE(request.tools.size() == 7);
  CHECK(request.tools[1].name == "read_file");
  CHECK(request.tools[1].parameters["required"] == Value{"path"});
  CHECK(run.script->factory_params[0]["model"] == "m-1");
}

TEST_CASE("finished: outputs, tool results paired with their call ids, files changed, usage summed") {
  Run run(Value{{"task", "write a file"}, {"price_prompt_per_mtok", 2.0}, {"price_completion_per_mtok", 10.0}});
  run.reply(calls({{"write_file", R"({"path": "out.txt", "content": "hi\n"})"}, {"read_file", R"({"path": "out.txt"})"}}));
  run.reply(finish_reply("wrote out.txt"));
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  CHECK(result.exit_code == 0);
  CHECK(result.outputs["outcome"] == "finished");
  CHECK(result.outputs["finished"] == true);
  CHECK(result.outputs["summary"] == "wrote out.txt");
  CHECK(result.outputs["iterations"] == 2);
  CHECK(result.outputs["tool_calls"] == 3);
  CHECK(result.outputs["files_changed"] == Value{"out.txt"});
  CHECK(result.outputs["prompt_tokens"] == 200);
  CHECK(result.outputs["completion_tokens"] == 20);
  CHECK(result.outputs["cost"].get<double>() == doctest::Approx((200 * 2.0 + 20 * 10.0) / 1e6));
  CHECK(run.context.usage().size() == 2);
  CHECK(run.context.usage()[0] == Value{{"model", "fake-model"}, {"prompt_tokens", 100}, {"completion_tokens", 10}});
  const auto& messages = run.script->requests[1].messages;
  REQUIRE(messages.size() == 5);
  const auto& reply = messages[2];
  CHECK(reply.role == Role::assistant);
  REQUIRE(reply.tool_calls.size() == 2);
  CHECK(messages[3].role == Role::tool);
  CHECK(messages[3].tool_call_id == reply.tool_calls[0].id);
  CHECK(messages[3].tool_name == "write_file");
  CHECK(messages[4].tool_call_id == reply.tool_calls[1].id);
  CHECK(messages[4].content == "hi\n");
  CHECK(read_file(run.ws("out.txt")) == "hi\n");
}

TEST_CASE("files changed by shell commands are found through git; files dirty before are left out") {
  Run run;
  const auto git = [&run](const std::string& args) {
    return std::system(("cd '" + run.ws("").string() + "' && git " + args + " >/dev/null 2>&1").c_str());
  };
  REQUIRE(git("init -q .") == 0);
  run.dir.write("ws/tracked.txt", "one\n");
  run.dir.write("ws/dirty.txt", "one\n");
  REQUIRE(git("add . && git -c user.name=t -c user.email=t@t commit -qm init") == 0);
  run.dir.write("ws/dirty.txt", "changed before\n");
  run.reply(call("run_shell_command", shell("echo two >> tracked.txt && mkdir -p gen && echo x > gen/new.txt")));
  run.reply(call("write_file", R"({"path": "written.txt", "content": "w"})"));
  run.reply(finish_reply());
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  CHECK(result.outputs["files_changed"] == Value{"written.txt", "gen/new.txt", "tracked.txt"});
  CHECK(run.context.recorded_checkpoints()[0]["changed_before"] == Value{"dirty.txt"});
}

TEST_CASE("a run directory inside the workspace is not counted as the agent's changes") {
  Run run;
  run.context.set_working_directory(run.dir.path());  // the run directory is the workspace
  REQUIRE(std::system(("cd '" + run.dir.path().string() + "' && git init -q . >/dev/null 2>&1").c_str()) == 0);
  run.reply(call("run_shell_command", shell("echo x > made.txt")));
  run.reply(finish_reply());
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  CHECK(std::filesystem::exists(run.dir / "artifacts" / "agent-step.md"));
  CHECK(result.outputs["files_changed"] == Value{"made.txt"});
}

TEST_CASE("commands get a scrubbed environment; allow_env lets a variable through") {
  for (const bool allowed : {false, true}) {
    Run run(allowed ? Value{{"task", "t"}, {"allow_env", {"MY_API_TOKEN"}}} : Value{{"task", "t"}});
    run.context.set_environment({"PATH=/usr/bin:/bin", "HOME=/tmp", "MY_API_TOKEN=tok-123"});
    run.reply(call("run_shell_command", shell("echo \"token=$MY_API_TOKEN\"")));
    run.reply(finish_reply());
    REQUIRE(run.execute().succeeded);
    const std::string seen = run.script->requests[1].messages.back().content;
    CHECK(contains(seen, "token=tok-123") == allowed);
  }
}

TEST_CASE("a path escape and a blocklisted command from the model are refused, reported back, not done") {
  Run run;
  run.dir.write("outside.txt", "keep");
  run.reply(call("write_file", R"({"path": "../outside.txt", "content": "overwritten"})"));
  run.reply(call("run_shell_command", shell("touch marker && rm -rf /")));
  run.reply(finish_reply());
  REQUIRE(run.execute().succeeded);
  CHECK(read_file(run.dir / "outside.txt") == "keep");
  CHECK_FALSE(std::filesystem::exists(run.ws("marker")));
  const auto& second = run.script->requests[1].messages.back();
  CHECK(second.is_error);
  CHECK(contains(second.content, "refused"));
  const auto& third = run.script->requests[2].messages.back();
  CHECK(third.is_error);
  CHECK(contains(third.content, "not run: shell: refused"));
}

TEST_CASE("malformed arguments are reported back; consecutive format errors stop the run") {
  Run run;
  run.reply(call("read_file", "{\"path\": oops"));
  run.reply(call("no_such_tool", "{}"));
  run.reply(call("write_file", "{}"));
  const auto result = run.execute();
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.outputs["outcome"] == "format_errors");
  CHECK(result.exit_code == 13);
  CHECK(contains(result.error, "agent.run: stopped after 3 consecutive replies with format errors"));
  CHECK(contains(result.error, "(format_errors)"));
  CHECK(contains(run.script->requests[1].messages.back().content, "not a JSON object"));
  CHECK(run.script->requests[1].messages.back().is_error);
}

TEST_CASE("a valid call resets the format error count") {
  Run run;
  run.reply(call("read_file", "not json"));
  run.reply(call("read_file", "not json"));
  run.reply(call("list_directory", "{}"));
  run.reply(call("read_file", "not json"));
  run.reply(call("read_file", "not json"));
  run.reply(finish_reply());
  CHECK(run.execute().succeeded);
}

TEST_CASE("text without a tool call: nudged, then counted as format errors") {
  Run run(Value{{"task", "t"}, {"max_format_errors", 2}});
  run.reply(text_reply("Let me think."));
  run.reply(text_reply("Still thinking."));
  run.reply(text_reply("More thinking."));
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "format_errors");
  CHECK(run.script->requests.size() == 3);
  CHECK(run.script->requests[1].messages.back().role == Role::user);
  CHECK(contains(run.script->requests[1].messages.back().content, "call finish"));
}

TEST_CASE("an empty reply is a format error") {
  Run run(Value{{"task", "t"}, {"max_format_errors", 1}});
  run.reply(text_reply(""));
  CHECK(run.execute().outputs["outcome"] == "format_errors");
}

TEST_CASE("max_iterations: stopped without calling finish, a failure naming the limit") {
  Run run(Value{{"task", "t"}, {"max_iterations", 2}});
  run.reply(call("run_shell_command", shell("echo 1")));
  run.reply(call("run_shell_command", shell("echo 2")));
  run.reply(finish_reply());
  const auto result = run.execute();
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "agent.run: stopped after 2 iterations without calling finish (max_iterations)");
  CHECK(result.outputs["outcome"] == "max_iterations");
  CHECK(result.outputs["finished"] == false);
  CHECK(result.outputs["iterations"] == 2);
  CHECK(result.exit_code == 10);
  CHECK(run.script->requests.size() == 2);
}

TEST_CASE("the default is 10 iterations") {
  Run run;
  for (int i = 0; i < 12; ++i) {
    run.reply(call("run_shell_command", shell("echo " + std::to_string(i))));
  }
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "max_iterations");
  CHECK(run.script->requests.size() == 10);
}

TEST_CASE("token budget") {
  Run run(Value{{"task", "t"}, {"max_tokens_total", 200}});
  run.reply(call("run_shell_command", shell("echo 1")));
  run.reply(call("run_shell_command", shell("echo 2")));
  run.reply(finish_reply());
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "budget_exceeded");
  CHECK(contains(result.error, "used 220 tokens, max_tokens_total is 200"));
  CHECK(run.script->requests.size() == 2);
}

TEST_CASE("cost budget") {
  Run run(Value{{"task", "t"}, {"max_cost", 0.0002}, {"price_prompt_per_mtok", 1.0}, {"price_completion_per_mtok", 1.0}});
  run.reply(call("run_shell_command", shell("echo 1")));
  run.reply(call("run_shell_command", shell("echo 2")));
  run.reply(finish_reply());
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "budget_exceeded");
  CHECK(result.outputs["cost"].get<double>() == doctest::Approx(0.00022));
  CHECK(result.exit_code == 11);
}

TEST_CASE("max_cost without prices is a usage error") {
  Run run(Value{{"task", "t"}, {"max_cost", 1.0}});
  const auto result = run.execute();
  CHECK_FALSE(result.succeeded);
  CHECK(contains(result.error, "max_cost needs"));
  CHECK(run.script->requests.empty());
}

TEST_CASE("time limit: no turn starts after it") {
  Run run(Value{{"task", "t"}, {"time_limit", "0s"}});
  run.reply(finish_reply());
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "time_limit");
  CHECK(result.exit_code == 12);
  CHECK(run.script->requests.empty());
}

TEST_CASE("time limit: a command runs no longer than the time left") {
  Run run(Value{{"task", "t"}, {"time_limit", "2s"}});
  run.reply(call("run_shell_command", shell("sleep 20")));
  run.reply(finish_reply());
  const auto started = std::chrono::steady_clock::now();
  const auto result = run.execute();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  CHECK(result.outputs["outcome"] == "time_limit");
  CHECK(run.script->requests.size() == 1);
  CHECK(contains(run.context.recorded_checkpoints()[0]["results"][0]["content"].get<std::string>(), "timed out"));
}

TEST_CASE("stuck: the same call with the same result, told once, then stopped") {
  Run run;
  for (int i = 0; i < 6; ++i) {
    run.reply(call("list_directory", "{}"));
  }
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "stuck");
  CHECK(result.exit_code == 14);
  CHECK(contains(result.error, "returned the same result 3 times"));
  REQUIRE(run.script->requests.size() == 4);
  // The note rides on the last tool result: no two user turns in a row.
  CHECK(run.script->requests[3].messages.back().role == Role::tool);
  CHECK(contains(run.script->requests[3].messages.back().content, "(empty)\n\n[note] You are repeating yourself"));
  int warnings = 0;
  for (const auto& message : run.script->requests[3].messages) {
    warnings += contains(message.content, "You are repeating yourself") ? 1 : 0;
  }
  CHECK(warnings == 1);
}

TEST_CASE("stuck: the same failing call with different results") {
  Run run;
  for (int i = 0; i < 6; ++i) {
    run.reply(call("run_shell_command", shell("cat /proc/sys/kernel/random/uuid; exit 1")));
  }
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "stuck");
  CHECK(contains(result.error, "failed 3 times in a row"));
  CHECK(run.script->requests.size() == 4);
}

TEST_CASE("stuck: A-B-A-B alternation") {
  Run run;
  run.dir.write("ws/a.txt", "a\n");
  for (int i = 0; i < 4; ++i) {
    run.reply(call("read_file", R"({"path": "a.txt"})"));
    run.reply(call("list_directory", "{}"));
  }
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "stuck");
  CHECK(contains(result.error, "alternate"));
  CHECK(run.script->requests.size() == 5);
}

TEST_CASE("a warned model that changes course can still finish") {
  Run run;
  for (int i = 0; i < 3; ++i) {
    run.reply(call("list_directory", "{}"));
  }
  run.reply(call("run_shell_command", shell("echo other")));
  run.reply(finish_reply());
  CHECK(run.execute().succeeded);
}

TEST_CASE("model error and cancellation") {
  SUBCASE("model error") {
    Run run;
    run.reply(Error::infra("503 from the provider"));
    const auto result = run.execute();
    CHECK(result.outputs["outcome"] == "model_error");
    CHECK(contains(result.error, "503 from the provider"));
    CHECK(result.exit_code == 15);
  }
  SUBCASE("cancelled before a turn") {
    Run run;
    run.reply(finish_reply());
    run.context.cancel().cancel();
    const auto result = run.execute();
    CHECK(result.outputs["outcome"] == "cancelled");
    CHECK(result.cancelled);
    CHECK(run.script->requests.empty());
  }
}

TEST_CASE("cancelled while the model answers: its tool calls are not run") {
  Run run;
  run.script->on_chat = [&run] { run.context.cancel().cancel(); };
  run.reply(call("run_shell_command", shell("touch marker")));
  run.reply(finish_reply());
  const auto result = run.execute();
  CHECK(result.outputs["outcome"] == "cancelled");
  CHECK(result.cancelled);
  CHECK_FALSE(std::filesystem::exists(run.ws("marker")));
  CHECK(run.script->requests.size() == 1);
  REQUIRE(run.context.recorded_checkpoints().size() == 1);
  CHECK(run.context.recorded_checkpoints()[0]["results"][0]["content"] == "not run: the step was cancelled");
}

TEST_CASE("each turn is checkpointed; a resumed run replays them without calling the model again") {
  std::vector<Value> recorded;
  {
    Run first;
    first.reply(call("run_shell_command", shell("echo once >> log.txt")));
    first.reply(call("read_file", R"({"path": "log.txt"})"));
    first.reply(Error::infra("killed"));  // stands for the run dying during turn 3
    first.execute();
    recorded = first.context.recorded_checkpoints();
    REQUIRE(recorded.size() == 2);
    CHECK(recorded[0]["turn"] == 1);
    CHECK(recorded[0]["reply"]["tool_calls"][0]["name"] == "run_shell_command");
    CHECK(recorded[0]["results"][0]["tool_call_id"] == recorded[0]["reply"]["tool_calls"][0]["id"]);
    CHECK(recorded[1]["usage"] == Value{{"model", "fake-model"}, {"prompt_tokens", 100}, {"completion_tokens", 10}});
  }
  CHECK(recorded[0].contains("system_prompt"));
  CHECK_FALSE(recorded[1].contains("system_prompt"));
  Run resumed;
  resumed.dir.write("ws/log.txt", "once\n");  // what turn 1 had done
  resumed.context.set_resumed_checkpoints(recorded);
  resumed.reply(finish_reply("resumed and done"));
  const auto result = resumed.execute();
  REQUIRE(result.succeeded);
  REQUIRE(resumed.script->requests.size() == 1);
  const auto& messages = resumed.script->requests[0].messages;
  REQUIRE(messages.size() == 6);  // system, user, then 2 turns of reply + result
  // The system prompt as first sent: its overview did not list log.txt then.
  CHECK_FALSE(contains(messages[0].content, "log.txt"));
  CHECK(messages[2].tool_calls[0].name == "run_shell_command");
  CHECK(messages[3].content == "exit code 0");
  CHECK(messages[5].content == "once\n");
  CHECK(read_file(resumed.ws("log.txt")) == "once\n");  // turn 1's command not run again
  CHECK(result.outputs["iterations"] == 3);
  CHECK(result.outputs["prompt_tokens"] == 300);
  CHECK(resumed.context.usage().size() == 3);
  CHECK(resumed.context.recorded_checkpoints().size() == 1);
  CHECK(resumed.context.recorded_checkpoints()[0]["turn"] == 3);
}

TEST_CASE("a resumed run whose last checkpointed turn finished does not call the model") {
  std::vector<Value> recorded;
  {
    Run first;
    first.reply(finish_reply("all done"));
    REQUIRE(first.execute().succeeded);
    recorded = first.context.recorded_checkpoints();
  }
  Run resumed;
  resumed.context.set_resumed_checkpoints(recorded);
  const auto result = resumed.execute();
  REQUIRE(result.succeeded);
  CHECK(result.outputs["summary"] == "all done");
  CHECK(resumed.script->requests.empty());
}

TEST_CASE("a checkpoint of another shape fails the step instead of throwing") {
  Run run;
  run.context.set_resumed_checkpoints({Value{{"turn", 1}, {"reply", {{"role", "assistant"}, {"content", 5}}}, {"results", Value::array()}}});
  const auto result = run.execute();
  CHECK_FALSE(result.succeeded);
  CHECK(contains(result.error, "checkpoint"));
  CHECK(run.script->requests.empty());
}

TEST_CASE("resume keeps the stuck warning: a repeat after it stops the run") {
  std::vector<Value> recorded;
  {
    Run first;
    for (int i = 0; i < 3; ++i) {
      first.reply(call("list_directory", "{}"));
    }
    first.execute();  // the 4th request finds the script empty: model_error
    recorded = first.context.recorded_checkpoints();
    REQUIRE(recorded.size() == 3);
    CHECK(contains(recorded[2]["notes"][0].get<std::string>(), "You are repeating yourself"));
  }
  Run resumed;
  resumed.context.set_resumed_checkpoints(recorded);
  resumed.reply(call("list_directory", "{}"));
  CHECK(resumed.execute().outputs["outcome"] == "stuck");
}

TEST_CASE("the transcript is written per turn, and secrets are masked everywhere") {
  Run run(Value{{"task", "read the config"}, {"instructions", "the key is s3cr3t-value"}});
  run.context.add_secret("s3cr3t-value");
  run.dir.write("ws/config.txt", "token=s3cr3t-value\n");
  run.reply(call("read_file", R"({"path": "config.txt"})"));
  run.reply(call("write_file", R"({"path": "copy.txt", "content": "s3cr3t-value"})"));
  run.reply(finish_reply("copied s3cr3t-value"));
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  // The file gets what the model wrote; nothing recorded or sent holds the secret.
  CHECK(read_file(run.ws("copy.txt")) == "s3cr3t-value");
  const auto path = run.dir / "artifacts" / "agent-step.md";
  CHECK(result.outputs["transcript"] == path.string());
  const std::string transcript = read_file(path);
  CHECK(contains(transcript, "Outcome: **finished**"));
  CHECK(contains(transcript, "token=***"));
  CHECK(contains(transcript, "**call** `write_file`"));
  CHECK_FALSE(contains(transcript, "s3cr3t"));
  for (const auto& checkpoint : run.context.recorded_checkpoints()) {
    CHECK_FALSE(contains(checkpoint.dump(), "s3cr3t"));
  }
  CHECK_FALSE(contains(result.outputs.dump(), "s3cr3t"));
  for (const auto& request : run.script->requests) {
    for (const auto& message : request.messages) {
      CHECK_FALSE(contains(message.content, "s3cr3t"));
      for (const auto& tool_call : message.tool_calls) {
        CHECK_FALSE(contains(tool_call.raw_arguments, "s3cr3t"));
      }
    }
  }
  CHECK_FALSE(contains(run.context.out(), "s3cr3t"));
}

TEST_CASE("parameters: a task is required; a factory error fails the step") {
  SUBCASE("no task") {
    Run run(Value::object());
    const auto result = run.execute();
    CHECK_FALSE(result.succeeded);
    CHECK(contains(result.error, "give a task"));
  }
  SUBCASE("factory error") {
    Run run;
    const tools::llm::ChatClientFactory failing = [](const Value&, const std::vector<std::string>&)
        -> Result<std::unique_ptr<tools::llm::ChatClient>> { return Error::usage("no model configured"); };
    const auto result = tools::make_agent_run_kind(failing)->execute(run.context);
    CHECK_FALSE(result.succeeded);
    CHECK_FALSE(result.retryable);
    CHECK(result.error == "agent.run: no model configured");
  }
}

TEST_CASE("validation: a failure after finish is fed back, a fix round follows, the next finish passes") {
  Run run(Value{{"task", "make ok.txt"}, {"validate", {"test -f ok.txt || { echo '1 failed in 0.1s'; exit 1; }"}}});
  run.reply(finish_reply("done, I think"));
  run.reply(call("write_file", R"({"path": "ok.txt", "content": "ok"})"));
  run.reply(finish_reply("ok.txt is there"));
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  CHECK(result.outputs["outcome"] == "finished");
  CHECK(result.outputs["summary"] == "ok.txt is there");
  CHECK(result.outputs["iterations"] == 3);
  CHECK(result.outputs["fix_rounds"] == 1);
  CHECK(result.outputs["validation"]["passed"] == true);
  CHECK(result.outputs["validation"]["commands"].size() == 1);
  // The model saw the failure on the result of its finish call.
  const auto& messages = run.script->requests[1].messages;
  CHECK(messages.back().role == Role::tool);
  CHECK(messages.back().tool_name == "finish");
  CHECK(contains(messages.back().content, "[note] Fix round 1 of 2."));
  CHECK(contains(messages.back().content, "test -f ok.txt"));
  CHECK(contains(messages.back().content, "1 failed"));
  // turn 1, its validation, turns 2 and 3, the last validation.
  const auto recorded = run.context.recorded_checkpoints();
  REQUIRE(recorded.size() == 5);
  CHECK(recorded[1]["passed"] == false);
  CHECK(recorded[1]["round"] == 0);
  CHECK(recorded[4]["passed"] == true);
  CHECK(recorded[4]["round"] == 1);
}

TEST_CASE("validation: still failing when the fix rounds are used up is its own outcome, with outputs") {
  Run run(Value{{"task", "t"}, {"validate", {"exit 3"}}, {"fix_rounds", 1}});
  run.reply(finish_reply("one"));
  run.reply(finish_reply("two"));
  const auto result = run.execute();
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.exit_code == 16);
  CHECK(result.error == "agent.run: the validation still failed after 1 fix round: `exit 3` exited 3 (validation_failed)");
  CHECK(result.outputs["outcome"] == "validation_failed");
  CHECK(result.outputs["validation"]["passed"] == false);
  CHECK(result.outputs["validation"]["commands"][0]["exit_code"] == 3);
}

TEST_CASE("validation: max_iterations counts per round") {
  Run run(Value{{"task", "t"}, {"validate", {"test -f ok.txt"}}, {"max_iterations", 2}});
  run.reply(call("read_file", R"({"path": "nothing.txt"})"));
  run.reply(finish_reply("one"));
  run.reply(call("write_file", R"({"path": "ok.txt", "content": "ok"})"));
  run.reply(finish_reply("two"));
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  CHECK(result.outputs["iterations"] == 4);

  Run over(Value{{"task", "t"}, {"validate", {"false"}}, {"max_iterations", 1}});
  over.reply(finish_reply("one"));
  over.reply(call("read_file", R"({"path": "x"})"));
  const auto stopped = over.execute();
  CHECK(stopped.outputs["outcome"] == "max_iterations");
  CHECK(stopped.error == "agent.run: stopped after 1 iterations of fix round 1 without calling finish (max_iterations)");
}

TEST_CASE("validation: a resumed run does not validate again what was validated, and goes on with the fix round") {
  std::vector<Value> recorded;
  // It counts validations in a file outside the workspace, which the sandbox would keep it from writing.
  const std::string validate = "echo x >> ../validations.txt; test -f ok.txt";
  {
    Run first(Value{{"task", "t"}, {"validate", {validate}}, {"sandbox", "off"}});
    first.reply(finish_reply("first"));
    first.reply(Error::infra("killed"));  // the run dies while the model thinks about the feedback
    first.execute();
    recorded = first.context.recorded_checkpoints();
    REQUIRE(recorded.size() == 2);
    CHECK(read_file(first.dir / "validations.txt") == "x\n");
  }
  Run resumed(Value{{"task", "t"}, {"validate", {validate}}, {"sandbox", "off"}});
  resumed.context.set_resumed_checkpoints(recorded);
  resumed.reply(call("write_file", R"({"path": "ok.txt", "content": "ok"})"));
  resumed.reply(finish_reply("fixed"));
  const auto result = resumed.execute();
  REQUIRE(result.succeeded);
  CHECK(result.outputs["fix_rounds"] == 1);
  CHECK(read_file(resumed.dir / "validations.txt") == "x\n");  // only the final validation ran here
  CHECK(contains(resumed.script->requests[0].messages.back().content, "Fix round 1 of 2."));
}

TEST_CASE("validation: detect_validation finds nothing in a bare workspace: finished, unvalidated, said so") {
  Run run(Value{{"task", "t"}, {"detect_validation", true}});
  run.reply(finish_reply("done"));
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  CHECK(result.outputs["validation"].is_null());
  CHECK(contains(run.context.err(), "no validation commands given or found"));
}

TEST_CASE("detect_validation uses the project's tests: make test") {
  Run run(Value{{"task", "t"}, {"detect_validation", true}});
  run.dir.write("ws/Makefile", "test:\n\t@echo '2 passed in 0.01s'\n");
  run.reply(finish_reply("done"));
  const auto result = run.execute();
  REQUIRE(result.succeeded);
  CHECK(result.outputs["validation"]["commands"][0]["command"] == "make test");
  CHECK(result.outputs["validation"]["tests_passed"] == 2);
}

TEST_CASE("a plan is part of the system prompt: numbered steps, files, validation criteria") {
  Run run(Value{{"task", "t"},
                {"plan", {{"summary", "Add it."}, {"steps", {"write a", "test a"}}, {"files_to_create", {"a.txt"}},
                          {"files_to_modify", Value::array()}, {"validation", {"a.txt exists"}}}}});
  run.reply(finish_reply("done"));
  REQUIRE(run.execute().succeeded);
  const std::string& system = run.script->requests[0].messages[0].content;
  CHECK(contains(system, "## Implementation plan\n\nFollow this plan;"));
  CHECK(contains(system, "Add it.\n\nSteps:\n1. write a\n2. test a\n\nFiles to create:\n- a.txt\n\n"
                         "Validation criteria:\n- a.txt exists\n"));
  CHECK_FALSE(contains(system, "Files to modify"));
}

TEST_CASE("max_context_bytes: older tool results are left out of the request, not out of the transcript") {
  Run run(Value{{"task", "t"}, {"max_context_bytes", 3000}});
  run.dir.write("ws/big.txt", std::string(2000, 'x'));
  run.reply(call("read_file", R"({"path": "big.txt"})"));
  run.reply(call("read_file", R"({"path": "big.txt"})"));
  run.reply(call("list_directory", R"({"path": "."})"));
  run.reply(call("list_directory", R"({"path": "."})"));
  run.reply(finish_reply("done"));
  REQUIRE(run.execute().succeeded);
  const auto& messages = run.script->requests.back().messages;
  CHECK(contains(messages[3].content, "2,000 bytes of output elided"));
  CHECK(contains(read_file(run.dir / "artifacts" / "agent-step.md"), std::string(2000, 'x')));
}

TEST_CASE("the kind: name and parameter specs") {
  auto kind = tools::make_agent_run_kind(fake_factory(std::make_shared<ChatScript>()));
  CHECK(kind->name() == "agent.run");
  std::vector<std::string> names;
  for (const auto& spec : kind->params()) {
    names.push_back(spec.name);
  }
  for (const char* expected : {"task", "title", "description", "requirements", "instructions", "workspace", "model",
                               "provider", "base_url", "api_key", "max_iterations", "max_tokens_total", "max_cost",
                               "price_prompt_per_mtok", "price_completion_per_mtok", "time_limit",
                               "max_format_errors", "shell_timeout", "allow_env", "sandbox", "base_branch",
                               "max_tool_output_bytes"}) {
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  }
}

}  // TEST_SUITE
