#pragma once
// The git step kinds (dsl.md, "Step kinds"), on libgit2: no git process runs.
#include <memory>

#include "engine/step_kind.hpp"

namespace automata::tools {

std::unique_ptr<engine::StepKind> make_git_clone_kind();
std::unique_ptr<engine::StepKind> make_git_branch_kind();
std::unique_ptr<engine::StepKind> make_git_worktree_kind();
std::unique_ptr<engine::StepKind> make_git_commit_kind();
std::unique_ptr<engine::StepKind> make_git_push_kind();
std::unique_ptr<engine::StepKind> make_git_diff_kind();
std::unique_ptr<engine::StepKind> make_git_reset_kind();
std::unique_ptr<engine::StepKind> make_git_delete_branch_kind();

}  // namespace automata::tools
