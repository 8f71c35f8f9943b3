#include "engine/run_lock.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

namespace automata::engine {

namespace {

std::string run_name(const std::filesystem::path& run_dir) {
  auto name = run_dir.filename();
  if (name.empty()) {  // "runs/<id>/"
    name = run_dir.parent_path().filename();
  }
  return name.string();
}

// The holder's pid as it wrote it, or empty if it has not written it yet.
std::string read_holder_pid(int fd) {
  std::array<char, 32> buffer{};
  ssize_t n = 0;
  do {
    n = ::pread(fd, buffer.data(), buffer.size(), 0);
  } while (n < 0 && errno == EINTR);
  std::string pid;
  for (ssize_t i = 0; i < n && buffer[static_cast<std::size_t>(i)] >= '0' && buffer[static_cast<std::size_t>(i)] <= '9';
       ++i) {
    pid.push_back(buffer[static_cast<std::size_t>(i)]);
  }
  return pid;
}

bool write_all_at_start(int fd, std::string_view text) {
  if (::ftruncate(fd, 0) != 0) {
    return false;
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::pwrite(fd, text.data() + written, text.size() - written, static_cast<off_t>(written));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Result<RunLock> RunLock::try_acquire(const std::filesystem::path& run_dir) {
  const auto file = run_dir / "lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    return Error::infra(fmt::format("cannot open {}: {}", file.string(), std::strerror(error)));
  }
  int rc = 0;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int error = errno;
    if (error == EWOULDBLOCK) {
      const std::string pid = read_holder_pid(fd);
      ::close(fd);
      const std::string holder = pid.empty() ? "another process" : fmt::format("another process (pid {})", pid);
      return Error::infra(fmt::format("run {} is being driven by {}", run_name(run_dir), holder),
                          fmt::format("wait for it to finish, or `automata cancel {}`", run_name(run_dir)));
    }
    ::close(fd);
    return Error::infra(fmt::format("cannot lock {}: {}", file.string(), std::strerror(error)));
  }
  if (!write_all_at_start(fd, fmt::format("{}\n", ::getpid()))) {
    const int error = errno;
    ::close(fd);
    return Error::infra(fmt::format("cannot write {}: {}", file.string(), std::strerror(error)));
  }
  return RunLock(run_dir, fd);
}

RunLock::RunLock(RunLock&& other) noexcept
    : m_run_dir(std::move(other.m_run_dir)), m_fd(std::exchange(other.m_fd, -1)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_run_dir = std::move(other.m_run_dir);
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

RunLock::~RunLock() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

}  // namespace automata::engine
