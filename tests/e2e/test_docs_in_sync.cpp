// man/ and completions/ are generated from the binary's CLI definition by
// scripts/gen-docs.sh and committed; these tests fail when they drift from
// what the binary generates now, and check that the files are valid for the
// tools that read them.
#include <unistd.h>

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

struct Generated {
  const char* file;
  std::vector<std::string> args;
};

const Generated k_generated[] = {
    {"man/automata.1", {"__man"}},
    {"completions/automata.bash", {"completions", "bash"}},
    {"completions/_automata", {"completions", "zsh"}},
    {"completions/automata.fish", {"completions", "fish"}},
    {"docs/step-kinds.md", {"__step-kinds"}},
};

bool on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((fs::path(dir) / tool).c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

Outcome run_tool(const std::vector<std::string>& argv) {
  engine::ProcessSpec spec;
  spec.argv = argv;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    spec.env.emplace_back(*e);
  }
  spec.timeout = std::chrono::milliseconds(30000);
  Outcome outcome;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken never;
  outcome.exit_code = launcher
                          .run(
                              spec,
                              [&](engine::OutputStream stream, std::string_view chunk) {
                                (stream == engine::OutputStream::out ? outcome.out : outcome.err).append(chunk);
                              },
                              never)
                          .exit_code;
  return outcome;
}

}  // namespace

TEST_CASE("docs: man/ and completions/ are what the binary generates now") {
  ScratchDir dir;
  for (const auto& generated : k_generated) {
    INFO(generated.file);
    Invoke how;
    how.cwd = dir.path();
    const auto now = run_automata(generated.args, how);
    REQUIRE(now.exit_code == 0);
    CHECK(now.err == "");
    const fs::path committed = source_dir() / generated.file;
    REQUIRE_MESSAGE(fs::exists(committed),
                    fmt::format("{} is missing: run scripts/gen-docs.sh {}", generated.file, binary_path()));
    CHECK_MESSAGE(read_file(committed) == now.out,
                  fmt::format("{} is out of date with the CLI: run scripts/gen-docs.sh {} and commit the result",
                              generated.file, binary_path()));
  }
}

TEST_CASE("docs: the completion scripts parse in their shells") {
  const std::pair<const char*, const char*> scripts[] = {
      {"bash", "completions/automata.bash"}, {"zsh", "completions/_automata"}, {"fish", "completions/automata.fish"}};
  for (const auto& [shell, file] : scripts) {
    INFO(file);
    if (!on_path(shell)) {
      MESSAGE(fmt::format("skipped: {} is not installed, {} not checked", shell, file));
      continue;
    }
    const auto checked = run_tool({shell, "-n", (source_dir() / file).string()});
    CHECK(checked.err == "");
    CHECK(checked.exit_code == 0);
  }
}

TEST_CASE("docs: the man page renders without warnings") {
  if (!on_path("groff")) {
    MESSAGE("skipped: groff is not installed (Debian: apt-get install groff-base), man/automata.1 not rendered");
    return;
  }
  const auto rendered = run_tool({"groff", "-ww", "-man", "-Tutf8", (source_dir() / "man/automata.1").string()});
  CHECK(rendered.err == "");
  REQUIRE(rendered.exit_code == 0);
  // groff -Tutf8 emboldens by overstriking ("N\bN"): read the plain letters.
  std::string text;
  for (std::size_t i = 0; i < rendered.out.size(); ++i) {
    if (i + 1 < rendered.out.size() && rendered.out[i + 1] == '\b') {
      ++i;
      continue;
    }
    text += rendered.out[i];
  }
  for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "GLOBAL OPTIONS", "EXIT STATUS",
                              "ENVIRONMENT", "FILES", "EXAMPLES"}) {
    INFO(section);
    CHECK(text.find(fmt::format("\n{}\n", section)) != std::string::npos);
  }
  CHECK(text.find("automata - durable coding-automation workflows from YAML") != std::string::npos);
  CHECK(text.find("automata resume [options] RUN") != std::string::npos);
  CHECK(text.find("--if-exists ACTION") != std::string::npos);
  CHECK(text.find("130    Interrupted by SIGINT or SIGTERM; the run is resumable.") != std::string::npos);
}

}  // namespace automata::test
