// The crash test (journal.md "Guarantees the tests must prove", 1 and 2): a
// workflow of 69 steps (parallel chains, a matrix, a child workflow) is killed
// with SIGKILL at 25 random moments and resumed each time. Every step appends
// a line to its own marker file when it starts, so the marker counts prove
// that no step whose StepCompleted reached the journal ever started again.
// Set AUTOMATA_CRASH_SEED=N to replay the kill moments of a failed run.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support/binary.hpp"
#include "support/scratch.hpp"

extern char** environ;

namespace automata::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int k_kills = 25;

// A step body: the marker line first (so a start is counted even when the
// step is killed), then a little work.
std::string body(const std::string& marker, int index) {
  const int sleep_ms = 50 + (index * 37) % 151;  // 50..200 ms, fixed per step
  return fmt::format("echo x >> \"$MARKERS/{}\"; sleep {}.{:03}", marker, sleep_ms / 1000, sleep_ms % 1000);
}

struct Generated {
  std::string parent;
  std::string child;
  std::set<std::string> markers;  // every marker file a complete run leaves
};

// Generated rather than a fixture so the expected marker names come from the
// same loops as the steps.
Generated generate_workflows() {
  Generated g;
  int index = 0;
  const auto step = [&](std::string& yaml, const std::string& prefix, const std::string& id,
                        const std::vector<std::string>& needs) {
    yaml += fmt::format("  {}:\n", id);
    if (!needs.empty()) {
      yaml += fmt::format("    needs: [{}]\n", fmt::join(needs, ", "));
    }
    yaml += fmt::format("    run: {}\n", body(prefix + id, index++));
    g.markers.insert(prefix + id);
  };
  g.child = "version: 1\nname: crash-child\ndefaults: { shell: sh }\nsteps:\n";
  step(g.child, "child.", "k1", {});
  step(g.child, "child.", "k2", {"k1"});
  step(g.child, "child.", "k3", {"k1"});
  step(g.child, "child.", "k4", {"k2", "k3"});
  for (int i = 5; i <= 12; ++i) {
    step(g.child, "child.", fmt::format("k{}", i), {fmt::format("k{}", i - 1)});
  }

  g.parent = "version: 1\nname: crash\ndefaults: { shell: sh }\nsteps:\n";
  step(g.parent, "", "setup", {});
  const std::pair<const char*, int> chains[] = {{"a", 12}, {"b", 10}, {"c", 6}};
  for (const auto& [letter, length] : chains) {
    for (int i = 1; i <= length; ++i) {
      step(g.parent, "", fmt::format("{}{}", letter, i),
           {i == 1 ? std::string("setup") : fmt::format("{}{}", letter, i - 1)});
    }
  }
  g.parent += R"(  build:
    name: build ${{ matrix.os }}-${{ matrix.arch }}
    needs: [setup]
    matrix:
      os: [linux, mac, win]
      arch: [x64, arm]
      exclude: [{ os: win, arch: arm }]
    max_parallel: 2
    run: echo x >> "$MARKERS/build-${{ matrix.os }}-${{ matrix.arch }}"; sleep 0.1
)";
  for (const char* instance : {"linux-x64", "linux-arm", "mac-x64", "mac-arm", "win-x64"}) {
    g.markers.insert(fmt::format("build-{}", instance));
  }
  for (int i = 1; i <= 4; ++i) {
    step(g.parent, "", fmt::format("p{}", i), {"build"});
  }
  g.parent += R"(  child:
    needs: [a4, build]
    uses: workflow
    with: { file: child.yaml }
)";
  step(g.parent, "", "join", {"a12", "b10", "c6", "child", "p1", "p2", "p3", "p4"});
  for (int i = 1; i <= 16; ++i) {
    step(g.parent, "", fmt::format("t{}", i), {i == 1 ? std::string("join") : fmt::format("t{}", i - 1)});
  }
  // The last step waits for the test's go-ahead, so no kill can come after
  // the run has finished: every one of the 25 lands in a live run.
  g.parent += R"(  gate:
    needs: [t16]
    run: echo x >> "$MARKERS/gate"; while [ ! -e "$CRASH_GO" ]; do sleep 0.02; done
)";
  g.markers.insert("gate");
  return g;
}

int marker_count(const fs::path& file) {
  std::ifstream in(file);
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
  }
  return lines;
}

