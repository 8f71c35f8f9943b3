#pragma once
// The local run store (journal.md "Run directory"): <home>/runs/<run-id>/.
// Home: --home, else AUTOMATA_HOME, else .automata/ at the root of the
// enclosing git repository, else $XDG_STATE_HOME/automata (~/.local/state/automata).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/clock.hpp"
#include "engine/result.hpp"
#include "engine/value.hpp"

namespace automata::engine {

// The nearest directory at or above `dir` holding a .git (a repository's
// work tree), or nullopt.
std::optional<std::filesystem::path> enclosing_repository(const std::filesystem::path& dir);

std::filesystem::path resolve_home(const std::optional<std::filesystem::path>& flag, const std::filesystem::path& cwd);

// "20261121T153012Z-7f3a9c": sortable by start time.
std::string new_run_id(SystemTime now);
// Run ids chosen with --run-id: letters, digits, '.', '-', '_'; at most 100.
bool is_valid_run_id(std::string_view id);

struct RunSummary {
  std::string id;
  std::filesystem::path dir;
  Value info;  // run.json, or a minimal object when it cannot be read
};

class RunStore {
 public:
  explicit RunStore(std::filesystem::path home) : m_home(std::move(home)) {}
  const std::filesystem::path& home() const { return m_home; }
  std::filesystem::path runs_dir() const { return m_home / "runs"; }
  std::filesystem::path run_dir(const std::string& id) const { return runs_dir() / id; }
  bool exists(const std::string& id) const;
  // Creates the run directory (0700). Fails if it exists.
  // The runs directory, made private, with a .gitignore ignoring everything in it.
  Result<void> ensure_runs_dir() const;
  Result<std::filesystem::path> create_run_dir(const std::string& id) const;
  // Newest first (by run.json's created time, then id).
  std::vector<RunSummary> list() const;
  // A full id, a unique prefix, or "last". Errors are Errc::usage with the candidates.
  Result<std::string> resolve(const std::string& argument) const;

 private:
  std::filesystem::path m_home;
};

}  // namespace automata::engine
