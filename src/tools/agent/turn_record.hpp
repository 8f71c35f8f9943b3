#pragma once
// One completed turn of an agent: the model's reply, the results of its tool
// calls and what the loop told the model. It is the checkpoint an agent.run
// step journals after each turn, and what a resumed step rebuilds from:
//   {"turn": n, "reply": <message>, "results": [<tool message> + "format_error"],
//    "notes": [<text to the model>], "files_changed": [...],
//    "changed_before": [...] (turn 1 only: files git saw changed before the run),
//    "system_prompt": "..." (turn 1 only: a resume must not rebuild the
//    repository overview from a workspace the agent has since changed),
//    "usage": {"model", "prompt_tokens", "completion_tokens"}}
// Messages are as conversation.hpp writes them.
#include <optional>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "engine/value.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::agent {

struct TurnRecord {
  int number = 0;
  llm::Message reply;
  std::vector<llm::Message> results;  // one per tool call, in order
  std::vector<bool> format_errors;    // per result
  std::vector<std::string> notes;     // to the model: added to the last result, or a user message
  std::vector<std::string> files_changed;  // by write_file and apply_patch
  std::optional<std::vector<std::string>> changed_before;
  std::optional<std::string> system_prompt;
  llm::Usage usage;
};

Value turn_to_value(const TurnRecord& turn);
// Refuses a record of another shape (results not matching the calls...);
// may throw Value::exception on values of the wrong type.
Result<TurnRecord> turn_from_value(const Value& value);

}  // namespace automata::tools::agent
