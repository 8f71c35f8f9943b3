// forge.issue: opens an issue.
#include "tools/forge/forge_kinds.hpp"
#include "tools/forge/forge_step.hpp"
#include "tools/forge/forge_target.hpp"
#include "tools/http/step_options.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using namespace forge;

class ForgeIssueKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return "forge.issue"; }
  std::vector<std::string> secret_variables(const Value&) const override { return forge_token_variables(); }
  std::string_view summary() const override { return "open an issue"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = with_shared_forge_params({
        {"title", ParamType::string, true, "the title", nullptr, {}},
        {"body", ParamType::string, false, "the description (Markdown)", "", {}},
        {"labels", ParamType::list, false, "labels to add", nullptr, {}},
        {"assignees", ParamType::list, false, "user names to assign", nullptr, {}},
    });
    return k_params;
  }

  engine::StepResult execute(engine::StepContext& context) override {
    const Value& params = context.params();
    return run_forge_step(context, "forge.issue", [&](Forge& forge, ForgeApi&) -> Result<Value> {
      IssueSpec spec;
      spec.title = http::string_param(params, "title");
      spec.body = http::string_param(params, "body");
      spec.labels = string_list(params, "labels");
      spec.assignees = string_list(params, "assignees");
      TRY_ASSIGN(const Issue issue, forge.create_issue(spec));
      return Value{{"number", issue.number}, {"url", issue.url}};
    });
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_forge_issue_kind() { return std::make_unique<ForgeIssueKind>(); }

}  // namespace automata::tools
