#pragma once
// The clock is injected so that scheduler, retry, timeout and ETA logic can be
// tested in memory (style.md).
#include <chrono>

namespace automata::engine {

using SystemTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime wall_now() const = 0;    // for journal timestamps
  virtual SteadyTime steady_now() const = 0;  // for durations and deadlines
  // How long to block, in real time, waiting for `span` to pass on this
  // clock. The real clock answers `span`; a clock that tests move by hand
  // answers a short poll, so a wait sees its advance at once. Callers loop:
  // wait, then read the clock again.
  virtual Duration real_wait(Duration span) const { return span; }
};

class RealClock final : public Clock {
 public:
  SystemTime wall_now() const override { return std::chrono::system_clock::now(); }
  SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }
};

const Clock& real_clock();

}  // namespace automata::engine
