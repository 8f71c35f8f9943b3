// git.branch: a local branch at a base commit, checked out by default. With
// no name it is feat/YYYYMMDD-<slug of the title>, made unique with -2, -3...
// when taken; an explicit name that exists is kept as it is (created: false).
#include <ctime>

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

constexpr std::string_view k_kind = "git.branch";

bool branch_exists(git_repository* repo, const std::string& name) {
  git_reference* ref = nullptr;
  if (git_branch_lookup(&ref, repo, name.c_str(), GIT_BRANCH_LOCAL) == 0) {
    git_reference_free(ref);
    return true;
  }
  return false;
}

std::string default_name(const StepContext& context, const std::string& title) {
  const std::time_t now = std::chrono::system_clock::to_time_t(context.clock().wall_now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[16] = {};
  std::strftime(date, sizeof date, "%Y%m%d", &utc);
  const std::string title_slug = slug(title);
  return fmt::format("feat/{}-{}", date, title_slug.empty() ? "change" : title_slug);
}

class GitBranchKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "create a branch (feat/YYYYMMDD-<slug> by default)"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        repo_param(),
        {"name", ParamType::string, false, "branch name (default: feat/YYYYMMDD-<slug of title>)", "", {}},
        {"title", ParamType::string, false, "what the branch is for; names it when name is not given", "", {}},
        {"base", ParamType::string, false, "commit the branch starts at", "HEAD", {}},
        {"checkout", ParamType::boolean, false, "switch the working tree to the branch", true, {}}};
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    std::string branch = params.value("name", std::string());
    const std::string title = params.value("title", std::string());
    if (branch.empty() && title.empty()) {
      return StepResult::failure("git.branch: give the branch a name, or a title to name it from", false);
    }
    auto repo = open_repository(context, k_kind);
    if (!repo.ok()) {
      return StepResult::failure(repo.error().message, false);
    }
    git_repository* r = repo.value().get();
    bool created = true;
    if (branch.empty()) {
      const std::string base_name = default_name(context, title);
      branch = base_name;
      for (int n = 2; branch_exists(r, branch); ++n) {
        branch = fmt::format("{}-{}", base_name, n);
      }
    } else if (git_reference_is_valid_name(("refs/heads/" + branch).c_str()) == 0) {
      return StepResult::failure(fmt::format("git.branch: '{}' is not a valid branch name", branch), false);
    } else {
      created = !branch_exists(r, branch);
    }
    const std::string start = created ? params.value("base", std::string("HEAD")) : "refs/heads/" + branch;
    auto commit = resolve_commit(r, start, k_kind);
    if (!commit.ok()) {
      return StepResult::failure(commit.error().message, false);
    }
    if (created) {
      git_reference* ref = nullptr;
      if (git_branch_create(&ref, r, branch.c_str(), commit.value().get(), 0) != 0) {
        return StepResult::failure(fmt::format("git.branch: cannot create {}: {}", branch, last_error()), false);
      }
      git_reference_free(ref);
    }
    if (params.value("checkout", true)) {
      git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
      options.checkout_strategy = GIT_CHECKOUT_SAFE;
      if (git_checkout_tree(r, reinterpret_cast<git_object*>(commit.value().get()), &options) != 0 ||
          git_repository_set_head(r, ("refs/heads/" + branch).c_str()) != 0) {
        return StepResult::failure(fmt::format("git.branch: cannot check out {}: {}", branch, last_error()), false);
      }
    }
    return StepResult::success(
        {{"name", branch}, {"commit", oid_text(*git_commit_id(commit.value().get()))}, {"created", created}});
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_git_branch_kind() { return std::make_unique<GitBranchKind>(); }

}  // namespace automata::tools
