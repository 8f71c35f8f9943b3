#pragma once
// Child processes for shell steps (style.md "Processes"): posix_spawn, each in
// its own process group, stdin /dev/null, stdout and stderr through O_CLOEXEC
// pipes read in one poll loop, EINTR loops, RAII for fds and pids.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace automata::engine {

// A cancellation flag a poll loop can wait on (it owns a pipe). Thread-safe.
class CancelToken {
 public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;
  void cancel();
  bool cancelled() const;
  int wait_fd() const;  // readable once cancelled
  // Waits until cancelled or the duration has passed; true if cancelled.
  bool wait_for(std::chrono::milliseconds duration) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Enough to find a step's processes again after the driver died, even with
// pids recycled (docs/processes.md): the group id (the pid of its leader) and
// the leader's start time, which together name one process of one boot.
struct ProcessIdentity {
  int pgid = 0;
  std::uint64_t start_time = 0;  // /proc/PID/stat field 22: clock ticks after boot
  std::string boot_id;           // /proc/sys/kernel/random/boot_id: start_time counts from that boot
  std::string host;              // where it runs: only there can it be looked up
};

struct ProcessSpec {
  std::vector<std::string> argv;             // argv[0] is looked up in PATH
  std::vector<std::string> env;              // "KEY=VALUE", the whole environment
  std::filesystem::path cwd;                 // empty: inherit
  std::chrono::milliseconds timeout{0};      // 0: none
  std::chrono::milliseconds kill_grace{5000};  // SIGTERM -> SIGKILL
  // Called once the process group exists and, under a step shim, before the
  // command runs: the driver journals the identity durably here, so a step
  // never has side effects a resume could not find. An error stops the
  // process before it starts; the outcome is then a spawn error.
  std::function<Result<void>(const ProcessIdentity&)> on_started;
};

enum class OutputStream { out, err };

struct ProcessOutcome {
  int exit_code = 0;        // exit status; 128+n for signal n; 124 on timeout; 127 if it could not start
  bool timed_out = false;
  bool cancelled = false;   // stopped because the token was cancelled
  int term_signal = 0;      // signal that ended it, if any
  std::string spawn_error;  // set when the process could not be started
};

using OutputHandler = std::function<void(OutputStream stream, std::string_view chunk)>;

class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  // Runs to completion, delivering output chunks as they arrive (from the calling thread).
  virtual ProcessOutcome run(const ProcessSpec& spec, const OutputHandler& on_output, const CancelToken& cancel) = 0;
};

// How a launcher's processes are supervised. `none`: the command itself
// leads its process group. `shim`: a forked shim leads the group, waits for
// on_started to return before it starts the command, and kills the group
// if this process dies, however it dies (step_shim.hpp, docs/processes.md).
enum class Supervision { none, shim };

class PosixProcessLauncher final : public ProcessLauncher {
 public:
  PosixProcessLauncher() = default;
  explicit PosixProcessLauncher(Supervision supervision) : m_supervision(supervision) {}
  ProcessOutcome run(const ProcessSpec& spec, const OutputHandler& on_output, const CancelToken& cancel) override;

 private:
  Supervision m_supervision = Supervision::none;
};

// The one mapping of a waitpid status: exit code passes through, signal n -> 128+n.
int exit_code_from_wait_status(int status);

// Sends a signal to every live process group started by any launcher in this
// process (the second Ctrl-C kills at once). Safe to call from any thread.
void signal_all_process_groups(int signal);

}  // namespace automata::engine
