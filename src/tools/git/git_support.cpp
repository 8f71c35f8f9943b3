#include "tools/git/git_support.hpp"

#include <fmt/format.h>

#include <cctype>
#include <mutex>

namespace automata::tools::git {

void ensure_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string last_error() {
  const git_error* error = git_error_last();
  if (error == nullptr || error->message == nullptr) {
    return "unknown error";
  }
  std::string message = error->message;
  while (!message.empty() && (message.back() == '\n' || message.back() == '.')) {
    message.pop_back();
  }
  return message;
}

std::string oid_text(const git_oid& oid) {
  char text[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(text, sizeof text, &oid);
  return text;
}

std::filesystem::path repo_path(const engine::StepContext& context) {
  const std::string repo = context.params().value("repo", std::string("."));
  return (context.working_directory() / repo).lexically_normal();
}

Result<Repository> open_repository(const engine::StepContext& context, std::string_view kind) {
  ensure_libgit2();
  const auto path = repo_path(context);
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return Error::failed(fmt::format("{}: cannot open the repository {}: {}", kind, path.string(), last_error()));
  }
  return Repository(repo);
}

Result<Commit> resolve_commit(git_repository* repo, const std::string& revision, std::string_view kind) {
  git_object* object = nullptr;
  if (git_revparse_single(&object, repo, revision.c_str()) != 0) {
    return Error::failed(fmt::format("{}: unknown revision '{}': {}", kind, revision, last_error()));
  }
  Object owned(object);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) != 0) {
    return Error::failed(fmt::format("{}: '{}' is not a commit: {}", kind, revision, last_error()));
  }
  return Commit(reinterpret_cast<git_commit*>(peeled));
}

Result<Commit> head_commit(git_repository* repo, std::string_view kind) {
  if (git_repository_head_unborn(repo) == 1) {
    return Commit();
  }
  return resolve_commit(repo, "HEAD", kind);
}

Result<Signature> author_signature(git_repository* repo, const Value& params, std::string_view kind) {
  const std::string name = params.value("author_name", std::string());
  const std::string email = params.value("author_email", std::string());
  git_signature* signature = nullptr;
  if (!name.empty() && !email.empty()) {
    if (git_signature_now(&signature, name.c_str(), email.c_str()) != 0) {
      return Error::failed(fmt::format("{}: bad author '{} <{}>': {}", kind, name, email, last_error()));
    }
    return Signature(signature);
  }
  if (git_signature_default(&signature, repo) != 0) {
    return Error::failed(fmt::format("{}: no author: set author_name and author_email, or user.name and user.email "
                                     "in the git config",
                                     kind));
  }
  Signature configured(signature);
  if (name.empty() && email.empty()) {
    return configured;
  }
  git_signature* mixed = nullptr;
  if (git_signature_now(&mixed, name.empty() ? configured->name : name.c_str(),
                        email.empty() ? configured->email : email.c_str()) != 0) {
    return Error::failed(fmt::format("{}: bad author: {}", kind, last_error()));
  }
  return Signature(mixed);
}

std::string slug(std::string_view text) {
  std::string out;
  for (const char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    if (std::isalnum(c) != 0) {
      out.push_back(static_cast<char>(std::tolower(c)));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  if (out.size() > 40) {
    out.resize(40);
  }
  while (!out.empty() && out.back() == '-') {
    out.pop_back();
  }
  return out;
}

std::optional<std::string> url_password_problem(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find('/', authority_start);
  const auto authority = url.substr(authority_start, authority_end == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : authority_end - authority_start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos || authority.substr(0, at).find(':') == std::string_view::npos) {
    return std::nullopt;
  }
  return std::string("the url carries a password; give it as `password` or `token` from a secret instead");
}

engine::ParamSpec repo_param() {
  return {"repo", engine::ParamType::string, false, "path of the repository, relative to the working directory", ".",
          {}};
}

Result<Remote> open_remote(git_repository* repo, const std::string& name_or_url, std::string_view kind) {
  git_remote* remote = nullptr;
  if (git_remote_lookup(&remote, repo, name_or_url.c_str()) == 0) {
    return Remote(remote);
  }
  const bool is_url = name_or_url.find("://") != std::string::npos || name_or_url.find('/') != std::string::npos ||
                      name_or_url.find(':') != std::string::npos;
  if (!is_url) {
    return Error::usage(fmt::format("{}: the repository has no remote named '{}'", kind, name_or_url));
  }
  if (auto problem = url_password_problem(name_or_url)) {
    return Error::usage(fmt::format("{}: {}", kind, *problem));
  }
  if (git_remote_create_anonymous(&remote, repo, name_or_url.c_str()) != 0) {
    return Error::usage(fmt::format("{}: bad remote url: {}", kind, last_error()));
  }
  return Remote(remote);
}

bool is_dry_run(const engine::StepContext& context) {
  return context.dry_run() || context.params().value("dry_run", false);
}

std::string short_id(const git_oid& oid) {
  return git_oid_is_zero(&oid) != 0 ? std::string("nothing") : oid_text(oid).substr(0, 7);
}

}  // namespace automata::tools::git
