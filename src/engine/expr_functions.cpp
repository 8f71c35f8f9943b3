#include "engine/expr_functions.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "engine/expr_number.hpp"
#include "engine/expr_text.hpp"
#include "engine/suggest.hpp"
#include "engine/text_case.hpp"

namespace automata::engine::expr {

namespace {

using detail::Function;
using detail::FunctionSpec;
using detail::k_variadic;

constexpr std::array<FunctionSpec, 16> k_functions{{
    {"contains", Function::contains, 2, 2},
    {"startsWith", Function::starts_with, 2, 2},
    {"endsWith", Function::ends_with, 2, 2},
    {"format", Function::format, 1, k_variadic},
    {"join", Function::join, 1, 2},
    {"split", Function::split, 2, 2},
    {"toJSON", Function::to_json, 1, 1},
    {"fromJSON", Function::from_json, 1, 1},
    {"length", Function::length, 1, 1},
    {"keys", Function::keys, 1, 1},
    {"default", Function::default_, 2, 2},
    {"success", Function::success, 0, 0},
    {"failure", Function::failure, 0, 0},
    {"always", Function::always, 0, 0},
    {"cancelled", Function::cancelled, 0, 0},
    {"hashFiles", Function::hash_files, 1, k_variadic},
}};

}  // namespace

const std::vector<std::string>& function_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const auto& spec : k_functions) {
      result.emplace_back(spec.name);
    }
    return result;
  }();
  return names;
}

namespace detail {

const FunctionSpec* find_function(std::string_view name) {
  for (const auto& spec : k_functions) {
    if (equals_ignore_case(spec.name, name)) {
      return &spec;
    }
  }
  return nullptr;
}

std::optional<std::string> suggest_function(std::string_view name) {
  return did_you_mean_ignoring_case(name, function_names());
}

bool is_status_function(Function function) {
  return function == Function::success || function == Function::failure || function == Function::always ||
         function == Function::cancelled;
}

std::string check_arity(const FunctionSpec& spec, std::size_t count) {
  const auto plural = [](std::size_t n) { return n == 1 ? "argument" : "arguments"; };
  if (spec.max_args == k_variadic) {
    if (count >= spec.min_args) {
      return {};
    }
    return fmt::format("function '{}' takes at least {} {}, got {}", spec.name, spec.min_args, plural(spec.min_args),
                       count);
  }
  if (count >= spec.min_args && count <= spec.max_args) {
    return {};
  }
  if (spec.min_args == spec.max_args) {
    return fmt::format("function '{}' takes {} {}, got {}", spec.name, spec.min_args, plural(spec.min_args), count);
  }
  const char* const conjunction = spec.max_args == spec.min_args + 1 ? "or" : "to";
  return fmt::format("function '{}' takes {} {} {} arguments, got {}", spec.name, spec.min_args, conjunction,
                     spec.max_args, count);
}

std::string_view type_name(const Value& value) {
  switch (value.type()) {
    case Value::value_t::null:
      return "null";
    case Value::value_t::boolean:
      return "boolean";
    case Value::value_t::number_integer:
    case Value::value_t::number_unsigned:
    case Value::value_t::number_float:
      return "number";
    case Value::value_t::string:
      return "string";
    case Value::value_t::array:
      return "list";
    case Value::value_t::object:
      return "object";
    default:
      return "binary";
  }
}

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

std::partial_ordering compare_numbers(const Value& a, const Value& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    if (a.is_number_unsigned() && b.is_number_unsigned()) {
      return a.get<std::uint64_t>() <=> b.get<std::uint64_t>();
    }
    if (!a.is_number_unsigned() && !b.is_number_unsigned()) {
      return a.get<std::int64_t>() <=> b.get<std::int64_t>();
    }
    // One signed, one unsigned: a negative value is the smaller one.
    const bool a_negative = !a.is_number_unsigned() && a.get<std::int64_t>() < 0;
    const bool b_negative = !b.is_number_unsigned() && b.get<std::int64_t>() < 0;
    if (a_negative || b_negative) {
      return a_negative && b_negative ? std::partial_ordering::equivalent
             : a_negative             ? std::partial_ordering::less
                                      : std::partial_ordering::greater;
    }
    return a.get<std::uint64_t>() <=> b.get<std::uint64_t>();
  }
  return a.get<double>() <=> b.get<double>();
}

// The kinds GitHub's coercion tells apart: null, boolean, number, string, list, object.
bool same_kind(const Value& a, const Value& b) {
  return (a.is_number() && b.is_number()) || a.type() == b.type();
}

