#pragma once
// Diagnostics are data (style.md): kind, file, line, column, message; rendered
//   file:line:col: message
//     <source line>
//     <spaces>^
// The loader reports every problem of a file at once into a Diagnostics list.
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
  std::string source_line;  // the line of the file the position is on (may be empty)
};

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
