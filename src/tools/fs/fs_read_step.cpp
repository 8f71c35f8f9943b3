// fs.read: a text file of the workspace, whole or a range of lines.
#include "engine/hash.hpp"
#include "tools/fs/fs_steps.hpp"
#include "tools/fs/step_workspace.hpp"
#include "tools/fs/line_range.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;

constexpr std::string_view k_kind = "fs.read";
constexpr std::size_t k_to_the_end = static_cast<std::size_t>(-1);

class FsReadKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "read a text file of the workspace"; }
  bool needs_environment() const override { return false; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"path", ParamType::string, true, "the file, relative to the workspace", nullptr, {}},
        {"max_bytes",
         ParamType::integer,
         false,
         "refuse larger files",
         static_cast<long long>(fs::k_default_max_read_bytes),
         {}},
        {"start_line", ParamType::integer, false, "first line to return (1-based)", nullptr, {}},
        {"end_line", ParamType::integer, false, "last line to return (inclusive)", nullptr, {}},
        fs::k_workspace_param};
    return k_params;
  }
  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    const std::string path = params.value("path", std::string());
    auto max_bytes = fs::size_param(params, "max_bytes", fs::k_default_max_read_bytes);
    auto start = fs::size_param(params, "start_line", 1);
    auto end = fs::size_param(params, "end_line", k_to_the_end);
    for (const auto* number : {&max_bytes, &start, &end}) {
      if (!number->ok()) {
        return fs::step_failure(context, k_kind, number->error().message);
      }
    }
    auto workspace = fs::step_workspace(context);
    if (!workspace.ok()) {
      return fs::step_failure(context, k_kind, workspace.error().message);
    }
    auto file = workspace->read_text(path, *max_bytes);
    if (!file.ok()) {
      return fs::step_failure(context, k_kind, file.error().message);
    }
    const auto last = *end == k_to_the_end ? std::nullopt : std::optional<std::size_t>(*end);
    auto range = fs::select_lines(file->content, *start, last, path);
    if (!range.ok()) {
      return fs::step_failure(context, k_kind, range.error().message);
    }
    Value outputs = Value::object();
    outputs["path"] = path;
    outputs["content"] = range->content;
    outputs["lines"] = range->total;
    outputs["bytes"] = file->content.size();
    outputs["start_line"] = range->first;
    outputs["end_line"] = range->last;
    outputs["sha256"] = engine::sha256_hex(file->content);
    return StepResult::success(std::move(outputs));
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_fs_read_kind() { return std::make_unique<FsReadKind>(); }

}  // namespace automata::tools
