#include "cli/terminal.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "cli/renderer.hpp"

using automata::cli::detect_terminal;
using automata::cli::OutputMode;
using automata::cli::resolve_output_mode;
using automata::cli::terminal_height;
using automata::cli::terminal_width;
using automata::cli::TerminalInfo;

namespace {

using Env = std::map<std::string, std::string>;

automata::cli::GetEnv fake_env(const Env& env) {
  return [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { REQUIRE(::pipe(fds) == 0); }
  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
};

// A pseudo-terminal pair; master() < 0 when the system has none.
struct Pty {
  int master = -1;
  int slave = -1;
  Pty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
      return;
    }
    const char* name = ::ptsname(master);
    if (name != nullptr) {
      slave = ::open(name, O_RDWR | O_NOCTTY);
    }
  }
  ~Pty() {
    if (slave >= 0) {
      ::close(slave);
    }
    if (master >= 0) {
      ::close(master);
    }
  }
};

}  // namespace

TEST_SUITE("cli.terminal") {
  TEST_CASE("detect_terminal on a pipe: color from the environment, width from COLUMNS") {
    struct Row {
      Env env;
      bool no_color_flag;
      bool color;
      int width;
    };
    const std::vector<Row> rows = {
        {{}, false, false, 80},
        {{{"TERM", "xterm"}}, false, false, 80},
        {{{"FORCE_COLOR", "1"}}, false, true, 80},
        {{{"FORCE_COLOR", "0"}}, false, false, 80},
        {{{"FORCE_COLOR", ""}}, false, false, 80},
        {{{"CLICOLOR_FORCE", "1"}}, false, true, 80},
        {{{"CLICOLOR_FORCE", "0"}}, false, false, 80},
        {{{"FORCE_COLOR", "1"}, {"NO_COLOR", "1"}}, false, false, 80},
        {{{"FORCE_COLOR", "1"}, {"NO_COLOR", ""}}, false, true, 80},
        {{{"CLICOLOR_FORCE", "yes"}}, true, false, 80},
        {{{"COLUMNS", "120"}}, false, false, 120},
        {{{"COLUMNS", "abc"}}, false, false, 80},
        {{{"COLUMNS", "0"}}, false, false, 80},
        {{{"COLUMNS", "-5"}}, false, false, 80},
        {{{"COLUMNS", "100x"}}, false, false, 80},
    };
    Pipe pipe;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(i);
      const TerminalInfo info = detect_terminal(pipe.fds[1], rows[i].no_color_flag, fake_env(rows[i].env));
      CHECK_FALSE(info.is_tty);
      CHECK(info.color == rows[i].color);
      CHECK(info.width == rows[i].width);
    }
    CHECK_FALSE(terminal_width(pipe.fds[1]).has_value());
    CHECK_FALSE(terminal_height(pipe.fds[1]).has_value());
  }

  TEST_CASE("detect_terminal on a pseudo-terminal: TERM=dumb, color flags, ioctl width") {
    Pty pty;
    if (pty.slave < 0) {
      MESSAGE("skipped: no pseudo-terminal available (posix_openpt failed)");
      return;
    }
    winsize size{};
    size.ws_row = 30;
    size.ws_col = 100;
    REQUIRE(::ioctl(pty.master, TIOCSWINSZ, &size) == 0);
    CHECK(terminal_width(pty.slave) == 100);
    CHECK(terminal_height(pty.slave) == 30);

    struct Row {
      Env env;
      bool no_color_flag;
      bool is_tty;
      bool color;
    };
    const std::vector<Row> rows = {
        {{{"TERM", "xterm-256color"}, {"COLUMNS", "50"}}, false, true, true},
        {{}, false, true, true},
        {{{"TERM", "dumb"}}, false, false, false},
        {{{"TERM", "dumb"}, {"FORCE_COLOR", "1"}}, false, false, true},
        {{{"TERM", "xterm"}, {"NO_COLOR", "1"}}, false, true, false},
        {{{"TERM", "xterm"}}, true, true, false},
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(i);
      const TerminalInfo info = detect_terminal(pty.slave, rows[i].no_color_flag, fake_env(rows[i].env));
      CHECK(info.is_tty == rows[i].is_tty);
      CHECK(info.color == rows[i].color);
      CHECK(info.width == 100);
    }
  }

  TEST_CASE("resolve_output_mode: auto follows the terminal") {
    TerminalInfo tty;
    tty.is_tty = true;
    const TerminalInfo pipe;
    CHECK(resolve_output_mode("auto", tty) == OutputMode::tty);
    CHECK(resolve_output_mode("auto", pipe) == OutputMode::plain);
    CHECK(resolve_output_mode("tty", pipe) == OutputMode::tty);
    CHECK(resolve_output_mode("plain", tty) == OutputMode::plain);
    CHECK(resolve_output_mode("json", tty) == OutputMode::json);
    CHECK_FALSE(resolve_output_mode("fancy", tty).has_value());
  }
}
