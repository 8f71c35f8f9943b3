#pragma once
// Real repositories for the git step kinds' tests, built and inspected with
// the git command line (the kinds themselves use libgit2 only).
#include <cstdio>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "engine/value.hpp"
#include "support/scratch.hpp"

namespace automata::test::git {

struct Shell {
  int status = -1;
  std::string out;
};

// Runs a shell command, stdout captured, stderr merged into it.
inline Shell sh(const std::string& command) {
  Shell result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.out.append(buffer, n);
  }
  result.status = ::pclose(pipe);
  return result;
}

inline std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// git in `dir` with a fixed identity and no user or system configuration.
// A set-up command that fails fails the test there, with git's own words,
// rather than leaving a later check to wonder why a repository is missing.
inline std::string git(const std::filesystem::path& dir, const std::string& args) {
  const auto result = sh("GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_DATE='2026-01-02T03:04:05Z' "
                         "GIT_COMMITTER_DATE='2026-01-02T03:04:05Z' git -C " +
                         quoted(dir) +
                         " -c user.name=Fixture -c user.email=fixture@example.com -c init.defaultBranch=main "
                         "-c protocol.file.allow=always " +
                         args);
  CHECK_MESSAGE(result.status == 0, "git -C " << dir.string() << " " << args << " failed (status " << result.status
                                                << "): " << result.out);
  std::string out = result.out;
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

// A bare remote `remote.git` holding one commit (README.md: "hello\n") on main,
// and its file:// url.
struct Origin {
  std::filesystem::path bare;
  std::string url;
};

inline Origin make_origin(const ScratchDir& scratch) {
  const auto seed = scratch / "seed";
  std::filesystem::create_directories(seed);
  git(seed, "init -q");
  scratch.write("seed/README.md", "hello\n");
  git(seed, "add README.md");
  git(seed, "commit -q -m 'first commit'");
  git(scratch.path(), "clone -q --bare seed remote.git");
  return {scratch / "remote.git", "file://" + (scratch / "remote.git").string()};
}

// A working clone of the origin at `name`, with an identity configured.
inline std::filesystem::path make_clone(const ScratchDir& scratch, const Origin& origin, const std::string& name) {
  git(scratch.path(), "clone -q " + origin.url + " " + name);
  git(scratch / name, "config user.name 'Ana Dev'");
  git(scratch / name, "config user.email ana@example.com");
  return scratch / name;
}

}  // namespace automata::test::git
