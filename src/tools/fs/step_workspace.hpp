#pragma once
// What the three fs step kinds share: the workspace of a step and the shape
// of their failures ("fs.read: <message>", masked, not retried).
#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "engine/step_kind.hpp"
#include "tools/fs/workspace.hpp"

namespace automata::tools::fs {

inline const engine::ParamSpec k_workspace_param{
    "workspace", engine::ParamType::string,
    false,       "the directory the paths are confined to (default: the step's working directory)",
    nullptr,     {}};

// The `workspace` parameter resolved against the working directory.
Result<Workspace> step_workspace(const engine::StepContext& context);

// Bad input or a refused path: retrying cannot help.
engine::StepResult step_failure(const engine::StepContext& context, std::string_view kind, std::string_view message);

// A non-negative integer parameter, or an error naming it.
Result<std::size_t> size_param(const Value& params, const std::string& name, std::size_t fallback);

}  // namespace automata::tools::fs
