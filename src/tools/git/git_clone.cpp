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

// Removes what a failed clone left: the directory, or only its contents when
// it existed before (an empty directory git was asked to clone into).
void discard_clone(const std::filesystem::path& path, bool existed) {
  std::error_code ignored;
  if (!existed) {
    std::filesystem::remove_all(path, ignored);
    return;
  }
  for (const auto& entry : std::filesystem::directory_iterator(path, ignored)) {
    std::filesystem::remove_all(entry.path(), ignored);
  }
}

// The remote-tracking branches of a fresh clone, without the remote's name.
std::vector<std::string> remote_branch_names(git_repository* repo) {
  std::vector<std::string> names;
  git_branch_iterator* it = nullptr;
  if (git_branch_iterator_new(&it, repo, GIT_BRANCH_REMOTE) != 0) {
    return names;
  }
  git_reference* ref = nullptr;
  git_branch_t type{};
  while (git_branch_next(&ref, &type, it) == 0) {
    std::string name = git_reference_shorthand(ref);
    git_reference_free(ref);
    const auto slash = name.find('/');
    name = slash == std::string::npos ? name : name.substr(slash + 1);
    if (name != "HEAD") {
      names.push_back(std::move(name));
    }
  }
  git_branch_iterator_free(it);
  return names;
}

// libgit2 1.5's git_clone fails (GIT_ENOTFOUND, no message) when the remote's
// HEAD names a missing branch, even with checkout_branch set. The same clone,
// step by step: init, fetch, a local branch tracking origin/<branch>, checkout.
// Returns the repository, or nullptr with `error` set.
Repository clone_branch_by_fetch(RemoteSession& session, const std::string& url,
                                      const std::filesystem::path& path, const std::string& branch,
                                      std::optional<engine::StepResult>& error) {
  git_repository* raw = nullptr;
  if (git_repository_init(&raw, path.c_str(), 0) != 0) {
    error = session.failure(fmt::format("cannot create a repository in {}", path.string()));
    return nullptr;
  }
  Repository repo(raw);
  git_remote* raw_remote = nullptr;
  if (git_remote_create(&raw_remote, repo.get(), "origin", url.c_str()) != 0) {
    error = session.failure(fmt::format("cannot add the remote {}", url));
    return nullptr;
  }
  Remote remote(raw_remote);
  git_fetch_options fetch = GIT_FETCH_OPTIONS_INIT;
  fetch.callbacks = session.callbacks();
  if (git_remote_fetch(remote.get(), nullptr, &fetch, nullptr) != 0) {
    error = session.failure(fmt::format("cannot clone {} into {}", url, path.string()));
    return nullptr;
  }
  git_reference* raw_tracking = nullptr;
  if (git_branch_lookup(&raw_tracking, repo.get(), ("origin/" + branch).c_str(), GIT_BRANCH_REMOTE) != 0) {
    error = engine::StepResult::failure(session.mask(fmt::format("git.clone: {} has no branch '{}'", url, branch)),
                                        false);
    return nullptr;
  }
  Reference tracking(raw_tracking);
  git_object* raw_target = nullptr;
  git_reference* raw_local = nullptr;
  git_checkout_options checkout = GIT_CHECKOUT_OPTIONS_INIT;
  checkout.checkout_strategy = GIT_CHECKOUT_SAFE;
  if (git_reference_peel(&raw_target, tracking.get(), GIT_OBJECT_COMMIT) != 0) {
    error = session.failure(fmt::format("cannot read {} of {}", branch, url));
    return nullptr;
  }
  Object target(raw_target);
  if (git_branch_create(&raw_local, repo.get(), branch.c_str(), reinterpret_cast<git_commit*>(target.get()), 0) != 0) {
    error = session.failure(fmt::format("cannot create the branch {}", branch));
    return nullptr;
  }
  Reference local(raw_local);
  if (git_branch_set_upstream(local.get(), ("origin/" + branch).c_str()) != 0 ||
      git_repository_set_head(repo.get(), git_reference_name(local.get())) != 0 ||
      git_checkout_head(repo.get(), &checkout) != 0) {
    error = session.failure(fmt::format("cannot check out {}", branch));
    return nullptr;
  }
  return repo;
}


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
    const bool existed = std::filesystem::exists(path);
    const int status = git_clone(&cloned, url.c_str(), path.c_str(), &options);
    if (status == GIT_ENOTFOUND && !branch.empty() && std::string(last_error()).find(branch) != std::string::npos) {
      return StepResult::failure(session.mask(fmt::format("git.clone: {} has no branch '{}'", url, branch)), false);
    }
    Repository repo(cloned);
    if (status == GIT_ENOTFOUND && !branch.empty()) {
      discard_clone(path, existed);
      std::optional<StepResult> error;
      repo = clone_branch_by_fetch(session, url, path, branch, error);
      if (error) {
        repo.reset();
        discard_clone(path, existed);
        return *error;
      }
    } else if (status != 0) {
      return session.failure(fmt::format("cannot clone {} into {}", url, path.string()));
    }
    if (branch.empty() && git_repository_head_unborn(repo.get()) == 1) {
      // The remote's HEAD names a branch it does not have (a bare repository
      // made with another default branch): git would leave an empty checkout,
      // which every later step would trip over. Unless the remote is empty,
      // say which branches there are and leave nothing behind.
      std::vector<std::string> branches = remote_branch_names(repo.get());
      if (!branches.empty()) {
        repo.reset();
        discard_clone(path, existed);
        return StepResult::failure(
            session.mask(fmt::format("git.clone: {} has no default branch (its HEAD names a branch that does not "
                                     "exist); give `branch:` one of {}",
                                     url, fmt::join(branches, ", "))),
            false);
      }
    }
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
