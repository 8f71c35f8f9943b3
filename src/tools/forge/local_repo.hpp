#pragma once
// What the forge kinds read from the repository in the step's directory:
// the origin URL, the current branch and the HEAD commit (libgit2).
#include <filesystem>
#include <string>

#include "engine/result.hpp"

namespace automata::tools::forge {

Result<std::string> origin_url(const std::filesystem::path& repo);
Result<std::string> current_branch(const std::filesystem::path& repo);
Result<std::string> head_sha(const std::filesystem::path& repo);

}  // namespace automata::tools::forge
