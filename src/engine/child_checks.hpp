#pragma once
// Checks of the child workflows a workflow runs (step kind `workflow`) whose
// `file:` is literal, made when the parent is loaded so that nothing runs
// when a child is missing or would refuse its inputs: the file is found
// (workflow_library.hpp), it loads without problems (each of its own
// diagnostics, as `child.yaml:3:5: message`, is one of the parent's at the
// step's `file:`), and `inputs` are inputs the child declares, of the right
// type, with every required one given. A `file:` given by an expression is
// checked when the step runs.
#include <functional>
#include <optional>

#include "engine/diagnostics.hpp"
#include "engine/loader.hpp"
#include "engine/workflow.hpp"
#include "engine/workflow_library.hpp"

namespace automata::engine {

// Loads a child; nullopt when it is not to be checked again (it is one of
// the workflows being loaded: a workflow that runs its own ancestor).
using ChildLoader = std::function<std::optional<LoadOutcome>(const WorkflowSource& child)>;

void check_child_workflows(const Workflow& workflow, const WorkflowLibrary& library, Diagnostics& diagnostics,
                           const ChildLoader& load_child);

}  // namespace automata::engine
