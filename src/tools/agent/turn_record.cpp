#include "tools/agent/turn_record.hpp"

#include <fmt/format.h>

#include "tools/agent/conversation.hpp"

namespace automata::tools::agent {

Value turn_to_value(const TurnRecord& turn) {
  Value results = Value::array();
  for (std::size_t i = 0; i < turn.results.size(); ++i) {
    Value result = message_to_value(turn.results[i]);
    result["format_error"] = static_cast<bool>(turn.format_errors[i]);
    results.push_back(std::move(result));
  }
  Value value = {{"turn", turn.number},
                 {"reply", message_to_value(turn.reply)},
                 {"results", std::move(results)},
                 {"notes", turn.notes},
                 {"files_changed", turn.files_changed},
                 {"usage",
                  {{"model", turn.usage.model},
                   {"prompt_tokens", turn.usage.prompt_tokens},
                   {"completion_tokens", turn.usage.completion_tokens}}}};
  if (turn.changed_before) {
    value["changed_before"] = *turn.changed_before;
  }
  if (turn.system_prompt) {
    value["system_prompt"] = *turn.system_prompt;
  }
  return value;
}

Result<TurnRecord> turn_from_value(const Value& value) {
  if (!value.is_object() || !value.contains("turn") || !value["turn"].is_number_integer() ||
      !value.contains("reply") || !value.contains("results") || !value["results"].is_array()) {
    return Error::infra("agent.run: a checkpoint of this step is not an agent turn");
  }
  TurnRecord turn;
  turn.number = value["turn"].get<int>();
  TRY_ASSIGN(turn.reply, message_from_value(value["reply"]));
  for (const auto& result : value["results"]) {
    TRY_ASSIGN(llm::Message message, message_from_value(result));
    turn.results.push_back(std::move(message));
    turn.format_errors.push_back(result.value("format_error", false));
  }
  if (turn.results.size() != turn.reply.tool_calls.size()) {
    return Error::infra(fmt::format("agent.run: the checkpoint of turn {} has {} results for {} tool calls",
                                    turn.number, turn.results.size(), turn.reply.tool_calls.size()));
  }
  if (const auto it = value.find("notes"); it != value.end() && it->is_array()) {
    for (const auto& note : *it) {
      turn.notes.push_back(note.is_string() ? note.get<std::string>() : note.dump());
    }
  }
  if (const auto it = value.find("files_changed"); it != value.end() && it->is_array()) {
    for (const auto& path : *it) {
      if (path.is_string()) {
        turn.files_changed.push_back(path.get<std::string>());
      }
    }
  }
  if (const auto it = value.find("changed_before"); it != value.end() && it->is_array()) {
    turn.changed_before.emplace();
    for (const auto& path : *it) {
      if (path.is_string()) {
        turn.changed_before->push_back(path.get<std::string>());
      }
    }
  }
  if (const auto it = value.find("system_prompt"); it != value.end() && it->is_string()) {
    turn.system_prompt = it->get<std::string>();
  }
  const Value usage = value.value("usage", Value::object());
  turn.usage.model = usage.value("model", std::string());
  turn.usage.prompt_tokens = usage.value("prompt_tokens", std::int64_t{0});
  turn.usage.completion_tokens = usage.value("completion_tokens", std::int64_t{0});
  return turn;
}

}  // namespace automata::tools::agent
