#pragma once
// How an agent run ended. Every way but `finished` fails the step: a limit hit
// is never a silent success. Each outcome has its own exit code so a workflow
// (and a person reading `status`) can tell them apart.
#include <string_view>

namespace automata::tools::agent {

enum class AgentOutcome {
  finished,
  max_iterations,
  budget_exceeded,
  time_limit,
  format_errors,
  stuck,
  model_error,
  validation_failed,
  refused,  // the model declined the task (OpenAI's refusal): asking again would not help
  cancelled
};

std::string_view outcome_name(AgentOutcome outcome);
// 0 for finished; distinct non-zero codes otherwise (130 for cancelled, as an interrupt).
int outcome_exit_code(AgentOutcome outcome);

}  // namespace automata::tools::agent
