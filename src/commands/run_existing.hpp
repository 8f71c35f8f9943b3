#pragma once
// `run --run-id ID --if-exists resume|skip`: whether the run that has the id
// stands for this one. It does only when it is of the same workflow (name
// and source), with the same inputs, and both are real runs or both dry runs:
// a dry run changes nothing outside the workspace, so it never counts as
// having done a real run's work.
#include <string>

#include "commands/invocation.hpp"
#include "engine/run_state.hpp"
#include "engine/workflow.hpp"

namespace automata::commands {

struct RunRequest {
  const engine::Workflow* workflow = nullptr;
  std::string file;      // as given on the command line
  Value inputs;          // resolved, secrets masked as the journal keeps them
  bool dry_run = false;
  std::string if_exists; // "resume" or "skip"
};

// Errc::usage naming what differs and what to do; ok when the existing run
// (its folded journal) is this run.
Result<void> check_same_run(const std::string& run_id, const engine::RunState& existing, const RunRequest& request);

}  // namespace automata::commands
