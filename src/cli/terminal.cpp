#include "cli/terminal.hpp"

#include <charconv>
#include <string_view>

#include <sys/ioctl.h>
#include <unistd.h>

namespace automata::cli {

namespace {

constexpr int k_default_width = 80;

bool set_and_not(const char* value, std::string_view off) {
  return value != nullptr && *value != '\0' && std::string_view(value) != off;
}

std::optional<int> positive_int(const char* value) {
  if (value == nullptr) {
    return std::nullopt;
  }
  const std::string_view text(value);
  int parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size() || parsed <= 0) {
    return std::nullopt;
  }
  return parsed;
}

}  // namespace

std::optional<int> terminal_width(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) {
    return std::nullopt;
  }
  return static_cast<int>(size.ws_col);
}

std::optional<int> terminal_height(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0) {
    return std::nullopt;
  }
  return static_cast<int>(size.ws_row);
}

TerminalInfo detect_terminal(int fd, bool no_color_flag, const GetEnv& getenv) {
  TerminalInfo info;
  const char* term = getenv("TERM");
  info.is_tty = ::isatty(fd) == 1 && !(term != nullptr && std::string_view(term) == "dumb");

  if (no_color_flag || set_and_not(getenv("NO_COLOR"), {})) {
    info.color = false;
  } else if (set_and_not(getenv("FORCE_COLOR"), "0") || set_and_not(getenv("CLICOLOR_FORCE"), "0")) {
    info.color = true;
  } else {
    info.color = info.is_tty;
  }

  if (const auto columns = terminal_width(fd)) {
    info.width = *columns;
  } else if (const auto env_columns = positive_int(getenv("COLUMNS"))) {
    info.width = *env_columns;
  } else {
    info.width = k_default_width;
  }
  return info;
}

}  // namespace automata::cli
