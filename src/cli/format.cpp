#include "cli/format.hpp"

#include <algorithm>
#include <ctime>
#include <vector>

#include <fmt/format.h>

namespace automata::cli {

namespace {

constexpr char32_t k_replacement = 0xFFFD;
constexpr std::string_view k_ellipsis = "…";

struct Range {
  char32_t first;
  char32_t last;
};

// Wide (two-column) ranges: Hangul Jamo, CJK, Hangul syllables, fullwidth
// forms and the emoji blocks. Approximate wcwidth(): over-counting a column
// only shortens a line, under-counting would wrap it.
constexpr Range k_wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
    {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
};

constexpr Range k_zero_width[] = {
    {0x0300, 0x036F}, {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
};

bool in(const Range* begin, const Range* end, char32_t code_point) {
  for (const Range* range = begin; range != end; ++range) {
    if (code_point >= range->first && code_point <= range->last) {
      return true;
    }
  }
  return false;
}

bool is_continuation(unsigned char byte) { return (byte & 0xC0U) == 0x80U; }

}  // namespace

std::string format_duration(std::chrono::milliseconds duration) {
  const long long ms = duration.count() < 0 ? 0 : duration.count();
  const long long tenths = (ms + 50) / 100;
  if (tenths < 600) {
    return fmt::format("{}.{}s", tenths / 10, tenths % 10);
  }
  const long long seconds = (ms + 500) / 1000;
  if (seconds < 3600) {
    return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  }
  const long long minutes = (ms + 30'000) / 60'000;
  return fmt::format("{}h{:02}m", minutes / 60, minutes % 60);
}

std::string format_coarse(std::chrono::milliseconds duration) {
  const long long ms = duration.count() < 0 ? 0 : duration.count();
  const long long seconds = (ms + 999) / 1000;
  if (seconds < 60) {
    return fmt::format("{}s", seconds);
  }
  return format_duration(std::max(duration, std::chrono::milliseconds(60'000)));
}

std::string format_delay(std::chrono::milliseconds duration) {
  const long long ms = duration.count() < 0 ? 0 : duration.count();
  if (ms >= 60'000) {
    return format_duration(duration);
  }
  std::string fraction = fmt::format("{:03}", ms % 1000);
  while (!fraction.empty() && fraction.back() == '0') {
    fraction.pop_back();
  }
  return fraction.empty() ? fmt::format("{}s", ms / 1000) : fmt::format("{}.{}s", ms / 1000, fraction);
}

std::optional<std::chrono::milliseconds> estimate_remaining(std::size_t done, std::size_t total,
                                                            std::chrono::milliseconds elapsed) {
  if (total == 0 || done == 0) {
    return std::nullopt;
  }
  if (done >= total) {
    return std::chrono::milliseconds(0);
  }
  const auto per_step = static_cast<double>(elapsed.count()) / static_cast<double>(done);
  return std::chrono::milliseconds(static_cast<long long>(per_step * static_cast<double>(total - done) + 0.5));
}

std::string format_time_of_day(engine::SystemTime time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return fmt::format("{:02}:{:02}:{:02}", parts.tm_hour, parts.tm_min, parts.tm_sec);
}

char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2;
    value = lead & 0x1FU;
    minimum = 0x80;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3;
    value = lead & 0x0FU;
    minimum = 0x800;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4;
    value = lead & 0x07U;
    minimum = 0x10000;
  } else {
    ++pos;
    return k_replacement;
  }
  if (pos + length > text.size()) {
    ++pos;
    return k_replacement;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(byte)) {
      ++pos;
      return k_replacement;
    }
    value = (value << 6U) | (byte & 0x3FU);
  }
  // Overlong forms, surrogates and values past U+10FFFF are malformed too.
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++pos;
    return k_replacement;
  }
  pos += length;
  return value;
}

void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0U | (code_point >> 6U));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0U | (code_point >> 12U));
    out += static_cast<char>(0x80U | ((code_point >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  } else {
    out += static_cast<char>(0xF0U | (code_point >> 18U));
    out += static_cast<char>(0x80U | ((code_point >> 12U) & 0x3FU));
    out += static_cast<char>(0x80U | ((code_point >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  }
}

std::size_t code_point_width(char32_t code_point) {
  if (in(std::begin(k_zero_width), std::end(k_zero_width), code_point)) {
    return 0;
  }
  if (in(std::begin(k_wide), std::end(k_wide), code_point)) {
    return 2;
  }
  return 1;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    width += code_point_width(next_code_point(text, pos));
  }
  return width;
}

std::string elide_middle(std::string_view text, std::size_t width) {
  struct Piece {
    std::size_t offset;
    std::size_t width;
  };
  std::vector<Piece> pieces;
  std::size_t total = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t offset = pos;
    const std::size_t columns = code_point_width(next_code_point(text, pos));
    pieces.push_back({offset, columns});
    total += columns;
  }
  if (total <= width) {
    return std::string(text);
  }
  if (width == 0) {
    return {};
  }
  const std::size_t budget = width - 1;  // one column for the ellipsis
  const std::size_t tail_budget = budget / 2;
  const std::size_t head_budget = budget - tail_budget;

  std::size_t head_end = 0;  // index into pieces
  for (std::size_t used = 0; head_end < pieces.size() && used + pieces[head_end].width <= head_budget; ++head_end) {
    used += pieces[head_end].width;
  }
  std::size_t tail_begin = pieces.size();
  for (std::size_t used = 0; tail_begin > head_end && used + pieces[tail_begin - 1].width <= tail_budget; --tail_begin) {
    used += pieces[tail_begin - 1].width;
  }
  const std::size_t head_bytes = head_end < pieces.size() ? pieces[head_end].offset : text.size();
  const std::size_t tail_offset = tail_begin < pieces.size() ? pieces[tail_begin].offset : text.size();
  std::string out;
  out.reserve(head_bytes + k_ellipsis.size() + (text.size() - tail_offset));
  out.append(text.substr(0, head_bytes));
  out.append(k_ellipsis);
  out.append(text.substr(tail_offset));
  return out;
}

std::string strip_ansi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '\x1b') {
      out += text[i++];
      continue;
    }
    ++i;
    if (i >= text.size()) {
      break;
    }
    if (text[i] == '[') {
      // CSI: parameter and intermediate bytes, then one final byte 0x40-0x7E.
      ++i;
      while (i < text.size() && (text[i] < 0x40 || text[i] > 0x7E)) {
        ++i;
      }
      ++i;
    } else if (text[i] == ']') {
      // OSC: ends with BEL or ESC '\'.
      ++i;
      while (i < text.size() && text[i] != '\a' && !(text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '\\')) {
        ++i;
      }
      i += (i < text.size() && text[i] == '\x1b') ? 2 : 1;
    } else {
      // ESC, intermediate bytes 0x20-0x2F, one final byte.
      while (i < text.size() && text[i] >= 0x20 && text[i] <= 0x2F) {
        ++i;
      }
      ++i;
    }
  }
  return out;
}

std::string sanitize_line(std::string_view line) {
  std::string plain = strip_ansi(line);
  while (!plain.empty() && plain.back() == '\r') {
    plain.pop_back();
  }
  if (const auto cr = plain.rfind('\r'); cr != std::string::npos) {
    plain.erase(0, cr + 1);
  }
  std::string out;
  out.reserve(plain.size());
  for (const char c : plain) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\t') {
      out += ' ';
    } else if (byte >= 0x20 && byte != 0x7F) {
      out += c;
    }
  }
  return out;
}

std::string paint(std::string_view text, std::string_view sgr, bool color) {
  if (!color || text.empty()) {
    return std::string(text);
  }
  return fmt::format("\x1b[{}m{}\x1b[0m", sgr, text);
}

std::string paint_symbol(std::string_view symbol, bool color) {
  std::string_view sgr = "1";
  if (symbol == "✓") {
    sgr = "32";
  } else if (symbol == "✗") {
    sgr = "31";
  } else if (symbol == "↻" || symbol == "⏸") {
    sgr = "33";
  } else if (symbol == "⊘") {
    sgr = "2";
  }
  return paint(symbol, sgr, color);
}

}  // namespace automata::cli
