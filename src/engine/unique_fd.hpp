#pragma once
// An owned file descriptor, and a write loop over EINTR and short writes:
// the two things every file-handling part of automata needs.
#include <cerrno>
#include <string_view>
#include <unistd.h>
#include <utility>

namespace automata::engine {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  void reset() {
    // Never retry close on EINTR: on Linux the fd is already gone.
    if (m_fd >= 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }
  // Closes now and reports a failed close (data not written): 0 or errno.
  int close_checked() {
    const int result = ::close(std::exchange(m_fd, -1));
    return result == 0 ? 0 : errno;
  }

 private:
  int m_fd = -1;
};

// Writes all of `content`: 0, or the errno of the first failure.
inline int write_all(int fd, std::string_view content) {
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return n < 0 ? errno : EIO;
    }
    written += static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace automata::engine
