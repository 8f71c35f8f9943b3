#pragma once
// What every git step kind shares: libgit2 set up once, RAII handles,
// libgit2 errors as one-line automata errors, the `repo` parameter.
#include <git2.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "engine/step_kind.hpp"

namespace automata::tools::git {

// git_libgit2_init is reference counted; one reference for the whole process.
void ensure_libgit2();

template <auto Free>
struct GitFree {
  template <typename T>
  void operator()(T* handle) const {
    if (handle != nullptr) {
      Free(handle);
    }
  }
};
using Repository = std::unique_ptr<git_repository, GitFree<git_repository_free>>;
using Object = std::unique_ptr<git_object, GitFree<git_object_free>>;
using Commit = std::unique_ptr<git_commit, GitFree<git_commit_free>>;
using Tree = std::unique_ptr<git_tree, GitFree<git_tree_free>>;
using Reference = std::unique_ptr<git_reference, GitFree<git_reference_free>>;
using Index = std::unique_ptr<git_index, GitFree<git_index_free>>;
using Signature = std::unique_ptr<git_signature, GitFree<git_signature_free>>;
using Diff = std::unique_ptr<git_diff, GitFree<git_diff_free>>;
using Patch = std::unique_ptr<git_patch, GitFree<git_patch_free>>;
using DiffStats = std::unique_ptr<git_diff_stats, GitFree<git_diff_stats_free>>;
using Remote = std::unique_ptr<git_remote, GitFree<git_remote_free>>;
using Worktree = std::unique_ptr<git_worktree, GitFree<git_worktree_free>>;
using Config = std::unique_ptr<git_config, GitFree<git_config_free>>;

// The message of libgit2's last error on this thread ("unknown error" if none).
std::string last_error();

// An owned git_buf.
class Buffer {
 public:
  Buffer() = default;
  ~Buffer() { git_buf_dispose(&m_buf); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  git_buf* get() { return &m_buf; }
  std::string str() const { return m_buf.ptr == nullptr ? std::string() : std::string(m_buf.ptr, m_buf.size); }

 private:
  git_buf m_buf = GIT_BUF_INIT;
};

std::string oid_text(const git_oid& oid);

// The `repo` parameter resolved against the step's working directory.
std::filesystem::path repo_path(const engine::StepContext& context);
// Opens the repository of the `repo` parameter; errors read "<kind>: ...".
Result<Repository> open_repository(const engine::StepContext& context, std::string_view kind);
// A commit from a revision (sha, branch, tag, HEAD~1, origin/main).
Result<Commit> resolve_commit(git_repository* repo, const std::string& revision, std::string_view kind);
// HEAD's commit, or nullptr for an unborn branch.
Result<Commit> head_commit(git_repository* repo, std::string_view kind);
// The author from author_name/author_email parameters, else user.name/user.email.
Result<Signature> author_signature(git_repository* repo, const Value& params, std::string_view kind);

// "Fix the Login page!" -> "fix-the-login-page", at most 40 characters.
std::string slug(std::string_view text);

// A URL carrying a password would put it in .git/config and logs.
std::optional<std::string> url_password_problem(std::string_view url);

engine::ParamSpec repo_param();

// A remote by name ("origin"), or an anonymous one for a URL or path.
Result<Remote> open_remote(git_repository* repo, const std::string& name_or_url, std::string_view kind);
// The dry_run parameter, or a run started with --dry-run.
bool is_dry_run(const engine::StepContext& context);
// The first 7 hex digits, or "nothing" for a zero id (an absent ref).
std::string short_id(const git_oid& oid);

}  // namespace automata::tools::git
