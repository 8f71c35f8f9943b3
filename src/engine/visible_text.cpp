#include "engine/visible_text.hpp"

#include <fmt/format.h>

namespace automata::engine {
namespace {

constexpr std::string_view k_ellipsis = "…";

bool is_continuation(unsigned char byte) { return (byte & 0xC0U) == 0x80U; }

// The length of the well-formed UTF-8 sequence at pos, or 0 when the byte
// there does not start one (a stray continuation byte, an overlong lead, a
// truncated sequence).
std::size_t sequence_length(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t length = 0;
  if (lead < 0x80U) {
    return 1;
  }
  if (lead >= 0xC2U && lead <= 0xDFU) {
    length = 2;
  } else if (lead >= 0xE0U && lead <= 0xEFU) {
    length = 3;
  } else if (lead >= 0xF0U && lead <= 0xF4U) {
    length = 4;
  } else {
    return 0;
  }
  if (pos + length > text.size()) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(static_cast<unsigned char>(text[pos + i]))) {
      return 0;
    }
  }
  return length;
}

// U+0080..U+009F: C2 80..C2 9F. Some terminals read U+009B as CSI.
bool is_c1_control(std::string_view text, std::size_t pos) {
  return static_cast<unsigned char>(text[pos]) == 0xC2U &&
         static_cast<unsigned char>(text[pos + 1]) <= 0x9FU;
}

}  // namespace

VisibleChar visible_char(std::string_view text, std::size_t pos) {
  const auto byte = static_cast<unsigned char>(text[pos]);
  if (byte < 0x20U || byte == 0x7FU) {
    return {1, byte == '\t' ? 1U : 4U};  // \x1b
  }
  const std::size_t length = sequence_length(text, pos);
  if (length == 0) {
    return {1, 4};  // \xff
  }
  if (length == 2 && is_c1_control(text, pos)) {
    return {2, 6};  // \u009b
  }
  return {length, 1};
}

std::string visible_text(std::string_view text, Keep keep) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte == '\t') {
      out += keep == Keep::nothing ? "\\t" : "\t";
      ++pos;
      continue;
    }
    if (byte == '\n' && keep == Keep::tabs_and_line_breaks) {
      out += '\n';
      ++pos;
      continue;
    }
    if (byte < 0x20U || byte == 0x7FU) {
      out += fmt::format("\\x{:02x}", byte);
      ++pos;
      continue;
    }
    const std::size_t length = sequence_length(text, pos);
    if (length == 0) {
      out += fmt::format("\\x{:02x}", byte);
      ++pos;
    } else if (length == 2 && is_c1_control(text, pos)) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[pos + 1]));
      pos += 2;
    } else {
      out.append(text.substr(pos, length));
      pos += length;
    }
  }
  return out;
}

std::size_t utf8_boundary(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) {
    return text.size();
  }
  // At most three continuation bytes precede a lead byte in UTF-8.
  for (std::size_t back = 0; back < 3 && pos > 0 && is_continuation(static_cast<unsigned char>(text[pos])); ++back) {
    --pos;
  }
  return pos;
}

std::string elide_middle_bytes(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return std::string(text);
  }
  const std::size_t keep_end = max_bytes / 3;
  const std::size_t head = utf8_boundary(text, max_bytes - keep_end);
  const std::size_t tail = utf8_boundary(text, text.size() - keep_end);
  std::string out(text.substr(0, head));
  out += k_ellipsis;
  out += text.substr(tail);
  return out;
}

}  // namespace automata::engine
