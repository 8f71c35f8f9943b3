#pragma once
// The reference of the step kinds (docs/step-kinds.md), generated from each
// kind's own parameter declaration so that it cannot drift from what
// `automata validate` checks.
#include <string>

#include "engine/step_kind.hpp"

namespace automata::tools {

std::string step_kinds_markdown(const engine::StepKindRegistry& kinds);

}  // namespace automata::tools