// Values of one kind: numbers by value (NaN equals nothing), strings
// ignoring case, lists and objects only when they are the same value (the
// same context member read twice), never for equal contents: GitHub
// compares them by reference.
bool equals_same_kind(const Value& a, const Value& b) {
  switch (a.type()) {
    case Value::value_t::number_integer:
    case Value::value_t::number_unsigned:
    case Value::value_t::number_float:
      return compare_numbers(a, b) == std::partial_ordering::equivalent;
    case Value::value_t::string:
      return equals_ignore_case(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
    case Value::value_t::array:
    case Value::value_t::object:
      return &a == &b;
    default:
      return a == b;
  }
}

const std::string& as_string(const Value& value, std::string& storage) {
  if (value.is_string()) {
    return value.get_ref<const std::string&>();
  }
  storage = coerce_to_string(value);
  return storage;
}

// A list: whether an element == needle. Two scalars: whether the needle's
// string is part of the haystack's, ignoring case. Anything else: false.
Result<Value> fn_contains(const Value& haystack, const Value& needle) {
  if (haystack.is_array()) {
    return Value(std::any_of(haystack.begin(), haystack.end(),
                             [&](const Value& element) { return loose_equals(element, needle); }));
  }
  if (haystack.is_structured() || needle.is_structured()) {
    return Value(false);
  }
  std::string haystack_storage;
  std::string needle_storage;
  return Value(contains_ignore_case(as_string(haystack, haystack_storage), as_string(needle, needle_storage)));
}

// Scalars only (a list or an object is never a prefix nor has one), ignoring case.
Result<Value> fn_starts_or_ends(const Value& text, const Value& affix, bool starts) {
  if (text.is_structured() || affix.is_structured()) {
    return Value(false);
  }
  std::string text_storage;
  std::string affix_storage;
  const std::string_view whole = as_string(text, text_storage);
  const std::string_view part = as_string(affix, affix_storage);
  return Value(starts ? starts_with_ignore_case(whole, part) : ends_with_ignore_case(whole, part));
}

// {N} is argument N, {{ and }} are literal braces.
Result<Value> fn_format(std::span<const Value* const> args) {
  std::string format_storage;
  const std::string& text = as_string(*args[0], format_storage);
  std::string out;
  out.reserve(text.size());
  std::string storage;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '{') {
      if (i + 1 < text.size() && text[i + 1] == '{') {
        out += '{';
        i += 2;
        continue;
      }
      std::size_t j = i + 1;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
        ++j;
      }
      if (j == i + 1 || j >= text.size() || text[j] != '}') {
        return Error::failed(fmt::format("format: invalid placeholder at position {} of '{}'", i, text));
      }
      const std::string_view digits(text.data() + i + 1, j - i - 1);
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (ec != std::errc{} || end != digits.data() + digits.size() || index >= args.size() - 1) {
        return Error::failed(fmt::format("format: placeholder {{{}}} has no argument", digits));
      }
      out += as_string(*args[index + 1], storage);
      i = j + 1;
    } else if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      return Error::failed(fmt::format("format: unmatched '}}' at position {} of '{}'", i, text));
    } else {
      out += c;
      ++i;
    }
  }
  return Value(std::move(out));
}

// A scalar gives its own string, an object ''. A separator that is a list
// or an object is ignored (the default ',' separates).
Result<Value> fn_join(std::span<const Value* const> args) {
  std::string separator_storage;
  const bool has_separator = args.size() > 1 && !args[1]->is_structured();
  const std::string separator = has_separator ? as_string(*args[1], separator_storage) : std::string(",");
  const Value& list = *args[0];
  if (list.is_object()) {
    return Value(std::string());
  }
  if (!list.is_array()) {
    return Value(coerce_to_string(list));
  }
  std::string out;
  std::string storage;
  bool first = true;
  for (const auto& element : list) {
    if (!first) {
      out += separator;
    }
    first = false;
    out += as_string(element, storage);
  }
  return Value(std::move(out));
}

// An empty string splits into no parts (so an empty list input gives []);
// an empty separator leaves the string whole.
Result<Value> fn_split(const Value& text_value, const Value& separator_value) {
  std::string text_storage;
  std::string separator_storage;
  const std::string_view text = as_string(text_value, text_storage);
  const std::string_view separator = as_string(separator_value, separator_storage);
  Value parts = Value::array();
  if (text.empty()) {
    return parts;
  }
  if (separator.empty()) {
    parts.push_back(std::string(text));
    return parts;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t found = text.find(separator, start);
    if (found == std::string_view::npos) {
      parts.push_back(std::string(text.substr(start)));
      return parts;
    }
    parts.push_back(std::string(text.substr(start, found - start)));
    start = found + separator.size();
  }
}

