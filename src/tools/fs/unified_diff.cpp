#include "tools/fs/unified_diff.hpp"

#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace automata::tools::fs {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// "a/src/x.cpp\t2024-01-01 ..." -> "src/x.cpp" (or "a/src/x.cpp" unstripped); "/dev/null" -> "".
std::string header_path(std::string_view rest, bool strip_prefix) {
  if (const auto tab = rest.find('\t'); tab != std::string_view::npos) {
    rest = rest.substr(0, tab);
  }
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r')) {
    rest.remove_suffix(1);
  }
  if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') {
    rest = rest.substr(1, rest.size() - 2);
  }
  if (rest == "/dev/null") {
    return {};
  }
  if (strip_prefix && (starts_with(rest, "a/") || starts_with(rest, "b/"))) {
    rest.remove_prefix(2);
  }
  return std::string(rest);
}

std::optional<std::size_t> parse_number(std::string_view& text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) {
    return std::nullopt;
  }
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

// "@@ -12,7 +12,8 @@ heading": the old start and count; nullopt if malformed.
std::optional<std::pair<std::size_t, std::size_t>> parse_hunk_header(std::string_view line) {
  if (!starts_with(line, "@@ -")) {
    return std::nullopt;
  }
  line.remove_prefix(4);
  const auto start = parse_number(line);
  if (!start) {
    return std::nullopt;
  }
  std::size_t count = 1;
  if (starts_with(line, ",")) {
    line.remove_prefix(1);
    const auto parsed = parse_number(line);
    if (!parsed) {
      return std::nullopt;
    }
    count = *parsed;
  }
  if (!starts_with(line, " +")) {
    return std::nullopt;
  }
  return std::pair{*start, count};
}

std::string shown(std::string_view line) {
  if (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
  }
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  constexpr std::size_t k_max = 120;
  return line.size() > k_max ? fmt::format("\"{}...\"", line.substr(0, k_max)) : fmt::format("\"{}\"", line);
}

bool matches_at(const std::vector<Line>& lines, std::size_t at, const std::vector<Line>& wanted) {
  if (at + wanted.size() > lines.size()) {
    return false;
  }
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (lines[at + i] != wanted[i]) {
      return false;
    }
  }
  return true;
}

// Why the hunk does not match at `at`: the first differing line.
std::string mismatch_at(const std::vector<Line>& lines, std::size_t at, const std::vector<Line>& wanted) {
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const std::size_t number = at + i + 1;
    if (at + i >= lines.size()) {
      return fmt::format("line {} expected {}, but the file has only {} lines", number, shown(wanted[i]), lines.size());
    }
    if (lines[at + i] != wanted[i]) {
      const Line& found = lines[at + i];
      if (shown(found) == shown(wanted[i])) {
        return fmt::format("line {} is {} but differs in the newline at the end of the file", number, shown(found));
      }
      return fmt::format("line {} expected {}, found {}", number, shown(wanted[i]), shown(found));
    }
  }
  return "it matches";  // not reached: only called after a failed match
}

}  // namespace

std::vector<Line> split_lines(std::string_view content) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < content.size()) {
    const auto end = content.find('\n', start);
    if (end == std::string_view::npos) {
      lines.emplace_back(content.substr(start));
      break;
    }
    lines.emplace_back(content.substr(start, end + 1 - start));
    start = end + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<Line>& lines) {
  std::string content;
  for (const auto& line : lines) {
    content += line;
  }
  return content;
}

bool uses_crlf(std::string_view content) {
  std::size_t newlines = 0;
  std::size_t crlf = 0;
  for (std::size_t at = content.find('\n'); at != std::string_view::npos; at = content.find('\n', at + 1)) {
    ++newlines;
    crlf += at > 0 && content[at - 1] == '\r' ? 1 : 0;
  }
  return crlf > 0 && crlf * 2 >= newlines;
}

std::string to_crlf(std::string_view text) {
  std::string converted;
  converted.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) {
      converted += '\r';
    }
    converted += text[i];
  }
  return converted;
}

