#pragma once
// Numbers in expressions as GitHub Actions reads and prints them
// (actions/runner ExpressionUtility.ParseNumber and the "G15" format).
#include <string>
#include <string_view>

namespace automata::engine::expr::detail {

// Text to number, as string coercion and number literals read it: spaces
// around are ignored and "" is 0; otherwise a decimal number ([+-], digits
// with an optional '.', an optional exponent: "1.", ".5", "+1e3"), 0x
// hexadecimal or 0o octal digits (at most 0x7FFFFFFF: GitHub parses 32 bits
// and would wrap larger ones into negative numbers), "Infinity" or
// "-Infinity". Anything else is NaN. Too large a decimal is ±Infinity, too
// small ±0.
double parse_number(std::string_view text);

// At most 15 significant digits without trailing zeros; exponent form
// ("1.5E+20", "1E-05") from 1e15 and below 1e-4; -0 prints as 0; "Infinity",
// "-Infinity", "NaN".
std::string format_number(double value);

}  // namespace automata::engine::expr::detail
