#pragma once
// Every whole-file write goes through here (style.md): a temp file in the same
// directory, write, check close, fdatasync, rename, fsync the directory.
#include <filesystem>
#include <string_view>
#include <sys/types.h>

#include "engine/result.hpp"

namespace automata::engine {

Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode = 0600);

// fsync of a directory, so a rename or a new file in it is durable.
Result<void> sync_directory(const std::filesystem::path& dir);

// Creates a directory (and parents) with mode 0700 for those it creates.
Result<void> create_private_directories(const std::filesystem::path& path);

}  // namespace automata::engine
