#pragma once
// The built-in workflows: every workflows/*.yaml at the top of the source tree
// (not workflows/examples/), compiled into the binary by
// cmake/EmbedWorkflows.cmake, so that a copied or installed automata runs
// them from any directory with no workflows/ next to it. The table lives
// here, not in engine/: the engine reads it through engine::WorkflowLibrary.
#include <span>

#include "engine/workflow_library.hpp"

namespace automata::commands {

// Sorted by name. Defined in the generated builtin_workflows_data.cpp.
std::span<const engine::BuiltinWorkflow> builtin_workflows();

// The library the commands load and run workflows with.
const engine::WorkflowLibrary& workflow_library();

}  // namespace automata::commands
