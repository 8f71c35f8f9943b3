#pragma once
// Text from a file or a command line made safe to print in an error: no byte
// of it can move the cursor, change colours or clear a terminal, and it is
// short enough to read. Used for diagnostics' source lines and messages.
#include <cstddef>
#include <string>
#include <string_view>

namespace automata::engine {

// What visible_text leaves as it is: a source line keeps its tabs so its
// caret lines up; a message of several lines keeps its line breaks too.
enum class Keep { nothing, tabs, tabs_and_line_breaks };

// `text` with every byte a terminal would act on written out visibly: C0
// controls and DEL as \xNN (\x1b for ESC, \x00 for NUL), C1 controls
// (U+0080..U+009F) as \u0080.., and bytes that are not UTF-8 as \xNN; a tab
// is \t unless kept.
std::string visible_text(std::string_view text, Keep keep = Keep::nothing);

// Columns the visible form of the UTF-8 sequence or byte at text[pos] takes,
// and its length in bytes (0 columns for none). For carets under a line.
struct VisibleChar {
  std::size_t bytes = 1;
  std::size_t columns = 1;
};
VisibleChar visible_char(std::string_view text, std::size_t pos);

// At most max_bytes of text (plus an ellipsis): its middle replaced by "…",
// the start kept longer than the end (where an error says what to do), cut
// only between UTF-8 sequences.
std::string elide_middle_bytes(std::string_view text, std::size_t max_bytes);

// The first byte at or before pos that starts a UTF-8 sequence.
std::size_t utf8_boundary(std::string_view text, std::size_t pos);

}  // namespace automata::engine
