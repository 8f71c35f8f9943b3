#pragma once
// The step kinds that are part of the engine itself (dsl.md "Control"):
// sleep (a durable timer), wait (a signal, with a timeout) and workflow
// (a child workflow whose journal is nested in the run's).
#include <memory>

#include "engine/step_kind.hpp"

namespace automata::engine {

std::unique_ptr<StepKind> make_sleep_kind();
std::unique_ptr<StepKind> make_wait_kind();
std::unique_ptr<StepKind> make_workflow_kind();

}  // namespace automata::engine
