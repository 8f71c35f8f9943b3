#include "tools/agent/truncate.hpp"

#include <fmt/format.h>

namespace automata::tools::agent {
namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string with_thousands(std::size_t number) {
  std::string digits = std::to_string(number);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

std::string truncate_middle(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return std::string(text);
  }
  std::size_t head = max_bytes / 2;
  std::size_t tail_start = text.size() - (max_bytes - head);
  while (head > 0 && is_continuation(text[head])) {
    --head;
  }
  while (tail_start < text.size() && is_continuation(text[tail_start])) {
    ++tail_start;
  }
  return fmt::format("{}\n[... {} bytes cut ...]\n{}", text.substr(0, head), with_thousands(tail_start - head),
                     text.substr(tail_start));
}

}  // namespace automata::tools::agent
