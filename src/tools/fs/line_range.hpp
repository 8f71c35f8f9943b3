#pragma once
// A range of lines of a text, as fs.read and an agent's read tool return it.
#include <optional>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace automata::tools::fs {

struct LineRange {
  std::string content;    // the lines, with their newlines
  std::size_t first = 0;  // 1-based, inclusive; 0 for an empty text
  std::size_t last = 0;
  std::size_t total = 0;  // lines in the whole text
};

// Lines first..last (1-based, inclusive); a last past the end is clamped, no
// last means to the end. A first past the end is an error naming `path`.
Result<LineRange> select_lines(std::string_view content, std::size_t first, std::optional<std::size_t> last,
                               std::string_view path);

}  // namespace automata::tools::fs
