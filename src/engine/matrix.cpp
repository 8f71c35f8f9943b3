#include "engine/matrix.hpp"

#include <set>

#include <fmt/format.h>

#include "engine/expr.hpp"

namespace automata::engine {
namespace {

// Every key of `pattern` present in `combination` with an equal value.
bool matches(const Value& combination, const Value& pattern, bool only_shared_keys) {
  for (const auto& [key, value] : pattern.items()) {
    const auto it = combination.find(key);
    if (it == combination.end()) {
      if (only_shared_keys) {
        continue;
      }
      return false;
    }
    if (*it != value) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<Value> expand_static_matrix(const MatrixDef& matrix) {
  std::vector<Value> combinations;
  if (!matrix.axes.empty()) {
    combinations.push_back(Value::object());
    for (const auto& [axis, values] : matrix.axes.items()) {
      std::vector<Value> next;
      for (const auto& combination : combinations) {
        for (const auto& v : values) {
          Value extended = combination;
          extended[axis] = v;
          next.push_back(std::move(extended));
        }
      }
      combinations = std::move(next);
    }
  }
  std::erase_if(combinations, [&](const Value& combination) {
    for (const auto& pattern : matrix.exclude) {
      if (matches(combination, pattern, false)) {
        return true;
      }
    }
    return false;
  });
  const std::size_t original_count = combinations.size();
  for (const auto& entry : matrix.include) {
    // GitHub's rule: an include entry extends every original combination whose
    // axis values it does not contradict; it never changes an axis value, but
    // it overwrites a value an earlier include added. If it extends none, it
    // is added as a combination of its own.
    bool extended_any = false;
    for (std::size_t i = 0; i < original_count; ++i) {
      Value& combination = combinations[i];
      bool compatible = true;
      for (const auto& [key, value] : entry.items()) {
        if (matrix.axes.contains(key) && combination.contains(key) && combination[key] != value) {
          compatible = false;
          break;
        }
      }
      if (!compatible) {
        continue;
      }
      for (const auto& [key, value] : entry.items()) {
        if (!matrix.axes.contains(key)) {
          combination[key] = value;
        }
      }
      extended_any = true;
    }
    if (!extended_any) {
      combinations.push_back(entry);
    }
  }
  return combinations;
}

Result<std::vector<Value>> expand_matrix_list(const Value& list) {
  if (!list.is_array()) {
    return Error::failed(fmt::format("the matrix expression gave {}, not a list", list.dump()));
  }
  std::vector<Value> combinations;
  for (const auto& item : list) {
    combinations.push_back(item.is_object() ? item : Value{{"value", item}});
  }
  return combinations;
}

std::vector<MatrixInstance> name_instances(const std::string& step_id, const std::vector<Value>& combinations) {
  std::vector<MatrixInstance> instances;
  std::set<std::string> used;
  for (const auto& combination : combinations) {
    std::string inner;
    for (const auto& [key, value] : combination.items()) {
      std::string shown = expr::to_display_string(value);
      if (shown.size() > 40) {
        shown = shown.substr(0, 37) + "...";
      }
      for (char& c : shown) {
        if (c == '\n' || c == '/' || c == '[' || c == ']') {
          c = '_';
        }
      }
      inner += (inner.empty() ? "" : ",") + key + "=" + shown;
    }
    std::string id = fmt::format("{}[{}]", step_id, inner);
    for (int n = 2; used.count(id) != 0; ++n) {
      id = fmt::format("{}[{}#{}]", step_id, inner, n);
    }
    used.insert(id);
    instances.push_back({id, combination});
  }
  return instances;
}

}  // namespace automata::engine
