#pragma once
// Which files of the workspace git sees as changed or new: how agent.run
// finds the files a shell command changed (sed -i, a formatter, a code
// generator), which the file tools alone cannot know.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/process.hpp"

namespace automata::tools::agent {

// Paths relative to the workspace (modified, added, deleted, untracked; a
// rename as its new path), sorted; nullopt when the workspace is not in a git
// work tree or git cannot run.
std::optional<std::vector<std::string>> git_changed_files(engine::ProcessLauncher& launcher,
                                                          const std::filesystem::path& workspace,
                                                          const std::vector<std::string>& environment,
                                                          const engine::CancelToken& cancel);

}  // namespace automata::tools::agent
