#pragma once
// The directory tree file tools may touch (agents-protocols-forges.md §6.2).
// Every path a workflow or a model names is resolved here: `..` that climbs
// out, absolute paths elsewhere and symlinks that lead out are refused; the
// final open walks from the root's descriptor one component at a time with
// openat(O_NOFOLLOW), so a directory swapped for a symlink after the check
// cannot redirect it.
//
// Errors are one line without a kind prefix ("refused \"../x\": ..."): the
// step kinds prepend "fs.read: " and the like, an agent passes them on as is.
#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "engine/result.hpp"

namespace automata::tools::fs {

inline constexpr std::size_t k_default_max_read_bytes = 1024 * 1024;

struct ResolvedPath {
  std::filesystem::path relative;  // inside the root, lexically normal, symlinks resolved ("" is the root)
  std::filesystem::path absolute;  // root / relative
  bool exists = false;
};

struct TextFile {
  std::string content;
  mode_t mode = 0;  // permission bits
};

enum class WriteMode { overwrite, create, append };

struct WriteOptions {
  WriteMode mode = WriteMode::overwrite;
  bool create_dirs = false;  // create missing parent directories
};

struct WriteOutcome {
  std::filesystem::path relative;
  std::size_t bytes = 0;  // size of the file after the write
  bool created = false;
};

class Workspace {
 public:
  // The root must be an existing directory; it is canonicalised once here.
  static Result<Workspace> open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return m_root; }

  // Writes into `.git` are refused by default: the repository changes through
  // the git step kinds, never by file edits a model chose.
  void set_protect_git(bool protect) { m_protect_git = protect; }

  // Resolves a path given relative to the root (or absolute inside it).
  Result<ResolvedPath> resolve(std::string_view path) const;
  // As resolve, and also refuses what must not be written (.git, the root).
  Result<ResolvedPath> resolve_for_write(std::string_view path) const;

  // Reads a regular text file of at most max_bytes (UTF-8, no NUL).
  Result<TextFile> read_text(std::string_view path, std::size_t max_bytes = k_default_max_read_bytes) const;

  // Writes atomically (temp file in the same directory, then rename); an
  // existing file keeps its permission bits, a new one gets 0666 & ~umask.
  // Append reads the file and writes the whole result, so it is atomic too.
  Result<WriteOutcome> write_text(std::string_view path, std::string_view content, const WriteOptions& options) const;

  // Removes a regular file (fs.patch deleting one through /dev/null).
  Result<void> remove_file(std::string_view path) const;

 private:
  explicit Workspace(std::filesystem::path root) : m_root(std::move(root)) {}

  std::filesystem::path m_root;
  bool m_protect_git = true;
};

}  // namespace automata::tools::fs
