#include "tools/forge/local_repo.hpp"

#include <git2.h>

#include <memory>
#include <mutex>

#include <fmt/format.h>

namespace automata::tools::forge {
namespace {

void init_libgit2_once() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string last_git_error() {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? error->message : "unknown libgit2 error";
}

struct RepoDeleter {
  void operator()(git_repository* repo) const { git_repository_free(repo); }
};
struct ConfigDeleter {
  void operator()(git_config* config) const { git_config_free(config); }
};
struct ReferenceDeleter {
  void operator()(git_reference* ref) const { git_reference_free(ref); }
};
using RepoPtr = std::unique_ptr<git_repository, RepoDeleter>;

Result<RepoPtr> open(const std::filesystem::path& path) {
  init_libgit2_once();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), 0, nullptr) != 0) {
    return Error::usage(fmt::format("{} is not in a git repository: {}", path.string(), last_git_error()),
                        "set repo to the repository's directory, or pass remote_url");
  }
  return RepoPtr(repo);
}

}  // namespace

// The origin URL straight from the configuration: git_remote_lookup would
// also do, but in libgit2 1.5 with PCRE2 it leaks match data on every call.
Result<std::string> origin_url(const std::filesystem::path& path) {
  TRY_ASSIGN(RepoPtr repo, open(path));
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo.get()) != 0) {
    return Error::usage(fmt::format("cannot read the configuration of {}: {}", path.string(), last_git_error()),
                        "pass remote_url");
  }
  std::unique_ptr<git_config, ConfigDeleter> config(raw);
  const char* url = nullptr;
  if (git_config_get_string(&url, config.get(), "remote.origin.url") != 0 || url == nullptr) {
    return Error::usage(fmt::format("repository {} has no remote 'origin'", path.string()), "pass remote_url");
  }
  return std::string(url);
}

Result<std::string> current_branch(const std::filesystem::path& path) {
  TRY_ASSIGN(RepoPtr repo, open(path));
  git_reference* raw = nullptr;
  const int code = git_repository_head(&raw, repo.get());
  if (code != 0) {
    return Error::usage(fmt::format("cannot read HEAD of {}: {}", path.string(), last_git_error()), "pass head");
  }
  std::unique_ptr<git_reference, ReferenceDeleter> head(raw);
  if (git_repository_head_detached(repo.get()) == 1 || !git_reference_is_branch(head.get())) {
    return Error::usage(fmt::format("HEAD of {} is detached, not on a branch", path.string()), "pass head");
  }
  return std::string(git_reference_shorthand(head.get()));
}

Result<std::string> head_sha(const std::filesystem::path& path) {
  TRY_ASSIGN(RepoPtr repo, open(path));
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo.get(), "HEAD") != 0) {
    return Error::usage(fmt::format("cannot read HEAD of {}: {}", path.string(), last_git_error()), "pass sha");
  }
  char text[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(text, sizeof text, &oid);
  return std::string(text);
}

}  // namespace automata::tools::forge
