// fs.write: a text file of the workspace, written atomically.
#include "tools/fs/fs_steps.hpp"
#include "tools/fs/step_workspace.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;

constexpr std::string_view k_kind = "fs.write";

fs::WriteMode write_mode(const std::string& name) {
  if (name == "create") {
    return fs::WriteMode::create;
  }
  return name == "append" ? fs::WriteMode::append : fs::WriteMode::overwrite;
}

class FsWriteKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "write a text file of the workspace (atomically)"; }
  bool needs_environment() const override { return false; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"path", ParamType::string, true, "the file, relative to the workspace", nullptr, {}},
        {"content", ParamType::string, true, "the text to write", nullptr, {}},
        {"mode",
         ParamType::string,
         false,
         "overwrite, create (refuses an existing file) or append",
         "overwrite",
         {"overwrite", "create", "append"}},
        {"create_dirs", ParamType::boolean, false, "create missing parent directories", false, {}},
        fs::k_workspace_param};
    return k_params;
  }
  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    const std::string path = params.value("path", std::string());
    const fs::WriteOptions options{write_mode(params.value("mode", std::string("overwrite"))),
                                   params.value("create_dirs", false)};
    auto workspace = fs::step_workspace(context);
    if (!workspace.ok()) {
      return fs::step_failure(context, k_kind, workspace.error().message);
    }
    auto written = workspace->write_text(path, params.value("content", std::string()), options);
    if (!written.ok()) {
      return fs::step_failure(context, k_kind, written.error().message);
    }
    return StepResult::success(Value{{"path", path}, {"bytes", written->bytes}, {"created", written->created}});
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_fs_write_kind() { return std::make_unique<FsWriteKind>(); }

}  // namespace automata::tools
