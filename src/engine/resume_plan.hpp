#pragma once
// What a resume does with each step. One computation serves the driver (the
// steps RunResumed resets) and `resume --dry-run` (the listing), so what the
// dry run says is what the resume does.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/run_state.hpp"
#include "engine/workflow.hpp"

namespace automata::engine {

// Step instances (ids as the journal has them, "ID" or "ID[...]") whose
// results the resume discards: with `from`, that step and everything
// downstream of it (needs and expression reads) and the on_failure and
// finally steps (the run ends again); compensated steps (undone); after a
// failed or cancelled end, the on_failure and finally steps of that end.
std::vector<std::string> resume_reset(const RunState& state, const Workflow& workflow,
                                      const std::optional<std::string>& from);

enum class ResumeAction { reused, rerun, fresh, removed };
const char* resume_action_name(ResumeAction action);  // "reused", "re-run", "new", "removed"

// Per step instance, in workflow order (then removed steps): reused (kept,
// not run), re-run (it ran or was started before and runs again: its `if` is
// evaluated again), new (never run in this run: added by --use-current, or
// not reached), removed (in the journal, not in the workflow).
std::vector<std::pair<std::string, ResumeAction>> resume_plan(const RunState& state, const Workflow& workflow,
                                                              const std::optional<std::string>& from);

}  // namespace automata::engine
