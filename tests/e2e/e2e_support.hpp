#pragma once
// Helpers shared by the end-to-end tests: a scratch project with its own run
// store, journal reading, polling, and a background automata process that a
// test can signal (Ctrl-C, SIGTERM, SIGKILL) while it runs.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "engine/journal.hpp"
#include "support/binary.hpp"
#include "support/scratch.hpp"
#include "support/string_maker.hpp"

extern char** environ;


namespace automata::test::e2e {

using namespace std::chrono_literals;

// Polls `condition` until it holds or `limit` passes.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return lines;
}

inline std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// "Type" or "Type step" per record.
inline std::vector<std::string> trace(const std::vector<Value>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    std::string line = r.value("type", "");
    if (r.contains("step") && r["step"].is_string()) {
      line += " " + r["step"].get<std::string>();
    } else if (line == "SignalReceived") {
      line += " " + r.value("name", "");
    }
    out.push_back(line);
  }
  return out;
}

inline std::vector<std::string> types(const std::vector<Value>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    out.push_back(r.value("type", ""));
  }
  return out;
}

// automata running in the background, in its own process group.
// What tests/support/check-schema.py finds wrong with `document` against
// docs/schemas/NAME.schema.json: empty when it conforms. Python's
// jsonschema (python3-jsonschema, which scripts/install-deps.sh installs)
// must be there: a machine without it fails here, never passes silently.
inline std::string schema_problems(const Value& document, const std::string& name) {
  REQUIRE_MESSAGE(std::system("/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1") == 0,
                  "python3-jsonschema is not installed: run scripts/install-deps.sh");
  const ScratchDir scratch;
  const auto file = scratch.write("document.json", document.dump(2));
  const std::string source = AUTOMATA_SOURCE_DIR;
  const std::string command = fmt::format("/usr/bin/python3 '{}/tests/support/check-schema.py' '{}/docs/schemas/{}.schema.json' '{}' 2>&1",
                                          source, source, name, file.string());
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
      out.append(buffer, n);
    }
    if (const int status = ::pclose(pipe); status != 0 && out.empty()) {
      out = fmt::format("check-schema.py failed with status {}", status);
    }
  } else {
    out = "cannot run check-schema.py";
  }
  return out;
}

