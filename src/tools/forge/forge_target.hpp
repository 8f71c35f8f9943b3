#pragma once
// Which forge and project a forge step talks to, and with what token: from
// the step's parameters, the origin remote of its repository and its
// environment. Also the parameters every forge kind shares.
#include <vector>

#include "engine/step_kind.hpp"
#include "tools/forge/forge_api.hpp"

namespace automata::tools::forge {

// repo, remote_url, forge, api_url, token, and the shared HTTP parameters.
std::vector<engine::ParamSpec> shared_forge_params();

// A kind's own specs followed by the shared ones.
std::vector<engine::ParamSpec> with_shared_forge_params(std::vector<engine::ParamSpec> own);

// The repository directory: `repo` resolved against the working directory.
std::filesystem::path repo_directory(const engine::StepContext& context);

Result<ForgeTarget> resolve_forge_target(const engine::StepContext& context);

// GITHUB_TOKEN, GH_TOKEN, GITLAB_TOKEN, GITEA_TOKEN: where a token comes from
// when no `token` is given, so the secret variables a forge step reads.
const std::vector<std::string>& forge_token_variables();

// Pure part of the above, for tests: host to forge and API base.
Result<ForgeTarget> forge_target_for(const std::string& remote_url, const std::string& forge_param,
                                     const std::string& api_url_param);

}  // namespace automata::tools::forge
