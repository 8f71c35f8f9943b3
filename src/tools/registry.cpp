#include "tools/registry.hpp"

#include "engine/step_kinds_builtin.hpp"
#include "tools/agent/agent_kinds.hpp"
#include "tools/forge/forge_kinds.hpp"
#include "tools/fs/fs_steps.hpp"
#include "tools/git/git_kinds.hpp"
#include "tools/http/http_request_step.hpp"
#include "tools/llm/chat_client.hpp"
#include "tools/llm/llm_chat_step.hpp"
#include "tools/shell_step.hpp"

namespace automata::tools {

engine::StepKindRegistry builtin_step_kinds() {
  engine::StepKindRegistry kinds;
  kinds.add(make_fs_patch_kind());
  kinds.add(make_fs_read_kind());
  kinds.add(make_fs_write_kind());
  kinds.add(make_shell_kind());
  kinds.add(make_git_clone_kind());
  kinds.add(make_git_branch_kind());
  kinds.add(make_git_worktree_kind());
  kinds.add(make_git_commit_kind());
  kinds.add(make_git_push_kind());
  kinds.add(make_git_diff_kind());
  kinds.add(make_git_reset_kind());
  kinds.add(make_git_delete_branch_kind());
  kinds.add(make_http_request_kind());
  kinds.add(make_llm_chat_kind());
  kinds.add(make_agent_run_kind(llm::default_chat_client_factory()));
  kinds.add(make_forge_pr_kind());
  kinds.add(make_forge_comment_kind());
  kinds.add(make_forge_status_kind());
  kinds.add(make_forge_merge_kind());
  kinds.add(make_forge_issue_kind());
  kinds.add(engine::make_sleep_kind());
  kinds.add(engine::make_wait_kind());
  kinds.add(engine::make_workflow_kind());
  return kinds;
}

}  // namespace automata::tools
