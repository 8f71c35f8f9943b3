// forge.pr: opens a pull request for a branch, or updates the open one for
// that branch in place, so a workflow can run again without duplicates.
#include <fmt/format.h>

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

class ForgePrKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return "forge.pr"; }
  std::vector<std::string> secret_variables(const Value&) const override { return forge_token_variables(); }
  std::string_view summary() const override { return "open a pull request, or update the open one for the branch"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = with_shared_forge_params({
        {"title", ParamType::string, true, "the title", nullptr, {}},
        {"body", ParamType::string, false, "the description (Markdown); left as it is on update when not given",
         nullptr, {}},
        {"head", ParamType::string, false, "the branch to merge; default the repository's current branch", nullptr,
         {}},
        {"base", ParamType::string, false, "the branch to merge into; default the project's default branch", nullptr,
         {}},
        {"draft", ParamType::boolean, false, "open as a draft", false, {}},
        {"labels", ParamType::list, false, "labels to add", nullptr, {}},
        {"reviewers", ParamType::list, false, "user names to ask for review", nullptr, {}},
    });
    return k_params;
  }

  engine::StepResult execute(engine::StepContext& context) override {
    const Value& params = context.params();
    return run_forge_step(context, "forge.pr", [&](Forge& forge, ForgeApi&) -> Result<Value> {
      PullSpec spec;
      spec.title = http::string_param(params, "title");
      spec.body = http::string_param(params, "body");
      spec.keep_body = !params.contains("body") || params["body"].is_null();
      spec.head = http::string_param(params, "head");
      spec.base = http::string_param(params, "base");
      spec.draft = http::bool_param(params, "draft");
      spec.labels = string_list(params, "labels");
      spec.reviewers = string_list(params, "reviewers");
      if (spec.head.empty()) {
        TRY_ASSIGN(spec.head, current_branch(repo_directory(context)));
      }
      if (spec.base.empty()) {
        TRY_ASSIGN(spec.base, forge.default_branch());
      }
      TRY_ASSIGN(const std::optional<PullRequest> open, forge.find_open_pull(spec.head));
      if (open) {
        TRY_ASSIGN(PullRequest updated, forge.update_pull(open->number, spec));
        return Value{{"number", open->number},
                     {"url", updated.url.empty() ? open->url : updated.url},
                     {"created", false},
                     {"head", spec.head},
                     {"base", open->base.empty() ? spec.base : open->base}};
      }
      TRY_ASSIGN(const PullRequest created, forge.create_pull(spec));
      return Value{{"number", created.number},
                   {"url", created.url},
                   {"created", true},
                   {"head", spec.head},
                   {"base", spec.base}};
    });
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_forge_pr_kind() { return std::make_unique<ForgePrKind>(); }

}  // namespace automata::tools
