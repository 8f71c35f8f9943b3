#pragma once
// The process's two output streams behind one lock (mold's SyncStream): every
// message is built whole by the caller and written with one write(2) loop, so
// lines from different threads never interleave.
//
// SIGPIPE is ignored by main, so writing to a stdout whose reader went away
// (`automata runs | head`) fails with EPIPE: the console then remembers that
// stdout is closed and drops further stdout text silently; main exits quietly.
#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

#include "cli/terminal.hpp"

namespace automata::cli {

class Console {
 public:
  // Passing k_capture for a stream keeps its text in memory instead (tests,
  // and commands that want a command's output as a string).
  static constexpr int k_capture = -1;

  // The fds are not owned (not closed); their terminal policy is given by the
  // caller (detect_terminal), since only main knows the flags.
  Console(int out_fd, int err_fd, TerminalInfo out_info = {}, TerminalInfo err_info = {});
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  void out(std::string_view text);
  void err(std::string_view text);

  bool stdout_closed() const { return m_out_closed.load(std::memory_order_relaxed); }
  int out_fd() const { return m_out_fd; }
  const TerminalInfo& out_terminal() const { return m_out_info; }
  const TerminalInfo& err_terminal() const { return m_err_info; }

  // Text written to a k_capture stream so far.
  std::string captured_out() const;
  std::string captured_err() const;

 private:
  mutable std::mutex m_mutex;
  int m_out_fd;
  int m_err_fd;
  TerminalInfo m_out_info;
  TerminalInfo m_err_info;
  std::atomic<bool> m_out_closed{false};
  std::string m_captured_out;
  std::string m_captured_err;
};

// Writes all of data to fd, retrying on EINTR and partial writes and waiting
// when fd is non-blocking. Returns 0 or the errno of the failure.
int write_all(int fd, std::string_view data);

}  // namespace automata::cli
