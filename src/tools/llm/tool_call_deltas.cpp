#include "tools/llm/tool_call_deltas.hpp"

#include "tools/llm/tool_arguments.hpp"

namespace automata::tools::llm {
namespace {

// More calls than any reply asks for at once: what a runaway stream of
// unknown ids would otherwise grow without end.
constexpr std::size_t k_max_calls = 128;

std::string string_field(const Value& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> wire_index(const Value& delta) {
  const auto it = delta.find("index");
  if (it == delta.end() || !it->is_number_integer()) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

// A delta naming a tool for a call already named and whose arguments are
// whole JSON is the next call, from a server that numbers none of them.
bool names_another_call(const Value& delta, const std::string& name, const std::string& arguments) {
  const Value function = delta.value("function", Value::object());
  if (!function.is_object() || string_field(function, "name").empty() || name.empty()) {
    return false;
  }
  return !Value::parse(arguments, nullptr, false).is_discarded();
}

// Opaque fields come whole in one delta; a later delta adding to an object
// (extra_content.google beside extra_content.vertex) is merged in.
void keep_extra(Value& into, const Value& delta) {
  const Value extra = unknown_call_fields(delta);
  for (const auto& [key, value] : extra.items()) {
    if (!into.contains(key) || into[key].is_null()) {
      into[key] = value;
    } else if (into[key].is_object() && value.is_object()) {
      into[key].update(value, true);
    }
  }
}

}  // namespace

Value unknown_call_fields(const Value& call) {
  Value extra = Value::object();
  if (!call.is_object()) {
    return extra;
  }
  for (const auto& [key, value] : call.items()) {
    if (key != "index" && key != "id" && key != "type" && key != "function" && !value.is_null()) {
      extra[key] = value;
    }
  }
  return extra;
}

std::string raw_arguments(const Value& function) {
  if (!function.is_object()) {
    return "";
  }
  const auto it = function.find("arguments");
  if (it == function.end() || it->is_null()) {
    return "";
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void ToolCallDeltas::add(const Value& tool_calls) {
  if (!tool_calls.is_array()) {
    return;
  }
  std::size_t position = 0;
  for (const auto& delta : tool_calls) {
    if (!delta.is_object()) {
      continue;
    }
    const auto at = target(delta, position++);
    if (!at) {
      continue;
    }
    Partial& partial = m_calls[*at];
    if (const std::string id = string_field(delta, "id"); !id.empty() && partial.id.empty()) {
      partial.id = id;
    }
    const Value function = delta.value("function", Value::object());
    if (const std::string name = function.is_object() ? string_field(function, "name") : std::string();
        !name.empty() && partial.name.empty()) {
      partial.name = name;
    }
    partial.arguments += raw_arguments(function);
    keep_extra(partial.extra, delta);
  }
}

std::optional<std::size_t> ToolCallDeltas::target(const Value& delta, std::size_t position) {
  const std::optional<std::int64_t> index = wire_index(delta);
  if (const std::string id = string_field(delta, "id"); !id.empty()) {
    for (std::size_t i = 0; i < m_calls.size(); ++i) {
      if (m_calls[i].id == id) {
        return i;  // a server that repeats the id on every fragment
      }
    }
    return start(index);  // a new id, even at an index in use (Ollama's 0 for all)
  }
  if (index) {
    const auto bound = m_by_index.find(*index);
    if (bound != m_by_index.end() &&
        !names_another_call(delta, m_calls[bound->second].name, m_calls[bound->second].arguments)) {
      return bound->second;
    }
    return start(index);
  }
  if (position == 0 && !m_calls.empty() && !names_another_call(delta, m_calls.back().name, m_calls.back().arguments)) {
    return m_calls.size() - 1;
  }
  return start(std::nullopt);
}

std::optional<std::size_t> ToolCallDeltas::start(std::optional<std::int64_t> index) {
  if (m_calls.size() >= k_max_calls) {
    return std::nullopt;
  }
  m_calls.emplace_back();
  if (index) {
    m_by_index[*index] = m_calls.size() - 1;
  }
  return m_calls.size() - 1;
}

std::vector<ToolCall> ToolCallDeltas::calls() const {
  std::vector<ToolCall> out;
  for (std::size_t i = 0; i < m_calls.size(); ++i) {
    ToolCall call = make_tool_call(m_calls[i].id, m_calls[i].name, m_calls[i].arguments, i);
    call.extra = m_calls[i].extra;
    out.push_back(std::move(call));
  }
  return out;
}

}  // namespace automata::tools::llm
