// git.delete_branch: a branch deleted locally and/or on a remote. A branch
// that is already gone is not an error (local_deleted/remote_deleted: false),
// so the step can be a compensation and be retried.
#include <fmt/format.h>

#include "tools/git/git_credentials.hpp"
#include "tools/git/git_kinds.hpp"
#include "tools/git/git_support.hpp"

namespace automata::tools {
namespace {

using engine::OutputStream;
using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;
using namespace automata::tools::git;

constexpr std::string_view k_kind = "git.delete_branch";

class GitDeleteBranchKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "delete a branch locally and on a remote"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = [] {
      std::vector<ParamSpec> params = {
          repo_param(),
          {"name", ParamType::string, true, "the branch", nullptr, {}},
          {"local", ParamType::boolean, false, "delete the local branch", true, {}},
          {"remote", ParamType::string, false, "also delete it on this remote (name or url)", "", {}},
          {"dry_run", ParamType::boolean, false, "print what would be deleted, delete nothing", false, {}}};
      append_remote_params(params);
      return params;
    }();
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    auto opened = open_repository(context, k_kind);
    if (!opened.ok()) {
      return StepResult::failure(opened.error().message, false);
    }
    git_repository* repo = opened.value().get();
    const std::string branch = params.value("name", std::string());
    const std::string remote_param = params.value("remote", std::string());
    const bool dry_run = is_dry_run(context);
    Value outputs = {{"name", branch}, {"local_deleted", false}, {"remote_deleted", false}};

    git_reference* found = nullptr;
    Reference local;
    if (params.value("local", true) && git_branch_lookup(&found, repo, branch.c_str(), GIT_BRANCH_LOCAL) == 0) {
      local.reset(found);
    }
    // Checked before anything is deleted: a refusal must not leave the
    // remote branch gone and the local one still there.
    if (local && git_branch_is_checked_out(local.get()) == 1) {
      return StepResult::failure(
          fmt::format("git.delete_branch: {} is checked out: switch to another branch first", branch), false);
    }
    if (remote_param.empty()) {
      if (dry_run) {
        return dry_run_result(context, std::move(outputs), local != nullptr, "");
      }
      return delete_local(std::move(local), std::move(outputs), branch);
    }
    auto remote = open_remote(repo, remote_param, k_kind);
    if (!remote.ok()) {
      return StepResult::failure(context.mask(remote.error().message), false);
    }
    const std::string url = git_remote_url(remote.value().get()) == nullptr ? "" : git_remote_url(remote.value().get());
    if (dry_run) {
      return dry_run_result(context, std::move(outputs), local != nullptr, context.mask(url));
    }
    RemoteSession session(context, std::string(k_kind));
    if (auto prepared = session.prepare(url); !prepared.ok()) {
      return StepResult::failure(session.mask(prepared.error().message), false);
    }
    const git_remote_callbacks callbacks = session.callbacks();
    if (git_remote_connect(remote.value().get(), GIT_DIRECTION_PUSH, &callbacks, nullptr, nullptr) != 0) {
      return session.failure(fmt::format("cannot connect to {}", url));
    }
    const git_remote_head** heads = nullptr;
    std::size_t count = 0;
    if (git_remote_ls(&heads, &count, remote.value().get()) != 0) {
      return session.failure(fmt::format("cannot list the branches of {}", url));
    }
    const std::string ref = "refs/heads/" + branch;
    bool on_remote = false;
    for (std::size_t i = 0; i < count; ++i) {
      on_remote = on_remote || ref == heads[i]->name;
    }
    if (on_remote) {
      const std::string refspec = ":" + ref;
      const char* refspecs[] = {refspec.c_str()};
      const git_strarray specs = {const_cast<char**>(refspecs), 1};
      git_push_options options = GIT_PUSH_OPTIONS_INIT;
      options.callbacks = callbacks;
      if (git_remote_push(remote.value().get(), &specs, &options) != 0) {
        return session.failure(fmt::format("cannot delete {} on {}", branch, url));
      }
      if (session.push_rejection()) {
        return StepResult::failure(session.mask("git.delete_branch: " + *session.push_rejection()), false);
      }
      outputs["remote_deleted"] = true;
    }
    return delete_local(std::move(local), std::move(outputs), branch);
  }

 private:
  static StepResult delete_local(Reference local, Value outputs, const std::string& branch) {
    if (!local) {
      return StepResult::success(std::move(outputs));
    }
    if (git_branch_delete(local.get()) != 0) {
      return StepResult::failure(fmt::format("git.delete_branch: cannot delete {}: {}", branch, last_error()));
    }
    outputs["local_deleted"] = true;
    return StepResult::success(std::move(outputs));
  }

  static StepResult dry_run_result(StepContext& context, Value outputs, bool local, const std::string& url) {
    const std::string branch = outputs["name"];
    std::string text;
    if (local) {
      text += fmt::format("dry run: would delete the local branch {}\n", branch);
    }
    if (!url.empty()) {
      text += fmt::format("dry run: would delete refs/heads/{} on {}\n", branch, url);
    }
    context.output(OutputStream::out, text.empty() ? fmt::format("dry run: no branch {} to delete\n", branch) : text);
    outputs["dry_run"] = true;
    return StepResult::success(std::move(outputs));
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_git_delete_branch_kind() { return std::make_unique<GitDeleteBranchKind>(); }

}  // namespace automata::tools
