#pragma once
// The stages a driven run goes through, in order, and how one leads to the
// next (dsl.md "Failure"): the main steps; when the run failed or was
// cancelled, the compensations of completed steps, newest first; when it
// failed (not cancelled), the `on_failure` steps; always the `finally` steps;
// then the end. Pure: the driver's loop asks, the tests check every path.
#include "engine/workflow.hpp"

namespace automata::engine {

enum class StopMode { none, cancel, rollback, interrupt };

enum class RunStage { main, compensate, on_failure, finally, end };

// The stage after `current` once it is done. `run_failed` already counts a
// rollback (a rolled-back run has failed).
RunStage next_stage(RunStage current, bool run_failed, StopMode stop);

// The steps a stage schedules from the DAG: main, on_failure or finally
// (compensate and end schedule none: compensations are queued one by one).
bool schedules_steps(RunStage stage);
Phase phase_of(RunStage stage);

const char* stage_name(RunStage stage);

}  // namespace automata::engine
