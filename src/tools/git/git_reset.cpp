// git.reset: moves the checked-out branch to a commit (a rollback);
// hard by default, so the working tree follows.
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

constexpr std::string_view k_kind = "git.reset";

class GitResetKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "reset the current branch to a commit"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        repo_param(),
        {"to", ParamType::string, true, "commit to reset to (sha, branch, HEAD~1...)", nullptr, {}},
        {"mode", ParamType::string, false, "hard: index and files too; mixed: index; soft: only the branch", "hard",
         {"hard", "mixed", "soft"}}};
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    auto opened = open_repository(context, k_kind);
    if (!opened.ok()) {
      return StepResult::failure(opened.error().message, false);
    }
    git_repository* repo = opened.value().get();
    const std::string to = params.value("to", std::string());
    auto target = resolve_commit(repo, to, k_kind);
    if (!target.ok()) {
      return StepResult::failure(target.error().message, false);
    }
    auto previous = head_commit(repo, k_kind);
    const std::string mode = params.value("mode", std::string("hard"));
    const git_reset_t reset_type = mode == "soft" ? GIT_RESET_SOFT : mode == "mixed" ? GIT_RESET_MIXED : GIT_RESET_HARD;
    if (git_reset(repo, reinterpret_cast<git_object*>(target.value().get()), reset_type, nullptr) != 0) {
      return StepResult::failure(fmt::format("git.reset: cannot reset to {}: {}", to, last_error()));
    }
    Value outputs = {{"commit", oid_text(*git_commit_id(target.value().get()))}, {"previous", ""}};
    if (previous.ok() && previous.value()) {
      outputs["previous"] = oid_text(*git_commit_id(previous.value().get()));
    }
    return StepResult::success(std::move(outputs));
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_git_reset_kind() { return std::make_unique<GitResetKind>(); }

}  // namespace automata::tools
