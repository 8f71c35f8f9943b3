// One run() supervises one child from the calling thread: a single poll loop
// over the stdout and stderr pipes, the cancel token's fd and a pidfd for the
// child (ninja subprocess-posix.cc, without its SIGCHLD/pselect machinery).
// No helper threads and no sleeps, so a launch costs about one posix_spawn.
//
// Process-group invariant: a group id is only ever signalled while its leader
// is unreaped (running or a zombie). Until the leader is reaped its pid, and so
// the group id, cannot be reused, so killpg never reaches a stranger's group.
// The leader is therefore taken out of the registry, and the final SIGKILL for
// stragglers is sent, before waitpid.
#include "engine/process.hpp"

#include "engine/proc_stat.hpp"
#include "engine/step_shim.hpp"
#include "engine/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <algorithm>
#include <system_error>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

namespace automata::engine {
namespace {

using Fd = UniqueFd;

using Clock = std::chrono::steady_clock;

constexpr std::size_t k_read_size = 64 * 1024;
// How long to keep reading after the leader exited: a background process left
// in the group may hold the pipes open forever.
constexpr std::chrono::milliseconds k_drain_time{50};
// Only used when pidfd_open is unavailable (kernels before 5.3).
constexpr std::chrono::milliseconds k_wait_poll_interval{10};
constexpr int k_exit_timed_out = 124;
constexpr int k_exit_cannot_start = 127;

std::string errno_text(int err) { return std::generic_category().message(err); }

[[noreturn]] void throw_errno(int err, const char* what) { throw std::system_error(err, std::generic_category(), what); }

// Returns 0 or errno; both ends are close-on-exec so a concurrent spawn on
// another thread never inherits them.
int make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return errno;
  }
  read_end = Fd(fds[0]);
  write_end = Fd(fds[1]);
  return 0;
}

// Live process groups of every launcher. Leaked on purpose: a signal-watching
// thread may still use it while statics are destroyed.
struct GroupRegistry {
  std::mutex mutex;
  std::unordered_set<pid_t> groups;
};

GroupRegistry& group_registry() {
  static auto* registry = new GroupRegistry;
  return *registry;
}

void register_group(pid_t pgid) {
  auto& registry = group_registry();
  const std::lock_guard lock(registry.mutex);
  registry.groups.insert(pgid);
}

void unregister_group(pid_t pgid) {
  auto& registry = group_registry();
  const std::lock_guard lock(registry.mutex);
  registry.groups.erase(pgid);
}

// The spawned leader of a process group; if run() is left early (an output
// handler threw) the whole group is killed and the leader reaped.
class Child {
 public:
  explicit Child(pid_t pid) : m_pid(pid) { register_group(m_pid); }
  ~Child() {
    if (!m_reaped) {
      ::killpg(m_pid, SIGKILL);
      unregister_group(m_pid);
      int status = 0;
      while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return m_pid; }
  void signal_group(int sig) const { ::killpg(m_pid, sig); }

  // Non-blocking: whether the leader has exited (it stays a zombie).
  bool has_exited() const {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
      if (errno != EINTR) {
        return true;  // ECHILD: already gone, reap() reports it
      }
    }
    return info.si_pid == m_pid;
  }

  // Returns the wait status; call once the leader has exited.
  int reap() {
    unregister_group(m_pid);
    m_reaped = true;
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0) {
      if (errno != EINTR) {
        // ECHILD: someone set SIGCHLD to SIG_IGN or reaped our child.
        throw_errno(errno, "waitpid");
      }
    }
    return status;
  }

 private:
  pid_t m_pid;
  bool m_reaped = false;
};

Fd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  // pidfd_open always sets O_CLOEXEC.
  return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#else
  (void)pid;
  return Fd();
#endif
}

struct SpawnFileActions {
  posix_spawn_file_actions_t value;
  int init_error;
  SpawnFileActions() : init_error(::posix_spawn_file_actions_init(&value)) {}
  ~SpawnFileActions() {
    if (init_error == 0) {
      ::posix_spawn_file_actions_destroy(&value);
    }
  }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
};

struct SpawnAttr {
  posix_spawnattr_t value;
  int init_error;
  SpawnAttr() : init_error(::posix_spawnattr_init(&value)) {}
  ~SpawnAttr() {
    if (init_error == 0) {
      ::posix_spawnattr_destroy(&value);
    }
  }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
};

