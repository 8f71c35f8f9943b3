#include "engine/retry.hpp"

#include <algorithm>
#include <cmath>

namespace automata::engine {

Duration retry_delay(const RetryPolicy& policy, int failed_attempt, double unit_random) {
  const double base = static_cast<double>(policy.initial_interval.count()) *
                      std::pow(policy.backoff, static_cast<double>(std::max(failed_attempt - 1, 0)));
  const double capped = std::min(base, static_cast<double>(policy.max_interval.count()));
  const double jittered = capped * (1.0 + policy.jitter * (2.0 * unit_random - 1.0));
  return Duration(static_cast<Duration::rep>(std::llround(std::max(jittered, 0.0))));
}

bool may_retry(const RetryPolicy& policy, int failed_attempt, std::optional<int> exit_code, bool retryable) {
  if (!retryable || failed_attempt >= policy.max_attempts) {
    return false;
  }
  if (exit_code) {
    const auto& codes = policy.non_retryable_exit_codes;
    if (std::find(codes.begin(), codes.end(), *exit_code) != codes.end()) {
      return false;
    }
  }
  return true;
}

}  // namespace automata::engine
