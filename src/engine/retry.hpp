#pragma once
// Retry arithmetic: pure functions so tests pin the numbers.
#include "engine/workflow.hpp"

namespace automata::engine {

// Delay before attempt `failed_attempt + 1`: initial * backoff^(failed_attempt-1),
// capped at max_interval, then moved by +/- jitter * delay using unit_random in [0,1).
Duration retry_delay(const RetryPolicy& policy, int failed_attempt, double unit_random);

// Whether a failed attempt may be retried, before `when` is consulted.
bool may_retry(const RetryPolicy& policy, int failed_attempt, std::optional<int> exit_code, bool retryable);

}  // namespace automata::engine
