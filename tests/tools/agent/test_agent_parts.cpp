// The agent's smaller parts: stuck patterns, message round trips and
// masking, transcript naming and rendering, the repository overview.
#include <doctest/doctest.h>
#include <set>

#include "support/scratch.hpp"
#include "tools/agent/conversation.hpp"
#include "tools/agent/outcome.hpp"
#include "tools/agent/prompt.hpp"
#include "tools/agent/stuck_detector.hpp"
#include "tools/agent/transcript.hpp"

using namespace automata;
using namespace automata::tools;
using automata::test::ScratchDir;

TEST_SUITE("agent parts") {

TEST_CASE("stuck detector: repeats, repeated failures, alternation; different calls are fine") {
  agent::StuckDetector same;
  CHECK_FALSE(same.record("ls", "a", false));
  CHECK_FALSE(same.record("ls", "a", false));
  CHECK(same.record("ls", "a", false).value() == "the same call ls returned the same result 3 times in a row");

  agent::StuckDetector failing;
  CHECK_FALSE(failing.record("make", "e1", true));
  CHECK_FALSE(failing.record("make", "e2", true));
  CHECK(failing.record("make", "e3", true).value() == "the same call make failed 3 times in a row");

  agent::StuckDetector changing;
  CHECK_FALSE(changing.record("make", "e1", false));
  CHECK_FALSE(changing.record("make", "e2", false));
  CHECK_FALSE(changing.record("make", "e3", false));  // succeeding with new output is progress

  agent::StuckDetector alternating;
  CHECK_FALSE(alternating.record("a", "1", false));
  CHECK_FALSE(alternating.record("b", "2", false));
  CHECK_FALSE(alternating.record("a", "1", false));
  CHECK(alternating.record("b", "2", false).value() == "the calls a and b alternate with the same results");

  agent::StuckDetector varied;
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(varied.record("cmd " + std::to_string(i % 3), std::to_string(i), false));
  }
}

TEST_CASE("messages round-trip through JSON; masking reaches arguments") {
  llm::Message reply;
  reply.role = llm::Role::assistant;
  reply.content = "text";
  reply.tool_calls.push_back({"id1", "write_file", R"({"path":"a","content":"KEY"})", Value{{"path", "a"}, {"content", "KEY"}}, Value::object()});
  const Value value = agent::message_to_value(reply);
  auto back = agent::message_from_value(value);
  REQUIRE(back.ok());
  CHECK(back->role == llm::Role::assistant);
  CHECK(back->tool_calls[0].arguments == Value{{"path", "a"}, {"content", "KEY"}});

  llm::Message result;
  result.role = llm::Role::tool;
  result.content = "out";
  result.tool_call_id = "id1";
  result.tool_name = "write_file";
  result.is_error = true;
  auto result_back = agent::message_from_value(agent::message_to_value(result));
  REQUIRE(result_back.ok());
  CHECK(result_back->tool_call_id == "id1");
  CHECK(result_back->is_error);
  CHECK_FALSE(agent::message_from_value(Value{{"role", "robot"}}).ok());

  const agent::Masker mask = [](std::string_view text) {
    std::string out(text);
    for (auto at = out.find("KEY"); at != std::string::npos; at = out.find("KEY")) {
      out.replace(at, 3, "***");
    }
    return out;
  };
  const auto masked = agent::mask_message(reply, mask);
  CHECK(masked.tool_calls[0].raw_arguments == R"({"path":"a","content":"***"})");
  CHECK(masked.tool_calls[0].arguments["content"] == "***");
  CHECK(agent::mask_value(Value{{"KEY", {"a KEY", 1}}}, mask) == Value{{"KEY", {"a ***", 1}}});
  CHECK(agent::parse_arguments("[1]").is_null());
}

TEST_CASE("transcript: a safe file name per step instance; fences survive backticks") {
  CHECK(agent::transcript_path("/run", "fix[model=a/b]") == "/run/artifacts/agent-fix[model=a%2Fb].md");
  llm::Message tool;
  tool.role = llm::Role::tool;
  tool.content = "```\ncode\n```";
  tool.tool_name = "read_file";
  tool.tool_call_id = "c1";
  const std::string text = agent::render_transcript("s", {tool}, "status");
  CHECK(text.find("````\n```\ncode\n```\n````\n") != std::string::npos);
}

TEST_CASE("repository overview: bounded tree without .git, README head") {
  ScratchDir dir;
  for (int i = 0; i < 5; ++i) {
    dir.write("f" + std::to_string(i) + ".txt", "");
  }
  dir.write(".git/HEAD", "");
  dir.write("README.md", std::string(50, 'r'));
  auto workspace = fs::Workspace::open(dir.path());
  REQUIRE(workspace.ok());
  const std::string overview = agent::repository_overview(*workspace, 3, 10);
  CHECK(overview.find(".git") == std::string::npos);
  CHECK(overview.find("[... more; the first 3 entries are shown]") != std::string::npos);
  CHECK(overview.find("README.md (first 10 bytes):\nrrrrrrrrrr\n") != std::string::npos);
}

TEST_CASE("outcomes have distinct names and exit codes") {
  std::set<std::string_view> names;
  std::set<int> codes;
  for (auto outcome : {agent::AgentOutcome::finished, agent::AgentOutcome::max_iterations,
                       agent::AgentOutcome::budget_exceeded, agent::AgentOutcome::time_limit,
                       agent::AgentOutcome::format_errors, agent::AgentOutcome::stuck,
                       agent::AgentOutcome::model_error, agent::AgentOutcome::cancelled}) {
    names.insert(agent::outcome_name(outcome));
    codes.insert(agent::outcome_exit_code(outcome));
  }
  CHECK(names.size() == 8);
  CHECK(codes.size() == 8);
  CHECK(agent::outcome_exit_code(agent::AgentOutcome::finished) == 0);
}

}  // TEST_SUITE
