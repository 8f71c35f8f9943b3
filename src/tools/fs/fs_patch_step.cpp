// fs.patch: a unified diff (one or several files, all or nothing), or
// search/replace blocks with an exact, unique match.
#include <fmt/format.h>

#include "tools/fs/fs_steps.hpp"
#include "tools/fs/patch.hpp"
#include "tools/fs/step_workspace.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;

constexpr std::string_view k_kind = "fs.patch";

// `blocks` as a list of {search, replace}, or a clear error.
Result<std::vector<fs::SearchReplace>> blocks_param(const Value& blocks) {
  std::vector<fs::SearchReplace> parsed;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Value& block = blocks[i];
    if (!block.is_object() || !block.contains("search") || !block["search"].is_string() ||
        (block.contains("replace") && !block["replace"].is_string())) {
      return Error::failed(fmt::format("blocks[{}] must be an object with a string search and replace", i));
    }
    parsed.push_back({block["search"].get<std::string>(), block.value("replace", std::string())});
  }
  return parsed;
}

class FsPatchKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override {
    return "change workspace files by a unified diff or search/replace blocks, all or nothing";
  }
  bool needs_environment() const override { return false; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"path", ParamType::string, false, "the file (optional for a diff whose headers name its files)", nullptr, {}},
        {"diff", ParamType::string, false, "a unified diff of one or several files", nullptr, {}},
        {"search", ParamType::string, false, "text that occurs exactly once in the file", nullptr, {}},
        {"replace", ParamType::string, false, "what replaces the search text", "", {}},
        {"blocks", ParamType::list, false, "several {search, replace} edits, applied in order", nullptr, {}},
        {"max_bytes",
         ParamType::integer,
         false,
         "refuse larger files",
         static_cast<long long>(fs::k_default_max_read_bytes),
         {}},
        fs::k_workspace_param};
    return k_params;
  }
  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    const std::string path = params.value("path", std::string());
    const bool has_diff = params.contains("diff") && params["diff"].is_string();
    const bool has_search = params.contains("search") && params["search"].is_string();
    const bool has_blocks = params.contains("blocks") && params["blocks"].is_array();
    if (int(has_diff) + int(has_search) + int(has_blocks) != 1) {
      return fs::step_failure(context, k_kind, "give exactly one of diff, search (with replace) or blocks");
    }
    auto max_bytes = fs::size_param(params, "max_bytes", fs::k_default_max_read_bytes);
    if (!max_bytes.ok()) {
      return fs::step_failure(context, k_kind, max_bytes.error().message);
    }
    auto workspace = fs::step_workspace(context);
    if (!workspace.ok()) {
      return fs::step_failure(context, k_kind, workspace.error().message);
    }
    Result<fs::PatchOutcome> outcome = Error::failed("");
    if (has_diff) {
      outcome = fs::apply_diff(*workspace, params["diff"].get<std::string>(), path, *max_bytes);
    } else {
      if (path.empty()) {
        return fs::step_failure(context, k_kind, "path is required with search/replace");
      }
      std::vector<fs::SearchReplace> blocks;
      if (has_search) {
        blocks.push_back({params["search"].get<std::string>(), params.value("replace", std::string())});
      } else {
        auto parsed = blocks_param(params["blocks"]);
        if (!parsed.ok()) {
          return fs::step_failure(context, k_kind, parsed.error().message);
        }
        blocks = std::move(parsed.value());
      }
      outcome = fs::apply_blocks(*workspace, path, blocks, *max_bytes);
    }
    if (!outcome.ok()) {
      return fs::step_failure(context, k_kind, outcome.error().message);
    }
    return StepResult::success(Value{{"files", outcome->files},
                                     {"created", outcome->created},
                                     {"deleted", outcome->deleted},
                                     {"hunks", outcome->hunks}});
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_fs_patch_kind() { return std::make_unique<FsPatchKind>(); }

}  // namespace automata::tools
