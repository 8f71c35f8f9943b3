// forge.comment: one comment per key on an issue or pull request, found by a
// hidden marker and edited in place, so a re-run updates rather than adds.
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

class ForgeCommentKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return "forge.comment"; }
  std::vector<std::string> secret_variables(const Value&) const override { return forge_token_variables(); }
  std::string_view summary() const override { return "add a comment to an issue or pull request, or update ours"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = with_shared_forge_params({
        {"number", ParamType::integer, true, "the issue or pull request number", nullptr, {}},
        {"body", ParamType::string, true, "the comment (Markdown)", nullptr, {}},
        {"key", ParamType::string, false, "which of our comments to update; default the step id", nullptr, {}},
        {"on", ParamType::string, false, "pull or issue (GitLab numbers them apart)", "pull", {"pull", "issue"}},
    });
    return k_params;
  }

  engine::StepResult execute(engine::StepContext& context) override {
    const Value& params = context.params();
    return run_forge_step(context, "forge.comment", [&](Forge& forge, ForgeApi&) -> Result<Value> {
      const long long number = json_integer(params, "number");
      const Thread thread = http::string_param(params, "on", "pull") == "issue" ? Thread::issue : Thread::pull;
      const std::string marker = fmt::format("<!-- automata:{} -->", http::string_param(params, "key", context.step_id()));
      const std::string body = http::string_param(params, "body") + "\n\n" + marker;
      TRY_ASSIGN(const std::vector<Comment> comments, forge.list_comments(thread, number));
      for (const auto& comment : comments) {
        if (comment.body.find(marker) != std::string::npos) {
          TRY_ASSIGN(const Comment updated, forge.update_comment(thread, number, comment.id, body));
          return Value{{"id", comment.id}, {"url", updated.url.empty() ? comment.url : updated.url}, {"created", false}};
        }
      }
      TRY_ASSIGN(const Comment created, forge.create_comment(thread, number, body));
      return Value{{"id", created.id}, {"url", created.url}, {"created", true}};
    });
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_forge_comment_kind() { return std::make_unique<ForgeCommentKind>(); }

}  // namespace automata::tools
