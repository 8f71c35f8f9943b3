// The step shim, through PosixProcessLauncher, and forked by hand with a
// driver played by the test.
#include "engine/step_shim.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "engine/orphans.hpp"
#include "engine/process.hpp"
#include "support/scratch.hpp"

namespace automata::engine {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

struct Ran {
  ProcessOutcome outcome;
  std::string out;
  std::string err;
};

Ran run_shimmed(ProcessSpec spec) {
  if (spec.env.empty()) {
    spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  }
  Ran ran;
  const CancelToken cancel;
  ran.outcome = PosixProcessLauncher(Supervision::shim)
                    .run(
                        spec,
                        [&](OutputStream stream, std::string_view chunk) {
                          (stream == OutputStream::out ? ran.out : ran.err).append(chunk);
                        },
                        cancel);
  return ran;
}

ProcessSpec sh(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", script};
  return spec;
}

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

// The shim started by hand, as PosixProcessLauncher would, with the test as
// its driver: `control` is the driver's end of the socket.
struct HandShim {
  std::string m_script;
  std::string m_cwd;
  pid_t pid = -1;
  int control = -1;

  explicit HandShim(const std::string& script, const std::filesystem::path& cwd)
      : m_script(script), m_cwd(cwd.string()) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    control = fds[0];
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    REQUIRE(null >= 0);
    char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), m_script.data(), nullptr};
    char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
    ShimSetup setup;
    setup.out_fd = null;
    setup.err_fd = null;
    setup.control_fd = fds[1];
    setup.cwd = m_cwd.c_str();
    setup.executable = "/bin/sh";
    setup.argv = argv;
    setup.envp = envp;
    setup.grace_ms = 200;
    pid = ::fork();
    if (pid == 0) {
      become_step_shim(setup);
    }
    ::setpgid(pid, pid);
    ::close(fds[1]);
    ::close(null);
    REQUIRE(pid > 0);
  }
  ~HandShim() {
    if (control >= 0) {
      ::close(control);
    }
    if (pid > 0) {
      ::killpg(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }
  HandShim(const HandShim&) = delete;
  HandShim& operator=(const HandShim&) = delete;

  int go() const {
    const char byte = 'g';
    REQUIRE(::write(control, &byte, 1) == 1);
    int exec_error = -1;
    REQUIRE(::read(control, &exec_error, sizeof(exec_error)) == sizeof(exec_error));
    return exec_error;
  }
  void close_control() {
    ::close(control);
    control = -1;
  }
  int wait_status() {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    pid = -1;
    return status;
  }
};

}  // namespace

TEST_SUITE("step shim") {
  TEST_CASE("a command under the shim: output, exit code, its group, and on_started before it runs") {
    test::ScratchDir dir;
    ProcessSpec spec = sh("touch ran; echo out; echo err >&2; cut -d' ' -f5 /proc/$$/stat; exit 3");
    spec.cwd = dir.path();
    std::vector<ProcessIdentity> started;
    bool ran_before = true;
    spec.on_started = [&](const ProcessIdentity& id) -> Result<void> {
      started.push_back(id);
      ran_before = std::filesystem::exists(dir / "ran");
      return {};
    };
    const Ran ran = run_shimmed(spec);
    CHECK(ran.outcome.exit_code == 3);
    CHECK(ran.outcome.spawn_error.empty());
    REQUIRE(started.size() == 1);
    CHECK_FALSE(ran_before);
    CHECK(started[0].start_time > 0);
    CHECK(started[0].boot_id == this_boot_id());
    CHECK(ran.out == "out\n" + std::to_string(started[0].pgid) + "\n");
    CHECK(ran.err == "err\n");
    CHECK(std::filesystem::exists(dir / "ran"));
  }

  TEST_CASE("the shim ends as its command did: killed by the same signal") {
    const Ran ran = run_shimmed(sh("kill -TERM $$"));
    CHECK(ran.outcome.exit_code == 128 + SIGTERM);
    CHECK(ran.outcome.term_signal == SIGTERM);
  }

  TEST_CASE("a command that cannot start is a spawn error, with or without a path") {
    ProcessSpec missing;
    missing.argv = {"/nonexistent/tool", "x"};
    Ran ran = run_shimmed(missing);
    CHECK(ran.outcome.exit_code == 127);
    CHECK(ran.outcome.spawn_error == "cannot start '/nonexistent/tool': No such file or directory");
    missing.argv = {"automata-no-such-command"};
    ran = run_shimmed(missing);
    CHECK(ran.outcome.exit_code == 127);
    CHECK(ran.outcome.spawn_error == "cannot start 'automata-no-such-command': No such file or directory");
  }

  TEST_CASE("on_started failing stops the process before its command runs") {
    test::ScratchDir dir;
    ProcessSpec spec = sh("touch ran");
    spec.cwd = dir.path();
    spec.on_started = [](const ProcessIdentity&) -> Result<void> { return Error::infra("journal full"); };
    const Ran ran = run_shimmed(spec);
    CHECK(ran.outcome.exit_code == 127);
    CHECK(ran.outcome.spawn_error == "cannot start 'sh': journal full");
    CHECK_FALSE(std::filesystem::exists(dir / "ran"));
  }

  TEST_CASE("a timeout reaches the command through the shim") {
    ProcessSpec spec = sh("sleep 5");
    spec.timeout = 100ms;
    spec.kill_grace = 2000ms;
    const auto start = SteadyClock::now();
    const Ran ran = run_shimmed(spec);
    CHECK(ran.outcome.timed_out);
    CHECK(ran.outcome.exit_code == 124);
    CHECK(SteadyClock::now() - start < 1500ms);
  }

  TEST_CASE("the shim stops its group when the driver's socket closes") {
    test::ScratchDir dir;
    HandShim shim("echo $$ > pid; sleep 30 & wait", dir.path());
    CHECK(shim.go() == 0);
    REQUIRE(eventually([&] { return !test::read_file(dir / "pid").empty(); }));
    const auto command = std::stoi(test::read_file(dir / "pid"));
    const auto group = identify_process(shim.pid);
    CHECK(group_liveness(group) == GroupLiveness::running);
    shim.close_control();
    const int status = shim.wait_status();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK(eventually([&] { return group_liveness(group) == GroupLiveness::gone; }));
    CHECK(eventually([&] {
      const auto stat = read_proc_stat(command);
      return !stat || stat->state == 'Z';
    }));
  }

  TEST_CASE("a driver gone before go: the command never runs") {
    test::ScratchDir dir;
    HandShim shim("touch ran", dir.path());
    shim.close_control();
    const int status = shim.wait_status();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 125);
    CHECK_FALSE(std::filesystem::exists(dir / "ran"));
  }
}

}  // namespace automata::engine
