#pragma once
// What every forge kind does around its own work: find the forge and the
// token, build the API, run the work, and turn its Result into a StepResult
// with secrets masked and "dry_run": true added when nothing was sent.
#include <functional>
#include <string>
#include <vector>

#include "engine/step_kind.hpp"
#include "tools/forge/forge.hpp"

namespace automata::tools::forge {

using ForgeWork = std::function<Result<Value>(Forge& forge, ForgeApi& api)>;

engine::StepResult run_forge_step(engine::StepContext& context, const std::string& kind, const ForgeWork& work);

// A list-of-strings parameter (labels, reviewers); absent: empty.
std::vector<std::string> string_list(const Value& params, const char* name);

}  // namespace automata::tools::forge
