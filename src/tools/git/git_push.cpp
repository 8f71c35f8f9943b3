// git.push: a local branch to a remote (by name or url), credentials from
// secrets. force_with_lease replaces the remote branch only if it still has
// the expected commit (by default our remote-tracking ref): checked against
// what the server advertises in the same connection, whose old value the
// server checks again when it updates the ref.
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

constexpr std::string_view k_kind = "git.push";

Result<std::string> current_branch(git_repository* repo) {
  git_reference* head = nullptr;
  if (git_repository_head(&head, repo) != 0) {
    return Error::usage(fmt::format("git.push: no branch to push: {}", last_error()));
  }
  Reference owned(head);
  if (git_reference_is_branch(head) == 0) {
    return Error::usage("git.push: HEAD is detached: give the branch to push");
  }
  return std::string(git_reference_shorthand(head));
}

// What the remote branch must be for a forced push to go ahead.
Result<git_oid> lease_expectation(git_repository* repo, const std::string& expect, const char* remote_name,
                                  const std::string& remote_branch) {
  git_oid expected{};
  if (!expect.empty()) {
    if (git_oid_fromstr(&expected, expect.c_str()) == 0) {
      return expected;
    }
    auto commit = resolve_commit(repo, expect, k_kind);
    if (!commit.ok()) {
      return commit.error();
    }
    return *git_commit_id(commit.value().get());
  }
  if (remote_name != nullptr) {
    const std::string tracking = fmt::format("refs/remotes/{}/{}", remote_name, remote_branch);
    if (git_reference_name_to_id(&expected, repo, tracking.c_str()) == 0) {
      return expected;
    }
  }
  return git_oid{};  // zero: the branch must not exist on the remote yet
}

class GitPushKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "push a branch (optionally force-with-lease)"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = [] {
      std::vector<ParamSpec> params = {
          repo_param(),
          {"remote", ParamType::string, false, "remote name or url", "origin", {}},
          {"branch", ParamType::string, false, "local branch (default: the checked-out one)", "", {}},
          {"remote_branch", ParamType::string, false, "branch on the remote (default: the same name)", "", {}},
          {"force_with_lease", ParamType::boolean, false,
           "replace the remote branch, only if it is still at `expect`", false, {}},
          {"expect", ParamType::string, false,
           "commit the remote branch must be at for force_with_lease (default: the remote-tracking ref)", "", {}},
          {"dry_run", ParamType::boolean, false, "print what would be pushed, push nothing", false, {}}};
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
    std::string branch = params.value("branch", std::string());
    if (branch.empty()) {
      auto current = current_branch(repo);
      if (!current.ok()) {
        return StepResult::failure(current.error().message, false);
      }
      branch = current.value();
    }
    std::string remote_branch = params.value("remote_branch", std::string());
    if (remote_branch.empty()) {
      remote_branch = branch;
    }
    auto commit = resolve_commit(repo, "refs/heads/" + branch, k_kind);
    if (!commit.ok()) {
      return StepResult::failure(fmt::format("git.push: no local branch '{}'", branch), false);
    }
    const std::string commit_id = oid_text(*git_commit_id(commit.value().get()));
    auto remote = open_remote(repo, params.value("remote", std::string("origin")), k_kind);
    if (!remote.ok()) {
      return StepResult::failure(context.mask(remote.error().message), false);
    }
    const char* remote_name = git_remote_name(remote.value().get());
    const std::string url = git_remote_url(remote.value().get()) == nullptr ? "" : git_remote_url(remote.value().get());
    const bool force = params.value("force_with_lease", false);
    const std::string refspec = fmt::format("{}refs/heads/{}:refs/heads/{}", force ? "+" : "", branch, remote_branch);

    RemoteSession session(context, std::string(k_kind));
    if (auto prepared = session.prepare(url); !prepared.ok()) {
      return StepResult::failure(session.mask(prepared.error().message), false);
    }
    git_oid expected{};
    if (force) {
      auto lease = lease_expectation(repo, params.value("expect", std::string()), remote_name, remote_branch);
      if (!lease.ok()) {
        return StepResult::failure(lease.error().message, false);
      }
      expected = lease.value();
    }
    Value outputs = {{"remote", session.mask(url)}, {"ref", "refs/heads/" + remote_branch}, {"commit", commit_id}};
    if (is_dry_run(context)) {
      context.output(OutputStream::out,
                     session.mask(fmt::format("dry run: would push {} to {} as {}{}\n", commit_id.substr(0, 7), url,
                                              "refs/heads/" + remote_branch,
                                              force ? fmt::format(" (force-with-lease, expecting {})",
                                                                  short_id(expected))
                                                    : "")));
      outputs["dry_run"] = true;
      return StepResult::success(std::move(outputs));
    }
    if (force) {
      session.check_push = [&](const git_push_update& update) -> std::optional<std::string> {
        if (git_oid_equal(&update.src, &expected) != 0) {
          return std::nullopt;
        }
        return fmt::format("git.push: refusing to force {}: {} has {}, expected {} (it moved since it was fetched: "
                           "fetch, check and push again)",
                           remote_branch, url, short_id(update.src), short_id(expected));
      };
    }
    git_push_options options = GIT_PUSH_OPTIONS_INIT;
    options.callbacks = session.callbacks();
    const char* refspecs[] = {refspec.c_str()};
    const git_strarray specs = {const_cast<char**>(refspecs), 1};
    context.heartbeat(session.mask(fmt::format("pushing {} to {}", branch, url)), std::nullopt);
    const int pushed = git_remote_push(remote.value().get(), &specs, &options);
    if (pushed == GIT_ENONFASTFORWARD) {
      return StepResult::failure(
          session.mask(fmt::format("git.push: {} has commits that {} does not (not a fast-forward): integrate them, "
                                   "or push with force_with_lease",
                                   url, branch)),
          false);
    }
    if (pushed != 0) {
      return session.failure(fmt::format("cannot push {} to {}", branch, url));
    }
    if (session.push_rejection()) {
      return StepResult::failure(session.mask("git.push: " + *session.push_rejection()), false);
    }
    return StepResult::success(std::move(outputs));
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_git_push_kind() { return std::make_unique<GitPushKind>(); }

}  // namespace automata::tools
