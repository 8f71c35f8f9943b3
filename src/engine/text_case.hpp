#pragma once
// Text compared without regard to case, the way GitHub Actions compares it
// (.NET's StringComparison.OrdinalIgnoreCase): every character is replaced by
// its simple Unicode uppercase form (ς, σ and Σ are one letter; the dotless ı
// stays itself, as GitHub keeps it) and the results are compared in UTF-16
// code unit order. Expressions use it for strings and member names; validate
// and the driver for the names expressions refer to.
#include <string>
#include <string_view>

namespace automata::engine {

bool equals_ignore_case(std::string_view a, std::string_view b);
// < 0, 0 or > 0 as `a` sorts before, with or after `b`.
int compare_ignore_case(std::string_view a, std::string_view b);
bool contains_ignore_case(std::string_view text, std::string_view part);
bool starts_with_ignore_case(std::string_view text, std::string_view prefix);
bool ends_with_ignore_case(std::string_view text, std::string_view suffix);

// ASCII letters lowercased, everything else kept: for names that are ASCII
// by construction (context names, function names, step ids).
std::string ascii_lower(std::string_view text);

}  // namespace automata::engine
