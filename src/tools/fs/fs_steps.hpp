#pragma once
// The file step kinds fs.read, fs.write and fs.patch (dsl.md "Step kinds"),
// thin wrappers over Workspace and patch.hpp, which an agent calls directly.
// Every path is confined to the workspace: the step's working directory, or
// its `workspace` parameter (relative to the working directory).
#include <memory>

#include "engine/step_kind.hpp"

namespace automata::tools {

std::unique_ptr<engine::StepKind> make_fs_read_kind();
std::unique_ptr<engine::StepKind> make_fs_write_kind();
std::unique_ptr<engine::StepKind> make_fs_patch_kind();

}  // namespace automata::tools