// "build[os=linux,arch=x64]" -> "build-linux-x64"; a child's "k3" -> "child.k3".
// The parent's `child` step runs no shell of its own: no marker.
std::string marker_of(const std::string& prefix, const std::string& step) {
  const auto bracket = step.find('[');
  if (bracket == std::string::npos) {
    return step == "child" && prefix.empty() ? "" : prefix + step;
  }
  std::map<std::string, std::string> values;
  std::istringstream pairs(step.substr(bracket + 1, step.size() - bracket - 2));
  for (std::string pair; std::getline(pairs, pair, ',');) {
    const auto eq = pair.find('=');
    values[pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
  }
  return fmt::format("{}{}-{}-{}", prefix, step.substr(0, bracket), values["os"], values["arch"]);
}

// The journal as a reader after the crash sees it: every line a record with
// consecutive seq, except that the last may be torn. Returns the step ids
// with a StepCompleted, and how many times each.
std::map<std::string, int> completed_steps(const fs::path& journal, const std::string& context) {
  std::map<std::string, int> completed;
  std::ifstream in(journal);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  long expected_seq = 1;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Value record = Value::parse(lines[i], nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      INFO(context, ": ", journal.string(), " line ", i + 1, ": ", lines[i]);
      CHECK_MESSAGE(i + 1 == lines.size(), "only the last line of a journal may be torn");
      continue;
    }
    INFO(context, ": ", journal.string(), " line ", i + 1);
    CHECK(record.value("seq", 0L) == expected_seq);
    expected_seq = record.value("seq", 0L) + 1;
    if (record.value("type", std::string()) == "StepCompleted") {
      ++completed[record.value("step", std::string())];
    }
  }
  return completed;
}

// Marker -> number of StepCompleted records, over the parent's and the child's journals.
std::map<std::string, int> completed_markers(const fs::path& run_dir, const std::string& context) {
  std::map<std::string, int> markers;
  const std::pair<fs::path, std::string> journals[] = {{run_dir / "journal.jsonl", ""},
                                                       {run_dir / "children" / "child" / "journal.jsonl", "child."}};
  for (const auto& [journal, prefix] : journals) {
    if (!fs::exists(journal)) {
      continue;
    }
    for (const auto& [step, count] : completed_steps(journal, context)) {
      if (const std::string marker = marker_of(prefix, step); !marker.empty()) {
        markers[marker] += count;
      }
    }
  }
  return markers;
}

// Processes whose environment holds `needle` (an exact "KEY=VALUE" entry).
std::vector<pid_t> processes_with_env(const std::string& needle) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    return found;
  }
  while (const dirent* entry = ::readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream in("/proc/" + name + "/environ", std::ios::binary);
    for (std::string item; std::getline(in, item, '\0');) {
      if (item == needle) {
        found.push_back(static_cast<pid_t>(std::stol(name)));
        break;
      }
    }
  }
  ::closedir(proc);
  return found;
}

