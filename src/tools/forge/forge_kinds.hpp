#pragma once
// The forge step kinds: pull requests, comments, commit statuses, merges and
// issues on GitHub, GitLab and Gitea/Forgejo.
#include <memory>

#include "engine/step_kind.hpp"

namespace automata::tools {

std::unique_ptr<engine::StepKind> make_forge_pr_kind();
std::unique_ptr<engine::StepKind> make_forge_comment_kind();
std::unique_ptr<engine::StepKind> make_forge_status_kind();
std::unique_ptr<engine::StepKind> make_forge_merge_kind();
std::unique_ptr<engine::StepKind> make_forge_issue_kind();

}  // namespace automata::tools
