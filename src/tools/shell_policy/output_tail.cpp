#include "tools/shell_policy/output_tail.hpp"

#include <fmt/format.h>

namespace automata::tools::shell_policy {

void OutputTail::append(std::string_view chunk) {
  m_kept.append(chunk);
  if (m_kept.size() > 2 * m_limit + 4096) {
    // Trimmed in batches so a stream of small chunks is not quadratic.
    const std::size_t excess = m_kept.size() - m_limit;
    m_kept.erase(0, excess);
    m_dropped += excess;
  }
}

std::size_t OutputTail::kept_start() const {
  std::size_t start = m_kept.size() > m_limit ? m_kept.size() - m_limit : 0;
  if (start > 0 || m_dropped > 0) {
    while (start < m_kept.size() && (static_cast<unsigned char>(m_kept[start]) & 0xC0) == 0x80) {
      ++start;
    }
  }
  return start;
}

std::string OutputTail::text() const {
  const std::size_t start = kept_start();
  if (dropped() == 0) {
    return m_kept;
  }
  return fmt::format("[... {} bytes dropped ...]\n{}", dropped(), std::string_view(m_kept).substr(start));
}

}  // namespace automata::tools::shell_policy
