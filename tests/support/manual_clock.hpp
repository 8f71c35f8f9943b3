#pragma once
// A clock that moves only when a test advances it (style.md: the clock is
// injected so that retry, timeout and duration logic is tested in memory).
// The driver, the sleep and wait steps and the scripted step kind all read
// it; their waits poll it in real slices of a millisecond (Clock::real_wait),
// so an advance is seen at once. Durations and journal timestamps are then
// exact: a test that advances 2.5 s sees duration_ms 2500.
#include <chrono>
#include <mutex>

#include "engine/clock.hpp"

namespace automata::test {

class ManualClock final : public engine::Clock {
 public:
  ManualClock()
      : m_wall(std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours(3)),
        m_steady(engine::SteadyTime{} + std::chrono::hours(1)) {}

  engine::SystemTime wall_now() const override {
    std::lock_guard lock(m_mutex);
    return m_wall;
  }
  engine::SteadyTime steady_now() const override {
    std::lock_guard lock(m_mutex);
    return m_steady;
  }
  engine::Duration real_wait(engine::Duration span) const override {
    return std::min(span, engine::Duration(1));
  }

  void advance(engine::Duration span) {
    std::lock_guard lock(m_mutex);
    m_wall += span;
    m_steady += span;
  }

 private:
  mutable std::mutex m_mutex;
  engine::SystemTime m_wall;
  engine::SteadyTime m_steady;
};

}  // namespace automata::test