Result<std::vector<FileDiff>> parse_unified_diff(std::string_view text) {
  const auto lines = split_lines(text);
  const auto body = [&](std::size_t i) {
    std::string_view line = lines[i];
    if (!line.empty() && line.back() == '\n') {
      line.remove_suffix(1);
    }
    return line;
  };
  std::vector<FileDiff> files;
  std::size_t i = 0;
  while (i < lines.size()) {
    const auto line = body(i);
    if (starts_with(line, "--- ") && i + 1 < lines.size() && starts_with(body(i + 1), "+++ ")) {
      FileDiff file;
      file.old_path = header_path(line.substr(4), true);
      file.new_path = header_path(body(i + 1).substr(4), true);
      file.old_as_written = header_path(line.substr(4), false);
      if (file.old_path.empty() && file.new_path.empty()) {
        return Error::failed(fmt::format("diff line {}: both sides are /dev/null", i + 1));
      }
      files.push_back(std::move(file));
      i += 2;
      continue;
    }
    if (!starts_with(line, "@@")) {
      ++i;  // diff --git, index, mode lines, prose
      continue;
    }
    const auto header = parse_hunk_header(line);
    if (!header) {
      return Error::failed(
          fmt::format("diff line {}: malformed hunk header \"{}\"; expected \"@@ -l,s +l,s @@\"", i + 1, line));
    }
    if (files.empty()) {
      files.emplace_back();  // bare hunks: the caller names the file
    }
    Hunk hunk;
    hunk.old_start = header->first;
    const std::size_t old_count = header->second;
    ++i;
    for (; i < lines.size(); ++i) {
      const auto current = body(i);
      const std::string text_line = std::string(current.empty() ? current : current.substr(1)) + "\n";
      if (current.empty()) {
        // An empty line where an empty context line belongs (editors strip the space).
        hunk.old_lines.push_back("\n");
        hunk.new_lines.push_back("\n");
      } else if (current[0] == ' ') {
        hunk.old_lines.push_back(text_line);
        hunk.new_lines.push_back(text_line);
      } else if (current[0] == '-' &&
                 !(starts_with(current, "--- ") && i + 1 < lines.size() && starts_with(body(i + 1), "+++ "))) {
        hunk.old_lines.push_back(text_line);
      } else if (current[0] == '+') {
        hunk.new_lines.push_back(text_line);
      } else if (current[0] == '\\') {
        // "\ No newline at end of file": the line before it has no terminator.
        const auto previous = body(i - 1);
        const auto drop = [](std::vector<Line>& side) {
          if (!side.empty() && side.back().back() == '\n') {
            side.back().pop_back();
          }
        };
        if (!previous.empty() && previous[0] != '+') {
          drop(hunk.old_lines);
        }
        if (!previous.empty() && previous[0] != '-') {
          drop(hunk.new_lines);
        }
      } else {
        break;
      }
    }
    // Blank lines after the last hunk are not context the diff meant.
    while (hunk.old_lines.size() > old_count && !hunk.old_lines.empty() && hunk.old_lines.back() == "\n" &&
           !hunk.new_lines.empty() && hunk.new_lines.back() == "\n") {
      hunk.old_lines.pop_back();
      hunk.new_lines.pop_back();
    }
    files.back().hunks.push_back(std::move(hunk));
  }
  if (files.empty()) {
    return Error::failed("the diff has no hunks (no \"@@ -l,s +l,s @@\" line)");
  }
  for (const auto& file : files) {
    if (file.hunks.empty() && !file.old_path.empty() && !file.new_path.empty()) {
      return Error::failed(fmt::format("the diff of {} has no hunks", file.path()));
    }
  }
  return files;
}

Result<std::string> apply_hunks(std::string_view content, const std::vector<Hunk>& hunks, std::string_view path) {
  auto lines = split_lines(content);
  const bool crlf = uses_crlf(content);
  long shift = 0;         // lines added minus removed by earlier hunks
  std::size_t floor = 0;  // hunks apply in order and do not overlap
  for (std::size_t h = 0; h < hunks.size(); ++h) {
    Hunk hunk = hunks[h];
    if (crlf) {
      for (auto* side : {&hunk.old_lines, &hunk.new_lines}) {
        for (auto& line : *side) {
          line = to_crlf(line);
        }
      }
    }
    const auto stated_raw = static_cast<long>(hunk.old_start == 0 ? 0 : hunk.old_start - 1) + shift;
    const auto stated = static_cast<std::size_t>(std::max<long>(stated_raw, 0));
    std::optional<std::size_t> found;
    if (hunk.old_lines.empty()) {
      // Pure insertion: after the stated line (old_start 0: at the top).
      const std::size_t at = hunk.old_start == 0 ? 0 : std::min(stated + 1, lines.size());
      found = std::max(at, floor);
    } else {
      // The stated position, then outward: +1, -1, +2, -2, ...
      const std::size_t limit = lines.size();
      for (std::size_t distance = 0; !found && distance <= limit; ++distance) {
        if (stated + distance >= floor && matches_at(lines, stated + distance, hunk.old_lines)) {
          found = stated + distance;
        } else if (distance > 0 && distance <= stated && stated - distance >= floor &&
                   matches_at(lines, stated - distance, hunk.old_lines)) {
          found = stated - distance;
        }
      }
    }
    if (!found) {
      const std::size_t at = std::min(stated, lines.size());
      return Error::failed(
          fmt::format("hunk {} of {} does not apply: {}", h + 1, path, mismatch_at(lines, at, hunk.old_lines)));
    }
    const auto begin = lines.begin() + static_cast<long>(*found);
    lines.erase(begin, begin + static_cast<long>(hunk.old_lines.size()));
    lines.insert(lines.begin() + static_cast<long>(*found), hunk.new_lines.begin(), hunk.new_lines.end());
    floor = *found + hunk.new_lines.size();
    shift += static_cast<long>(hunk.new_lines.size()) - static_cast<long>(hunk.old_lines.size());
  }
  return join_lines(lines);
}

}  // namespace automata::tools::fs