// Returns 0 or an errno value: the command posix_spawnp would run.
int resolve_executable(const std::string& name, const std::filesystem::path& cwd, std::string& found) {
  if (name.find('/') != std::string::npos) {
    found = name;  // resolved by exec, relative to the child's directory
    return 0;
  }
  const char* path_env = std::getenv("PATH");
  const std::string_view path = path_env != nullptr ? path_env : "/bin:/usr/bin";
  int error = ENOENT;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    std::filesystem::path dir(std::string(path.substr(start, end - start)));
    start = end + 1;
    if (dir.empty()) {
      dir = ".";
    }
    const std::filesystem::path candidate = dir / name;
    const std::filesystem::path checked = candidate.is_relative() && !cwd.empty() ? cwd / candidate : candidate;
    struct stat info {};
    if (::stat(checked.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      continue;
    }
    if (::access(checked.c_str(), X_OK) != 0) {
      error = EACCES;
      continue;
    }
    found = candidate.string();
    return 0;
  }
  return error;
}

// The NULL-terminated array of C strings execve and posix_spawn take; it
// points into `strings`, which must outlive it.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& text : strings) {
    out.push_back(const_cast<char*>(text.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

// Returns 0 or an errno value; on success pid is the child, leader of its own group.
int spawn_child(const ProcessSpec& spec, int out_fd, int err_fd, pid_t& pid) {
  SpawnFileActions actions;
  if (actions.init_error != 0) {
    return actions.init_error;
  }
  // The dup2s come first in case a pipe end is fd 0 (the parent closed its stdin).
  if (int err = ::posix_spawn_file_actions_adddup2(&actions.value, out_fd, STDOUT_FILENO); err != 0) {
    return err;
  }
  if (int err = ::posix_spawn_file_actions_adddup2(&actions.value, err_fd, STDERR_FILENO); err != 0) {
    return err;
  }
  if (int err = ::posix_spawn_file_actions_addopen(&actions.value, STDIN_FILENO, "/dev/null", O_RDONLY, 0); err != 0) {
    return err;
  }
  if (!spec.cwd.empty()) {
    if (int err = ::posix_spawn_file_actions_addchdir_np(&actions.value, spec.cwd.c_str()); err != 0) {
      return err;
    }
  }

  SpawnAttr attr;
  if (attr.init_error != 0) {
    return attr.init_error;
  }
  // The engine's threads may block or ignore these; a step must start with
  // the defaults or it would survive SIGTERM or die silently on SIGPIPE.
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP, SIGQUIT}) {
    sigaddset(&default_signals, sig);
  }
  const short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (int err = ::posix_spawnattr_setflags(&attr.value, flags); err != 0) {
    return err;
  }
  if (int err = ::posix_spawnattr_setpgroup(&attr.value, 0); err != 0) {
    return err;
  }
  if (int err = ::posix_spawnattr_setsigmask(&attr.value, &empty_mask); err != 0) {
    return err;
  }
  if (int err = ::posix_spawnattr_setsigdefault(&attr.value, &default_signals); err != 0) {
    return err;
  }

  std::vector<char*> argv = c_strings(spec.argv);
  std::vector<char*> envp = c_strings(spec.env);

  // glibc's posix_spawnp reports exec and chdir failures of the child here.
  return ::posix_spawnp(&pid, argv[0], &actions.value, &attr.value, argv.data(), envp.data());
}

// Forks the step shim (step_shim.hpp): everything it needs is prepared
// here, since after fork() the child makes system calls only. Returns 0 or
// an errno value; a failure inside the child is reported after "go".
int fork_shim(const ProcessSpec& spec, const std::string& executable, int out_fd, int err_fd, int control_fd,
              pid_t& pid) {
  std::vector<char*> argv = c_strings(spec.argv);
  std::vector<char*> envp = c_strings(spec.env);
  const std::string cwd = spec.cwd.string();
  ShimSetup setup;
  setup.out_fd = out_fd;
  setup.err_fd = err_fd;
  setup.control_fd = control_fd;
  setup.cwd = cwd.empty() ? nullptr : cwd.c_str();
  setup.executable = executable.c_str();
  setup.argv = argv.data();
  setup.envp = envp.data();
  setup.grace_ms = static_cast<int>(std::min<std::int64_t>(spec.kill_grace.count(), 24 * 3600 * 1000));
  pid = ::fork();
  if (pid < 0) {
    return errno;
  }
  if (pid == 0) {
    become_step_shim(setup);
  }
  // Also here, so the group exists before we signal it (EACCES/ESRCH: the
  // child did it already, or is gone, which the poll loop sees).
  ::setpgid(pid, pid);
  return 0;
}

// 0 if the directory can be entered, else the errno a chdir would give.
int cwd_error(const std::filesystem::path& cwd) {
  struct stat info {};
  if (::stat(cwd.c_str(), &info) != 0) {
    return errno;
  }
  if (!S_ISDIR(info.st_mode)) {
    return ENOTDIR;
  }
  if (::access(cwd.c_str(), X_OK) != 0) {
    return errno;
  }
  return 0;
}

