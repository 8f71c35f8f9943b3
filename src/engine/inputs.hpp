#pragma once
// Workflow inputs: typed values from -i key=value, --inputs-file and defaults.
#include <string>
#include <utility>
#include <vector>

#include "engine/result.hpp"
#include "engine/value.hpp"
#include "engine/workflow.hpp"

namespace automata::engine {

// Checks (and for text from the command line, converts) one value against its
// declaration. The error message reads "must be a number, got 'abc'".
Result<Value> check_input_value(const InputDecl& input, const Value& value);
// Converts command-line text to the input's type ("85" -> 85, "a,b" -> ["a","b"]
// for lists, JSON lists accepted).
Result<Value> parse_input_text(const InputDecl& input, const std::string& text);

struct InputSources {
  std::vector<std::pair<std::string, std::string>> assignments;  // -i key=value, in order
  std::optional<Value> file_values;                              // --inputs-file, already parsed
  std::string file_name;
};

// Every input resolved: given values (file, then -i), else defaults. All
// problems are collected into one error (Errc::usage), one per line.
Result<Value> resolve_inputs(const Workflow& workflow, const InputSources& sources);

// Reads an inputs file (YAML or JSON; a map of input names to values).
Result<Value> read_inputs_file(const std::string& path);

}  // namespace automata::engine
