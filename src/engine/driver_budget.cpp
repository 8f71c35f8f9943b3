// The run's `budget:` (tokens and cost of its LLM steps), checked each time a
// step reports what it used. Exceeding it fails the run like a rollback:
// running steps are stopped, nothing new starts, completed steps are
// compensated, then on_failure and finally run.
#include <fmt/format.h>

#include "engine/driver_impl.hpp"

namespace automata::engine {

std::optional<std::string> Driver::Impl::budget_problem(const Value& pending) const {
  // What the run has used, with what the step being recorded now used.
  const std::int64_t pending_prompt = pending.value("prompt_tokens", std::int64_t{0});
  const std::int64_t pending_completion = pending.value("completion_tokens", std::int64_t{0});
  auto by_model = state.tokens_by_model;
  auto& pending_model = by_model[pending.value("model", std::string())];
  pending_model.first += pending_prompt;
  pending_model.second += pending_completion;
  const std::int64_t used = state.prompt_tokens + state.completion_tokens + pending_prompt + pending_completion;
  if (workflow->max_tokens_total && used > *workflow->max_tokens_total) {
    return fmt::format("budget exceeded: the run used {} tokens, over its max_tokens_total of {}", used,
                       *workflow->max_tokens_total);
  }
  if (!workflow->max_cost) {
    return std::nullopt;
  }
  double cost = 0;
  for (const auto& [model, tokens] : by_model) {
    if (tokens.first == 0 && tokens.second == 0) {
      continue;
    }
    const auto price = options.prices.find(model);
    if (price == options.prices.end()) {
      // Unknown cost is not under budget: stop rather than spend blind.
      return fmt::format("budget cannot be checked: max_cost is set and model '{}' has no price (add it to `prices` "
                         "in the configuration)",
                         model.empty() ? "unknown" : model);
    }
    cost += (static_cast<double>(tokens.first) * price->second.first +
             static_cast<double>(tokens.second) * price->second.second) /
            1e6;
  }
  if (cost > *workflow->max_cost) {
    return fmt::format("budget exceeded: the run cost ${:.4f}, over its max_cost of ${:.4f}", cost, *workflow->max_cost);
  }
  return std::nullopt;
}

void Driver::Impl::check_budget(const Value& pending) {
  if (outcome.budget_exceeded || (!workflow->max_tokens_total && !workflow->max_cost)) {
    return;
  }
  if (auto problem = budget_problem(pending)) {
    outcome.budget_exceeded = true;
    outcome.failed = true;
    outcome.message = *problem;
    request_stop(StopMode::rollback);
  }
}

}  // namespace automata::engine
