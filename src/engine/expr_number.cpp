#include "engine/expr_number.hpp"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace automata::engine::expr::detail {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_infinity = std::numeric_limits<double>::infinity();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::size_t count_digits(std::string_view text, std::size_t from) {
  std::size_t end = from;
  while (end < text.size() && is_digit(text[end])) {
    ++end;
  }
  return end - from;
}

// [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits], and nothing else.
bool is_decimal(std::string_view text) {
  std::size_t at = text.front() == '+' || text.front() == '-' ? 1 : 0;
  const std::size_t whole = count_digits(text, at);
  at += whole;
  std::size_t fraction = 0;
  if (at < text.size() && text[at] == '.') {
    fraction = count_digits(text, ++at);
    at += fraction;
  }
  if (whole == 0 && fraction == 0) {
    return false;
  }
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
      ++at;
    }
    const std::size_t exponent = count_digits(text, at);
    if (exponent == 0) {
      return false;
    }
    at += exponent;
  }
  return at == text.size();
}

double parse_decimal(std::string_view text) {
  if (text.front() == '+') {
    text.remove_prefix(1);  // from_chars takes '-' only
  }
  const char* const first = text.data();
  const char* const last = first + text.size();
  double value = 0;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc::result_out_of_range) {
    return end == last ? value : k_nan;
  }
  // Beyond double's range: the wider type tells too large from too small.
  long double wide = 0;
  if (std::from_chars(first, last, wide).ec == std::errc{} && std::fabs(wide) <= DBL_MAX) {
    return static_cast<double>(wide);
  }
  const bool negative = text.front() == '-';
  const auto e = text.find_first_of("eE");
  const bool tiny = e != std::string_view::npos && e + 1 < text.size() && text[e + 1] == '-';
  return tiny ? (negative ? -0.0 : 0.0) : (negative ? -k_infinity : k_infinity);
}

double parse_radix(std::string_view digits, int base) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  constexpr auto k_max = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value > k_max) {
    return k_nan;
  }
  return static_cast<double>(value);
}

}  // namespace

double parse_number(std::string_view text) {
  constexpr std::string_view k_space = " \t\n\r\f\v";
  const auto first = text.find_first_not_of(k_space);
  if (first == std::string_view::npos) {
    return 0;
  }
  text = text.substr(first, text.find_last_not_of(k_space) - first + 1);
  if (is_decimal(text)) {
    return parse_decimal(text);
  }
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'o')) {
    return parse_radix(text.substr(2), text[1] == 'x' ? 16 : 8);
  }
  if (text == "Infinity") {
    return k_infinity;
  }
  if (text == "-Infinity") {
    return -k_infinity;
  }
  return k_nan;
}

std::string format_number(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "Infinity" : "-Infinity";
  }
  if (value == 0) {
    return "0";
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(std::begin(buffer), std::end(buffer), value, std::chars_format::general, 15);
  std::string text(std::begin(buffer), ec == std::errc{} ? end : std::begin(buffer));
  if (const auto e = text.find('e'); e != std::string::npos) {
    text[e] = 'E';
  }
  return text;
}

}  // namespace automata::engine::expr::detail
