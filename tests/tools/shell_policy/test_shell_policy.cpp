// ShellPolicy against real processes: refusals, the scrubbed environment, the
// timeout that kills the whole group, the output cap, and the bwrap sandbox
// (skipped with the reason printed where bwrap cannot run).
#include "tools/shell_policy/shell_policy.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "support/scratch.hpp"
#include "tools/shell_policy/environment_scrub.hpp"
#include "tools/shell_policy/output_tail.hpp"
#include "tools/shell_policy/sandbox.hpp"

using namespace automata;
using namespace automata::tools::shell_policy;
using namespace std::chrono_literals;
using automata::test::read_file;
using automata::test::ScratchDir;
namespace stdfs = std::filesystem;

namespace {

ShellPolicyOptions options_for(const ScratchDir& dir) {
  ShellPolicyOptions options;
  options.workspace = dir.path();
  options.environment = {"PATH=/usr/bin:/bin", "HOME=/tmp"};
  options.base_branch = "main";
  options.timeout = 10s;
  return options;
}

// Running or stopped; a zombie (killed, not yet reaped by init) is not alive.
bool process_alive(pid_t pid) {
  const std::string stat = read_file(fmt::format("/proc/{}/stat", pid));
  const auto state = stat.rfind(") ");
  return !stat.empty() && state != std::string::npos && stat[state + 2] != 'Z';
}

// A listening TCP socket on 127.0.0.1; closed on destruction.
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd, 4);
    socklen_t size = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    port = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
};

bool sandbox_usable() {
  if (auto reason = sandbox_unavailable_reason()) {
    MESSAGE("skipped: the bwrap sandbox cannot run here: " << *reason);
    return false;
  }
  return true;
}

}  // namespace

