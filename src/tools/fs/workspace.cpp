#include "tools/fs/workspace.hpp"

#include <algorithm>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "engine/unique_fd.hpp"
#include "tools/fs/text_check.hpp"

namespace automata::tools::fs {
namespace {

namespace stdfs = std::filesystem;
using engine::UniqueFd;
using engine::write_all;

std::string in_quotes(std::string_view path) { return fmt::format("\"{}\"", path); }

bool starts_with_dotdot(const stdfs::path& relative) { return !relative.empty() && *relative.begin() == ".."; }

// Components of a lexically normal relative path, without "" and ".".
std::vector<stdfs::path> components(const stdfs::path& relative) {
  std::vector<stdfs::path> parts;
  for (const auto& part : relative) {
    if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
  }
  return parts;
}

// Opens the directory `relative` (no symlinks) below an open root, one
// component at a time with O_NOFOLLOW, creating missing ones when asked.
// Walking by descriptors means a component swapped for a symlink after
// resolve() is refused (ELOOP/ENOTDIR) rather than followed out.
Result<UniqueFd> open_directory_beneath(const stdfs::path& root, const stdfs::path& relative, bool create,
                                        std::string_view action, std::string_view shown_path) {
  UniqueFd current(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!current.valid()) {
    return Error::failed(fmt::format("cannot open the workspace {}: {}", root.string(), std::strerror(errno)));
  }
  stdfs::path walked;
  for (const auto& part : components(relative)) {
    walked /= part;
    int fd = ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(current.get(), part.c_str(), 0777) != 0 && errno != EEXIST) {
        return Error::failed(fmt::format("cannot {} {}: cannot create directory {}: {}", action, in_quotes(shown_path),
                                         in_quotes(walked.string()), std::strerror(errno)));
      }
      fd = ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      const int error = errno;
      if (error == ENOENT) {
        return Error::failed(fmt::format("cannot {} {}: directory {} does not exist{}", action, in_quotes(shown_path),
                                         in_quotes(walked.string()),
                                         action == "write" ? "; set create_dirs to create it" : ""));
      }
      if (error == ELOOP || error == ENOTDIR) {
        return Error::failed(fmt::format("refused {}: {} is not a directory (or became a symlink)",
                                         in_quotes(shown_path), in_quotes(walked.string())));
      }
      return Error::failed(
          fmt::format("cannot open directory {}: {}", in_quotes(walked.string()), std::strerror(error)));
    }
    current = UniqueFd(fd);
  }
  return current;
}


// Reads at most `limit` bytes; sets `over` when the file holds more.
Result<std::string> read_limited(int fd, std::size_t limit, bool& over, std::string_view shown_path) {
  std::string content;
  char buffer[64 * 1024];
  over = false;
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error::failed(fmt::format("cannot read {}: {}", in_quotes(shown_path), std::strerror(errno)));
    }
    if (n == 0) {
      return content;
    }
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > limit) {
      over = true;
      return content;
    }
  }
}

std::string temp_name(const stdfs::path& name) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  return fmt::format(".{}.automata-{:012x}", name.string(), generator() & 0xffffffffffffULL);
}

}  // namespace

Result<Workspace> Workspace::open(const stdfs::path& root) {
  std::error_code error;
  const auto canonical = stdfs::canonical(root, error);
  if (error) {
    return Error::failed(fmt::format("workspace {} cannot be used: {}", root.string(), error.message()));
  }
  if (!stdfs::is_directory(canonical, error)) {
    return Error::failed(fmt::format("workspace {} is not a directory", root.string()));
  }
  return Workspace(canonical);
}

