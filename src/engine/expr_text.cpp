#include "engine/expr_text.hpp"

#include <cstdint>

#include "engine/expr.hpp"
#include "engine/expr_number.hpp"

namespace automata::engine::expr {

namespace {

std::string quoted(const std::string& text) {
  return Value(text).dump(-1, ' ', false, Value::error_handler_t::replace);
}

void write_json(const Value& value, bool indented, std::size_t depth, std::string& out) {
  const auto newline = [&](std::size_t level) {
    if (indented) {
      out += '\n';
      out.append(level * 2, ' ');
    }
  };
  if (value.is_array() && !value.empty()) {
    out += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      out += i == 0 ? "" : ",";
      newline(depth + 1);
      write_json(value[i], indented, depth + 1, out);
    }
    newline(depth);
    out += ']';
  } else if (value.is_object() && !value.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      out += first ? "" : ",";
      first = false;
      newline(depth + 1);
      out += quoted(key);
      out += indented ? ": " : ":";
      write_json(item, indented, depth + 1, out);
    }
    newline(depth);
    out += '}';
  } else if (value.is_number_float()) {
    out += detail::format_number(value.get<double>());
  } else if (value.is_string()) {
    out += quoted(value.get_ref<const std::string&>());
  } else {
    out += value.dump();  // null, booleans, integers, [] and {}
  }
}

}  // namespace

namespace detail {

std::string coerce_to_string(const Value& value) {
  switch (value.type()) {
    case Value::value_t::array:
      return "Array";
    case Value::value_t::object:
      return "Object";
    default:
      return to_display_string(value);
  }
}

std::string to_json_text(const Value& value, bool indented) {
  std::string out;
  write_json(value, indented, 0, out);
  return out;
}

}  // namespace detail

std::string to_display_string(const Value& value) {
  switch (value.type()) {
    case Value::value_t::null:
    case Value::value_t::discarded:
      return {};
    case Value::value_t::string:
      return value.get<std::string>();
    case Value::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Value::value_t::number_integer:
      return std::to_string(value.get<std::int64_t>());
    case Value::value_t::number_unsigned:
      return std::to_string(value.get<std::uint64_t>());
    case Value::value_t::number_float:
      return detail::format_number(value.get<double>());
    default:
      return detail::to_json_text(value, false);
  }
}

}  // namespace automata::engine::expr
