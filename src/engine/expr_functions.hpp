#pragma once
// Private to the expression language: the built-in function table, the
// coercion rules shared by operators and functions, and hashFiles.
#include <compare>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr.hpp"
#include "engine/result.hpp"
#include "engine/value.hpp"

namespace automata::engine::expr::detail {

enum class Function : std::uint8_t {
  contains,
  starts_with,
  ends_with,
  format,
  join,
  split,
  to_json,
  from_json,
  length,
  keys,
  default_,  // selects an operand, so the evaluator runs it itself (no copy)
  success,
  failure,
  always,
  cancelled,
  hash_files,
};

inline constexpr std::uint8_t k_variadic = 255;

struct FunctionSpec {
  std::string_view name;
  Function id;
  std::uint8_t min_args;
  std::uint8_t max_args;  // k_variadic: no upper bound
};

// nullptr for an unknown name (names are case-sensitive).
const FunctionSpec* find_function(std::string_view name);
bool is_status_function(Function function);
// "function 'contains' takes 2 arguments, got 1", or empty when the count fits.
std::string check_arity(const FunctionSpec& spec, std::size_t count);

// Every function but default_; args are the evaluated arguments in order.
Result<Value> call_function(Function function, std::span<const Value* const> args, const EvalContext& context);

// null -> 0, bool -> 0/1, number, string parsed ("" -> 0, hex 0x.., surrounding
// whitespace ignored, unparseable -> NaN), list/object -> NaN.
double to_number(const Value& value);
// `==`: same type -> deep equality; two scalars of different types -> both
// coerced with to_number (NaN equals nothing); a list/object vs another type -> false.
bool loose_equals(const Value& a, const Value& b);
// `<` `<=` `>` `>=`: numbers numerically, strings bytewise, otherwise both
// coerced with to_number; unordered when either side is NaN.
std::partial_ordering compare(const Value& a, const Value& b);
std::string_view type_name(const Value& value);

// The lowercase hex SHA-256 over, in byte order of their relative paths, the
// raw SHA-256 digests of the regular files under root matched by patterns
// ("" when none). Patterns: '/'-separated, relative to root; `*` and `?` match
// within one path segment, `**` as a whole segment matches any number of
// segments, a leading '!' excludes. A file is hashed when some positive pattern
// matches it and no '!' pattern does. Symbolic links are never followed or
// hashed; '..' and absolute patterns are refused, so nothing outside root is read.
Result<std::string> hash_files(const std::vector<std::string>& patterns, const std::filesystem::path& root);

}  // namespace automata::engine::expr::detail
