#include "engine/inputs.hpp"

#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/expr.hpp"
#include "engine/suggest.hpp"
#include "engine/yaml_value.hpp"

namespace automata::engine {
namespace {

const char* type_name(InputType type) {
  switch (type) {
    case InputType::string:
      return "a string";
    case InputType::number:
      return "a number";
    case InputType::boolean:
      return "true or false";
    case InputType::list:
      return "a list";
    case InputType::choice:
      return "one of the options";
  }
  return "a value";
}

std::string show(const Value& value) {
  return value.is_string() ? fmt::format("'{}'", value.get<std::string>()) : value.dump();
}

}  // namespace

Result<Value> check_input_value(const InputDecl& input, const Value& value) {
  switch (input.type) {
    case InputType::string:
      if (value.is_string()) {
        return value;
      }
      if (value.is_number() || value.is_boolean()) {
        return Value(value.dump());
      }
      break;
    case InputType::number:
      if (value.is_number()) {
        return value;
      }
      break;
    case InputType::boolean:
      if (value.is_boolean()) {
        return value;
      }
      break;
    case InputType::list:
      if (value.is_array()) {
        return value;
      }
      break;
    case InputType::choice:
      // Text from the command line matches an option of any type by how it
      // reads ("2" chooses 2), and a number from a file matches "2".
      for (const auto& option : input.options) {
        if (option == value) {
          return option;
        }
      }
      if (value.is_primitive()) {
        for (const auto& option : input.options) {
          if (option.is_primitive() && option.is_string() != value.is_string() &&
              expr::to_display_string(option) == expr::to_display_string(value)) {
            return option;
          }
        }
      }
      {
        std::string options;
        for (const auto& option : input.options) {
          options += (options.empty() ? "" : ", ") + (option.is_string() ? option.get<std::string>() : option.dump());
        }
        return Error::usage(fmt::format("must be one of {}, got {}", options, show(value)));
      }
  }
  std::string message = fmt::format("must be {}, got {}", type_name(input.type), show(value));
  // `default: "85"` is a string in YAML; say so rather than "got '85'".
  if (value.is_string() && (input.type == InputType::number || input.type == InputType::boolean)) {
    const Value parsed = Value::parse(value.get<std::string>(), nullptr, false);
    if ((input.type == InputType::number && parsed.is_number()) ||
        (input.type == InputType::boolean && parsed.is_boolean())) {
      message += " (a quoted value is a string: remove the quotes)";
    }
  }
  return Error::usage(message);
}

Result<Value> parse_input_text(const InputDecl& input, const std::string& text) {
  switch (input.type) {
    case InputType::string:
      return Value(text);
    case InputType::number: {
      const Value parsed = Value::parse(text, nullptr, false);
      if (parsed.is_number()) {
        return parsed;
      }
      return Error::usage(fmt::format("must be a number, got '{}'", text));
    }
    case InputType::boolean:
      if (text == "true" || text == "1" || text == "yes") {
        return Value(true);
      }
      if (text == "false" || text == "0" || text == "no") {
        return Value(false);
      }
      return Error::usage(fmt::format("must be true or false, got '{}'", text));
    case InputType::list: {
      if (!text.empty() && text.front() == '[') {
        const Value parsed = Value::parse(text, nullptr, false);
        if (parsed.is_array()) {
          return parsed;
        }
        return Error::usage(fmt::format("must be a list (a,b,c or a JSON list), got '{}'", text));
      }
      // "a, b" is ["a", "b"]: spaces around the commas are not part of the items.
      const auto trimmed = [](std::string item) {
        const std::size_t first = item.find_first_not_of(' ');
        if (first == std::string::npos) {
          return std::string();
        }
        return item.substr(first, item.find_last_not_of(' ') - first + 1);
      };
      Value list = Value::array();
      std::size_t start = 0;
      while (!text.empty()) {
        const std::size_t comma = text.find(',', start);
        list.push_back(trimmed(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) {
          break;
        }
        start = comma + 1;
      }
      return list;
    }
    case InputType::choice:
      return check_input_value(input, Value(text));
  }
  return Value(text);
}

Result<Value> resolve_inputs(const Workflow& workflow, const InputSources& sources) {
  Value resolved = Value::object();
  std::vector<std::string> problems;
  std::vector<std::string> names;
  for (const auto& input : workflow.inputs) {
    names.push_back(input.name);
  }
  auto unknown = [&](const std::string& name, const std::string& where) {
    std::string message = fmt::format("{}: unknown input '{}'", where, name);
    if (auto suggestion = did_you_mean(name, names)) {
      message += fmt::format(" (did you mean '{}'?)", *suggestion);
    } else if (names.empty()) {
      message += fmt::format(" (workflow '{}' declares no inputs)", workflow.name);
    }
    problems.push_back(message);
  };
  std::set<std::string> given;  // valid or not: a bad value is not also "missing"
  if (sources.file_values) {
    for (const auto& [name, value] : sources.file_values->items()) {
      given.insert(name);
      const auto it = std::find_if(workflow.inputs.begin(), workflow.inputs.end(),
                                   [&](const InputDecl& d) { return d.name == name; });
      if (it == workflow.inputs.end()) {
        unknown(name, sources.file_name);
        continue;
      }
      auto checked = check_input_value(*it, value);
      if (!checked.ok()) {
        problems.push_back(fmt::format("{}: input '{}' {}", sources.file_name, name, checked.error().message));
      } else {
        resolved[name] = std::move(checked.value());
      }
    }
  }
  for (const auto& [name, text] : sources.assignments) {
    const auto it = std::find_if(workflow.inputs.begin(), workflow.inputs.end(),
                                 [&](const InputDecl& d) { return d.name == name; });
    const std::string where = fmt::format("-i {}={}", name, text);
    given.insert(name);
    if (it == workflow.inputs.end()) {
      unknown(name, where);
      continue;
    }
    auto parsed = parse_input_text(*it, text);
    if (!parsed.ok()) {
      problems.push_back(fmt::format("{}: input '{}' {}", where, name, parsed.error().message));
    } else {
      resolved[name] = std::move(parsed.value());
    }
  }
  Value ordered = Value::object();
  Diagnostics missing(workflow.file, workflow.source);
  for (const auto& input : workflow.inputs) {
    if (resolved.contains(input.name)) {
      ordered[input.name] = resolved[input.name];
    } else if (input.default_value) {
      ordered[input.name] = *input.default_value;
    } else if (given.count(input.name) == 0) {
      missing.error(input.pos, fmt::format("input '{}' is required (it has no default): pass -i {}=VALUE", input.name,
                                           input.name));
    }
  }
  // Rendered with the declaration's line and a caret, as the loader does.
  for (const auto& d : missing.items()) {
    std::string text = render_diagnostic(d);
    text.pop_back();
    problems.push_back(std::move(text));
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) {
      message += (message.empty() ? "" : "\n") + p;
    }
    return Error::usage(message);
  }
  return ordered;
}

Result<Value> read_inputs_file(const std::string& path) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) {
      return Error::usage(fmt::format("{}: an inputs file must be a map of input names to values", path));
    }
    return yaml_to_value(root);
  } catch (const YAML::BadFile&) {
    return Error::usage(fmt::format("{}: cannot read the inputs file", path));
  } catch (const YAML::Exception& e) {
    return Error::usage(fmt::format("{}:{}:{}: YAML syntax error: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

}  // namespace automata::engine
