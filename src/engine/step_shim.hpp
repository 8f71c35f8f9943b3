#pragma once
// The step shim (docs/processes.md): a child forked by PosixProcessLauncher
// (not executed: an exec of this large binary would cost more than the step)
// that leads the step's process group. It
//   1. waits on its control socket (fd 3) for "go": sent only once the driver
//      has journaled the group's identity, so no command runs that a resume
//      could not find; if the driver dies first, nothing is started;
//   2. starts the command (in the same group), tells the driver whether the
//      exec worked, and exits as the command did (its code, or its signal);
//   3. if the socket closes while the command runs (the driver died, however
//      it died), sends SIGTERM to the group, waits the kill grace, then SIGKILL.
// The shim ignores SIGTERM and SIGINT: the driver's own stop of the group
// reaches the command, and the shim reports how it ended.
//
// It runs in the child of a fork() of a process with threads, so from the
// fork on it makes system calls only (async-signal-safe): no allocation, no
// locks, no C++ library beyond arithmetic on what the parent prepared.

namespace automata::engine {

struct ShimSetup {
  int out_fd = -1;          // becomes the command's stdout
  int err_fd = -1;          // and stderr
  int control_fd = -1;      // the shim's end of the driver's socket
  const char* cwd = nullptr;  // null: inherit
  const char* executable = nullptr;  // resolved by the parent (PATH)
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int grace_ms = 0;         // SIGTERM -> SIGKILL when the driver is gone
};

// Call in the child right after fork(); never returns.
[[noreturn]] void become_step_shim(const ShimSetup& setup);

}  // namespace automata::engine
