#include "tools/llm/json_schema.hpp"

#include <cmath>

#include <fmt/format.h>

namespace automata::tools::llm {
namespace {

const char* const k_types[] = {"object", "array", "string", "number", "integer", "boolean", "null"};

bool has_type(const Value& value, const std::string& type) {
  if (type == "object") {
    return value.is_object();
  }
  if (type == "array") {
    return value.is_array();
  }
  if (type == "string") {
    return value.is_string();
  }
  if (type == "number") {
    return value.is_number();
  }
  if (type == "integer") {
    return value.is_number_integer() || (value.is_number_float() && std::floor(value.get<double>()) == value.get<double>());
  }
  if (type == "boolean") {
    return value.is_boolean();
  }
  return type == "null" && value.is_null();
}

std::string shown(const Value& value) {
  std::string text = value.dump();
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

std::string join(const Value& list) {
  std::string text;
  for (const auto& item : list) {
    text += (text.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
  }
  return text;
}

std::string member_path(const std::string& path, const std::string& name) {
  const bool plain = !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                                          std::string::npos;
  return plain ? path + "." + name : path + "[" + Value(name).dump() + "]";
}

std::optional<std::string> check(const Value& schema, const Value& value, const std::string& path) {
  if (!schema.is_object()) {
    return std::nullopt;  // true, {} or an unknown form: anything goes
  }
  if (const auto type = schema.find("type"); type != schema.end()) {
    const Value types = type->is_array() ? *type : Value::array({*type});
    bool fits = false;
    for (const auto& name : types) {
      fits = fits || (name.is_string() && has_type(value, name.get<std::string>()));
    }
    if (!fits) {
      const std::string first = types.empty() ? std::string() : join(Value::array({types[0]}));
      const char* article = first.find_first_of("aeiou") == 0 ? "an" : "a";
      return fmt::format("{}: must be {} {}, got {}", path, types.size() == 1 ? article : "one of", join(types),
                         shown(value));
    }
  }
  if (const auto choices = schema.find("enum"); choices != schema.end() && choices->is_array()) {
    bool listed = false;
    for (const auto& choice : *choices) {
      listed = listed || choice == value;
    }
    if (!listed) {
      return fmt::format("{}: must be one of {}, got {}", path, join(*choices), shown(value));
    }
  }
  if (value.is_object()) {
    const Value properties = schema.value("properties", Value::object());
    if (const auto required = schema.find("required"); required != schema.end() && required->is_array()) {
      for (const auto& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          return fmt::format("{}: lacks the required property \"{}\"", path, name.get<std::string>());
        }
      }
    }
    const bool closed = schema.contains("additionalProperties") && schema["additionalProperties"] == false;
    for (const auto& [name, member] : value.items()) {
      if (properties.is_object() && properties.contains(name)) {
        if (auto problem = check(properties[name], member, member_path(path, name))) {
          return problem;
        }
      } else if (closed) {
        return fmt::format("{}: has the property \"{}\", which the schema does not allow", path, name);
      }
    }
  }
  if (value.is_array()) {
    if (const auto items = schema.find("items"); items != schema.end()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (auto problem = check(*items, value[i], fmt::format("{}[{}]", path, i))) {
          return problem;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> schema_violation(const Value& schema, const Value& value) { return check(schema, value, "$"); }

std::optional<std::string> schema_problem(const Value& schema) {
  if (!schema.is_object()) {
    return "must be an object (a JSON schema)";
  }
  std::optional<std::string> found;
  auto visit = [&found](const Value& node, const auto& self) -> void {
    if (found || !node.is_object()) {
      return;
    }
    if (const auto type = node.find("type"); type != node.end()) {
      const Value types = type->is_array() ? *type : Value::array({*type});
      for (const auto& name : types) {
        bool known = false;
        for (const char* candidate : k_types) {
          known = known || (name.is_string() && name.get<std::string>() == candidate);
        }
        if (!known) {
          found = fmt::format("has an unknown type {}: use object, array, string, number, integer, boolean or null",
                              name.dump());
          return;
        }
      }
    }
    if (const auto properties = node.find("properties"); properties != node.end() && properties->is_object()) {
      for (const auto& [name, member] : properties->items()) {
        self(member, self);
      }
    }
    if (const auto items = node.find("items"); items != node.end()) {
      self(*items, self);
    }
  };
  visit(schema, visit);
  return found;
}

}  // namespace automata::tools::llm