// Kills every process whose environment holds `needle` and waits until none
// is left; returns how many were killed, or nothing if they outlive 10 s.
std::optional<int> kill_all_with_env(const std::string& needle) {
  int killed = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (true) {
    const auto left = processes_with_env(needle);
    if (left.empty()) {
      return killed;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    for (const pid_t pid : left) {
      if (::kill(pid, SIGKILL) == 0) {
        ++killed;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
}

// A SIGKILL of the driver leaves its steps' process groups running (each
// step has its own group). They belong to steps that had not completed, so
// their late marker lines are allowed, but they must not outlive the
// iteration: kill them and wait until they are gone.
int kill_leftover_steps(const std::string& needle) {
  const auto killed = kill_all_with_env(needle);
  REQUIRE_MESSAGE(killed.has_value(), "leftover step processes do not die");
  return *killed;
}

// Whatever happens, nothing of the run outlives the test, even when an
// assertion ends it early: the gate opens and every process of the run dies.
struct RunReaper {
  fs::path go;
  std::string needle;
  RunReaper(fs::path go_file, std::string env_entry) : go(std::move(go_file)), needle(std::move(env_entry)) {}
  RunReaper(const RunReaper&) = delete;
  RunReaper& operator=(const RunReaper&) = delete;
  ~RunReaper() {
    std::ofstream{go};
    kill_all_with_env(needle);
  }
};

std::vector<std::string> environment_with(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    if (extra.count(key) == 0 && key != "AUTOMATA_OUTPUT" && key != "AUTOMATA_JOBS" && key != "AUTOMATA_HOME") {
      env.push_back(entry);
    }
  }
  for (const auto& [key, value] : extra) {
    env.push_back(key + "=" + value);
  }
  return env;
}

pid_t spawn_driver(const std::vector<std::string>& args, const std::vector<std::string>& env, const fs::path& cwd,
                   const fs::path& log) {
  std::vector<std::string> argv{binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> argv_c;
  for (auto& arg : argv) {
    argv_c.push_back(arg.data());
  }
  argv_c.push_back(nullptr);
  std::vector<std::string> env_copy = env;
  std::vector<char*> env_c;
  for (auto& entry : env_copy) {
    env_c.push_back(entry.data());
  }
  env_c.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // The child workflow's file is relative to the driver's working directory.
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv_c[0], &actions, nullptr, argv_c.data(), env_c.data());
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE_MESSAGE(rc == 0, "posix_spawn failed: ", rc);
  return pid;
}

// The exit code if the process has ended by itself, else nothing.
std::optional<int> exited(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) {
    return std::nullopt;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Invoke at(const fs::path& cwd) {
  Invoke how;
  how.cwd = cwd;
  return how;
}

std::string tail(const std::string& text, std::size_t max = 2000) {
  return text.size() <= max ? text : text.substr(text.size() - max);
}

}  // namespace

TEST_CASE("crash: SIGKILL at 25 random moments, resumed each time; no completed step runs again") {
  ScratchDir dir;
  const Generated workflows = generate_workflows();
  REQUIRE(workflows.markers.size() == 68);  // 69 steps; the child workflow step itself has no marker
  dir.write("crash.yaml", workflows.parent);
  dir.write("child.yaml", workflows.child);
  const fs::path markers = dir / "markers";
  fs::create_directories(markers);
  const fs::path go = dir / "go";
  const fs::path home = dir / "home";
  const fs::path log = dir / "driver.log";
  const std::string run_id = "crash-test";
  const fs::path run_dir = home / "runs" / run_id;

  unsigned seed = std::random_device{}();
  if (const char* given = std::getenv("AUTOMATA_CRASH_SEED"); given != nullptr) {
    seed = static_cast<unsigned>(std::stoul(given));
  }
  MESSAGE("crash test seed: ", seed, " (replay with AUTOMATA_CRASH_SEED=", seed, ")");
  INFO("crash test seed: ", seed);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delay_ms(50, 600);

  // Steps find their marker directory and the go-ahead file in the
  // environment; the MARKERS entry also identifies their processes.
  const std::string needle = "MARKERS=" + markers.string();
  const RunReaper reaper(go, needle);
  const auto env = environment_with({{"MARKERS", markers.string()}, {"CRASH_GO", go.string()}});
  const std::vector<std::string> common{"--home", home.string(), "--output", "plain", "--jobs", "4"};

  std::map<std::string, int> frozen;  // marker -> its count when its StepCompleted was first seen
  int leftovers = 0;
  int kills_before_gate = 0;
  for (int kill = 1; kill <= k_kills; ++kill) {
    std::vector<std::string> args = common;
    if (kill == 1) {
      args.insert(args.end(), {"run", "crash.yaml", "--run-id", run_id});
    } else {
      args.insert(args.end(), {"resume", run_id});
    }
    const int delay = delay_ms(random);
    INFO("kill ", kill, " after ", delay, " ms");
    const pid_t pid = spawn_driver(args, env, dir.path(), log);
    if (kill == 1) {
      // A kill while the run directory is being created leaves a run that
      // cannot be resumed (see the skipped test below): start the clock once
      // the journal has its first record.
      const auto deadline = std::chrono::steady_clock::now() + 20s;
      while (marker_count(run_dir / "journal.jsonl") == 0 && std::chrono::steady_clock::now() < deadline &&
             !exited(pid)) {
        std::this_thread::sleep_for(2ms);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    if (const auto code = exited(pid)) {
      FAIL("the driver ended by itself (exit ", *code, ") before kill ", kill, ":\n", tail(read_file(log)));
    }
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFSIGNALED(status));
    leftovers += kill_leftover_steps(needle);

    // The journal loads after every crash.
    const auto shown = run_automata({"--home", home.string(), "status", run_id, "--output", "json"}, at(dir.path()));
    REQUIRE_MESSAGE(shown.exit_code == 0, shown.err);
    const Value state = Value::parse(shown.out, nullptr, false);
    REQUIRE_MESSAGE(state.is_object(), shown.out);
    CHECK(state["run"] == run_id);

    const auto completed = completed_markers(run_dir, fmt::format("after kill {}", kill));
    if (completed.size() < workflows.markers.size() - 1) {
      ++kills_before_gate;
    }
    for (const auto& [marker, records] : completed) {
      INFO("step marker ", marker);
      CHECK(records == 1);  // a second StepCompleted would mean it ran again
      const int count = marker_count(markers / marker);
      CHECK(count >= 1);
      if (const auto known = frozen.find(marker); known != frozen.end()) {
        CHECK_MESSAGE(count == known->second, "a step that had completed started again");
      } else {
        frozen[marker] = count;
      }
    }
  }

  // The go-ahead, then one last resume that must finish the run.
  dir.write("go", "");
  Invoke final_resume = at(dir.path());
  final_resume.env = {{"MARKERS", markers.string()}, {"CRASH_GO", go.string()}};
  const auto last = run_automata({"--home", home.string(), "--output", "plain", "--jobs", "4", "resume", run_id},
                                 final_resume);
  INFO("final resume:\n", tail(last.out), tail(last.err));
  REQUIRE(last.exit_code == 0);
  MESSAGE("crash test: ", k_kills, " kills (", kills_before_gate, " before every step but the gate had completed), ",
          leftovers, " leftover step processes killed");

  const auto shown = run_automata({"--home", home.string(), "status", run_id, "--output", "json"}, at(dir.path()));
  REQUIRE(shown.exit_code == 0);
  const Value state = Value::parse(shown.out);
  CHECK(state["status"] == "succeeded");
  CHECK(state["steps"].size() == 57);  // the parent's steps and matrix instances
  for (const auto& [id, step] : state["steps"].items()) {
    INFO("step ", id);
    CHECK(step["status"] == "succeeded");
  }

  // Every step completed exactly once, and ran at least once.
  const auto completed = completed_markers(run_dir, "after the final resume");
  std::set<std::string> found;
  for (const auto& entry : fs::directory_iterator(markers)) {
    found.insert(entry.path().filename().string());
  }
  CHECK(found == workflows.markers);
  for (const auto& marker : workflows.markers) {
    INFO("step marker ", marker);
    const auto entry = completed.find(marker);
    REQUIRE(entry != completed.end());
    CHECK(entry->second == 1);
    CHECK(marker_count(markers / marker) >= 1);
  }
  // No step whose completion had been journaled before a kill started again.
  for (const auto& [marker, count] : frozen) {
    INFO("step marker ", marker);
    CHECK(marker_count(markers / marker) == count);
  }
}

// A run is created in a hidden staging directory and renamed into place only
// once its journal holds RunStarted (driver.cpp create_run), so a SIGKILL a
// few milliseconds after `run` starts leaves at most a hidden .creating-*
// directory: the id stays free and no half-made run is listed.
TEST_CASE("crash: a run killed while it is being created leaves no half-made run") {
  ScratchDir dir;
  dir.write("one.yaml", "version: 1\nname: one\nsteps:\n  a: { run: echo done }\n");
  // What such a kill leaves behind.
  dir.write("home/runs/.creating-early-4242/workflow.yaml", read_file(dir / "one.yaml"));
  dir.write("home/runs/.creating-early-4242/journal.jsonl.new", "");
  const auto listed = run_automata({"--home", (dir / "home").string(), "runs", "--output", "json"}, at(dir.path()));
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.empty());
  const auto run = run_automata({"--home", (dir / "home").string(), "run", "one.yaml", "--run-id", "early"},
                                at(dir.path()));
  INFO(run.err);
  CHECK(run.exit_code == 0);
  const auto shown = run_automata({"--home", (dir / "home").string(), "status", "early", "--output", "json"},
                                  at(dir.path()));
  REQUIRE(shown.exit_code == 0);
  CHECK(Value::parse(shown.out)["status"] == "succeeded");
  CHECK(std::filesystem::exists(dir / "home/runs/early/journal.jsonl"));
  CHECK_FALSE(std::filesystem::exists(dir / "home/runs/early/journal.jsonl.new"));
}

}  // namespace automata::test
