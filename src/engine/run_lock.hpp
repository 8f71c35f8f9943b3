#pragma once
// "I hold the run lock" is a type (style.md, vcpkg's witness pattern): every
// function that writes a run takes a const RunLock&.
#include <filesystem>

#include "engine/result.hpp"

namespace automata::engine {

class RunLock {
 public:
  // flock(LOCK_EX|LOCK_NB) on <run_dir>/lock (created 0600, holding the pid).
  // Fails at once with Errc::infra when another process holds it:
  // "run <id> is being driven by another process (pid N)".
  static Result<RunLock> try_acquire(const std::filesystem::path& run_dir);
  const std::filesystem::path& run_dir() const { return m_run_dir; }

  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

 private:
  RunLock(std::filesystem::path run_dir, int fd) : m_run_dir(std::move(run_dir)), m_fd(fd) {}
  std::filesystem::path m_run_dir;
  int m_fd = -1;
};

}  // namespace automata::engine
