#pragma once
// The part of JSON Schema that structured output needs, checked on a
// model's reply: type (a name or a list of names), properties, required,
// items, enum, additionalProperties: false. Other keywords are ignored, so a
// richer schema is checked as far as this goes.
#include <optional>
#include <string>

#include "engine/value.hpp"

namespace automata::tools::llm {

// The first way `value` breaks `schema`, as "<path>: <what>" with a JSON
// path from "$" (e.g. "$.files[2].path: must be a string, got 42"), or
// nullopt when it fits.
std::optional<std::string> schema_violation(const Value& schema, const Value& value);

// What is wrong with the schema itself (not an object, an unknown type
// name), or nullopt.
std::optional<std::string> schema_problem(const Value& schema);

}  // namespace automata::tools::llm
