#include "engine/process.hpp"

#include <doctest/doctest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/scratch.hpp"

namespace automata::engine {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Captured {
  ProcessOutcome outcome;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

ProcessSpec sh_spec(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  return spec;
}

Captured run_spec(const ProcessSpec& spec, const CancelToken& cancel) {
  Captured result;
  const auto start = Clock::now();
  result.outcome = PosixProcessLauncher().run(
      spec,
      [&](OutputStream stream, std::string_view chunk) {
        (stream == OutputStream::out ? result.out : result.err).append(chunk);
      },
      cancel);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

Captured run_spec(const ProcessSpec& spec) {
  const CancelToken cancel;
  return run_spec(spec, cancel);
}

Captured run_sh(const std::string& script) { return run_spec(sh_spec(script)); }

// Dead means gone or a zombie waiting for init to reap it.
bool process_dead(pid_t pid) {
  if (::kill(pid, 0) != 0) {
    return errno == ESRCH;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close_paren = line.rfind(')');
  return close_paren != std::string::npos && line.size() > close_paren + 2 && line[close_paren + 2] == 'Z';
}

bool becomes_dead(pid_t pid) {
  const auto deadline = Clock::now() + 2s;
  while (Clock::now() < deadline) {
    if (process_dead(pid)) {
      return true;
    }
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

pid_t read_pid(const std::filesystem::path& file) { return static_cast<pid_t>(std::stol(test::read_file(file))); }

}  // namespace

TEST_SUITE("process") {
  TEST_CASE("exit_code_from_wait_status maps exits and signals") {
    CHECK(exit_code_from_wait_status(W_EXITCODE(0, 0)) == 0);
    CHECK(exit_code_from_wait_status(W_EXITCODE(3, 0)) == 3);
    CHECK(exit_code_from_wait_status(W_EXITCODE(255, 0)) == 255);
    CHECK(exit_code_from_wait_status(W_EXITCODE(0, SIGKILL)) == 137);
    CHECK(exit_code_from_wait_status(W_EXITCODE(0, SIGTERM)) == 143);
  }

  TEST_CASE("cancel token") {
    CancelToken token;
    CHECK_FALSE(token.cancelled());
    pollfd fd{token.wait_fd(), POLLIN, 0};
    CHECK(::poll(&fd, 1, 0) == 0);

    const auto start = Clock::now();
    CHECK_FALSE(token.wait_for(20ms));
    CHECK(Clock::now() - start >= 20ms);

    std::thread canceller([&] {
      std::this_thread::sleep_for(20ms);
      token.cancel();
    });
    CHECK(token.wait_for(5s));
    canceller.join();
    CHECK(token.cancelled());
    token.cancel();  // idempotent
    CHECK(token.cancelled());
    CHECK(::poll(&fd, 1, 0) == 1);
    CHECK(fd.revents == POLLIN);
    CHECK(token.wait_for(0ms));
  }

  TEST_CASE("exit code passes through") {
    const auto r = run_sh("exit 3");
    CHECK(r.outcome.exit_code == 3);
    CHECK(r.outcome.term_signal == 0);
    CHECK_FALSE(r.outcome.timed_out);
    CHECK_FALSE(r.outcome.cancelled);
    CHECK(r.outcome.spawn_error.empty());
  }

  TEST_CASE("a signal becomes 128+n") {
    const auto r = run_sh("kill -9 $$");
    CHECK(r.outcome.exit_code == 137);
    CHECK(r.outcome.term_signal == 9);
  }

  TEST_CASE("stdout and stderr are kept apart") {
    const auto r = run_sh("printf 'to out\\n'; printf 'to err\\n' >&2; printf 'more out'");
    CHECK(r.outcome.exit_code == 0);
    CHECK(r.out == "to out\nmore out");
    CHECK(r.err == "to err\n");
  }

  TEST_CASE("large output on both streams is fully delivered") {
    const auto r = run_sh(
        "head -c 1048576 /dev/zero | tr '\\0' a & "
        "head -c 1048576 /dev/zero | tr '\\0' b >&2; wait");
    CHECK(r.outcome.exit_code == 0);
    CHECK(r.out == std::string(1048576, 'a'));
    CHECK(r.err == std::string(1048576, 'b'));
  }

  TEST_CASE("the environment is exactly the one given") {
    ProcessSpec spec;
    spec.argv = {"env"};
    spec.env = {"AUTOMATA_A=one", "AUTOMATA_B=two words"};
    const auto r = run_spec(spec);
    CHECK(r.outcome.exit_code == 0);
    CHECK(r.out == "AUTOMATA_A=one\nAUTOMATA_B=two words\n");

    auto shell = sh_spec("printf '%s|%s' \"$AUTOMATA_A\" \"${HOME-absent}\"");
    shell.env.push_back("AUTOMATA_A=present");
    CHECK(run_spec(shell).out == "present|absent");
  }

  TEST_CASE("the working directory is honoured") {
    const test::ScratchDir scratch;
    auto spec = sh_spec("pwd -P; cat data.txt");
    scratch.write("data.txt", "from cwd");
    spec.cwd = scratch.path();
    const auto r = run_spec(spec);
    CHECK(r.outcome.exit_code == 0);
    CHECK(r.out == std::filesystem::canonical(scratch.path()).string() + "\nfrom cwd");
  }

  TEST_CASE("stdin is /dev/null") {
    const auto r = run_sh("cat; readlink /proc/self/fd/0");
    CHECK(r.outcome.exit_code == 0);
    CHECK(r.out == "/dev/null\n");
    CHECK(r.elapsed < 2s);
  }

  TEST_CASE("the child leads its own process group with default signals") {
    // Blocked here, it must still be unblocked in the child.
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigset_t old;
    REQUIRE(::pthread_sigmask(SIG_BLOCK, &block, &old) == 0);
    const auto r = run_sh("echo $$; cut -d' ' -f5 /proc/$$/stat; grep SigBlk /proc/self/status");
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    CHECK(r.outcome.exit_code == 0);
    const auto first = r.out.find('\n');
    REQUIRE(first != std::string::npos);
    const auto pid = r.out.substr(0, first);
    CHECK(r.out == pid + "\n" + pid + "\nSigBlk:\t0000000000000000\n");
  }

  TEST_CASE("a missing program cannot start") {
    ProcessSpec spec;
    spec.argv = {"automata-no-such-program", "x"};
    const auto r = run_spec(spec);
    CHECK(r.outcome.exit_code == 127);
    CHECK(r.outcome.spawn_error == "cannot start 'automata-no-such-program': No such file or directory");
    CHECK(r.out.empty());
    CHECK(r.err.empty());
  }

  TEST_CASE("a bad working directory cannot start") {
    const test::ScratchDir scratch;
    auto spec = sh_spec("true");
    spec.cwd = scratch / "missing";
    auto r = run_spec(spec);
    CHECK(r.outcome.exit_code == 127);
    CHECK(r.outcome.spawn_error == "cannot start '/bin/sh' in " + spec.cwd.string() + ": No such file or directory");

    spec.cwd = scratch.write("file", "");
    r = run_spec(spec);
    CHECK(r.outcome.exit_code == 127);
    CHECK(r.outcome.spawn_error == "cannot start '/bin/sh' in " + spec.cwd.string() + ": Not a directory");
  }

  TEST_CASE("an empty command line cannot start") {
    const auto r = run_spec(ProcessSpec{});
    CHECK(r.outcome.exit_code == 127);
    CHECK(r.outcome.spawn_error == "cannot start: empty command line");
  }

  TEST_CASE("a timeout ignoring SIGTERM is killed after the grace") {
    auto spec = sh_spec("trap '' TERM; echo started; sleep 5");
    spec.timeout = 100ms;
    spec.kill_grace = 200ms;
    const auto r = run_spec(spec);
    CHECK(r.outcome.timed_out);
    CHECK_FALSE(r.outcome.cancelled);
    CHECK(r.outcome.exit_code == 124);
    CHECK(r.outcome.term_signal == SIGKILL);
    CHECK(r.out == "started\n");
    CHECK(r.elapsed >= 250ms);
    CHECK(r.elapsed < 2s);
  }

  TEST_CASE("a timeout kills the whole process group") {
    const test::ScratchDir scratch;
    const auto pid_file = scratch / "pid";
    // The background sleep ignores SIGTERM, so only the final group SIGKILL ends it.
    auto spec = sh_spec("trap '' TERM; sleep 30 & echo $! > '" + pid_file.string() + "'; trap - TERM; wait");
    spec.timeout = 100ms;
    spec.kill_grace = 1s;
    const auto r = run_spec(spec);
    CHECK(r.outcome.timed_out);
    CHECK(r.outcome.exit_code == 124);
    CHECK(r.outcome.term_signal == SIGTERM);
    CHECK(r.elapsed < 1s);
    const pid_t background = read_pid(pid_file);
    CHECK(becomes_dead(background));
  }

  TEST_CASE("cancelling from another thread stops the step") {
    CancelToken cancel;
    std::thread canceller([&] {
      std::this_thread::sleep_for(100ms);
      cancel.cancel();
    });
    const auto r = run_spec(sh_spec("sleep 5"), cancel);
    canceller.join();
    CHECK(r.outcome.cancelled);
    CHECK_FALSE(r.outcome.timed_out);
    CHECK(r.outcome.exit_code == 143);
    CHECK(r.outcome.term_signal == SIGTERM);
    CHECK(r.elapsed >= 100ms);
    CHECK(r.elapsed < 2s);
  }

  TEST_CASE("a background process holding the pipes does not block") {
    const auto r = run_sh("sleep 5 & echo $!");
    CHECK(r.outcome.exit_code == 0);
    CHECK(r.elapsed < 1s);
    REQUIRE_FALSE(r.out.empty());
    const auto background = static_cast<pid_t>(std::stol(r.out));
    // Left alone on a normal exit; clean it up here.
    CHECK_FALSE(process_dead(background));
    ::kill(background, SIGKILL);
  }

  TEST_CASE("runs from several threads at once") {
    constexpr int k_threads = 4;
    constexpr int k_runs = 15;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
      threads.emplace_back([t, &failures] {
        for (int i = 0; i < k_runs; ++i) {
          const auto tag = std::to_string(t) + "-" + std::to_string(i);
          ProcessSpec spec;
          spec.argv = {"/bin/sh", "-c", "printf %s \"$1\"; printf e%s \"$1\" >&2; exit $2", "sh", tag,
                       std::to_string(i)};
          const auto r = run_spec(spec);
          if (r.out != tag || r.err != "e" + tag || r.outcome.exit_code != i) {
            ++failures;
          }
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    CHECK(failures.load() == 0);
  }

  TEST_CASE("signal_all_process_groups kills running children") {
    std::atomic<int> ready{0};
    std::vector<ProcessOutcome> outcomes(2);
    std::vector<std::thread> threads;
    for (auto& outcome : outcomes) {
      threads.emplace_back([&ready, &outcome] {
        const CancelToken cancel;
        outcome = PosixProcessLauncher().run(
            sh_spec("echo ready; sleep 5"), [&](OutputStream, std::string_view) { ++ready; }, cancel);
      });
    }
    const auto deadline = Clock::now() + 2s;
    while (ready.load() < 2 && Clock::now() < deadline) {
      std::this_thread::sleep_for(2ms);
    }
    CHECK(ready.load() == 2);
    signal_all_process_groups(SIGKILL);
    for (auto& thread : threads) {
      thread.join();
    }
    for (const auto& outcome : outcomes) {
      CHECK(outcome.exit_code == 137);
      CHECK(outcome.term_signal == SIGKILL);
      CHECK_FALSE(outcome.cancelled);
    }
  }
}

}  // namespace automata::engine
