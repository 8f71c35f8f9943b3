#pragma once
// Diagnostics are data (style.md): kind, file, line, column, message; rendered
//   file:line:col: message
//     <source line>
//     <spaces>^
// The loader reports every problem of a file at once into a Diagnostics list.
// What is printed is bounded and inert: a long line is shown as the part
// around the column, cut with "…"; a long message loses its middle; control
// characters and bytes that are not UTF-8 are written out (\x1b), never sent
// to the terminal as they are (visible_text.hpp).
#include <string>
#include <string_view>
#include <vector>

namespace automata::engine {

struct SourcePos {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based
};

struct Diagnostic {
  std::string file;
  SourcePos pos;
  std::string message;
  std::string source_line;  // the line of the file the position is on, or the part of it around the column
  std::size_t line_from = 0;  // the byte of the line source_line starts at: > 0 when its start was cut
  bool line_cut = false;      // the line goes on after source_line
};

// The longest message kept (the middle of a longer one is cut), and the
// bytes of a source line shown: before the column, and in all.
inline constexpr std::size_t k_max_message_bytes = 400;
inline constexpr std::size_t k_excerpt_before = 80;
inline constexpr std::size_t k_excerpt_bytes = 200;

std::string render_diagnostic(const Diagnostic& diagnostic);

class Diagnostics {
 public:
  Diagnostics(std::string file, std::string_view source);
  void error(SourcePos pos, std::string message);
  bool empty() const { return m_items.empty(); }
  std::size_t size() const { return m_items.size(); }
  const std::vector<Diagnostic>& items() const { return m_items; }
  // Every diagnostic rendered, sorted by position, each ending in '\n'.
  std::string render() const;
  const std::string& file() const { return m_file; }
  // Line/column of a byte offset in the source.
  SourcePos position_of(std::size_t offset) const;
  std::size_t offset_of(SourcePos pos) const;
  std::string_view source() const { return m_source; }

 private:
  std::string m_file;
  std::string_view m_source;
  std::vector<std::size_t> m_line_starts;
  std::vector<Diagnostic> m_items;
};

}  // namespace automata::engine
