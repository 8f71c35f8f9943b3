#include "tools/agent/limits.hpp"

#include <fmt/format.h>

#include "tools/agent/truncate.hpp"

namespace automata::tools::agent {

void Budget::add(std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  m_prompt += prompt_tokens;
  m_completion += completion_tokens;
}

double Budget::cost() const {
  return (static_cast<double>(m_prompt) * m_limits.price_prompt_per_mtok +
          static_cast<double>(m_completion) * m_limits.price_completion_per_mtok) /
         1e6;
}

std::optional<LimitHit> Budget::exceeded() const {
  const std::int64_t total = m_prompt + m_completion;
  if (m_limits.max_tokens_total && total >= *m_limits.max_tokens_total) {
    return LimitHit{AgentOutcome::budget_exceeded,
                    fmt::format("used {} tokens, max_tokens_total is {}", with_thousands(static_cast<std::size_t>(total)),
                                with_thousands(static_cast<std::size_t>(*m_limits.max_tokens_total)))};
  }
  if (m_limits.max_cost && cost() >= *m_limits.max_cost) {
    return LimitHit{AgentOutcome::budget_exceeded,
                    fmt::format("cost {:.4f}, max_cost is {:.4f}", cost(), *m_limits.max_cost)};
  }
  return std::nullopt;
}

}  // namespace automata::tools::agent
