#pragma once
// Runaway loops are the most reported agent failure (agents-protocols-forges.md
// §0.3, after OpenHands' StuckDetector). Fed every executed tool call with its
// result, it recognises:
//   - the same call with the same result `repeat_limit` times in a row;
//   - the same call failing `repeat_limit` times in a row (results may differ);
//   - A-B-A-B: two calls alternating with the same results.
// The loop tells the model once and stops it the next time a pattern shows.
#include <optional>
#include <string>
#include <vector>

namespace automata::tools::agent {

class StuckDetector {
 public:
  explicit StuckDetector(std::size_t repeat_limit = 3) : m_repeat_limit(repeat_limit) {}

  // `call` identifies the call (tool name and canonical arguments); returns a
  // description of the pattern the history now ends with, if any.
  std::optional<std::string> record(const std::string& call, const std::string& result, bool is_error);

 private:
  struct Entry {
    std::string call;
    std::string result;
    bool is_error = false;
  };

  std::size_t m_repeat_limit;
  std::vector<Entry> m_history;
};

}  // namespace automata::tools::agent
