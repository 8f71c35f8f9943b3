#pragma once
// The table of every step kind the binary has (style.md: explicit tables, not
// static self-registration). A test asserts it lists them all.
#include "engine/step_kind.hpp"

namespace automata::tools {

engine::StepKindRegistry builtin_step_kinds();

}  // namespace automata::tools
