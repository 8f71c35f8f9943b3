#include "engine/diagnostics.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "engine/visible_text.hpp"

namespace automata::engine {

namespace {

struct Window {
  std::size_t from = 0;
  std::size_t to = 0;
};

// The bytes of `line` shown for a caret at byte `column`: all of a short
// line, else k_excerpt_bytes starting k_excerpt_before before the column.
Window excerpt_window(std::string_view line, std::size_t column) {
  if (line.size() <= k_excerpt_bytes) {
    return {0, line.size()};
  }
  column = std::min(column, line.size());
  const std::size_t from = column > k_excerpt_before ? utf8_boundary(line, column - k_excerpt_before) : 0;
  return {from, utf8_boundary(line, std::min(line.size(), from + k_excerpt_bytes))};
}

// The source line as shown, and the caret under the column: tabs are kept
// in the padding so the caret lines up under them, an escaped byte takes
// the columns of its escape.
std::string excerpt_and_caret(const Diagnostic& d) {
  const std::string_view line = d.source_line;
  const std::size_t column_in_file = static_cast<std::size_t>(std::max(d.pos.column - 1, 0));
  const std::size_t column = column_in_file > d.line_from ? column_in_file - d.line_from : 0;
  const Window window = excerpt_window(line, column);
  const bool cut_start = d.line_from > 0 || window.from > 0;
  const bool cut_end = d.line_cut || window.to < line.size();
  std::string shown = cut_start ? "…" : "";
  shown += visible_text(line.substr(window.from, window.to - window.from), Keep::tabs);
  shown += cut_end ? "…" : "";
  std::string pad = cut_start ? " " : "";
  for (std::size_t i = window.from; i < std::min(column, window.to);) {
    const VisibleChar c = visible_char(line, i);
    pad += line[i] == '\t' ? std::string("\t") : std::string(c.columns, ' ');
    i += c.bytes;
  }
  return fmt::format("  {}\n  {}^\n", shown, pad);
}

}  // namespace

std::string render_diagnostic(const Diagnostic& d) {
  const std::string file = visible_text(d.file);
  const std::string message = visible_text(elide_middle_bytes(d.message, k_max_message_bytes));
  if (d.pos.line <= 0) {
    return fmt::format("{}: {}\n", file, message);
  }
  std::string out = fmt::format("{}:{}:{}: {}\n", file, d.pos.line, d.pos.column, message);
  if (!d.source_line.empty()) {
    out += excerpt_and_caret(d);
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
  Diagnostic d{m_file, pos, elide_middle_bytes(message, k_max_message_bytes), {}};
  if (pos.line > 0 && static_cast<std::size_t>(pos.line) <= m_line_starts.size()) {
    const std::size_t start = m_line_starts[static_cast<std::size_t>(pos.line - 1)];
    std::size_t end = m_source.find('\n', start);
    if (end == std::string_view::npos) {
      end = m_source.size();
    }
    std::string_view line = m_source.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    // Only the part that will be shown is kept: a file of one 5 MB line
    // with many problems must not hold a copy of it per problem.
    const Window window = excerpt_window(line, static_cast<std::size_t>(std::max(pos.column - 1, 0)));
    d.source_line = std::string(line.substr(window.from, window.to - window.from));
    d.line_from = window.from;
    d.line_cut = window.to < line.size();
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
