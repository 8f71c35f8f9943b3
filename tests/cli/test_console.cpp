#include "cli/console.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "support/scratch.hpp"

using automata::cli::Console;
using automata::cli::write_all;

namespace {

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { REQUIRE(::pipe2(fds, O_CLOEXEC) == 0); }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (fds[0] >= 0) {
      ::close(fds[0]);
      fds[0] = -1;
    }
  }
  void close_write() {
    if (fds[1] >= 0) {
      ::close(fds[1]);
      fds[1] = -1;
    }
  }
  // Everything written until the write end is closed.
  std::string drain() {
    close_write();
    std::string data;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
      data.append(buffer, static_cast<std::size_t>(n));
    }
    return data;
  }
};

// SIGPIPE ignored for the scope, as main does.
struct IgnoreSigpipe {
  struct sigaction previous {};
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &previous);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &previous, nullptr); }
};

}  // namespace

TEST_SUITE("cli.console") {
  TEST_CASE("out and err go to their own fds") {
    Pipe out;
    Pipe err;
    {
      Console console(out.fds[1], err.fds[1]);
      console.out("hello\n");
      console.out("");
      console.err("oops\n");
      console.out("world\n");
      CHECK_FALSE(console.stdout_closed());
      CHECK(console.out_fd() == out.fds[1]);
    }
    CHECK(out.drain() == "hello\nworld\n");
    CHECK(err.drain() == "oops\n");
  }

  TEST_CASE("k_capture keeps the text in memory") {
    automata::cli::TerminalInfo info;
    info.width = 42;
    Console console(Console::k_capture, Console::k_capture, info);
    console.out("a\n");
    console.err("b\n");
    console.out("c\n");
    CHECK(console.captured_out() == "a\nc\n");
    CHECK(console.captured_err() == "b\n");
    CHECK(console.out_terminal().width == 42);
    CHECK(console.err_terminal().width == 80);
  }

  TEST_CASE("EPIPE on stdout closes it quietly; stderr still works") {
    const IgnoreSigpipe ignore;
    Pipe out;
    Pipe err;
    out.close_read();
    Console console(out.fds[1], err.fds[1]);
    console.out("lost\n");
    CHECK(console.stdout_closed());
    console.out("dropped without a write\n");
    console.err("still here\n");
    CHECK(err.drain() == "still here\n");
  }

  TEST_CASE("messages from many threads are never interleaved") {
    const automata::test::ScratchDir scratch;
    const auto path = scratch / "out.txt";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    constexpr int k_threads = 8;
    constexpr int k_messages = 200;
    {
      Console console(fd, Console::k_capture);
      std::vector<std::thread> threads;
      for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&console, t] {
          for (int m = 0; m < k_messages; ++m) {
            console.out(fmt::format("{}-{}:{}\n", t, m, std::string(300, static_cast<char>('a' + t))));
          }
        });
      }
      for (auto& thread : threads) {
        thread.join();
      }
    }
    ::close(fd);
    std::istringstream lines(automata::test::read_file(path));
    std::set<std::string> seen;
    std::string line;
    while (std::getline(lines, line)) {
      const auto colon = line.find(':');
      REQUIRE(colon != std::string::npos);
      const int t = line[0] - '0';
      CHECK(line.substr(colon + 1) == std::string(300, static_cast<char>('a' + t)));
      seen.insert(line.substr(0, colon));
    }
    CHECK(seen.size() == static_cast<std::size_t>(k_threads * k_messages));
  }

  TEST_CASE("write_all finishes large writes to a slow non-blocking pipe") {
    Pipe pipe;
    REQUIRE(::fcntl(pipe.fds[1], F_SETFL, O_NONBLOCK) == 0);
    std::string data;
    for (int i = 0; i < 40'000; ++i) {
      data += fmt::format("{:07}\n", i);
    }
    std::string received;
    std::thread reader([&] {
      char buffer[8192];
      ssize_t n = 0;
      while ((n = ::read(pipe.fds[0], buffer, sizeof buffer)) > 0) {
        received.append(buffer, static_cast<std::size_t>(n));
      }
    });
    CHECK(write_all(pipe.fds[1], data) == 0);
    pipe.close_write();
    reader.join();
    CHECK(received == data);
  }
}
