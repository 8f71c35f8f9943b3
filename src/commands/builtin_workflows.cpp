#include "commands/builtin_workflows.hpp"

namespace automata::commands {

const engine::WorkflowLibrary& workflow_library() {
  static const engine::WorkflowLibrary k_library(builtin_workflows());
  return k_library;
}

}  // namespace automata::commands
