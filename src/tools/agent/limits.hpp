#pragma once
// The limits of one agent run and the running totals checked against them.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tools/agent/outcome.hpp"

namespace automata::tools::agent {

struct AgentLimits {
  int max_iterations = 10;  // model calls (turns)
  std::optional<std::int64_t> max_tokens_total;  // prompt + completion, summed over turns
  std::optional<double> max_cost;                // in the currency of the prices
  double price_prompt_per_mtok = 0;
  double price_completion_per_mtok = 0;
  std::optional<std::chrono::milliseconds> time_limit;  // since the step first started
  int max_format_errors = 3;                            // consecutive
};

struct LimitHit {
  AgentOutcome outcome;
  std::string message;  // "used 12,345 tokens, over max_tokens_total 10,000"
};

class Budget {
 public:
  explicit Budget(const AgentLimits& limits) : m_limits(limits) {}

  void add(std::int64_t prompt_tokens, std::int64_t completion_tokens);
  std::int64_t prompt_tokens() const { return m_prompt; }
  std::int64_t completion_tokens() const { return m_completion; }
  // tokens x price per million tokens.
  double cost() const;
  // The token or cost budget is used up (checked after each turn).
  std::optional<LimitHit> exceeded() const;

 private:
  AgentLimits m_limits;
  std::int64_t m_prompt = 0;
  std::int64_t m_completion = 0;
};

}  // namespace automata::tools::agent
