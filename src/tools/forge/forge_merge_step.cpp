// forge.merge: merges a pull request once the forge says it can be merged;
// refuses with the forge's reason otherwise.
#include <fmt/format.h>

#include "tools/forge/forge_kinds.hpp"
#include "tools/forge/forge_step.hpp"
#include "tools/forge/forge_target.hpp"
#include "tools/http/step_options.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using namespace forge;

class ForgeMergeKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return "forge.merge"; }
  std::vector<std::string> secret_variables(const Value&) const override { return forge_token_variables(); }
  std::string_view summary() const override { return "merge a pull request that can be merged"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = with_shared_forge_params({
        {"number", ParamType::integer, true, "the pull request number", nullptr, {}},
        {"method", ParamType::string, false, "how to merge", "merge", {"merge", "squash", "rebase"}},
    });
    return k_params;
  }

  engine::StepResult execute(engine::StepContext& context) override {
    const Value& params = context.params();
    return run_forge_step(context, "forge.merge", [&](Forge& forge, ForgeApi& api) -> Result<Value> {
      const long long number = json_integer(params, "number");
      const std::string method = http::string_param(params, "method", "merge");
      TRY_ASSIGN(const Mergeability check, forge.mergeability(number));
      if (!check.known) {
        // Retryable: the forge answers once it has computed it.
        return Error::failed(fmt::format("forge.merge: cannot merge #{} yet: {}", number, check.reason),
                             "retry the step in a few seconds");
      }
      if (!check.mergeable) {
        return Error::usage(fmt::format("forge.merge: refusing to merge #{}: {}", number, check.reason),
                            "resolve conflicts and required checks first");
      }
      TRY_ASSIGN(const std::string sha, forge.merge(number, method, check.head_sha));
      return Value{{"merged", !api.dry_run()}, {"sha", sha}, {"number", number}, {"method", method}};
    });
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_forge_merge_kind() { return std::make_unique<ForgeMergeKind>(); }

}  // namespace automata::tools
