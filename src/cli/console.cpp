#include "cli/console.hpp"

#include <cerrno>

#include <poll.h>
#include <unistd.h>

namespace automata::cli {

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written >= 0) {
      data.remove_prefix(static_cast<std::size_t>(written));
      continue;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd waiter{fd, POLLOUT, 0};
      if (::poll(&waiter, 1, -1) < 0 && errno != EINTR) {
        return errno;
      }
      continue;
    }
    return errno;
  }
  return 0;
}

Console::Console(int out_fd, int err_fd, TerminalInfo out_info, TerminalInfo err_info)
    : m_out_fd(out_fd), m_err_fd(err_fd), m_out_info(out_info), m_err_info(err_info) {}

void Console::out(std::string_view text) {
  if (text.empty() || stdout_closed()) {
    return;
  }
  const std::lock_guard lock(m_mutex);
  if (m_out_fd == k_capture) {
    m_captured_out.append(text);
    return;
  }
  if (write_all(m_out_fd, text) == EPIPE) {
    m_out_closed.store(true, std::memory_order_relaxed);
  }
}

void Console::err(std::string_view text) {
  if (text.empty()) {
    return;
  }
  const std::lock_guard lock(m_mutex);
  if (m_err_fd == k_capture) {
    m_captured_err.append(text);
    return;
  }
  // Nowhere left to report a failure to write to stderr.
  (void)write_all(m_err_fd, text);
}

std::string Console::captured_out() const {
  const std::lock_guard lock(m_mutex);
  return m_captured_out;
}

std::string Console::captured_err() const {
  const std::lock_guard lock(m_mutex);
  return m_captured_err;
}

}  // namespace automata::cli
