#include "tools/fs/line_range.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tools/fs/unified_diff.hpp"

namespace automata::tools::fs {

Result<LineRange> select_lines(std::string_view content, std::size_t first, std::optional<std::size_t> last,
                               std::string_view path) {
  const auto lines = split_lines(content);
  LineRange range;
  range.total = lines.size();
  if (lines.empty() && first <= 1) {
    return range;  // an empty file: nothing to select, nothing wrong
  }
  range.first = std::max<std::size_t>(first, 1);
  range.last = std::min(last.value_or(lines.size()), lines.size());
  if (range.first > range.last) {
    return Error::failed(fmt::format("lines {} to {} are not in \"{}\", which has {} lines", range.first,
                                     last ? std::to_string(*last) : std::string("the end"), path, lines.size()));
  }
  if (range.first == 1 && range.last == lines.size()) {
    range.content = std::string(content);
    return range;
  }
  for (std::size_t i = range.first; i <= range.last; ++i) {
    range.content += lines[i - 1];
  }
  return range;
}

}  // namespace automata::tools::fs
