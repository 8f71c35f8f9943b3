#include "engine/async_sinks.hpp"

#include <fmt/format.h>

namespace automata::engine {

AsyncSinks::AsyncSinks(std::vector<EventSink*> sinks, std::size_t capacity)
    : m_sinks(std::move(sinks)), m_capacity(capacity == 0 ? 1 : capacity), m_thread([this] { run(); }) {}

AsyncSinks::~AsyncSinks() { close(); }

void AsyncSinks::on_record(const Value& record) {
  Item item;
  item.kind = Kind::record;
  item.record = record;
  const bool heartbeat = record.is_object() && record.value("type", std::string()) == "StepHeartbeat";
  push(std::move(item), heartbeat);
}

void AsyncSinks::on_output(std::string_view step, std::string_view line) {
  Item item;
  item.kind = Kind::output;
  item.step = std::string(step);
  item.line = std::string(line);
  push(std::move(item), false);
}

void AsyncSinks::on_total(std::size_t total) {
  Item item;
  item.kind = Kind::total;
  item.total = total;
  push(std::move(item), false);
}

void AsyncSinks::push(Item item, bool droppable) {
  if (m_sinks.empty()) {
    return;
  }
  std::unique_lock lock(m_mutex);
  if (m_stopping) {
    return;
  }
  if (droppable && m_queue.size() >= m_capacity) {
    ++m_dropped;
    return;
  }
  // Output and records are bounded apart: a step printing faster than the
  // terminal shows waits for room (on its own thread, as under make or
  // ninja, and no line is lost from a CI log), while the driver's records
  // never queue behind that output.
  const bool output = item.kind == Kind::output;
  const std::size_t limit = 16 * m_capacity;
  m_space.wait(lock, [&] { return (output ? m_queued_output : m_queued_records) < limit || m_stopping; });
  if (m_stopping) {
    return;
  }
  ++(output ? m_queued_output : m_queued_records);
  m_queue.push_back(std::move(item));
  ++m_enqueued;
  // Only a waiting thread needs waking: a step printing a million lines
  // would otherwise pay a futex call for each.
  const bool wake = m_consumer_waiting;
  lock.unlock();
  if (wake) {
    m_ready.notify_one();
  }
}

void AsyncSinks::deliver(const Item& item) {
  for (auto* sink : m_sinks) {
    // A sink that throws loses that event, not the run.
    try {
      switch (item.kind) {
        case Kind::record:
          sink->on_record(item.record);
          break;
        case Kind::output:
          sink->on_output(item.step, item.line);
          break;
        case Kind::total:
          sink->on_total(item.total);
          break;
      }
    } catch (const std::exception&) {
    }
  }
}

// Delivers what is queued a batch at a time (everything queued when the
// thread looks), then tells the sinks the feed is idle so they write what
// they buffered: one write(2) for a batch of output lines, not one a line.
void AsyncSinks::run() {
  std::deque<Item> batch;
  std::unique_lock lock(m_mutex);
  while (true) {
    m_consumer_waiting = true;
    m_ready.wait(lock, [this] { return !m_queue.empty() || m_stopping; });
    m_consumer_waiting = false;
    if (m_queue.empty()) {
      return;  // stopping, and everything was delivered
    }
    batch.swap(m_queue);
    m_queued_output = 0;
    m_queued_records = 0;
    lock.unlock();
    m_space.notify_all();
    for (const Item& item : batch) {
      deliver(item);
    }
    for (auto* sink : m_sinks) {
      try {
        sink->on_idle();
      } catch (const std::exception&) {
      }
    }
    const std::size_t count = batch.size();
    batch.clear();
    lock.lock();
    m_delivered += count;
    m_space.notify_all();
  }
}

void AsyncSinks::flush() {
  std::unique_lock lock(m_mutex);
  const std::uint64_t target = m_enqueued;
  m_space.wait(lock, [&] { return m_delivered >= target; });
}

void AsyncSinks::close() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      return;
    }
    m_stopping = true;
  }
  m_ready.notify_all();
  m_space.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

std::size_t AsyncSinks::dropped() const {
  std::lock_guard lock(m_mutex);
  return m_dropped;
}

}  // namespace automata::engine
