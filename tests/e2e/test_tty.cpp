// The TTY renderer of the real binary under a real pseudo-terminal: util-linux
// `script` gives the process a terminal, so `--output auto` picks tty (cli.md
// "Global options"). The captured bytes are what a person's terminal gets.
#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "engine/process.hpp"
#include "support/binary.hpp"
#include "support/scratch.hpp"

extern char** environ;

namespace automata::test {
namespace {

namespace fs = std::filesystem;

constexpr int k_width = 60;

bool have_script() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((fs::path(dir) / "script").c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

struct Terminal {
  int exit_code = -1;
  std::string bytes;  // everything the terminal received
};

// Runs automata ARGS inside `script` on a 60x24 pseudo-terminal.
Terminal run_in_terminal(const ScratchDir& dir, const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env) {
  std::string command = fmt::format("stty cols {} rows 24 2>/dev/null; exec {} --home {}", k_width,
                                    quoted(binary_path()), quoted((dir / "home").string()));
  for (const auto& arg : args) {
    command += " " + quoted(arg);
  }
  engine::ProcessSpec spec;
  spec.argv = {"script", "-qfec", command, "/dev/null"};
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    if (key != "NO_COLOR" && key != "FORCE_COLOR" && key != "CLICOLOR_FORCE" && key != "TERM" && key != "COLUMNS" &&
        key != "LINES" && key.rfind("AUTOMATA_", 0) != 0 && key != "GITHUB_ACTIONS") {
      spec.env.push_back(entry);
    }
  }
  spec.env.push_back("TERM=xterm");
  spec.env.push_back(fmt::format("COLUMNS={}", k_width));
  spec.env.insert(spec.env.end(), extra_env.begin(), extra_env.end());
  spec.cwd = dir.path();
  spec.timeout = std::chrono::milliseconds(30000);
  Terminal terminal;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken never;
  const auto outcome = launcher.run(
      spec, [&](engine::OutputStream, std::string_view chunk) { terminal.bytes.append(chunk); }, never);
  terminal.exit_code = outcome.exit_code;
  return terminal;
}

std::string without_escapes(const std::string& bytes) {
  static const std::regex k_escape("\x1b\\[[0-9;?]*[A-Za-z]");
  return std::regex_replace(bytes, k_escape, "");
}

// The rows as drawn: split at newlines and at carriage returns (a redraw
// returns to the start of the row and overwrites it).
std::vector<std::string> rows(const std::string& bytes) {
  std::vector<std::string> out;
  std::string row;
  for (const char c : without_escapes(bytes)) {
    if (c == '\n' || c == '\r') {
      if (!row.empty()) {
        out.push_back(row);
      }
      row.clear();
    } else {
      row += c;
    }
  }
  if (!row.empty()) {
    out.push_back(row);
  }
  return out;
}

// Columns of a row: every glyph the renderer draws is one column wide.
std::size_t columns(const std::string& row) {
  std::size_t count = 0;
  for (const char c : row) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

bool any_row_matches(const std::vector<std::string>& all, const std::string& pattern) {
  const std::regex re(pattern);
  for (const auto& row : all) {
    if (std::regex_match(row, re)) {
      return true;
    }
  }
  return false;
}

bool contains(const std::string& bytes, const std::string& pattern) {
  return std::regex_search(bytes, std::regex(pattern));
}

// The permanent lines of tty.yaml's run, in either mode: `prefix` is the
// plain mode's timestamp.
void check_permanent_lines(const std::vector<std::string>& all, const std::string& prefix) {
  const std::string d = R"(\d+\.\ds)";
  CHECK(any_row_matches(all, prefix + "✓ fetch " + d));
  CHECK(any_row_matches(all, prefix + "✓ compile " + d));
  CHECK(any_row_matches(all, prefix + "✗ flaky exit 75 · " + d));
  CHECK(any_row_matches(all, prefix + R"(↻ flaky retry 2/3 in 0\.\d+s)"));
  CHECK(any_row_matches(all, prefix + "✓ flaky " + d));
  CHECK(any_row_matches(all, prefix + "✗ lint exit 3 · " + d));
  CHECK(any_row_matches(all, prefix + "✓ render-the-documentation-for-all-locales " + d));
  CHECK(any_row_matches(all, prefix + "✓ package " + d));
  CHECK(any_row_matches(all, prefix + R"(⊘ deploy skipped \(if: \$\{\{ false \}\} was false\))"));
  // The final summary (named after the workflow; "run" where the renderer does not know the name).
  CHECK(any_row_matches(all, prefix + R"(✓ (tty-demo|run) succeeded in \d+\.\ds \(7 steps\))"));
}

void check_width(const std::vector<std::string>& all) {
  for (const auto& row : all) {
    INFO("row: ", row);
    CHECK(columns(row) <= k_width);
  }
}

}  // namespace

// Not a silent pass: the reason is printed, and nothing else is asserted.
#define SKIP_WITHOUT_SCRIPT()                                                                    \
  if (!have_script()) {                                                                          \
    MESSAGE("skipped: util-linux `script` is not installed (Debian: apt-get install bsdutils)"); \
    return;                                                                                      \
  }

TEST_SUITE("tty") {
TEST_CASE("tty: live progress under a pseudo-terminal") {
  SKIP_WITHOUT_SCRIPT();
  ScratchDir dir;
  fs::copy_file(source_dir() / "tests/e2e/fixtures/tty/tty.yaml", dir / "tty.yaml");
  const Terminal terminal = run_in_terminal(dir, {"run", "tty.yaml"}, {});
  INFO("terminal bytes:\n", terminal.bytes);
  REQUIRE(terminal.exit_code == 0);
  const auto all = rows(terminal.bytes);

  check_permanent_lines(all, "");
  // The live region: redrawn in place (cursor up, erase), with the overall bar,
  // a spinner line per running step, and the cursor hidden meanwhile.
  CHECK(contains(terminal.bytes, "\x1b\\[\\d+A"));
  CHECK(terminal.bytes.find("\x1b[K") != std::string::npos);
  CHECK(terminal.bytes.find("\x1b[J") != std::string::npos);
  CHECK(terminal.bytes.find("\x1b[?25l") != std::string::npos);
  CHECK(terminal.bytes.rfind("\x1b[?25h") > terminal.bytes.rfind("\x1b[?25l"));
  CHECK(any_row_matches(all, R"(\[[#.]+\] \d/7 · \d+\.\ds.*)"));
  // (std::regex works on bytes: the multi-byte spinner frames are alternatives, not a class.)
  const std::string spinner = "(⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏)";
  CHECK(any_row_matches(all, spinner + R"( fetch \d+\.\ds · fetching sources)"));
  // The step's long output line is cut to the width, with an ellipsis in the middle.
  CHECK(any_row_matches(all, spinner + R"( render-the-documentation-for-all-locales \d+\.\ds · an .*….*ided)"));
  // Colors on a terminal: green ✓, red ✗.
  CHECK(terminal.bytes.find("\x1b[32m✓") != std::string::npos);
  CHECK(terminal.bytes.find("\x1b[31m✗") != std::string::npos);
  check_width(all);
}

TEST_CASE("tty: NO_COLOR keeps the live region and drops every color") {
  SKIP_WITHOUT_SCRIPT();
  ScratchDir dir;
  fs::copy_file(source_dir() / "tests/e2e/fixtures/tty/tty.yaml", dir / "tty.yaml");
  const Terminal terminal = run_in_terminal(dir, {"run", "tty.yaml"}, {"NO_COLOR=1"});
  INFO("terminal bytes:\n", terminal.bytes);
  REQUIRE(terminal.exit_code == 0);
  const auto all = rows(terminal.bytes);
  check_permanent_lines(all, "");
  CHECK(contains(terminal.bytes, "\x1b\\[\\d+A"));
  CHECK_FALSE(contains(terminal.bytes, "\x1b\\[[0-9;]*m"));
  check_width(all);
}

TEST_CASE("tty: FORCE_COLOR under --output plain: colors, no cursor movement") {
  SKIP_WITHOUT_SCRIPT();
  ScratchDir dir;
  fs::copy_file(source_dir() / "tests/e2e/fixtures/tty/tty.yaml", dir / "tty.yaml");
  const Terminal terminal = run_in_terminal(dir, {"--output", "plain", "run", "tty.yaml"}, {"FORCE_COLOR=1"});
  INFO("terminal bytes:\n", terminal.bytes);
  REQUIRE(terminal.exit_code == 0);
  const auto all = rows(terminal.bytes);
  check_permanent_lines(all, R"(\d\d:\d\d:\d\d )");
  CHECK(terminal.bytes.find("\x1b[32m✓") != std::string::npos);
  CHECK(terminal.bytes.find("\x1b[31m✗") != std::string::npos);
  // Only color (SGR) sequences: no cursor movement, erasing or hiding.
  CHECK_FALSE(contains(terminal.bytes, "\x1b\\[[0-9;?]*[A-Za-ln-z]"));
  // Plain mode says when each step starts instead of drawing it.
  CHECK(any_row_matches(all, R"(\d\d:\d\d:\d\d \[fetch\] started)"));
}
}

}  // namespace automata::test
