// The step shim's whole life is a few system calls; it allocates nothing
// and keeps no state but the command's pid.
#include "engine/step_shim.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace automata::engine {
namespace {

constexpr int k_control_fd = 3;
constexpr int k_exit_not_started = 125;  // the driver went away before "go"
constexpr int k_exit_cannot_start = 127;
constexpr int k_poll_interval_ms = 10;   // only without pidfd_open (kernels before 5.3)

// Signals the shim must outlive: the driver's own stop of the group (SIGTERM,
// Ctrl-C) is meant for the command, whose end the shim then reports.
constexpr int k_ignored[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP};

void set_disposition(int sig, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  ::sigaction(sig, &action, nullptr);
}

ssize_t read_retry(int fd, void* buffer, std::size_t size) {
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, size)) < 0 && errno == EINTR) {
  }
  return n;
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

void default_signals() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) {
      set_disposition(sig, SIG_DFL);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// In the command's child: the defaults every command starts with, then exec.
[[noreturn]] void exec_command(const char* executable, char* const* argv, char* const* envp, int error_fd) {
  default_signals();
  ::execve(executable, argv, envp);
  const int error = errno;
  while (::write(error_fd, &error, sizeof(error)) < 0 && errno == EINTR) {
  }
  ::_exit(k_exit_cannot_start);
}

// Ends as the command ended: its exit code, or death by the same signal.
int mirror(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);  // the command's core, if any, is already written
    set_disposition(sig, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
    ::kill(::getpid(), sig);
    return 128 + sig;  // a signal that does not terminate
  }
  return 255;
}

// Waits up to `timeout_ms` (-1: forever) for the child to exit; reaps it.
bool wait_child(pid_t child, int pidfd, int timeout_ms, int& status) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (::waitpid(child, &status, WNOHANG) == child) {
      return true;
    }
    int wait_ms = pidfd >= 0 ? timeout_ms : k_poll_interval_ms;
    if (timeout_ms >= 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return false;
      }
      wait_ms = static_cast<int>(std::min<long long>(left.count(), pidfd >= 0 ? left.count() : k_poll_interval_ms));
    }
    pollfd fd{pidfd, POLLIN, 0};
    ::poll(&fd, pidfd >= 0 ? 1 : 0, wait_ms);
  }
}

int supervise(pid_t child, int control, int grace_ms) {
  const int pidfd = open_pidfd(child);
  int status = 0;
  while (true) {
    pollfd fds[2] = {{control, POLLIN, 0}, {pidfd, POLLIN, 0}};
    const int ready = ::poll(fds, 2, pidfd >= 0 ? -1 : k_poll_interval_ms);
    if (ready < 0 && errno != EINTR) {
      break;  // cannot watch the driver any more: only wait for the command
    }
    if (::waitpid(child, &status, WNOHANG) == child) {
      return mirror(status);
    }
    if (fds[0].revents != 0) {
      char byte = 0;
      const ssize_t n = ::recv(control, &byte, 1, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        // The driver is gone: nobody will ever collect this step's result.
        ::killpg(0, SIGTERM);
        wait_child(child, pidfd, grace_ms, status);
        ::killpg(0, SIGKILL);  // the rest of the group, and this shim
        return 128 + SIGKILL;
      }
    }
  }
  wait_child(child, pidfd, -1, status);
  return mirror(status);
}

// stdin /dev/null, stdout and stderr the pipes, fd 3 the control socket,
// nothing else: a descriptor of the driver held here (the journal, the run
// lock, another step's socket) would outlive the driver. 0 or an errno.
int arrange_descriptors(const ShimSetup& setup) {
  // Above every target first, so no dup2 overwrites a source still needed.
  const int out = ::fcntl(setup.out_fd, F_DUPFD, 10);
  const int err = ::fcntl(setup.err_fd, F_DUPFD, 10);
  const int control = ::fcntl(setup.control_fd, F_DUPFD, 10);
  const int null = ::open("/dev/null", O_RDONLY);
  if (out < 0 || err < 0 || control < 0 || null < 0) {
    return errno;
  }
  if (::dup2(null, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 || ::dup2(control, k_control_fd) < 0) {
    return errno;
  }
  if (::syscall(SYS_close_range, k_control_fd + 1, ~0U, 0) != 0) {
    rlimit limit{};
    const int top = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536 ? static_cast<int>(limit.rlim_cur)
                                                                                        : 65536;
    for (int fd = k_control_fd + 1; fd < top; ++fd) {
      ::close(fd);
    }
  }
  ::fcntl(k_control_fd, F_SETFD, FD_CLOEXEC);
  return 0;
}

int run_shim(const ShimSetup& setup) {
  // Before anything can fail: the group the driver will signal and journal.
  ::setpgid(0, 0);
  ::prctl(PR_SET_NAME, "automata-shim", 0, 0, 0);  // in ps, not a second driver
  int setup_error = arrange_descriptors(setup);
  default_signals();
  for (const int sig : k_ignored) {
    set_disposition(sig, SIG_IGN);
  }
  if (setup_error == 0 && setup.cwd != nullptr && ::chdir(setup.cwd) != 0) {
    setup_error = errno;
  }
  const int control = k_control_fd;
  char go = 0;
  if (read_retry(control, &go, 1) != 1 || go != 'g') {
    return k_exit_not_started;
  }
  int error_pipe[2];
  int exec_error = setup_error;
  pid_t child = -1;
  if (exec_error != 0) {
    // reported below
  } else if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
    exec_error = errno;
  } else {
    // vfork: the shim is a fork of the driver, with all its pages; a fork
    // here would copy their page tables again for a child that only execs.
    // The child (step_shim.hpp) makes system calls only until execve.
    child = ::vfork();
    if (child == 0) {
      ::close(control);
      exec_command(setup.executable, setup.argv, setup.envp, error_pipe[1]);
    }
    if (child < 0) {
      exec_error = errno;
    }
    ::close(error_pipe[1]);
    if (child > 0 && read_retry(error_pipe[0], &exec_error, sizeof(exec_error)) != sizeof(exec_error)) {
      exec_error = 0;  // closed by a successful exec
    }
    ::close(error_pipe[0]);
  }
  while (::send(control, &exec_error, sizeof(exec_error), MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
  if (exec_error != 0) {
    if (child > 0) {
      int status = 0;
      while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
      }
    }
    return k_exit_cannot_start;
  }
  return supervise(child, control, setup.grace_ms);
}

}  // namespace

void become_step_shim(const ShimSetup& setup) { ::_exit(run_shim(setup)); }

}  // namespace automata::engine