ProcessOutcome cannot_start(std::string message) {
  ProcessOutcome outcome;
  outcome.exit_code = k_exit_cannot_start;
  outcome.spawn_error = std::move(message);
  return outcome;
}

// "No deadline"; plain time points rather than std::optional, which trips
// g++ 12's -Wmaybe-uninitialized at -O2.
constexpr Clock::time_point k_never = Clock::time_point::max();

// Milliseconds until the deadline, rounded up so poll never wakes early and spins.
int poll_timeout(Clock::time_point now, Clock::time_point deadline) {
  if (deadline == k_never) {
    return -1;
  }
  if (deadline <= now) {
    return 0;
  }
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
  return static_cast<int>(std::min<decltype(ms)>(ms, 1000 * 60 * 60));
}

// Reads once from a readable pipe; closes it on EOF or error.
void read_pipe(Fd& fd, OutputStream stream, char* buffer, const OutputHandler& on_output) {
  const ssize_t n = ::read(fd.get(), buffer, k_read_size);
  if (n > 0) {
    on_output(stream, std::string_view(buffer, static_cast<std::size_t>(n)));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    fd.reset();
  }
}

}  // namespace

// ---- CancelToken ----------------------------------------------------------

struct CancelToken::Impl {
  std::atomic<bool> cancelled{false};
  Fd read_end;
  Fd write_end;
};

CancelToken::CancelToken() : m_impl(std::make_unique<Impl>()) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw_errno(errno, "pipe2");
  }
  m_impl->read_end = Fd(fds[0]);
  m_impl->write_end = Fd(fds[1]);
}

CancelToken::~CancelToken() = default;

void CancelToken::cancel() {
  if (m_impl->cancelled.exchange(true)) {
    return;
  }
  // The byte is never read back: the fd stays readable for every waiter.
  const char byte = 'c';
  while (::write(m_impl->write_end.get(), &byte, 1) < 0 && errno == EINTR) {
  }
}

bool CancelToken::cancelled() const { return m_impl->cancelled.load(); }

int CancelToken::wait_fd() const { return m_impl->read_end.get(); }

bool CancelToken::wait_for(std::chrono::milliseconds duration) const {
  const auto deadline = Clock::now() + duration;
  while (!cancelled()) {
    const auto now = Clock::now();
    if (now >= deadline) {
      break;
    }
    pollfd fd{wait_fd(), POLLIN, 0};
    if (::poll(&fd, 1, poll_timeout(now, deadline)) < 0 && errno != EINTR) {
      throw_errno(errno, "poll");
    }
  }
  return cancelled();
}

// ---- PosixProcessLauncher ---------------------------------------------------