Result<ResolvedPath> Workspace::resolve(std::string_view path) const {
  if (path.empty()) {
    return Error::failed("refused \"\": the path is empty; name a file inside the workspace");
  }
  if (path.find('\0') != std::string_view::npos) {
    return Error::failed(fmt::format("refused {}: the path contains a NUL byte", in_quotes(path)));
  }
  const stdfs::path given(path);
  stdfs::path relative;
  if (given.is_absolute()) {
    relative = given.lexically_normal().lexically_relative(m_root);
    if (relative.empty() || starts_with_dotdot(relative)) {
      return Error::failed(fmt::format("refused {}: an absolute path outside the workspace {}; give a path inside it",
                                       in_quotes(path), m_root.string()));
    }
  } else {
    relative = given.lexically_normal();
    if (starts_with_dotdot(relative)) {
      return Error::failed(fmt::format("refused {}: \"..\" leads out of the workspace {}; give a path inside it",
                                       in_quotes(path), m_root.string()));
    }
  }

  ResolvedPath resolved;
  resolved.exists = true;
  const auto parts = components(relative);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto candidate = m_root / resolved.relative / parts[i];
    struct stat info {};
    if (::lstat(candidate.c_str(), &info) != 0) {
      const int error = errno;
      if (error != ENOENT) {
        return Error::failed(fmt::format("cannot resolve {}: {}: {}", in_quotes(path),
                                         in_quotes((resolved.relative / parts[i]).string()), std::strerror(error)));
      }
      // Missing components cannot be symlinks: the rest is taken as written.
      resolved.exists = false;
      for (; i < parts.size(); ++i) {
        resolved.relative /= parts[i];
      }
      break;
    }
    if (!S_ISLNK(info.st_mode)) {
      resolved.relative /= parts[i];
      continue;
    }
    const auto link = (resolved.relative / parts[i]).string();
    std::error_code error;
    const auto target = stdfs::canonical(candidate, error);
    if (error) {
      const auto written = stdfs::read_symlink(candidate, error);
      return Error::failed(fmt::format("refused {}: {} is a symlink to {}, which does not exist", in_quotes(path),
                                       in_quotes(link), error ? std::string("?") : written.string()));
    }
    const auto inside = target.lexically_relative(m_root);
    if (target != m_root && (inside.empty() || starts_with_dotdot(inside))) {
      return Error::failed(fmt::format("refused {}: {} is a symlink to {}, outside the workspace {}", in_quotes(path),
                                       in_quotes(link), target.string(), m_root.string()));
    }
    resolved.relative = target == m_root ? stdfs::path() : inside;
  }
  resolved.absolute = resolved.relative.empty() ? m_root : m_root / resolved.relative;
  return resolved;
}

Result<ResolvedPath> Workspace::resolve_for_write(std::string_view path) const {
  TRY_ASSIGN(auto resolved, resolve(path));
  if (resolved.relative.empty()) {
    return Error::failed(fmt::format("refused {}: it is the workspace root, not a file", in_quotes(path)));
  }
  // Any .git: the workspace's own, a nested repository's or a submodule's.
  if (m_protect_git && std::any_of(resolved.relative.begin(), resolved.relative.end(),
                                   [](const stdfs::path& part) { return part == ".git"; })) {
    return Error::failed(
        fmt::format("refused {}: it is inside .git; the repository changes through the git step kinds, not file writes",
                    in_quotes(path)));
  }
  return resolved;
}

