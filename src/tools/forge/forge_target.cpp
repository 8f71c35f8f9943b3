#include "tools/forge/forge_target.hpp"

#include <fmt/format.h>

#include "tools/forge/local_repo.hpp"
#include "tools/forge/remote_url.hpp"
#include "tools/http/step_options.hpp"

namespace automata::tools::forge {
namespace {

using engine::ParamSpec;
using engine::ParamType;

std::string env_value(const std::vector<std::string>& environment, std::string_view key) {
  for (const auto& entry : environment) {
    if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 && entry[key.size()] == '=') {
      return entry.substr(key.size() + 1);
    }
  }
  return {};
}

std::vector<std::string_view> token_variables(ForgeType type) {
  switch (type) {
    case ForgeType::github:
      return {"GITHUB_TOKEN", "GH_TOKEN"};
    case ForgeType::gitlab:
      return {"GITLAB_TOKEN"};
    case ForgeType::gitea:
      return {"GITEA_TOKEN"};
  }
  return {};
}

}  // namespace

std::vector<ParamSpec> shared_forge_params() {
  std::vector<ParamSpec> specs = {
      {"repo", ParamType::string, false, "the repository whose origin remote names the project", ".", {}},
      {"remote_url", ParamType::string, false, "the project's git URL, instead of reading repo's origin", nullptr, {}},
      {"forge", ParamType::string, false, "which forge, when the host does not tell (github.com, gitlab.com do)",
       nullptr, {"github", "gitlab", "gitea", "forgejo"}},
      {"api_url", ParamType::string, false,
       "API base: https://host/api/v3 (GitHub Enterprise), https://host/api/v4 (GitLab), https://host/api/v1 (Gitea)",
       nullptr, {}},
      {"token", ParamType::string, false, "API token; default GITHUB_TOKEN/GH_TOKEN, GITLAB_TOKEN or GITEA_TOKEN",
       nullptr, {}},
  };
  for (auto& spec : http::shared_http_params()) {
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::vector<ParamSpec> with_shared_forge_params(std::vector<ParamSpec> own) {
  for (auto& spec : shared_forge_params()) {
    own.push_back(std::move(spec));
  }
  return own;
}

std::filesystem::path repo_directory(const engine::StepContext& context) {
  const std::filesystem::path repo = http::string_param(context.params(), "repo", ".");
  return repo.is_absolute() ? repo : context.working_directory() / repo;
}

Result<ForgeTarget> forge_target_for(const std::string& remote_url, const std::string& forge_param,
                                     const std::string& api_url_param) {
  TRY_ASSIGN(const RemoteLocation location, parse_remote_url(remote_url));
  ForgeTarget target;
  target.project = location.project;
  target.owner = location.owner;
  target.name = location.name;
  if (forge_param == "github" || (forge_param.empty() && location.host == "github.com")) {
    target.type = ForgeType::github;
    target.api_base = location.host == "github.com" ? "https://api.github.com" : location.web_origin + "/api/v3";
  } else if (forge_param == "gitlab" || (forge_param.empty() && location.host == "gitlab.com")) {
    target.type = ForgeType::gitlab;
    target.api_base = location.web_origin + "/api/v4";
  } else if (forge_param == "gitea" || forge_param == "forgejo" ||
             (forge_param.empty() && location.host == "codeberg.org")) {
    target.type = ForgeType::gitea;
    target.api_base = location.web_origin + "/api/v1";
  } else {
    return Error::usage(fmt::format("cannot tell which forge {} runs", location.host),
                        "set forge: github, gitlab or gitea (and api_url if the API is not at the usual place)");
  }
  if (!api_url_param.empty()) {
    target.api_base = api_url_param;
    while (!target.api_base.empty() && target.api_base.back() == '/') {
      target.api_base.pop_back();
    }
  }
  return target;
}

const std::vector<std::string>& forge_token_variables() {
  static const std::vector<std::string> k_names = {"GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN"};
  return k_names;
}

Result<ForgeTarget> resolve_forge_target(const engine::StepContext& context) {
  const Value& params = context.params();
  std::string remote_url = http::string_param(params, "remote_url");
  if (remote_url.empty()) {
    TRY_ASSIGN(remote_url, origin_url(repo_directory(context)));
  }
  TRY_ASSIGN(ForgeTarget target, forge_target_for(remote_url, http::string_param(params, "forge"),
                                                  http::string_param(params, "api_url")));
  target.token = http::string_param(params, "token");
  for (const auto variable : token_variables(target.type)) {
    if (!target.token.empty()) {
      break;
    }
    target.token = env_value(context.environment(), variable);
  }
  return target;
}

}  // namespace automata::tools::forge
