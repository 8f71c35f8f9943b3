#include "engine/run_store.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/stat.h>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"

namespace automata::engine {

std::optional<std::filesystem::path> enclosing_repository(const std::filesystem::path& start) {
  std::error_code ec;
  for (auto dir = start; !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / ".git", ec)) {
      return dir;
    }
    if (dir == dir.root_path()) {
      break;
    }
  }
  return std::nullopt;
}

std::filesystem::path resolve_home(const std::optional<std::filesystem::path>& flag, const std::filesystem::path& cwd) {
  if (flag && !flag->empty()) {
    return std::filesystem::absolute(*flag);
  }
  if (const char* env = std::getenv("AUTOMATA_HOME"); env != nullptr && *env != '\0') {
    return std::filesystem::absolute(env);
  }
  if (auto repository = enclosing_repository(cwd)) {
    return *repository / ".automata";
  }
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0') {
    return std::filesystem::path(state) / "automata";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : "/tmp") / ".local/state/automata";
}

std::string new_run_id(SystemTime now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  static thread_local std::mt19937 random{std::random_device{}()};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:06x}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, random() & 0xFFFFFF);
}

bool is_valid_run_id(std::string_view id) {
  if (id.empty() || id.size() > 100 || id == "last" || id.front() == '.') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_';
  });
}

bool RunStore::exists(const std::string& id) const {
  std::error_code ec;
  return std::filesystem::is_directory(run_dir(id), ec);
}

Result<void> RunStore::ensure_runs_dir() const {
  TRY(create_private_directories(runs_dir()));
  // The home is often .automata/ in a repository, whose config.yaml is
  // committed: the runs (journals, logs, an agent's worktree) never are.
  if (std::error_code ec; !std::filesystem::exists(runs_dir() / ".gitignore", ec) && !ec) {
    std::ofstream(runs_dir() / ".gitignore") << "# written by automata: runs are not source\n*\n";
  }
  return {};
}

Result<std::filesystem::path> RunStore::create_run_dir(const std::string& id) const {
  TRY(ensure_runs_dir());
  const auto dir = run_dir(id);
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) {
      return Error::usage(fmt::format("a run with id '{}' exists already", id),
                          fmt::format("choose another --run-id, or pass --if-exists resume|skip"));
    }
    return Error::infra(fmt::format("cannot create {}: {}", dir.string(), std::strerror(errno)));
  }
  ::chmod(dir.c_str(), 0700);
  return dir;
}

std::vector<RunSummary> RunStore::list() const {
  std::vector<RunSummary> runs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runs_dir(), ec)) {
    // Hidden entries are runs being created (see create_run).
    if (!entry.is_directory(ec) || entry.path().filename().string().front() == '.') {
      continue;
    }
    RunSummary summary;
    summary.id = entry.path().filename().string();
    summary.dir = entry.path();
    std::ifstream in(entry.path() / "run.json");
    std::stringstream buffer;
    buffer << in.rdbuf();
    summary.info = Value::parse(buffer.str(), nullptr, false);
    if (summary.info.is_discarded() || !summary.info.is_object()) {
      summary.info = Value{{"id", summary.id}, {"status", "unknown"}};
    }
    runs.push_back(std::move(summary));
  }
  std::sort(runs.begin(), runs.end(), [](const RunSummary& a, const RunSummary& b) {
    const std::string ca = a.info.value("created", std::string());
    const std::string cb = b.info.value("created", std::string());
    return ca != cb ? ca > cb : a.id > b.id;
  });
  return runs;
}

Result<std::string> RunStore::resolve(const std::string& argument) const {
  if (argument == "last") {
    const auto runs = list();
    if (runs.empty()) {
      return Error::usage(fmt::format("there are no runs in {}", runs_dir().string()),
                          "start one with `automata run FILE`");
    }
    return runs.front().id;
  }
  if (argument.empty() || argument.find('/') != std::string::npos || argument == "." || argument == "..") {
    return Error::usage(fmt::format("'{}' is not a run id", argument));
  }
  if (exists(argument)) {
    return argument;
  }
  std::vector<std::string> matches;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runs_dir(), ec)) {
    const std::string id = entry.path().filename().string();
    if (id.front() != '.' && id.compare(0, argument.size(), argument) == 0) {
      matches.push_back(id);
    }
  }
  if (matches.size() == 1) {
    return matches.front();
  }
  if (matches.empty()) {
    return Error::usage(fmt::format("no run matches '{}' in {}", argument, runs_dir().string()),
                        "`automata runs` lists the runs");
  }
  std::sort(matches.begin(), matches.end());
  const std::size_t shown = std::min<std::size_t>(matches.size(), 5);
  return Error::usage(fmt::format("'{}' matches {} runs: {}{}", argument, matches.size(),
                                  fmt::join(matches.begin(), matches.begin() + static_cast<long>(shown), ", "),
                                  matches.size() > shown ? ", ..." : ""),
                      "give more characters of the run id");
}

}  // namespace automata::engine