TEST_SUITE("shell policy") {

TEST_CASE("a command runs in the workspace with bash; exit code and output returned") {
  ScratchDir dir;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy policy(options_for(dir), launcher);
  const auto result = policy.run("pwd; echo err >&2; exit 3", cancel);
  CHECK(result.ran);
  CHECK(result.refused.empty());
  CHECK(result.exit_code == 3);
  CHECK(result.out == stdfs::canonical(dir.path()).string() + "\n");
  CHECK(result.err == "err\n");
  CHECK_FALSE(result.timed_out);
}

TEST_CASE("a dangerous command is refused with its reason and not run") {
  ScratchDir dir;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy policy(options_for(dir), launcher);
  const auto result = policy.run("touch ran; rm -rf /", cancel);
  CHECK_FALSE(result.ran);
  CHECK(result.refused == "shell: refused \"touch ran; rm -rf /\": deletes the root filesystem");
  CHECK_FALSE(stdfs::exists(dir / "ran"));
  CHECK(policy.refusal("git push -f origin main") ==
        "shell: refused \"git push -f origin main\": force-pushes the base branch main, rewriting its history; push "
        "to another branch");
  CHECK(policy.refusal("ls -la") == std::nullopt);
}

TEST_CASE("the environment is an allowlist: tools' variables kept, everything else and credentials dropped") {
  CHECK(looks_secret("MY_API_KEY"));
  CHECK(looks_secret("github_token"));
  CHECK(looks_secret("DB_PASSWORD"));
  CHECK(looks_secret("AWS_SECRET_ACCESS_KEY"));
  CHECK_FALSE(looks_secret("PATH"));
  CHECK_FALSE(looks_secret("HOME"));
  ScratchDir dir;
  auto options = options_for(dir);
  options.environment.push_back("MY_API_KEY=sk-123");
  options.environment.push_back("GITHUB_TOKEN=ghp_456");
  options.environment.push_back("NPM_TOKEN=npm_789");
  options.environment.push_back("GREETING=hello");
  options.environment.push_back("AWS_PROFILE=production");
  options.environment.push_back("LC_ALL=C");
  options.environment.push_back("CXXFLAGS=-O2");
  options.environment.push_back("AUTOMATA_STEP_ID=agent");
  options.environment.push_back("AUTOMATA_LLM_API_KEY=sk-999");
  options.allowed_secrets = {"NPM_TOKEN", "GREETING"};
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy policy(options, launcher);
  const auto result = policy.run("env | sort", cancel);
  CHECK(result.out.find("MY_API_KEY") == std::string::npos);
  CHECK(result.out.find("GITHUB_TOKEN") == std::string::npos);
  CHECK(result.out.find("AWS_PROFILE") == std::string::npos);
  CHECK(result.out.find("AUTOMATA_LLM_API_KEY") == std::string::npos);
  CHECK(result.out.find("NPM_TOKEN=npm_789\n") != std::string::npos);
  CHECK(result.out.find("GREETING=hello\n") != std::string::npos);
  CHECK(result.out.find("LC_ALL=C\n") != std::string::npos);
  CHECK(result.out.find("CXXFLAGS=-O2\n") != std::string::npos);
  CHECK(result.out.find("AUTOMATA_STEP_ID=agent\n") != std::string::npos);
}

TEST_CASE("a timeout kills the whole process group, background children too") {
  ScratchDir dir;
  auto options = options_for(dir);
  options.timeout = 300ms;
  options.kill_grace = 200ms;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy policy(options, launcher);
  const auto started = std::chrono::steady_clock::now();
  const auto result = policy.run("trap '' TERM; sleep 30 & echo $! > child.pid; sleep 30", cancel);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK(result.ran);
  CHECK(result.timed_out);
  CHECK(result.exit_code == 124);
  CHECK(result.duration >= 300ms);
  const pid_t child = std::stoi(read_file(dir / "child.pid"));
  // The background sleep is reaped by init once killed; give it a moment.
  for (int i = 0; i < 50 && process_alive(child); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK_FALSE(process_alive(child));
}

TEST_CASE("cancelling stops the command") {
  ScratchDir dir;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy policy(options_for(dir), launcher);
  std::thread canceller([&cancel] {
    std::this_thread::sleep_for(100ms);
    cancel.cancel();
  });
  const auto result = policy.run("sleep 30", cancel);
  canceller.join();
  CHECK(result.cancelled);
}

TEST_CASE("the output cap keeps the tail and says how much was dropped") {
  OutputTail tail(10);
  tail.append("0123456789");
  CHECK(tail.text() == "0123456789");
  CHECK(tail.dropped() == 0);
  tail.append("abcde");
  CHECK(tail.text() == "[... 5 bytes dropped ...]\n56789abcde");
  CHECK(tail.dropped() == 5);

  ScratchDir dir;
  auto options = options_for(dir);
  options.output_limit = 100;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy policy(options, launcher);
  const auto result = policy.run("seq 1 10000", cancel);
  CHECK(result.out_dropped == 48894 - 100);
  CHECK(result.out.starts_with("[... 48794 bytes dropped ...]\n"));
  CHECK(result.out.ends_with("9998\n9999\n10000\n"));
}

TEST_CASE("the output cap does not cut a UTF-8 character in two") {
  OutputTail tail(3);
  tail.append("a\xc3\xa9\xc3\xa9");  // a é é: the tail starts inside the first é
  CHECK(tail.text() == "[... 3 bytes dropped ...]\n\xc3\xa9");
}

TEST_CASE("sandbox: the workspace is writable, the rest and .git are not, no network") {
  if (!sandbox_usable()) {
    return;
  }
  ScratchDir dir;
  stdfs::create_directories(dir / "ws/.git");
  dir.write("ws/.git/HEAD", "ref: refs/heads/main\n");
  auto options = options_for(dir);
  options.workspace = dir / "ws";
  options.sandbox = true;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy policy(options, launcher);

  auto inside = policy.run("echo ok > inside.txt && cat inside.txt", cancel);
  CHECK(inside.exit_code == 0);
  CHECK(read_file(dir / "ws/inside.txt") == "ok\n");

  // The scratch directory is under /tmp, which is private inside: a write
  // next to the workspace lands in the sandbox's own /tmp, never on the host.
  (void)policy.run(fmt::format("echo pwned > {}", (dir / "outside.txt").string()), cancel);
  CHECK_FALSE(stdfs::exists(dir / "outside.txt"));
  // A directory the host can write, outside the workspace and outside /tmp.
  std::string host_dir_template = "/var/tmp/automata-sandbox-XXXXXX";
  if (::mkdtemp(host_dir_template.data()) != nullptr) {
    const stdfs::path host_dir = host_dir_template;
    auto host = policy.run(fmt::format("echo pwned > {}/x.txt", host_dir.string()), cancel);
    CHECK(host.exit_code != 0);
    CHECK(host.err.find("Read-only file system") != std::string::npos);
    CHECK_FALSE(stdfs::exists(host_dir / "x.txt"));
    stdfs::remove_all(host_dir);
  }
  auto etc = policy.run("touch /etc/automata-sandbox-test", cancel);
  CHECK(etc.exit_code != 0);
  CHECK_FALSE(stdfs::exists("/etc/automata-sandbox-test"));

  auto git = policy.run("echo x > .git/HEAD", cancel);
  CHECK(git.exit_code != 0);
  CHECK(read_file(dir / "ws/.git/HEAD") == "ref: refs/heads/main\n");

  // /tmp is private: a file written there is not the host's.
  auto tmp = policy.run("echo t > /tmp/automata-sandbox-private && cat /tmp/automata-sandbox-private", cancel);
  CHECK(tmp.exit_code == 0);
  CHECK_FALSE(stdfs::exists("/tmp/automata-sandbox-private"));

  Listener listener;
  const auto connect = fmt::format("exec 3<>/dev/tcp/127.0.0.1/{} && echo connected", listener.port);
  auto network = policy.run(connect, cancel);
  CHECK(network.exit_code != 0);
  CHECK(network.out.find("connected") == std::string::npos);
  // The same connection works outside the sandbox, so the test is meaningful.
  options.sandbox = false;
  ShellPolicy open_policy(options, launcher);
  auto control = open_policy.run(connect, cancel);
  CHECK(control.exit_code == 0);
  CHECK(control.out == "connected\n");
}

TEST_CASE("sandbox: the home directory is hidden, a worktree's repository is read-only, extra writable dirs, network") {
  if (!sandbox_usable()) {
    return;
  }
  ScratchDir dir;
  // Outside /tmp (private inside the sandbox) so that the host's view is what is checked.
  std::string root_template = "/var/tmp/automata-sandbox-XXXXXX";
  REQUIRE(::mkdtemp(root_template.data()) != nullptr);
  const stdfs::path root = root_template;
  stdfs::create_directories(root / "home/.ssh");
  stdfs::create_directories(root / "build");
  {
    std::ofstream(root / "home/.ssh/id_ed25519") << "PRIVATE KEY\n";
  }
  auto setup = options_for(dir);
  setup.workspace = root;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy host(setup, launcher);
  const auto made = host.run(
      "git init -q -b main home/repo && git -C home/repo -c user.name=t -c user.email=t@t commit -q --allow-empty -m x "
      "&& git -C home/repo worktree add -q -b work ../../wt",
      cancel);
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);

  auto options = options_for(dir);
  options.workspace = root / "wt";
  options.environment = {"PATH=/usr/bin:/bin", "HOME=" + (root / "home").string()};
  options.sandbox = true;
  options.sandbox_writable = {root / "build"};
  ShellPolicy policy(options, launcher);
  auto key = policy.run("cat \"$HOME/.ssh/id_ed25519\"", cancel);
  CHECK(key.exit_code != 0);
  CHECK(key.out.find("PRIVATE KEY") == std::string::npos);
  auto hooks = policy.run(fmt::format("echo pwned > {}", (root / "home/repo/.git/hooks/pre-commit").string()), cancel);
  CHECK(hooks.exit_code != 0);
  CHECK_FALSE(stdfs::exists(root / "home/repo/.git/hooks/pre-commit"));
  auto status = policy.run("git status --short && echo listed", cancel);
  CHECK(status.out.find("listed") != std::string::npos);
  auto build = policy.run(fmt::format("echo built > {}/out.txt", (root / "build").string()), cancel);
  CHECK(build.exit_code == 0);
  CHECK(read_file(root / "build/out.txt") == "built\n");

  Listener listener;
  const auto connect = fmt::format("exec 3<>/dev/tcp/127.0.0.1/{} && echo connected", listener.port);
  options.sandbox_network = true;
  ShellPolicy networked(options, launcher);
  auto network = networked.run(connect, cancel);
  CHECK(network.out == "connected\n");
  stdfs::remove_all(root);
}

TEST_CASE("sandbox: a timeout still stops everything inside") {
  if (!sandbox_usable()) {
    return;
  }
  ScratchDir dir;
  auto options = options_for(dir);
  options.sandbox = true;
  options.timeout = 300ms;
  options.kill_grace = 200ms;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  ShellPolicy policy(options, launcher);
  const auto started = std::chrono::steady_clock::now();
  const auto result = policy.run("sleep 30 & sleep 30", cancel);
  CHECK(result.timed_out);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}

}  // TEST_SUITE
