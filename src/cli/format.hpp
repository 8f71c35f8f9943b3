#pragma once
// Text helpers for the renderers: durations, ETA, display width, elision and
// cleaning step output for a terminal. Pure functions; time comes in as
// arguments (ninja FormatProgressStatus), never from a clock.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "engine/clock.hpp"

namespace automata::cli {

// "0.4s", "12.3s" below a minute; "3m04s" below an hour; "1h02m" above.
// Each form rounds to its last digit; negative durations read as zero.
std::string format_duration(std::chrono::milliseconds duration);

// Whole seconds, rounded up, below a minute ("20s", "1s"); format_duration
// above. For ETAs, where tenths are noise.
std::string format_coarse(std::chrono::milliseconds duration);

// A delay as it was chosen, not rounded: "0.2s", "1.25s", "4s", "0s" below a
// minute (trailing zeros dropped), format_duration above. For retry delays:
// a 200ms backoff must not read "in 1s".
std::string format_delay(std::chrono::milliseconds duration);

// Time left if the remaining steps go at the rate done so far; nullopt while
// nothing is done or the total is unknown (0). Zero once done >= total.
std::optional<std::chrono::milliseconds> estimate_remaining(std::size_t done, std::size_t total,
                                                            std::chrono::milliseconds elapsed);

// "15:30:12", UTC.
std::string format_time_of_day(engine::SystemTime time);

// The next code point of UTF-8 text at pos, advancing pos past it; a malformed
// or truncated sequence yields U+FFFD and advances one byte.
char32_t next_code_point(std::string_view text, std::size_t& pos);
void append_utf8(std::string& out, char32_t code_point);

// Terminal columns of one code point: 0 for combining marks and zero-width
// characters, 2 for East Asian wide characters and emoji, else 1.
std::size_t code_point_width(char32_t code_point);
// Columns of text that holds no escape sequences or control characters.
std::size_t display_width(std::string_view text);

// Shortens text to at most width columns by replacing its middle with "…",
// cutting only between code points (ninja elide_middle, on columns).
std::string elide_middle(std::string_view text, std::size_t width);

// Removes ANSI/VT escape sequences (CSI, OSC, two-byte ESC sequences).
std::string strip_ansi(std::string_view text);

// One line of step output made safe to place inside a redrawn terminal line:
// escapes removed, a trailing '\r' dropped, only the text after the last
// carriage return kept (what a terminal would show), tabs as spaces, other
// control characters removed.
std::string sanitize_line(std::string_view line);

// text wrapped in an SGR sequence ("32" green, "31" red, "33" yellow, "2"
// dim, "1" bold) and a reset when color is on; text itself otherwise.
std::string paint(std::string_view text, std::string_view sgr, bool color);
// A status symbol in its color: ✓ green, ✗ red, ↻ and ⏸ yellow, ⊘ dim.
std::string paint_symbol(std::string_view symbol, bool color);

}  // namespace automata::cli
