#pragma once
// Child processes for shell steps (style.md "Processes"): posix_spawn, each in
// its own process group, stdin /dev/null, stdout and stderr through O_CLOEXEC
// pipes read in one poll loop, EINTR loops, RAII for fds and pids.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

struct ProcessSpec {
  std::vector<std::string> argv;             // argv[0] is looked up in PATH
  std::vector<std::string> env;              // "KEY=VALUE", the whole environment
  std::filesystem::path cwd;                 // empty: inherit
  std::chrono::milliseconds timeout{0};      // 0: none
  std::chrono::milliseconds kill_grace{5000};  // SIGTERM -> SIGKILL
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

class PosixProcessLauncher final : public ProcessLauncher {
 public:
  ProcessOutcome run(const ProcessSpec& spec, const OutputHandler& on_output, const CancelToken& cancel) override;
};

// The one mapping of a waitpid status: exit code passes through, signal n -> 128+n.
int exit_code_from_wait_status(int status);

// Sends a signal to every live process group started by any launcher in this
// process (the second Ctrl-C kills at once). Safe to call from any thread.
void signal_all_process_groups(int signal);

}  // namespace automata::engine
