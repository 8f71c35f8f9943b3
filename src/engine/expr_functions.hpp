#pragma once
// Private to the expression language: the built-in function table, the
// coercion rules shared by operators and functions, and hashFiles.
#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
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

// nullptr for an unknown name. Names are case-insensitive, as in GitHub
// Actions: toJson, TOJSON and toJSON are one function.
const FunctionSpec* find_function(std::string_view name);
// The function an unknown name is a misspelling of, spelled as documented.
std::optional<std::string> suggest_function(std::string_view name);
bool is_status_function(Function function);
// "function 'contains' takes 2 arguments, got 1", or empty when the count fits.
std::string check_arity(const FunctionSpec& spec, std::size_t count);

// Every function but default_; args are the evaluated arguments in order.
Result<Value> call_function(Function function, std::span<const Value* const> args, const EvalContext& context);

// GitHub's coercion to a number: null -> 0, bool -> 0/1, a number itself, a
// string by parse_number (expr_number.hpp: "" -> 0, spaces ignored, 0x/0o,
// unparseable -> NaN), a list or an object -> NaN.
double to_number(const Value& value);
// `==`, as GitHub compares: values of one kind (numbers, strings, ...)
// directly: numbers by value, NaN equal to nothing, strings ignoring case,
// a list or an object only to itself (by reference: the same context member,
// never equal contents); two scalars of different kinds both converted with
// to_number; a list or an object and a value of another kind: false.
bool loose_equals(const Value& a, const Value& b);
// `<` `<=` `>` `>=`: numbers by value, strings ignoring case (text_case.hpp),
// otherwise both converted with to_number; unordered when either side is NaN
// (always for a list or an object).
std::partial_ordering compare(const Value& a, const Value& b);
std::string_view type_name(const Value& value);

// The lowercase hex SHA-256 over, in byte order of their relative paths, the
// raw SHA-256 digests of the regular files under root matched by patterns
// ("" when none). Patterns: '/'-separated, relative to root; `*` and `?` match
// within one path segment, `**` as a whole segment matches any number of
// segments, a leading '!' excludes; a pattern that matches a directory matches
// the files below it. A file is hashed when some positive pattern matches it
// and no '!' pattern does. Symbolic links are never followed or
// hashed; '..' and absolute patterns are refused, so nothing outside root is read.
Result<std::string> hash_files(const std::vector<std::string>& patterns, const std::filesystem::path& root);

}  // namespace automata::engine::expr::detail
