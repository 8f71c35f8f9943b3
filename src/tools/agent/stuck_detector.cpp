#include "tools/agent/stuck_detector.hpp"

#include <fmt/format.h>

namespace automata::tools::agent {
namespace {

// Calls are named in the note to the model; keep that note short.
std::string shown(const std::string& call) { return call.size() > 120 ? call.substr(0, 117) + "..." : call; }

}  // namespace

std::optional<std::string> StuckDetector::record(const std::string& call, const std::string& result, bool is_error) {
  m_history.push_back({call, result, is_error});
  const std::size_t n = m_history.size();
  if (n >= m_repeat_limit) {
    bool same_result = true;
    bool all_failed = true;
    for (std::size_t i = n - m_repeat_limit; i < n; ++i) {
      const Entry& entry = m_history[i];
      if (entry.call != call) {
        same_result = false;
        all_failed = false;
        break;
      }
      same_result = same_result && entry.result == result && entry.is_error == is_error;
      all_failed = all_failed && entry.is_error;
    }
    if (same_result) {
      return fmt::format("the same call {} returned the same result {} times in a row", shown(call), m_repeat_limit);
    }
    if (all_failed) {
      return fmt::format("the same call {} failed {} times in a row", shown(call), m_repeat_limit);
    }
  }
  if (n >= 4) {
    const Entry& a1 = m_history[n - 4];
    const Entry& b1 = m_history[n - 3];
    const Entry& a2 = m_history[n - 2];
    const Entry& b2 = m_history[n - 1];
    const auto same = [](const Entry& x, const Entry& y) { return x.call == y.call && x.result == y.result; };
    if (same(a1, a2) && same(b1, b2) && a1.call != b1.call) {
      return fmt::format("the calls {} and {} alternate with the same results", shown(a1.call), shown(b1.call));
    }
  }
  return std::nullopt;
}

}  // namespace automata::tools::agent
