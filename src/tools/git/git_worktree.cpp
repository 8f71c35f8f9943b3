// git.worktree: an isolated working tree per parallel step (action: add),
// removed by its compensation (action: remove; with keep_if_changed only
// when it holds no work, so that a failed run keeps what was done and drops
// what was not). The default path is
// <run directory>/worktrees/<slug of the step id>; the worktree's name in
// .git/worktrees is the slug of the path's last part.
#include <fmt/format.h>

#include "tools/git/git_kinds.hpp"
#include "tools/git/git_support.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;
using namespace automata::tools::git;

constexpr std::string_view k_kind = "git.worktree";

class GitWorktreeKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "add or remove a linked worktree"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        repo_param(),
        {"action", ParamType::string, false, "add, or remove (the compensation)", "add", {"add", "remove"}},
        {"path", ParamType::string, false,
         "where the worktree goes (default: <run directory>/worktrees/<slug of the step id>)", "", {}},
        {"branch", ParamType::string, false, "branch checked out there, created at base if new (default: wt/<name>)",
         "", {}},
        {"base", ParamType::string, false, "commit a new branch starts at", "HEAD", {}},
        {"delete_branch", ParamType::boolean, false, "remove: also delete the worktree's branch", false, {}},
        {"keep_if_changed", ParamType::boolean, false,
         "remove: keep a worktree that holds work (changed or untracked files, or its branch moved past base), and "
         "its branch",
         false, {}}};
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    auto repo = open_repository(context, k_kind);
    if (!repo.ok()) {
      return StepResult::failure(repo.error().message, false);
    }
    const std::string path_param = params.value("path", std::string());
    const std::string step_slug = slug(context.step_id());
    const auto path = path_param.empty()
                          ? context.run_directory() / "worktrees" / (step_slug.empty() ? "worktree" : step_slug)
                          : (context.working_directory() / path_param).lexically_normal();
    const std::string path_slug = slug(path.filename().string());
    const std::string worktree_name = path_slug.empty() ? "worktree" : path_slug;
    std::string branch = params.value("branch", std::string());
    if (branch.empty()) {
      branch = "wt/" + worktree_name;
    }
    if (params.value("action", std::string("add")) == "remove") {
      if (params.value("keep_if_changed", false)) {
        auto work = work_in(repo.value().get(), worktree_name, branch, params.value("base", std::string("HEAD")));
        if (!work.ok()) {
          return StepResult::failure(work.error().message, false);
        }
        if (!work.value().empty()) {
          return StepResult::success({{"path", path.string()}, {"removed", false}, {"branch_deleted", false},
                                      {"kept", work.value()}});
        }
      }
      return remove(repo.value().get(), worktree_name, path, params.value("delete_branch", false) ? branch : "");
    }
    return add(repo.value().get(), worktree_name, path, branch, params.value("base", std::string("HEAD")));
  }

 private:
  static StepResult add(git_repository* repo, const std::string& name, const std::filesystem::path& path,
                        const std::string& branch, const std::string& base) {
    if (auto existing = already_added(repo, name, path, branch)) {
      return std::move(*existing);
    }
    git_reference* found = nullptr;
    Reference branch_ref;
    bool branch_created = false;
    if (git_branch_lookup(&found, repo, branch.c_str(), GIT_BRANCH_LOCAL) == 0) {
      branch_ref.reset(found);
    } else {
      auto commit = resolve_commit(repo, base, k_kind);
      if (!commit.ok()) {
        return StepResult::failure(commit.error().message, false);
      }
      if (git_branch_create(&found, repo, branch.c_str(), commit.value().get(), 0) != 0) {
        return StepResult::failure(fmt::format("git.worktree: cannot create branch {}: {}", branch, last_error()),
                                   false);
      }
      branch_ref.reset(found);
      branch_created = true;
    }
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    git_worktree_add_options options = GIT_WORKTREE_ADD_OPTIONS_INIT;
    options.ref = branch_ref.get();
    git_worktree* added = nullptr;
    if (git_worktree_add(&added, repo, name.c_str(), path.c_str(), &options) != 0) {
      const std::string reason = last_error();
      if (branch_created) {
        git_branch_delete(branch_ref.get());
      }
      return StepResult::failure(
          fmt::format("git.worktree: cannot add a worktree at {} for {}: {}", path.string(), branch, reason),
          false);
    }
    Worktree worktree(added);
    return StepResult::success({{"path", path.string()},
                                {"branch", branch},
                                {"name", name},
                                {"commit", oid_text(*git_reference_target(branch_ref.get()))},
                                {"created", true}});
  }

  // A retried or resumed step finds its worktree there already: the same
  // path on the same branch is success; anything else is the error of adding.
  static std::optional<StepResult> already_added(git_repository* repo, const std::string& name,
                                                 const std::filesystem::path& path, const std::string& branch) {
    git_worktree* found = nullptr;
    if (git_worktree_lookup(&found, repo, name.c_str()) != 0) {
      return std::nullopt;
    }
    Worktree worktree(found);
    git_repository* opened = nullptr;
    if (git_worktree_validate(found) != 0 ||
        std::filesystem::path(git_worktree_path(found)).lexically_normal() != path.lexically_normal() ||
        git_repository_open_from_worktree(&opened, found) != 0) {
      return std::nullopt;
    }
    Repository worktree_repo(opened);
    git_reference* head = nullptr;
    if (git_repository_head(&head, opened) != 0) {
      return std::nullopt;
    }
    Reference owned(head);
    if (git_reference_is_branch(head) == 0 || branch != git_reference_shorthand(head)) {
      return std::nullopt;
    }
    return StepResult::success({{"path", path.string()},
                                {"branch", branch},
                                {"name", name},
                                {"commit", oid_text(*git_reference_target(head))},
                                {"created", false}});
  }

  // Why the worktree `name` and its branch hold work worth keeping ("" when
  // they do not): files that differ from its HEAD (changed, added or
  // untracked; ignored ones do not count), or a branch no longer at `base`,
  // the commit it started at. A worktree that is gone holds nothing.
  static Result<std::string> work_in(git_repository* repo, const std::string& name, const std::string& branch,
                                     const std::string& base) {
    git_reference* found_branch = nullptr;
    if (git_branch_lookup(&found_branch, repo, branch.c_str(), GIT_BRANCH_LOCAL) == 0) {
      Reference owned(found_branch);
      TRY_ASSIGN(const Commit start, resolve_commit(repo, base, k_kind));
      if (git_oid_cmp(git_reference_target(found_branch), git_commit_id(start.get())) != 0) {
        return fmt::format("branch {} has commits since {}", branch, base.substr(0, 12));
      }
    }
    git_worktree* found = nullptr;
    if (git_worktree_lookup(&found, repo, name.c_str()) != 0) {
      return std::string();
    }
    Worktree worktree(found);
    git_repository* opened = nullptr;
    if (git_worktree_validate(found) != 0 || git_repository_open_from_worktree(&opened, found) != 0) {
      return std::string();
    }
    Repository worktree_repo(opened);
    git_status_options options = GIT_STATUS_OPTIONS_INIT;
    options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED;
    git_status_list* list = nullptr;
    if (git_status_list_new(&list, opened, &options) != 0) {
      return Error::failed(fmt::format("git.worktree: cannot read the status of {}: {}", name, last_error()));
    }
    const std::size_t changed = git_status_list_entrycount(list);
    git_status_list_free(list);
    if (changed > 0) {
      return fmt::format("{} file{} changed or untracked in {}", changed, changed == 1 ? "" : "s",
                         git_worktree_path(found));
    }
    return std::string();
  }

  static StepResult remove(git_repository* repo, const std::string& name, const std::filesystem::path& path,
                           const std::string& branch_to_delete) {
    git_worktree* found = nullptr;
    bool removed = false;
    if (git_worktree_lookup(&found, repo, name.c_str()) == 0) {
      Worktree worktree(found);
      git_worktree_prune_options options = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
      options.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_LOCKED | GIT_WORKTREE_PRUNE_WORKING_TREE;
      if (git_worktree_prune(worktree.get(), &options) != 0) {
        return StepResult::failure(
            fmt::format("git.worktree: cannot remove the worktree {} at {}: {}", name, path.string(), last_error()));
      }
      removed = true;
    }
    bool branch_deleted = false;
    git_reference* ref = nullptr;
    if (!branch_to_delete.empty() && git_branch_lookup(&ref, repo, branch_to_delete.c_str(), GIT_BRANCH_LOCAL) == 0) {
      Reference owned(ref);
      if (git_branch_delete(ref) != 0) {
        return StepResult::failure(
            fmt::format("git.worktree: cannot delete branch {}: {}", branch_to_delete, last_error()));
      }
      branch_deleted = true;
    }
    return StepResult::success(
        {{"path", path.string()}, {"removed", removed}, {"branch_deleted", branch_deleted}, {"kept", nullptr}});
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_git_worktree_kind() { return std::make_unique<GitWorktreeKind>(); }

}  // namespace automata::tools
