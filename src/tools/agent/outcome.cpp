#include "tools/agent/outcome.hpp"

namespace automata::tools::agent {

std::string_view outcome_name(AgentOutcome outcome) {
  switch (outcome) {
    case AgentOutcome::finished: return "finished";
    case AgentOutcome::max_iterations: return "max_iterations";
    case AgentOutcome::budget_exceeded: return "budget_exceeded";
    case AgentOutcome::time_limit: return "time_limit";
    case AgentOutcome::format_errors: return "format_errors";
    case AgentOutcome::stuck: return "stuck";
    case AgentOutcome::model_error: return "model_error";
    case AgentOutcome::validation_failed: return "validation_failed";
    case AgentOutcome::refused: return "refused";
    case AgentOutcome::cancelled: return "cancelled";
  }
  return "unknown";
}

int outcome_exit_code(AgentOutcome outcome) {
  switch (outcome) {
    case AgentOutcome::finished: return 0;
    case AgentOutcome::max_iterations: return 10;
    case AgentOutcome::budget_exceeded: return 11;
    case AgentOutcome::time_limit: return 12;
    case AgentOutcome::format_errors: return 13;
    case AgentOutcome::stuck: return 14;
    case AgentOutcome::model_error: return 15;
    case AgentOutcome::validation_failed: return 16;
    case AgentOutcome::refused: return 17;
    case AgentOutcome::cancelled: return 130;
  }
  return 1;
}

}  // namespace automata::tools::agent
