#include "engine/expr_functions.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

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
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
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

double parse_number_string(std::string_view text) {
  constexpr std::string_view k_space = " \t\n\r\f\v";
  const auto first = text.find_first_not_of(k_space);
  if (first == std::string_view::npos) {
    return 0;
  }
  text = text.substr(first, text.find_last_not_of(k_space) - first + 1);
  bool negative = false;
  if (text.front() == '+' || text.front() == '-') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return k_nan;
  }
  double magnitude = 0;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    std::uint64_t bits = 0;
    const auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), bits, 16);
    if (ec != std::errc{} || end != text.data() + text.size()) {
      return k_nan;
    }
    magnitude = static_cast<double>(bits);
  } else {
    // from_chars would also take "inf" and "nan", which are not numbers here.
    const bool starts_well = (text.front() >= '0' && text.front() <= '9') || text.front() == '.';
    if (!starts_well || text.find_first_not_of("0123456789.eE+-") != std::string_view::npos) {
      return k_nan;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
    if (ec != std::errc{} || end != text.data() + text.size()) {
      return k_nan;
    }
  }
  return negative ? -magnitude : magnitude;
}

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

bool same_kind(const Value& a, const Value& b) {
  return (a.is_number() && b.is_number()) || a.type() == b.type();
}

bool deep_equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    return compare_numbers(a, b) == std::partial_ordering::equivalent;
  }
  if (a.type() != b.type()) {
    return false;
  }
  switch (a.type()) {
    case Value::value_t::array: {
      if (a.size() != b.size()) {
        return false;
      }
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!deep_equals(a[i], b[i])) {
          return false;
        }
      }
      return true;
    }
    case Value::value_t::object: {
      if (a.size() != b.size()) {
        return false;
      }
      for (auto it = a.begin(); it != a.end(); ++it) {
        const auto other = b.find(it.key());
        if (other == b.end() || !deep_equals(it.value(), *other)) {
          return false;
        }
      }
      return true;
    }
    default:
      return a == b;
  }
}

const std::string& as_string(const Value& value, std::string& storage) {
  if (value.is_string()) {
    return value.get_ref<const std::string&>();
  }
  storage = to_display_string(value);
  return storage;
}

Result<Value> fn_contains(const Value& haystack, const Value& needle) {
  if (haystack.is_array()) {
    for (const auto& element : haystack) {
      if (loose_equals(element, needle)) {
        return Value(true);
      }
    }
    return Value(false);
  }
  std::string haystack_storage;
  std::string needle_storage;
  return Value(as_string(haystack, haystack_storage).find(as_string(needle, needle_storage)) != std::string::npos);
}

Result<Value> fn_starts_or_ends(const Value& text, const Value& affix, bool starts) {
  std::string text_storage;
  std::string affix_storage;
  const std::string_view whole = as_string(text, text_storage);
  const std::string_view part = as_string(affix, affix_storage);
  return Value(starts ? whole.starts_with(part) : whole.ends_with(part));
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

Result<Value> fn_join(std::span<const Value* const> args) {
  std::string separator_storage;
  const std::string separator = args.size() > 1 ? as_string(*args[1], separator_storage) : std::string(",");
  const Value& list = *args[0];
  if (!list.is_array()) {
    return Value(to_display_string(list));
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
      return parse_number_string(value.get_ref<const std::string&>());
    default:
      return k_nan;
  }
}

bool loose_equals(const Value& a, const Value& b) {
  if (same_kind(a, b)) {
    return deep_equals(a, b);
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
    return a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>()) <=> 0;
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
      return Value(args[0]->dump(2, ' ', false, Value::error_handler_t::replace));
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
