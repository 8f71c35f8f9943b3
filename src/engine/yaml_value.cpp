#include "engine/yaml_value.hpp"

#include <charconv>
#include <cstdlib>

namespace automata::engine {

bool is_plain_scalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() != "!"; }

Value scalar_to_value(const YAML::Node& node) {
  if (node.IsNull()) {
    return nullptr;
  }
  const std::string& text = node.Scalar();
  if (!is_plain_scalar(node)) {
    return text;
  }
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  if (text.size() > 1 && (text[0] == '+' || text[0] == '-') && (text[1] == '+' || text[1] == '-')) {
    return text;
  }
  {
    std::int64_t integer = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (*begin == '+') {
      ++begin;
    }
    auto [ptr, ec] = std::from_chars(begin, end, integer);
    if (ec == std::errc() && ptr == end) {
      return integer;
    }
  }
  // from_chars also reads "inf", "nan" and "infinity", which YAML (and JSON,
  // where they would print as null) treat as text: a number starts with a
  // digit, or a sign or '.' and a digit.
  const std::size_t digit_at = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  const std::size_t first_digit = digit_at < text.size() && text[digit_at] == '.' ? digit_at + 1 : digit_at;
  if (first_digit >= text.size() || text[first_digit] < '0' || text[first_digit] > '9') {
    return text;
  }
  {
    double number = 0;
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(begin, end, number);
    if (ec == std::errc() && ptr == end && begin != end) {
      return number;
    }
  }
  return text;
}

Value yaml_to_value(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      Value list = Value::array();
      for (const auto& item : node) {
        list.push_back(yaml_to_value(item));
      }
      return list;
    }
    case YAML::NodeType::Map: {
      Value object = Value::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        object[it->first.Scalar()] = yaml_to_value(it->second);
      }
      return object;
    }
    case YAML::NodeType::Scalar:
    case YAML::NodeType::Null:
      return scalar_to_value(node);
    case YAML::NodeType::Undefined:
      break;
  }
  return nullptr;
}

}  // namespace automata::engine
