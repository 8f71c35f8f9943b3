#include "tools/llm/refusal.hpp"

namespace automata::tools::llm {
namespace {

// Enough for a sentence or two of reason; the whole text is in the outputs.
constexpr std::size_t k_max_reason = 300;

}  // namespace

std::string refusal_line(std::string_view refusal) {
  std::string reason;
  bool space = false;
  for (const char c : refusal) {
    const bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    if (blank) {
      space = !reason.empty();
      continue;
    }
    if (space) {
      reason += ' ';
      space = false;
    }
    reason += c;
  }
  if (reason.empty()) {
    return "the model refused (no reason given)";
  }
  if (reason.size() > k_max_reason) {
    std::size_t cut = k_max_reason;
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) {
      --cut;  // not inside a UTF-8 character
    }
    reason = reason.substr(0, cut) + "…";
  }
  return "the model refused: " + reason;
}

}  // namespace automata::tools::llm
