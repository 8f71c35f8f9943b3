// forge.status: a commit status (the check mark next to a commit).
#include "tools/forge/forge_kinds.hpp"
#include "tools/forge/forge_step.hpp"
#include "tools/forge/forge_target.hpp"
#include "tools/forge/local_repo.hpp"
#include "tools/http/step_options.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using namespace forge;

class ForgeStatusKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return "forge.status"; }
  std::vector<std::string> secret_variables(const Value&) const override { return forge_token_variables(); }
  std::string_view summary() const override { return "set a commit status (pending, success, failure, error)"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = with_shared_forge_params({
        {"state", ParamType::string, true, "the status; GitLab says failed for failure and error", nullptr,
         {"pending", "success", "failure", "error"}},
        {"context", ParamType::string, false, "the status's name, one per check", "automata", {}},
        {"description", ParamType::string, false, "a short line shown beside it", nullptr, {}},
        {"target_url", ParamType::string, false, "where the status links to", nullptr, {}},
        {"sha", ParamType::string, false, "the commit; default HEAD of repo", nullptr, {}},
    });
    return k_params;
  }

  engine::StepResult execute(engine::StepContext& context) override {
    const Value& params = context.params();
    return run_forge_step(context, "forge.status", [&](Forge& forge, ForgeApi&) -> Result<Value> {
      StatusSpec spec;
      spec.state = http::string_param(params, "state");
      spec.context = http::string_param(params, "context", "automata");
      spec.description = http::string_param(params, "description");
      spec.target_url = http::string_param(params, "target_url");
      spec.sha = http::string_param(params, "sha");
      if (spec.sha.empty()) {
        TRY_ASSIGN(spec.sha, head_sha(repo_directory(context)));
      }
      TRY_ASSIGN(const std::string url, forge.set_status(spec));
      return Value{{"state", spec.state}, {"sha", spec.sha}, {"url", url}};
    });
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_forge_status_kind() { return std::make_unique<ForgeStatusKind>(); }

}  // namespace automata::tools
