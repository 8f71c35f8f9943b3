#include "engine/orphans.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/scratch.hpp"

extern char** environ;

namespace automata::engine {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A shell script in a process group of its own; killed and reaped at the end.
class Group {
 public:
  explicit Group(const std::string& script) {
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    const char* argv[] = {"/bin/sh", "-c", script.c_str(), nullptr};
    REQUIRE(::posix_spawn(&m_pid, "/bin/sh", nullptr, &attr, const_cast<char**>(argv), environ) == 0);
    posix_spawnattr_destroy(&attr);
  }
  ~Group() {
    ::killpg(m_pid, SIGKILL);
    reap();
  }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  pid_t pid() const { return m_pid; }
  void reap() {
    if (!m_reaped) {
      int status = 0;
      ::waitpid(m_pid, &status, 0);
      m_reaped = true;
    }
  }

 private:
  pid_t m_pid = -1;
  bool m_reaped = false;
};

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = SteadyClock::now() + 5s;
  while (!condition()) {
    if (SteadyClock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

Value process_record(std::uint64_t seq, const std::string& step, int attempt, const ProcessIdentity& id) {
  return {{"seq", seq},
          {"type", "StepProcess"},
          {"step", step},
          {"attempt", attempt},
          {"pgid", id.pgid},
          {"start_time", id.start_time},
          {"boot_id", id.boot_id},
          {"host", id.host},
          {"kill_grace_ms", 200}};
}

}  // namespace

TEST_SUITE("orphans") {
  TEST_CASE("group_liveness: a live leader with its start time runs; another start time is a recycled pid") {
    Group group("sleep 30");
    const auto id = identify_process(group.pid());
    CHECK(group_liveness(id) == GroupLiveness::running);
    ProcessIdentity recycled = id;
    recycled.start_time = id.start_time + 1;
    CHECK(group_liveness(recycled) == GroupLiveness::gone);
    ProcessIdentity other_boot = id;
    other_boot.boot_id = "00000000-0000-0000-0000-000000000000";
    CHECK(group_liveness(other_boot) == GroupLiveness::gone);
    ProcessIdentity other_host = id;
    other_host.host = id.host + "-elsewhere";
    CHECK(group_liveness(other_host) == GroupLiveness::elsewhere);
  }

  TEST_CASE("group_liveness: a dead pid is gone, as a zombie and once reaped") {
    Group group("exit 0");
    const auto id = identify_process(group.pid());
    // Unreaped, it stays a zombie with its start time.
    CHECK(eventually([&] { return read_proc_stat(group.pid())->state == 'Z'; }));
    CHECK(group_liveness(id) == GroupLiveness::gone);
    group.reap();
    CHECK(group_liveness(id) == GroupLiveness::gone);
  }

  TEST_CASE("group_liveness: members that outlive their leader keep the group running") {
    Group group("sleep 30 & exit 0");
    const auto id = identify_process(group.pid());
    group.reap();
    CHECK(group_liveness(id) == GroupLiveness::running);
    REQUIRE(stop_group(id, 1000ms).ok());
    CHECK(group_liveness(id) == GroupLiveness::gone);
  }

  TEST_CASE("stop_group: SIGTERM first; SIGKILL after the grace for a group that ignores it") {
    test::ScratchDir dir;
    const auto marker = (dir / "term").string();
    Group polite("trap 'echo term > " + marker + "; exit 0' TERM; while :; do sleep 0.01; done");
    const auto polite_id = identify_process(polite.pid());
    // The trap is set once the loop runs.
    std::this_thread::sleep_for(50ms);
    auto start = SteadyClock::now();
    REQUIRE(stop_group(polite_id, 5000ms).ok());
    CHECK(SteadyClock::now() - start < 2s);
    CHECK(test::read_file(dir / "term") == "term\n");

    Group stubborn("trap '' TERM; while :; do sleep 0.01; done");
    const auto stubborn_id = identify_process(stubborn.pid());
    std::this_thread::sleep_for(50ms);
    start = SteadyClock::now();
    REQUIRE(stop_group(stubborn_id, 200ms).ok());
    CHECK(SteadyClock::now() - start >= 200ms);
    CHECK(group_liveness(stubborn_id) == GroupLiveness::gone);
  }

  TEST_CASE("settle_orphans stops what the journal shows running, says so, and leaves gone ones alone") {
    Group running("sleep 30");
    Group finished("exit 0");
    const auto running_id = identify_process(running.pid());
    const auto finished_id = identify_process(finished.pid());
    finished.reap();
    RunState state;
    state.apply(Value{{"seq", 1}, {"type", "StepStarted"}, {"step", "deploy"}, {"attempt", 2}});
    state.apply(process_record(2, "deploy", 2, running_id));
    state.apply(Value{{"seq", 3}, {"type", "StepStarted"}, {"step", "build"}, {"attempt", 1}});
    state.apply(process_record(4, "build", 1, finished_id));
    std::vector<std::string> notes;
    const auto settled = settle_orphans(state, OrphanPolicy::stop, [&](const std::string& t) { notes.push_back(t); });
    REQUIRE(settled.ok());
    REQUIRE(settled->size() == 1);
    CHECK(settled->at(0).step == "deploy");
    CHECK(settled->at(0).attempt == 2);
    CHECK(settled->at(0).pgid == running.pid());
    CHECK(settled->at(0).ended == "stopped");
    CHECK(notes == std::vector<std::string>{
                       "step 'deploy' attempt 2 was still running (pgid " + std::to_string(running.pid()) +
                       "): stopped it before running it again"});
    CHECK(group_liveness(running_id) == GroupLiveness::gone);
  }

  TEST_CASE("settle_orphans --orphans wait waits for the group to end without signalling it") {
    Group group("sleep 0.3");
    const auto id = identify_process(group.pid());
    RunState state;
    state.apply(Value{{"seq", 1}, {"type", "StepStarted"}, {"step", "migrate"}, {"attempt", 1}});
    state.apply(process_record(2, "migrate", 1, id));
    std::thread reaper([&] { group.reap(); });  // as init would
    std::vector<std::string> notes;
    const auto start = SteadyClock::now();
    const auto settled = settle_orphans(state, OrphanPolicy::wait, [&](const std::string& t) { notes.push_back(t); });
    reaper.join();
    REQUIRE(settled.ok());
    CHECK(SteadyClock::now() - start >= 250ms);
    REQUIRE(settled->size() == 1);
    CHECK(settled->at(0).ended == "waited");
    CHECK(notes == std::vector<std::string>{"step 'migrate' attempt 1 is still running (pgid " +
                                            std::to_string(group.pid()) +
                                            "): waiting for it to end before running it again"});
  }

  TEST_CASE("settle_orphans: a record from another host is only noted") {
    ProcessIdentity id = identify_process(::getpid());
    id.host = "build-7";
    RunState state;
    state.apply(Value{{"seq", 1}, {"type", "StepStarted"}, {"step", "deploy"}, {"attempt", 1}});
    state.apply(process_record(2, "deploy", 1, id));
    std::vector<std::string> notes;
    const auto settled = settle_orphans(state, OrphanPolicy::stop, [&](const std::string& t) { notes.push_back(t); });
    REQUIRE(settled.ok());
    CHECK(settled->empty());
    CHECK(notes == std::vector<std::string>{"step 'deploy' attempt 1 ran on host build-7 (pgid " +
                                            std::to_string(::getpid()) +
                                            "): it cannot be checked from here; running it again"});
  }
}

}  // namespace automata::engine
