#include "tools/fs/step_workspace.hpp"

#include <fmt/format.h>

namespace automata::tools::fs {

Result<Workspace> step_workspace(const engine::StepContext& context) {
  const Value& params = context.params();
  std::filesystem::path root = context.working_directory();
  if (const auto it = params.find("workspace");
      it != params.end() && it->is_string() && !it->get<std::string>().empty()) {
    root = root / it->get<std::string>();
  }
  return Workspace::open(root);
}

engine::StepResult step_failure(const engine::StepContext& context, std::string_view kind, std::string_view message) {
  return engine::StepResult::failure(context.mask(fmt::format("{}: {}", kind, message)), false);
}

Result<std::size_t> size_param(const Value& params, const std::string& name, std::size_t fallback) {
  const auto it = params.find(name);
  if (it == params.end() || it->is_null()) {
    return fallback;
  }
  if (!it->is_number_integer() || it->get<long long>() < 0) {
    return Error::failed(fmt::format("{} must be a non-negative integer, got {}", name, it->dump()));
  }
  return static_cast<std::size_t>(it->get<long long>());
}

}  // namespace automata::tools::fs
