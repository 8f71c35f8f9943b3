#pragma once
// Checks of a read workflow that need the whole file: needs, cycles,
// expressions (parse, contexts, step references), step kind parameters.
#include <set>
#include <string>

#include "engine/diagnostics.hpp"
#include "engine/step_kind.hpp"
#include "engine/workflow.hpp"

namespace automata::engine {

void check_workflow(const Workflow& workflow, const StepKindRegistry& kinds, Diagnostics& diagnostics);

// Every step id in `needs` order, grouped by phase, as a topological order
// (the loader has refused cycles).
std::vector<const StepDef*> topological_order(const Workflow& workflow, Phase phase);

// The steps whose results a step's expressions read (`steps.ID...` in its
// run, env, with, if, matrix, working_directory, outputs, retry.when and
// compensation), the ids as written (names are case-insensitive:
// steps.Build reads step build); `any` when one reads steps[...] or steps.*.
struct StepReads {
  std::set<std::string> ids;
  bool any = false;
};
StepReads step_reads(const StepDef& step);

// A step and every step that needs it or reads its results, directly or not
// (resume --from).
std::set<std::string> downstream_of(const Workflow& workflow, const std::string& step_id);

}  // namespace automata::engine
