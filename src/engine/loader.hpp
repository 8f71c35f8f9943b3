#pragma once
// Loading a workflow file: YAML with source positions -> Workflow, reporting
// every problem at once as file:line:col diagnostics (architecture.md step 2).
#include <memory>
#include <string>
#include <vector>

#include "engine/diagnostics.hpp"
#include "engine/step_kind.hpp"
#include "engine/workflow.hpp"
#include "engine/workflow_library.hpp"

namespace automata::engine {

struct LoadOutcome {
  std::shared_ptr<const Workflow> workflow;  // null when there were errors
  std::vector<Diagnostic> diagnostics;
  std::string rendered;  // the diagnostics as text, one block each
  bool ok() const { return workflow != nullptr; }
};

// `file` names the workflow in messages; `source` is its content. A child
// workflow given by a literal `file:` is loaded too (found through `library`,
// see workflow_library.hpp): its problems, and inputs that do not fit it, are
// problems of this workflow at the child step's position.
LoadOutcome load_workflow(const std::string& file, std::string source, const StepKindRegistry& kinds,
                          const WorkflowLibrary& library = WorkflowLibrary::none());

// Reads the file, then load_workflow. An unreadable file is one diagnostic.
LoadOutcome load_workflow_file(const std::string& file, const StepKindRegistry& kinds,
                               const WorkflowLibrary& library = WorkflowLibrary::none());

// Parses "90s", "10m", "2h", "1h30m", "500ms", "0s".
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration_spec(Duration duration);

}  // namespace automata::engine
