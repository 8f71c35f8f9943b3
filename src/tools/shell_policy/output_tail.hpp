#pragma once
// Output of a command for a model: only the last `limit` bytes are kept (the
// end of a build log is where the error is), with a count of what was dropped.
#include <cstddef>
#include <string>
#include <string_view>

namespace automata::tools::shell_policy {

class OutputTail {
 public:
  explicit OutputTail(std::size_t limit) : m_limit(limit) {}
  void append(std::string_view chunk);
  std::size_t dropped() const { return m_dropped + kept_start(); }
  // The kept bytes, preceded by "[... N bytes dropped ...]\n" when some were
  // dropped; a UTF-8 sequence cut at the start is dropped whole.
  std::string text() const;

 private:
  std::size_t kept_start() const;  // where the kept tail begins in m_kept

  std::size_t m_limit;
  std::size_t m_dropped = 0;
  std::string m_kept;
};

}  // namespace automata::tools::shell_policy
