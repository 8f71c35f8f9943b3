#include "engine/retry.hpp"

#include <doctest/doctest.h>

using namespace automata::engine;
using namespace std::chrono_literals;

namespace {

RetryPolicy policy(Duration initial, double backoff, Duration max, double jitter) {
  RetryPolicy p;
  p.initial_interval = initial;
  p.backoff = backoff;
  p.max_interval = max;
  p.jitter = jitter;
  return p;
}

}  // namespace

TEST_SUITE("retry") {
  TEST_CASE("retry_delay: initial * backoff^(attempt-1) without jitter") {
    const RetryPolicy p = policy(1s, 2.0, 1h, 0.0);
    CHECK(retry_delay(p, 1, 0.0) == 1000ms);
    CHECK(retry_delay(p, 2, 0.0) == 2000ms);
    CHECK(retry_delay(p, 3, 0.0) == 4000ms);
    CHECK(retry_delay(p, 10, 0.0) == 512000ms);
    // An attempt number below 1 counts as the first.
    CHECK(retry_delay(p, 0, 0.0) == 1000ms);
    // With jitter 0 the random number does not matter.
    CHECK(retry_delay(p, 2, 0.99) == 2000ms);
  }

  TEST_CASE("retry_delay: fractional backoff rounds to the millisecond") {
    const RetryPolicy p = policy(100ms, 1.5, 1h, 0.0);
    CHECK(retry_delay(p, 1, 0.5) == 100ms);
    CHECK(retry_delay(p, 2, 0.5) == 150ms);
    CHECK(retry_delay(p, 3, 0.5) == 225ms);
    CHECK(retry_delay(p, 4, 0.5) == 338ms);  // 337.5
    CHECK(retry_delay(policy(1s, 1.0, 1h, 0.0), 7, 0.5) == 1000ms);  // backoff 1: constant
  }

  TEST_CASE("retry_delay: max_interval caps the delay before jitter") {
    const RetryPolicy p = policy(1s, 2.0, 5s, 0.0);
    CHECK(retry_delay(p, 3, 0.0) == 4s);
    CHECK(retry_delay(p, 4, 0.0) == 5s);
    CHECK(retry_delay(p, 60, 0.0) == 5s);  // 2^59 s, capped
    CHECK(retry_delay(policy(10s, 2.0, 3s, 0.0), 1, 0.0) == 3s);  // even the first
  }

  TEST_CASE("retry_delay: jitter moves the delay by up to +/- jitter * delay") {
    const RetryPolicy p = policy(1s, 2.0, 1min, 0.2);
    CHECK(retry_delay(p, 1, 0.0) == 800ms);    // the lower bound
    CHECK(retry_delay(p, 1, 0.5) == 1000ms);   // the middle
    CHECK(retry_delay(p, 1, 0.75) == 1100ms);
    CHECK(retry_delay(p, 1, 0.999999) == 1200ms);  // just under the upper bound
    CHECK(retry_delay(p, 2, 0.0) == 1600ms);
    // Jitter applies after the cap, so a capped delay may exceed max_interval by the jitter.
    CHECK(retry_delay(p, 20, 0.0) == 48s);
    CHECK(retry_delay(p, 20, 0.999999) == 72s);
    for (double r = 0.0; r < 1.0; r += 0.01) {
      const Duration d = retry_delay(p, 3, r);
      CHECK(d >= 3200ms);
      CHECK(d <= 4800ms);
    }
    // Full jitter: anything from 0 to twice the delay, never negative.
    CHECK(retry_delay(policy(1s, 2.0, 1min, 1.0), 1, 0.0) == 0ms);
    CHECK(retry_delay(policy(1s, 2.0, 1min, 1.0), 1, 0.999999) == 2000ms);
  }

  TEST_CASE("retry_delay: the defaults are 1s, x2, at most 1m, +/-20%") {
    const RetryPolicy p;
    CHECK(p.max_attempts == 1);
    CHECK(retry_delay(p, 1, 0.5) == 1s);
    CHECK(retry_delay(p, 4, 0.5) == 8s);
    CHECK(retry_delay(p, 7, 0.5) == 60s);
    CHECK(retry_delay(p, 7, 0.0) == 48s);
  }

  TEST_CASE("may_retry: attempts left, retryable, exit code not refused") {
    RetryPolicy p;
    p.max_attempts = 3;
    p.non_retryable_exit_codes = {2, 127};
    CHECK(may_retry(p, 1, 1, true));
    CHECK(may_retry(p, 2, 1, true));
    CHECK_FALSE(may_retry(p, 3, 1, true));   // the last attempt failed
    CHECK_FALSE(may_retry(p, 4, 1, true));
    CHECK_FALSE(may_retry(p, 1, 2, true));   // non-retryable exit code
    CHECK_FALSE(may_retry(p, 1, 127, true));
    CHECK(may_retry(p, 1, 124, true));       // a timeout is retryable unless listed
    CHECK(may_retry(p, 1, std::nullopt, true));  // no exit code (a step kind's failure)
    CHECK_FALSE(may_retry(p, 1, 1, false));  // the step said it is not retryable
    CHECK_FALSE(may_retry(RetryPolicy{}, 1, 1, true));  // max_attempts 1: no retry
  }
}