class Process {
 public:
  Process(const std::vector<std::string>& args, const Invoke& how, int close_stdout_after_lines = 0)
      : m_close_after(close_stdout_after_lines) {
    int out[2];
    int err[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (!how.cwd.empty()) {
      posix_spawn_file_actions_addchdir_np(&actions, how.cwd.c_str());
    }
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP}) {
      sigaddset(&defaults, sig);
    }
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    std::vector<std::string> argv_text = {how.binary.empty() ? binary_path() : how.binary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env_text;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      const std::string entry = *e;
      const std::string name = entry.substr(0, entry.find('='));
      bool drop = how.env.count(name) != 0;
      for (const char* unwanted : {"NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "GITHUB_ACTIONS",
                                   "GITHUB_STEP_SUMMARY", "AUTOMATA_OUTPUT", "AUTOMATA_JOBS", "AUTOMATA_HOME"}) {
        drop = drop || name == unwanted;
      }
      for (const auto& unset : how.unset) {
        drop = drop || name == unset;
      }
      if (!drop) {
        env_text.push_back(entry);
      }
    }
    for (const auto& [key, value] : how.env) {
      env_text.push_back(key + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& e : env_text) {
      envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&m_pid, argv[0], &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(out[1]);
    ::close(err[1]);
    REQUIRE(rc == 0);
    m_readers.emplace_back([this, fd = out[0]] { read_into(fd, m_out, m_close_after); });
    m_readers.emplace_back([this, fd = err[0]] { read_into(fd, m_err, 0); });
  }

  ~Process() {
    if (m_exit_code == k_running) {
      ::killpg(m_pid, SIGKILL);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
    for (auto& reader : m_readers) {
      reader.join();
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return m_pid; }
  void signal(int sig) const { ::kill(m_pid, sig); }

  // The exit code (128+n for signal n), or -1 when it did not end in time.
  int wait(std::chrono::milliseconds limit = 20s) {
    if (m_exit_code != k_running) {
      return m_exit_code;
    }
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      int status = 0;
      const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
      if (done == m_pid) {
        m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return -1;
      }
      std::this_thread::sleep_for(5ms);
    }
    for (auto& reader : m_readers) {
      reader.join();
    }
    m_readers.clear();
    return m_exit_code;
  }

  std::string out() const {
    std::lock_guard lock(m_mutex);
    return m_out;
  }
  std::string err() const {
    std::lock_guard lock(m_mutex);
    return m_err;
  }

 private:
  static constexpr int k_running = -1000;

  void read_into(int fd, std::string& sink, int close_after_lines) {
    char buffer[4096];
    int lines = 0;
    while (true) {
      const ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      std::lock_guard lock(m_mutex);
      for (ssize_t i = 0; i < n; ++i) {
        sink += buffer[i];
        if (buffer[i] == '\n' && close_after_lines > 0 && ++lines >= close_after_lines) {
          break;
        }
      }
      if (close_after_lines > 0 && lines >= close_after_lines) {
        break;  // like `| head -N`: stop reading and close the pipe
      }
    }
    ::close(fd);
  }

  pid_t m_pid = -1;
  int m_close_after = 0;
  int m_exit_code = k_running;
  mutable std::mutex m_mutex;
  std::string m_out;
  std::string m_err;
  std::vector<std::thread> m_readers;
};

// A scratch project: workflow files in it, its own run store (--home).
class Project {
 public:
  Project() { m_how.cwd = m_dir.path(); }

  const ScratchDir& dir() const { return m_dir; }
  std::filesystem::path home() const { return m_dir / "home"; }
  Invoke& how() { return m_how; }
  std::filesystem::path write(std::string_view name, std::string_view content) const {
    return m_dir.write(name, content);
  }

  std::vector<std::string> with_home(const std::vector<std::string>& args) const {
    std::vector<std::string> full = {"--home", home().string()};
    full.insert(full.end(), args.begin(), args.end());
    return full;
  }
  Outcome run(const std::vector<std::string>& args) const { return run_automata(with_home(args), m_how); }
  std::unique_ptr<Process> spawn(const std::vector<std::string>& args, int close_stdout_after_lines = 0) const {
    return std::make_unique<Process>(with_home(args), m_how, close_stdout_after_lines);
  }

  std::filesystem::path run_dir(const std::string& id) const { return home() / "runs" / id; }
  // Run ids in the store, oldest first.
  std::vector<std::string> run_ids() const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(home() / "runs", ec)) {
      // Hidden entries are runs still being created (renamed into place whole).
      if (entry.path().filename().string().front() != '.') {
        ids.push_back(entry.path().filename().string());
      }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::string only_run() const {
    const auto ids = run_ids();
    REQUIRE(ids.size() == 1);
    return ids.front();
  }
  std::vector<Value> journal(const std::string& id) const { return journal_at(run_dir(id)); }
  static std::vector<Value> journal_at(const std::filesystem::path& dir) {
    auto contents = engine::load_journal(dir / "journal.jsonl", nullptr);
    if (!contents.ok()) {
      return {};
    }
    return contents->records;
  }
  // Waits until the run's journal has a record of `type` (and `step`).
  bool wait_for_record(const std::string& id, const std::string& type, const std::string& step = "",
                       std::chrono::milliseconds limit = 10s) const {
    return eventually(
        [&] {
          for (const auto& r : journal(id)) {
            if (r.value("type", "") == type && (step.empty() || r.value("step", "") == step)) {
              return true;
            }
          }
          return false;
        },
        limit);
  }
  // Waits until a run exists and returns its id.
  std::string wait_for_run() const {
    std::string id;
    REQUIRE(eventually([&] {
      const auto ids = run_ids();
      if (ids.size() == 1) {
        id = ids.front();
        return true;
      }
      return false;
    }));
    return id;
  }

 private:
  ScratchDir m_dir;
  Invoke m_how;
};

}  // namespace automata::test::e2e
