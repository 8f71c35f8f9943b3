#include "engine/text_case.hpp"

#include <algorithm>
#include <locale>
#include <optional>
#include <stdexcept>

namespace automata::engine {

namespace {

constexpr char32_t k_dotless_i = 0x131;
constexpr char32_t k_max_code_point = 0x10FFFF;
// A byte that starts no valid UTF-8 sequence stands for itself, above every
// code point: it equals only the same byte.
constexpr char32_t k_invalid_byte = 0x110000;

char32_t ascii_upper(char32_t c) {
  return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// glibc's C.UTF-8 locale (part of libc on Debian) holds the Unicode case
// mappings; where it is missing, only ASCII letters fold.
const std::ctype<wchar_t>* unicode_ctype() {
  static const std::optional<std::locale> locale = []() -> std::optional<std::locale> {
    try {
      return std::locale("C.UTF-8");
    } catch (const std::runtime_error&) {
      return std::nullopt;
    }
  }();
  return locale ? &std::use_facet<std::ctype<wchar_t>>(*locale) : nullptr;
}

char32_t upper(char32_t c) {
  if (c < 0x80) {
    return ascii_upper(c);
  }
  if (c == k_dotless_i || c > k_max_code_point) {
    return c;
  }
  const std::ctype<wchar_t>* ctype = unicode_ctype();
  static_assert(sizeof(wchar_t) == sizeof(char32_t), "wchar_t holds a code point");
  return ctype != nullptr ? static_cast<char32_t>(ctype->toupper(static_cast<wchar_t>(c))) : c;
}

// The length of the UTF-8 sequence `lead` starts, and the bits it carries.
std::size_t sequence_length(unsigned char lead, char32_t& bits) {
  if (lead >= 0xC2 && lead <= 0xDF) {
    bits = lead & 0x1FU;
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    bits = lead & 0x0FU;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    bits = lead & 0x07U;
    return 4;
  }
  return 0;
}

// The uppercase code points of UTF-8 text.
std::u32string folded(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    char32_t code_point = 0;
    const std::size_t length = sequence_length(lead, code_point);
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0U) == 0x80U;
      code_point = (code_point << 6U) | (next & 0x3FU);
    }
    constexpr char32_t k_smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && code_point >= k_smallest[length] && code_point <= k_max_code_point &&
            !(code_point >= 0xD800 && code_point <= 0xDFFF);
    if (lead < 0x80) {
      out.push_back(ascii_upper(lead));
      ++i;
    } else if (!valid) {
      out.push_back(k_invalid_byte + lead);
      ++i;
    } else {
      out.push_back(upper(code_point));
      i += length;
    }
  }
  return out;
}

// UTF-16 puts the characters above U+FFFF (as surrogates, D800-DFFF) before
// U+E000-U+FFFF; code point order puts them after.
char32_t utf16_order(char32_t c) {
  return c >= 0xE000 && c <= 0xFFFF ? c + 0x200000 : c;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (is_ascii(a) && is_ascii(b)) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return ascii_upper(static_cast<unsigned char>(x)) == ascii_upper(static_cast<unsigned char>(y));
    });
  }
  return folded(a) == folded(b);
}

int compare_ignore_case(std::string_view a, std::string_view b) {
  const std::u32string left = folded(a);
  const std::u32string right = folded(b);
  const auto order = std::lexicographical_compare_three_way(
      left.begin(), left.end(), right.begin(), right.end(),
      [](char32_t x, char32_t y) { return utf16_order(x) <=> utf16_order(y); });
  return order < 0 ? -1 : order > 0 ? 1 : 0;
}

bool contains_ignore_case(std::string_view text, std::string_view part) {
  return folded(text).find(folded(part)) != std::u32string::npos;
}

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
  return folded(text).starts_with(folded(prefix));
}

bool ends_with_ignore_case(std::string_view text, std::string_view suffix) {
  return folded(text).ends_with(folded(suffix));
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace automata::engine
