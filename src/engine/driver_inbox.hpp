#pragma once
// Private to the driver: what other threads hand a running driver (posted
// signals, an interrupt). It has a lock of its own, a leaf lock: a parent
// driver holds its own mutex when it stops a child, while the child's events
// take the parent's mutex (heartbeats), so taking the child's mutex here could
// deadlock. The loop's waits are bounded (k_wake_poll) so a notify that slips
// between its check and its wait is not lost.
#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "engine/value.hpp"

namespace automata::engine {

class DriverInbox {
 public:
  using Signals = std::deque<std::pair<std::string, Value>>;

  void post(const std::string& name, const Value& data) {
    std::lock_guard lock(m_mutex);
    m_signals.emplace_back(name, data);
  }
  // The signals posted since the last take, oldest first.
  Signals take() {
    Signals taken;
    std::lock_guard lock(m_mutex);
    taken.swap(m_signals);
    return taken;
  }
  bool has_signals() const {
    std::lock_guard lock(m_mutex);
    return !m_signals.empty();
  }
  void request_interrupt() { m_interrupt = true; }
  bool interrupt_requested() const { return m_interrupt; }

 private:
  mutable std::mutex m_mutex;
  Signals m_signals;
  std::atomic<bool> m_interrupt{false};
};

}  // namespace automata::engine