Result<Value> fn_from_json(const Value& text_value) {
  std::string storage;
  const std::string& text = as_string(text_value, storage);
  try {
    return Value::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // what() reads "[json.exception.parse_error.101] parse error at ...": keep the reason.
    std::string_view reason = e.what();
    if (!reason.empty() && reason.front() == '[') {
      const auto close = reason.find("] ");
      if (close != std::string_view::npos) {
        reason.remove_prefix(close + 2);
      }
    }
    return Error::failed(fmt::format("fromJSON: invalid JSON: {}", reason));
  }
}

Result<Value> fn_length(const Value& value) {
  if (value.is_null()) {
    return Value(0);
  }
  if (value.is_string()) {
    return Value(value.get_ref<const std::string&>().size());
  }
  if (value.is_array() || value.is_object()) {
    return Value(value.size());
  }
  return Error::failed(fmt::format("length: expected a string, list or object, got {}", type_name(value)));
}

Result<Value> fn_keys(const Value& value) {
  Value keys = Value::array();
  if (value.is_null()) {
    return keys;
  }
  if (!value.is_object()) {
    return Error::failed(fmt::format("keys: expected an object, got {}", type_name(value)));
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    keys.push_back(it.key());
  }
  return keys;
}

Result<Value> fn_hash_files(std::span<const Value* const> args, const EvalContext& context) {
  std::vector<std::string> patterns;
  patterns.reserve(args.size());
  for (const Value* arg : args) {
    if (!arg->is_string()) {
      return Error::failed(fmt::format("hashFiles: expected a pattern string, got {}", type_name(*arg)));
    }
    patterns.push_back(arg->get<std::string>());
  }
  TRY_ASSIGN(std::string digest, hash_files(patterns, context.hash_root));
  return Value(std::move(digest));
}

}  // namespace

double to_number(const Value& value) {
  switch (value.type()) {
    case Value::value_t::null:
      return 0;
    case Value::value_t::boolean:
      return value.get<bool>() ? 1 : 0;
    case Value::value_t::number_integer:
    case Value::value_t::number_unsigned:
    case Value::value_t::number_float:
      return value.get<double>();
    case Value::value_t::string:
      return parse_number(value.get_ref<const std::string&>());
    default:
      return k_nan;
  }
}

bool loose_equals(const Value& a, const Value& b) {
  if (same_kind(a, b)) {
    return equals_same_kind(a, b);
  }
  if (a.is_structured() || b.is_structured()) {
    return false;
  }
  return to_number(a) == to_number(b);
}

std::partial_ordering compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    return compare_numbers(a, b);
  }
  if (a.is_string() && b.is_string()) {
    return compare_ignore_case(a.get_ref<const std::string&>(), b.get_ref<const std::string&>()) <=> 0;
  }
  return to_number(a) <=> to_number(b);
}

Result<Value> call_function(Function function, std::span<const Value* const> args, const EvalContext& context) {
  switch (function) {
    case Function::contains:
      return fn_contains(*args[0], *args[1]);
    case Function::starts_with:
      return fn_starts_or_ends(*args[0], *args[1], true);
    case Function::ends_with:
      return fn_starts_or_ends(*args[0], *args[1], false);
    case Function::format:
      return fn_format(args);
    case Function::join:
      return fn_join(args);
    case Function::split:
      return fn_split(*args[0], *args[1]);
    case Function::to_json:
      return Value(to_json_text(*args[0], true));
    case Function::from_json:
      return fn_from_json(*args[0]);
    case Function::length:
      return fn_length(*args[0]);
    case Function::keys:
      return fn_keys(*args[0]);
    case Function::default_:
      return args[0]->is_null() || (args[0]->is_string() && args[0]->get_ref<const std::string&>().empty())
                 ? *args[1]
                 : *args[0];
    case Function::success:
      return Value(context.status.all_succeeded && !context.status.any_failed && !context.status.cancelled);
    case Function::failure:
      return Value(context.status.any_failed && !context.status.cancelled);
    case Function::always:
      return Value(true);
    case Function::cancelled:
      return Value(context.status.cancelled);
    case Function::hash_files:
      return fn_hash_files(args, context);
  }
  return Error::failed("unknown function");
}

}  // namespace detail
}  // namespace automata::engine::expr
