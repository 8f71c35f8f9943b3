#pragma once
// YAML nodes -> JSON values, with the typing rules of workflow files: a plain
// scalar is null (~, null, empty), a boolean (true/false), an integer, a
// float, or a string; a quoted scalar is always a string ("yes" stays "yes").
#include <yaml-cpp/yaml.h>

#include "engine/diagnostics.hpp"
#include "engine/value.hpp"

namespace automata::engine {

Value yaml_to_value(const YAML::Node& node);
Value scalar_to_value(const YAML::Node& node);
inline SourcePos position_of(const YAML::Node& node) {
  const auto mark = node.Mark();
  return {mark.line + 1, mark.column + 1};
}
bool is_plain_scalar(const YAML::Node& node);

}  // namespace automata::engine
