// The git test servers die with the process that started them, even when it
// is killed with SIGKILL (a killed suite once left a lighttpd behind for 50
// minutes): their watchdog holds the read end of a pipe only that process
// writes to (support/lifeline.hpp).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "engine/orphans.hpp"
#include "support/scratch.hpp"
#include "tools/git/git_servers.hpp"

extern char** environ;

namespace automata::test::git {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> read_env(const std::filesystem::path& file) {
  std::map<std::string, std::string> values;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (const auto equals = line.find('='); equals != std::string::npos) {
      values[line.substr(0, equals)] = line.substr(equals + 1);
    }
  }
  return values;
}

bool alive(int pid) {
  const auto stat = engine::read_proc_stat(pid);
  return stat && stat->state != 'Z' && stat->state != 'X';
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace

TEST_SUITE("git servers") {

TEST_CASE("a git test server stops when the process holding its lifeline is killed with SIGKILL") {
  ScratchDir scratch;
  const auto state = scratch / "https";
  // A stand-in for a test suite: it holds the write end (fd 8), hands only the
  // read end (fd 9) to the start script, then waits to be killed. No pid
  // watch and no time limit: the lifeline alone must stop the server.
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (scratch / "start.log").c_str(), O_WRONLY | O_CREAT, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 9);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 8);
  const std::string start = (GitServer::scripts() / "start-https.sh").string();
  const char* argv[] = {"/bin/bash", "-c",
                        "GIT_SERVERS_LIFELINE_FD=9 GIT_SERVERS_WATCH_PID=0 GIT_SERVERS_TTL=0 \"$1\" \"$2\" 8>&- "
                        "|| exit 1; exec sleep 60",
                        "suite", start.c_str(), state.c_str(), nullptr};
  pid_t suite = -1;
  REQUIRE(::posix_spawn(&suite, "/bin/bash", &actions, nullptr, const_cast<char**>(argv), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  ::close(fds[1]);
  // Ready once it published server.env and went to sleep.
  const bool ready = eventually(
      [&] {
        const auto stat = engine::read_proc_stat(suite);
        return std::filesystem::exists(state / "server.env") && stat && stat->state == 'S' &&
               test::read_file("/proc/" + std::to_string(suite) + "/comm") == "sleep\n";
      },
      15s);
  const auto values = read_env(state / "server.env");
  const int server = values.count("PID") != 0 ? std::stoi(values.at("PID")) : 0;
  if (!ready || server <= 0) {
    ::kill(suite, SIGKILL);
    int ignored = 0;
    ::waitpid(suite, &ignored, 0);
    (void)run_with_lifeline(quoted(GitServer::scripts() / "stop.sh") + " " + quoted(state));
    FAIL("the https server did not start: " << test::read_file(scratch / "start.log"));
  }
  CHECK(values.at("WATCHDOG_PID") != "0");
  CHECK(alive(server));
  ::kill(suite, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(suite, &status, 0) == suite);
  CHECK(eventually([&] { return !alive(server); }, 5s));
  (void)run_with_lifeline(quoted(GitServer::scripts() / "stop.sh") + " " + quoted(state));
}

}  // TEST_SUITE

}  // namespace automata::test::git
