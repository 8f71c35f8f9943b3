#pragma once
// Values as text: the string the functions read (GitHub's coercion), the
// string interpolation inserts (expr::to_display_string) and toJSON's text.
// Numbers read the same in all three (detail::format_number).
#include <string>

#include "engine/value.hpp"

namespace automata::engine::expr::detail {

// What format, join, contains, startsWith, endsWith and an object index read
// (actions/runner EvaluationResult.ConvertToString): strings as they are,
// null "", booleans "true"/"false", numbers as format_number prints them,
// lists "Array" and objects "Object".
std::string coerce_to_string(const Value& value);

// JSON text, indented by 2 spaces or compact, with numbers printed by
// format_number (whole numbers without ".0"); invalid UTF-8 is replaced.
std::string to_json_text(const Value& value, bool indented);

}  // namespace automata::engine::expr::detail
