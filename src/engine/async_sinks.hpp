#pragma once
// Delivers a driver's events to its sinks on a thread of its own, through a
// bounded queue, so that a slow terminal, a notifier or (later) a remote store
// never slows or blocks the run: the driver only enqueues, under its lock,
// after the record is in the journal (which stays synchronous: the journal is
// the truth, sinks are views of it).
//
// Order is kept: sinks see records and output lines in the order they were
// emitted. Bounds: past `capacity` queued items, heartbeats are dropped;
// past 16 x `capacity` queued output lines, the step thread that prints
// waits for room (its command then waits on its pipe, as under make); past
// 16 x `capacity` queued records, the driver waits. Output never holds up
// records, and no record or output line is ever dropped: renderers, CI logs
// and the JSON-lines writer need every one.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/events.hpp"

namespace automata::engine {

class AsyncSinks final : public EventSink {
 public:
  static constexpr std::size_t k_default_capacity = 4096;

  explicit AsyncSinks(std::vector<EventSink*> sinks, std::size_t capacity = k_default_capacity);
  ~AsyncSinks() override;  // delivers what is queued, then stops
  AsyncSinks(const AsyncSinks&) = delete;
  AsyncSinks& operator=(const AsyncSinks&) = delete;

  void on_record(const Value& record) override;
  void on_output(std::string_view step, std::string_view line) override;
  void on_total(std::size_t total) override;
  // Delivers what is queued and stops the thread. The sinks' own close() is
  // for their owner to call.
  void close() override;
  // Returns once everything enqueued before the call has been delivered.
  void flush();
  std::size_t dropped() const;  // heartbeats not delivered (the queue was full)

 private:
  enum class Kind { record, output, total };
  struct Item {
    Kind kind = Kind::record;
    Value record;
    std::string step;
    std::string line;
    std::size_t total = 0;
  };
  void push(Item item, bool droppable);
  void deliver(const Item& item);
  void run();

  std::vector<EventSink*> m_sinks;
  std::size_t m_capacity;
  mutable std::mutex m_mutex;
  std::condition_variable m_ready;   // items to deliver, or stopping
  std::condition_variable m_space;   // room in the queue, or everything delivered
  std::deque<Item> m_queue;
  std::size_t m_queued_output = 0;   // output lines in m_queue
  std::size_t m_queued_records = 0;  // records and totals in m_queue
  std::size_t m_dropped = 0;
  std::uint64_t m_enqueued = 0;
  std::uint64_t m_delivered = 0;
  bool m_stopping = false;
  bool m_consumer_waiting = false;  // the thread sleeps on m_ready: a push must wake it
  std::thread m_thread;  // last: started once everything above exists
};

}  // namespace automata::engine
