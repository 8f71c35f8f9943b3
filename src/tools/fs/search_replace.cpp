#include "tools/fs/search_replace.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/suggest.hpp"
#include "tools/fs/unified_diff.hpp"

namespace automata::tools::fs {
namespace {

std::size_t line_of(std::string_view content, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(content.begin(), content.begin() + static_cast<long>(offset), '\n'));
}

std::string_view trimmed(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  return line;
}

// The file line closest (by edit distance) to the first non-blank line of
// the search text, as `12: "int x = 2;"`.
std::string nearest_line(std::string_view content, std::string_view search) {
  std::string wanted;
  for (const auto& line : split_lines(search)) {
    if (!trimmed(line).empty()) {
      wanted = std::string(trimmed(line));
      break;
    }
  }
  const auto lines = split_lines(content);
  std::size_t best = lines.size();
  std::size_t best_distance = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto candidate = trimmed(lines[i]);
    const auto distance = engine::edit_distance(candidate, wanted, std::max(candidate.size(), wanted.size()));
    if (distance < best_distance) {
      best_distance = distance;
      best = i;
    }
  }
  if (best == lines.size()) {
    return "the file is empty";
  }
  return fmt::format("the nearest line is {}: \"{}\" (the search text starts with \"{}\")", best + 1,
                     trimmed(lines[best]), wanted);
}

}  // namespace

Result<std::string> apply_search_replace(std::string_view content, const std::vector<SearchReplace>& blocks,
                                         std::string_view path) {
  std::string text(content);
  const bool crlf = uses_crlf(content);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    // Plain newlines in an edit of a CRLF file mean CRLF.
    const SearchReplace block = crlf ? SearchReplace{to_crlf(blocks[b].search), to_crlf(blocks[b].replace)} : blocks[b];
    if (block.search.empty()) {
      return Error::failed(
          fmt::format("block {} of {}: the search text is empty; quote the lines to replace", b + 1, path));
    }
    std::vector<std::size_t> offsets;
    for (auto at = text.find(block.search); at != std::string::npos; at = text.find(block.search, at + 1)) {
      offsets.push_back(at);
    }
    if (offsets.empty()) {
      return Error::failed(fmt::format("block {} of {}: the search text is not in the file; {}", b + 1, path,
                                       nearest_line(text, block.search)));
    }
    if (offsets.size() > 1) {
      std::vector<std::size_t> lines;
      for (const auto offset : offsets) {
        lines.push_back(line_of(text, offset));
      }
      return Error::failed(fmt::format(
          "block {} of {}: the search text occurs {} times (lines {}); include more surrounding lines to make it "
          "unique",
          b + 1, path, offsets.size(), fmt::join(lines, ", ")));
    }
    text.replace(offsets.front(), block.search.size(), block.replace);
  }
  return text;
}

}  // namespace automata::tools::fs