ProcessOutcome PosixProcessLauncher::run(const ProcessSpec& spec, const OutputHandler& on_output,
                                         const CancelToken& cancel) {
  if (spec.argv.empty()) {
    return cannot_start("cannot start: empty command line");
  }
  const std::string& program = spec.argv.front();
  if (!spec.cwd.empty()) {
    if (int err = cwd_error(spec.cwd); err != 0) {
      return cannot_start(fmt::format("cannot start '{}' in {}: {}", program, spec.cwd.string(), errno_text(err)));
    }
  }

  Fd out_read;
  Fd out_write;
  Fd err_read;
  Fd err_write;
  if (int err = make_pipe(out_read, out_write); err != 0) {
    return cannot_start(fmt::format("cannot start '{}': {}", program, errno_text(err)));
  }
  if (int err = make_pipe(err_read, err_write); err != 0) {
    return cannot_start(fmt::format("cannot start '{}': {}", program, errno_text(err)));
  }
  // Under a shim: our end of its control socket. It stays open while we
  // supervise; its closing, however this process dies, stops the step.
  Fd control;
  pid_t pid = -1;
  if (m_supervision == Supervision::shim) {
    std::string executable;
    if (int err = resolve_executable(program, spec.cwd, executable); err != 0) {
      return cannot_start(fmt::format("cannot start '{}': {}", program, errno_text(err)));
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      return cannot_start(fmt::format("cannot start '{}': {}", program, errno_text(errno)));
    }
    control = Fd(fds[0]);
    const Fd shim_end(fds[1]);
    if (int err = fork_shim(spec, executable, out_write.get(), err_write.get(), shim_end.get(), pid); err != 0) {
      return cannot_start(fmt::format("cannot start '{}': {}", program, errno_text(err)));
    }
  } else if (int err = spawn_child(spec, out_write.get(), err_write.get(), pid); err != 0) {
    return cannot_start(fmt::format("cannot start '{}': {}", program, errno_text(err)));
  }
  // Our write ends must go, or the pipes never reach EOF.
  out_write.reset();
  err_write.reset();

  Child child(pid);
  if (spec.on_started) {
    if (auto recorded = spec.on_started(identify_process(pid)); !recorded.ok()) {
      return cannot_start(fmt::format("cannot start '{}': {}", program, recorded.error().message));
    }
  }
  if (control.valid()) {
    // "go", then the shim's word on the exec: 0, or its errno.
    const char go = 'g';
    int exec_error = 0;
    ssize_t n = -1;
    while ((n = ::send(control.get(), &go, 1, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    if (n == 1) {
      while ((n = ::read(control.get(), &exec_error, sizeof(exec_error))) < 0 && errno == EINTR) {
      }
    }
    if (n == sizeof(exec_error) && exec_error != 0) {
      child.reap();
      return cannot_start(fmt::format("cannot start '{}': {}", program, errno_text(exec_error)));
    }
    // Anything else: the shim died (killed with its group); the loop sees it end.
  }
  const auto started = Clock::now();
  Fd pidfd = open_pidfd(pid);
  const auto buffer = std::make_unique_for_overwrite<char[]>(k_read_size);

  enum class Stop { none, timeout, cancelled };
  Stop stop = Stop::none;
  const Clock::time_point timeout_at = spec.timeout.count() > 0 ? started + spec.timeout : k_never;
  Clock::time_point kill_at = k_never;      // SIGKILL if the leader outlives the grace
  Clock::time_point drain_until = k_never;  // set once the leader is reaped
  bool reaped = false;
  int status = 0;

  const auto begin_stop = [&](Stop reason, Clock::time_point now) {
    stop = reason;
    child.signal_group(SIGTERM);
    kill_at = now + spec.kill_grace;
  };

  while (true) {
    auto now = Clock::now();
    if (reaped && ((!out_read.valid() && !err_read.valid()) || now >= drain_until)) {
      break;
    }

    // Slots: stdout, stderr, pidfd, cancel; poll ignores -1 fds.
    pollfd fds[4] = {
        {out_read.get(), POLLIN, 0},
        {err_read.get(), POLLIN, 0},
        {reaped ? -1 : pidfd.get(), POLLIN, 0},
        {reaped || stop != Stop::none ? -1 : cancel.wait_fd(), POLLIN, 0},
    };
    Clock::time_point deadline = drain_until;
    if (!reaped) {
      deadline = std::min(stop == Stop::none ? timeout_at : k_never, kill_at);
      if (!pidfd.valid()) {
        deadline = std::min(deadline, now + k_wait_poll_interval);
      }
    }
    if (::poll(fds, 4, poll_timeout(now, deadline)) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno(errno, "poll");
    }
    now = Clock::now();

    if (fds[0].revents != 0) {
      read_pipe(out_read, OutputStream::out, buffer.get(), on_output);
    }
    if (fds[1].revents != 0) {
      read_pipe(err_read, OutputStream::err, buffer.get(), on_output);
    }
    if (reaped) {
      continue;
    }
    if (stop == Stop::none && fds[3].revents != 0) {
      begin_stop(Stop::cancelled, now);
    }
    if (stop == Stop::none && now >= timeout_at) {
      begin_stop(Stop::timeout, now);
    }
    if (now >= kill_at) {
      child.signal_group(SIGKILL);
      kill_at = k_never;
    }
    const bool exited = pidfd.valid() ? fds[2].revents != 0 : child.has_exited();
    if (exited) {
      if (stop != Stop::none) {
        // Stragglers of a stopped step must not outlive it.
        child.signal_group(SIGKILL);
      }
      status = child.reap();
      reaped = true;
      pidfd.reset();
      drain_until = now + k_drain_time;
    }
  }

  ProcessOutcome outcome;
  outcome.exit_code = exit_code_from_wait_status(status);
  if (WIFSIGNALED(status)) {
    outcome.term_signal = WTERMSIG(status);
  }
  if (stop == Stop::timeout) {
    outcome.timed_out = true;
    outcome.exit_code = k_exit_timed_out;
  } else if (stop == Stop::cancelled) {
    outcome.cancelled = true;
  }
  return outcome;
}

int exit_code_from_wait_status(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return 255;  // not reachable for waitpid without WUNTRACED/WCONTINUED
}

void signal_all_process_groups(int signal) {
  auto& registry = group_registry();
  const std::lock_guard lock(registry.mutex);
  for (const pid_t pgid : registry.groups) {
    ::killpg(pgid, signal);
  }
}

}  // namespace automata::engine
