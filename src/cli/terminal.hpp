#pragma once
// Terminal policy for one output stream (style.md "Processes and the
// terminal"): whether it is a terminal, whether to color, how wide it is.
// Color precedence (reference 3.2): --no-color > NO_COLOR > FORCE_COLOR /
// CLICOLOR_FORCE > the stream is a terminal whose TERM is not "dumb".
#include <cstdlib>
#include <functional>
#include <optional>

namespace automata::cli {

struct TerminalInfo {
  bool is_tty = false;  // isatty(fd) and TERM is not "dumb"
  bool color = false;
  int width = 80;       // columns; never below 1
};

using GetEnv = std::function<const char*(const char*)>;

// The getenv parameter is the seam tests use to inject an environment.
TerminalInfo detect_terminal(int fd, bool no_color_flag, const GetEnv& getenv = ::getenv);

// Columns of the terminal on fd (ioctl TIOCGWINSZ), or nullopt when fd is not
// a terminal or reports no size. Cheap enough to ask before every redraw.
std::optional<int> terminal_width(int fd);
// Rows of the terminal on fd, likewise.
std::optional<int> terminal_height(int fd);

}  // namespace automata::cli
