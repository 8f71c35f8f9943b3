#include "tools/fs/text_check.hpp"

#include <fmt/format.h>

namespace automata::tools::fs {
namespace {

// Length of the UTF-8 sequence at `at`, or 0 when it is malformed (overlong
// forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) {
    return 1;
  }
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (at + length > text.size()) {
    return 0;
  }
  if (byte(at + 1) < low || byte(at + 1) > high) {
    return 0;
  }
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) {
      return 0;
    }
  }
  return length;
}

}  // namespace

std::optional<std::string> text_problem(std::string_view content) {
  if (const auto nul = content.find('\0'); nul != std::string_view::npos) {
    return fmt::format("contains a NUL byte at offset {} (a binary file)", nul);
  }
  std::size_t line = 1;
  for (std::size_t at = 0; at < content.size();) {
    const std::size_t length = utf8_sequence_length(content, at);
    if (length == 0) {
      return fmt::format("is not valid UTF-8 (line {}, byte offset {}): a binary file or another encoding", line, at);
    }
    line += content[at] == '\n' ? 1 : 0;
    at += length;
  }
  return std::nullopt;
}

}  // namespace automata::tools::fs