Result<TextFile> Workspace::read_text(std::string_view path, std::size_t max_bytes) const {
  TRY_ASSIGN(const auto resolved, resolve(path));
  if (!resolved.exists) {
    return Error::failed(fmt::format("cannot read {}: no such file", in_quotes(path)));
  }
  TRY_ASSIGN(auto dir, open_directory_beneath(m_root, resolved.relative.parent_path(), false, "read", path));
  if (resolved.relative.empty()) {
    return Error::failed(fmt::format("cannot read {}: it is a directory, not a file", in_quotes(path)));
  }
  // O_NONBLOCK: a FIFO must not hang the step; it is refused below anyway.
  UniqueFd fd(::openat(dir.get(), resolved.relative.filename().c_str(),
                       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    const int error = errno;
    if (error == ELOOP) {
      return Error::failed(fmt::format("refused {}: it became a symlink while being opened", in_quotes(path)));
    }
    return Error::failed(fmt::format("cannot read {}: {}", in_quotes(path), std::strerror(error)));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return Error::failed(fmt::format("cannot read {}: {}", in_quotes(path), std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) {
    return Error::failed(fmt::format("cannot read {}: it is a directory, not a file", in_quotes(path)));
  }
  if (!S_ISREG(info.st_mode)) {
    return Error::failed(fmt::format("refused {}: not a regular file (a device, FIFO or socket)", in_quotes(path)));
  }
  const auto size_refusal = [&](std::uintmax_t size) {
    return Error::failed(fmt::format("refused {}: {} bytes is over the read limit of {} bytes (max_bytes)",
                                     in_quotes(path), size, max_bytes));
  };
  if (static_cast<std::uintmax_t>(info.st_size) > max_bytes) {
    return size_refusal(static_cast<std::uintmax_t>(info.st_size));
  }
  bool over = false;
  TRY_ASSIGN(auto content, read_limited(fd.get(), max_bytes, over, path));
  if (over) {
    return size_refusal(content.size());
  }
  if (auto problem = text_problem(content)) {
    return Error::failed(fmt::format("refused {}: it {}; file tools handle text only", in_quotes(path), *problem));
  }
  return TextFile{std::move(content), static_cast<mode_t>(info.st_mode & 07777)};
}

Result<WriteOutcome> Workspace::write_text(std::string_view path, std::string_view content,
                                           const WriteOptions& options) const {
  TRY_ASSIGN(const auto resolved, resolve_for_write(path));
  if (auto problem = text_problem(content)) {
    return Error::failed(
        fmt::format("refused to write {}: the content {}; file tools handle text only", in_quotes(path), *problem));
  }
  TRY_ASSIGN(auto dir,
             open_directory_beneath(m_root, resolved.relative.parent_path(), options.create_dirs, "write", path));
  const auto name = resolved.relative.filename();

  std::string whole(content);
  bool exists = false;
  mode_t mode = 0;
  struct stat info {};
  if (::fstatat(dir.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
    exists = true;
    if (S_ISLNK(info.st_mode)) {
      return Error::failed(fmt::format("refused {}: it became a symlink while being written", in_quotes(path)));
    }
    if (S_ISDIR(info.st_mode)) {
      return Error::failed(fmt::format("cannot write {}: it is a directory", in_quotes(path)));
    }
    if (!S_ISREG(info.st_mode)) {
      return Error::failed(fmt::format("refused {}: not a regular file (a device, FIFO or socket)", in_quotes(path)));
    }
    if (options.mode == WriteMode::create) {
      return Error::failed(fmt::format("cannot create {}: it already exists; use mode overwrite or append to change it",
                                       in_quotes(path)));
    }
    mode = info.st_mode & 07777;
    if (options.mode == WriteMode::append) {
      UniqueFd existing(::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!existing.valid()) {
        return Error::failed(fmt::format("cannot read {} to append: {}", in_quotes(path), std::strerror(errno)));
      }
      bool over = false;
      TRY_ASSIGN(auto before, read_limited(existing.get(), static_cast<std::size_t>(-1) - 1, over, path));
      if (auto problem = text_problem(before)) {
        return Error::failed(
            fmt::format("refused to append to {}: it {}; file tools handle text only", in_quotes(path), *problem));
      }
      whole = before + whole;
    }
  } else if (errno != ENOENT) {
    return Error::failed(fmt::format("cannot write {}: {}", in_quotes(path), std::strerror(errno)));
  }

  // A new file gets 0666 minus the umask from the kernel; an existing one its own mode.
  std::string temp;
  UniqueFd out;
  for (int attempt = 0; attempt < 8 && !out.valid(); ++attempt) {
    temp = temp_name(name);
    out = UniqueFd(::openat(dir.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
    if (!out.valid() && errno != EEXIST) {
      break;
    }
  }
  if (!out.valid()) {
    return Error::failed(fmt::format("cannot write {}: {}", in_quotes(path), std::strerror(errno)));
  }
  int error = 0;
  if (exists && ::fchmod(out.get(), mode) != 0) {
    error = errno;
  }
  if (error == 0) {
    error = write_all(out.get(), whole);
  }
  if (error == 0 && ::fdatasync(out.get()) != 0) {
    error = errno;
  }
  if (const int close_error = out.close_checked(); error == 0) {
    error = close_error;
  }
  if (error == 0) {
    if (options.mode == WriteMode::create) {
      // Not replacing a file created since the check above.
      if (::renameat2(dir.get(), temp.c_str(), dir.get(), name.c_str(), RENAME_NOREPLACE) != 0) {
        error = errno;
        if (error == EINVAL) {  // the filesystem lacks RENAME_NOREPLACE
          error = ::renameat(dir.get(), temp.c_str(), dir.get(), name.c_str()) == 0 ? 0 : errno;
        }
      }
    } else if (::renameat(dir.get(), temp.c_str(), dir.get(), name.c_str()) != 0) {
      error = errno;
    }
  }
  if (error != 0) {
    ::unlinkat(dir.get(), temp.c_str(), 0);
    if (error == EEXIST) {
      return Error::failed(fmt::format("cannot create {}: it already exists; use mode overwrite or append to change it",
                                       in_quotes(path)));
    }
    return Error::failed(fmt::format("cannot write {}: {}", in_quotes(path), std::strerror(error)));
  }
  ::fsync(dir.get());
  return WriteOutcome{resolved.relative, whole.size(), !exists};
}

Result<void> Workspace::remove_file(std::string_view path) const {
  TRY_ASSIGN(const auto resolved, resolve_for_write(path));
  TRY_ASSIGN(auto dir, open_directory_beneath(m_root, resolved.relative.parent_path(), false, "delete", path));
  const auto name = resolved.relative.filename();
  struct stat info {};
  if (::fstatat(dir.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return Error::failed(fmt::format("cannot delete {}: {}", in_quotes(path), std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) {
    return Error::failed(fmt::format("refused to delete {}: not a regular file", in_quotes(path)));
  }
  if (::unlinkat(dir.get(), name.c_str(), 0) != 0) {
    return Error::failed(fmt::format("cannot delete {}: {}", in_quotes(path), std::strerror(errno)));
  }
  ::fsync(dir.get());
  return {};
}

}  // namespace automata::tools::fs
