#pragma once
// Unified diffs as models and `git diff` write them: `--- a/x` / `+++ b/x`
// headers (a/ b/ prefixes and trailing timestamps dropped, /dev/null for a
// new or deleted file), `@@ -l,s +l,s @@` hunks, "\ No newline at end of
// file". Anything before a `---` header (diff --git, index, mode lines,
// prose) is skipped. Hunk counts are not trusted: a hunk runs until the next
// line that cannot belong to it.
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace automata::tools::fs {

// A line of a file or hunk with its terminator: "x\n", or "x" for a last
// line without a newline. Comparing with the terminator makes "\ No newline
// at end of file" exact.
using Line = std::string;

struct Hunk {
  std::size_t old_start = 0;    // 1-based line the hunk says it starts at (0: empty old side)
  std::vector<Line> old_lines;  // context and removed lines, in order
  std::vector<Line> new_lines;  // context and added lines, in order
};

struct FileDiff {
  std::string old_path;  // "" for /dev/null (a new file)
  std::string new_path;  // "" for /dev/null (a deleted file)
  // old_path with an "a/" prefix kept: a diff without prefixes of a file in a
  // directory named "a" (used when old_path does not exist and this does).
  std::string old_as_written;
  std::vector<Hunk> hunks;
  // The path the diff changes (new_path unless the file is deleted).
  const std::string& path() const { return new_path.empty() ? old_path : new_path; }
};

// Parses diff text. Text that is only hunks (no ---/+++ headers) gives one
// FileDiff with empty paths; the caller supplies the path.
Result<std::vector<FileDiff>> parse_unified_diff(std::string_view text);

std::vector<Line> split_lines(std::string_view content);
std::string join_lines(const std::vector<Line>& lines);

// Whether most lines of the text end with "\r\n" (a Windows-style file).
bool uses_crlf(std::string_view content);
// "\n" line ends that lack a "\r" get one: an edit written with plain
// newlines (as models write them) applied to a CRLF file.
std::string to_crlf(std::string_view text);

// Applies the hunks in order to `content`. Each hunk's old lines must match
// exactly (except that plain newlines match CRLF ones in a CRLF file); it is
// looked for at its stated line first (shifted by what earlier hunks added or
// removed), then at the nearest lines around it. Errors name
// the hunk and the first line that differs at the stated position:
// `hunk 2 of src/main.cpp does not apply: line 41 expected "int x = 1;", found "int x = 2;"`.
Result<std::string> apply_hunks(std::string_view content, const std::vector<Hunk>& hunks, std::string_view path);

}  // namespace automata::tools::fs
