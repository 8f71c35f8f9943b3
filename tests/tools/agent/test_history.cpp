// compact_history: older tool results give way first, the last turns stay whole.
#include <doctest/doctest.h>

#include "tools/agent/history.hpp"

using namespace automata;
using namespace automata::tools;
using automata::tools::llm::Message;
using automata::tools::llm::Role;

namespace {

Message message(Role role, std::string content, std::string tool_name = {}) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  m.tool_name = std::move(tool_name);
  return m;
}

// system, user, then `turns` turns of an assistant call and a 1,000-byte result.
std::vector<Message> conversation(int turns) {
  std::vector<Message> messages = {message(Role::system, "rules"), message(Role::user, "task")};
  for (int i = 0; i < turns; ++i) {
    Message reply = message(Role::assistant, "");
    llm::ToolCall call;
    call.id = "c" + std::to_string(i);
    call.name = "read_file";
    call.raw_arguments = R"({"path":"a"})";
    reply.tool_calls.push_back(call);
    messages.push_back(reply);
    messages.push_back(message(Role::tool, std::string(1000, static_cast<char>('a' + i)), "read_file"));
  }
  return messages;
}

}  // namespace

TEST_SUITE("agent history") {
  TEST_CASE("under the limit, or without one, nothing changes") {
    const auto messages = conversation(5);
    CHECK(agent::compact_history(messages, 0).size() == messages.size());
    const auto same = agent::compact_history(messages, 100'000);
    for (std::size_t i = 0; i < messages.size(); ++i) {
      CHECK(same[i].content == messages[i].content);
    }
  }

  TEST_CASE("over the limit: the oldest results are elided first, until it fits") {
    const auto messages = conversation(6);  // about 6,100 bytes
    const auto compacted = agent::compact_history(messages, 4'500, 3);
    REQUIRE(compacted.size() == messages.size());
    const std::string note =
        "[1,000 bytes of output elided to keep the conversation short; call read_file again if you need it]";
    CHECK(compacted[3].content == note);
    CHECK(compacted[5].content == note);
    CHECK(compacted[7].content == messages[7].content);  // fits now: the rest stays
    CHECK(compacted[3].tool_call_id == messages[3].tool_call_id);
    CHECK(compacted[2].tool_calls[0].raw_arguments == messages[2].tool_calls[0].raw_arguments);
    std::size_t total = 0;
    for (const auto& m : compacted) {
      total += agent::message_bytes(m);
    }
    CHECK(total <= 4'500);
  }

  TEST_CASE("the last turns stay whole even when the limit cannot be met") {
    const auto messages = conversation(4);
    const auto compacted = agent::compact_history(messages, 10, 2);
    CHECK(compacted[3].content.find("elided") != std::string::npos);
    CHECK(compacted[5].content.find("elided") != std::string::npos);
    CHECK(compacted[7].content == messages[7].content);
    CHECK(compacted[9].content == messages[9].content);
    CHECK(compacted[0].content == "rules");
    CHECK(compacted[1].content == "task");
  }

  TEST_CASE("short results are kept: the note would not be shorter") {
    auto messages = conversation(4);
    messages[3].content = "ok";
    const auto compacted = agent::compact_history(messages, 10, 1);
    CHECK(compacted[3].content == "ok");
    CHECK(compacted[5].content.find("elided") != std::string::npos);
  }
}
