#include "engine/diagnostics.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace automata::engine {

std::string render_diagnostic(const Diagnostic& d) {
  std::string out;
  if (d.pos.line > 0) {
    out = fmt::format("{}:{}:{}: {}\n", d.file, d.pos.line, d.pos.column, d.message);
    if (!d.source_line.empty()) {
      // Tabs are kept in the padding so the caret lines up under them.
      std::string pad;
      for (int i = 0; i + 1 < d.pos.column && i < static_cast<int>(d.source_line.size()); ++i) {
        pad += d.source_line[static_cast<std::size_t>(i)] == '\t' ? '\t' : ' ';
      }
      out += fmt::format("  {}\n  {}^\n", d.source_line, pad);
    }
  } else {
    out = fmt::format("{}: {}\n", d.file, d.message);
  }
  return out;
}

Diagnostics::Diagnostics(std::string file, std::string_view source) : m_file(std::move(file)), m_source(source) {
  m_line_starts.push_back(0);
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\n') {
      m_line_starts.push_back(i + 1);
    }
  }
}

SourcePos Diagnostics::position_of(std::size_t offset) const {
  const auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
  const auto line_index = static_cast<std::size_t>(it - m_line_starts.begin()) - 1;
  return {static_cast<int>(line_index + 1), static_cast<int>(offset - m_line_starts[line_index] + 1)};
}

std::size_t Diagnostics::offset_of(SourcePos pos) const {
  if (pos.line <= 0 || static_cast<std::size_t>(pos.line) > m_line_starts.size()) {
    return m_source.size();
  }
  return std::min(m_source.size(), m_line_starts[static_cast<std::size_t>(pos.line - 1)] +
                                       static_cast<std::size_t>(std::max(pos.column - 1, 0)));
}

void Diagnostics::error(SourcePos pos, std::string message) {
  Diagnostic d{m_file, pos, std::move(message), {}};
  if (pos.line > 0 && static_cast<std::size_t>(pos.line) <= m_line_starts.size()) {
    const std::size_t start = m_line_starts[static_cast<std::size_t>(pos.line - 1)];
    std::size_t end = m_source.find('\n', start);
    if (end == std::string_view::npos) {
      end = m_source.size();
    }
    d.source_line = std::string(m_source.substr(start, end - start));
    if (!d.source_line.empty() && d.source_line.back() == '\r') {
      d.source_line.pop_back();
    }
  }
  // The same problem reached by two paths is reported once.
  for (const auto& existing : m_items) {
    if (existing.pos.line == d.pos.line && existing.pos.column == d.pos.column && existing.message == d.message) {
      return;
    }
  }
  m_items.push_back(std::move(d));
}

std::string Diagnostics::render() const {
  std::vector<const Diagnostic*> sorted;
  sorted.reserve(m_items.size());
  for (const auto& d : m_items) {
    sorted.push_back(&d);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    return a->pos.line != b->pos.line ? a->pos.line < b->pos.line : a->pos.column < b->pos.column;
  });
  std::string out;
  for (const auto* d : sorted) {
    out += render_diagnostic(*d);
  }
  return out;
}

}  // namespace automata::engine
