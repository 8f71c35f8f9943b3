// git.clone: a repository from a URL (https, ssh, file), credentials from
// secrets; outputs {path, commit, branch}.
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

constexpr std::string_view k_kind = "git.clone";

// "https://host/org/app.git" -> "app".
std::string directory_of(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  const auto start = url.find_last_of("/:");
  std::string name = start == std::string::npos ? url : url.substr(start + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".git") == 0) {
    name.resize(name.size() - 4);
  }
  return name.empty() ? "repo" : name;
}

class GitCloneKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "clone a repository (https, ssh or file url)"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = [] {
      std::vector<ParamSpec> params = {
          {"url", ParamType::string, true, "where to clone from; never with a password in it", nullptr, {}},
          {"path", ParamType::string, false, "where to clone to, relative to the working directory (default: the "
                                             "url's last part)", "", {}},
          {"branch", ParamType::string, false, "branch to check out (default: the remote's HEAD)", "", {}},
          {"depth", ParamType::integer, false, "history depth (0: full)", 0, {}}};
      append_remote_params(params);
      return params;
    }();
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    const std::string url = params.value("url", std::string());
    std::string path_param = params.value("path", std::string());
    const auto path = (context.working_directory() / (path_param.empty() ? directory_of(url) : path_param))
                          .lexically_normal();
    const std::string branch = params.value("branch", std::string());
    const auto depth = params.value("depth", 0);

    RemoteSession session(context, std::string(k_kind));
    if (auto prepared = session.prepare(url); !prepared.ok()) {
      return StepResult::failure(session.mask(prepared.error().message), false);
    }
    git_clone_options options = GIT_CLONE_OPTIONS_INIT;
    options.fetch_opts.callbacks = session.callbacks();
    if (!branch.empty()) {
      options.checkout_branch = branch.c_str();
    }
#if LIBGIT2_VER_MAJOR > 1 || (LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR >= 7)
    options.fetch_opts.depth = depth;
#else
    if (depth > 0) {
      context.output(OutputStream::err,
                     fmt::format("git.clone: depth {} ignored: libgit2 {} cannot fetch a shallow history; cloning "
                                 "all of it\n",
                                 depth, LIBGIT2_VERSION));
    }
#endif
    context.heartbeat(session.mask(fmt::format("cloning {}", url)), std::nullopt);
    git_repository* cloned = nullptr;
    const int status = git_clone(&cloned, url.c_str(), path.c_str(), &options);
    if (status == GIT_ENOTFOUND && !branch.empty() && std::string(last_error()).find(branch) != std::string::npos) {
      return StepResult::failure(session.mask(fmt::format("git.clone: {} has no branch '{}'", url, branch)), false);
    }
    if (status != 0) {
      return session.failure(fmt::format("cannot clone {} into {}", url, path.string()));
    }
    Repository repo(cloned);
    Value outputs = {{"path", path.string()}, {"commit", ""}, {"branch", ""}};
    auto head = head_commit(repo.get(), k_kind);
    if (head.ok() && head.value()) {
      outputs["commit"] = oid_text(*git_commit_id(head.value().get()));
    }
    git_reference* head_ref = nullptr;
    if (git_repository_head(&head_ref, repo.get()) == 0) {
      Reference owned(head_ref);
      outputs["branch"] = git_reference_shorthand(head_ref);
    }
    return StepResult::success(std::move(outputs));
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_git_clone_kind() { return std::make_unique<GitCloneKind>(); }

}  // namespace automata::tools
