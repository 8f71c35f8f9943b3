#include "engine/atomic_file.hpp"

#include "engine/unique_fd.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace automata::engine {

namespace {

Error write_error(const std::filesystem::path& path, int error) {
  return Error::infra(fmt::format("cannot write {}: {}", path.string(), std::strerror(error)));
}

int fsync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return errno;
  }
  const int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

}  // namespace

Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  // Same directory as the target, so that rename(2) replaces it atomically.
  std::string temp = path.string() + ".tmp.XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) {
    return write_error(path, errno);
  }
  int error = 0;
  if (::fchmod(fd, mode) != 0) {
    error = errno;
  }
  if (error == 0) {
    error = write_all(fd, content);
  }
  if (error == 0 && ::fdatasync(fd) != 0) {
    error = errno;
  }
  if (::close(fd) != 0 && error == 0) {
    error = errno;
  }
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) {
    error = errno;
  }
  if (error != 0) {
    ::unlink(temp.c_str());
    return write_error(path, error);
  }
  const auto dir = path.parent_path();
  if (const int dir_error = fsync_directory(dir.empty() ? std::filesystem::path(".") : dir); dir_error != 0) {
    return write_error(path, dir_error);
  }
  return {};
}

Result<void> create_private_directories(const std::filesystem::path& path) {
  std::filesystem::path prefix;
  for (const auto& part : path) {
    if (part.empty()) {  // the trailing separator of "a/b/"
      continue;
    }
    prefix /= part;
    struct stat info {};
    if (::stat(prefix.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) {
        return Error::infra(fmt::format("cannot create directory {}: {}", prefix.string(), std::strerror(ENOTDIR)));
      }
      continue;
    }
    if (::mkdir(prefix.c_str(), 0700) != 0) {
      const int error = errno;
      if (error == EEXIST && ::stat(prefix.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
        continue;  // created meanwhile by someone else
      }
      return Error::infra(fmt::format("cannot create directory {}: {}", prefix.string(), std::strerror(error)));
    }
    // mkdir's mode is filtered by the umask; the store wants exactly 0700.
    if (::chmod(prefix.c_str(), 0700) != 0) {
      const int error = errno;
      return Error::infra(fmt::format("cannot create directory {}: {}", prefix.string(), std::strerror(error)));
    }
  }
  return {};
}

}  // namespace automata::engine

namespace automata::engine {

Result<void> sync_directory(const std::filesystem::path& dir) {
  if (const int error = fsync_directory(dir); error != 0) {
    return Error::infra(fmt::format("cannot sync {}: {}", dir.string(), std::strerror(error)));
  }
  return {};
}

}  // namespace automata::engine
