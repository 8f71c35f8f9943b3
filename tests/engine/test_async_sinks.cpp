#include "engine/async_sinks.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <memory>
#include <stdexcept>
#include <thread>
#include <string>
#include <vector>

namespace automata::engine {
namespace {

// Records what it is given; can be held (every delivery waits) and released.
class HeldSink : public EventSink {
 public:
  void on_record(const Value& record) override {
    wait_released();
    std::lock_guard lock(m_mutex);
    seen.push_back(record.value("type", std::string()));
  }
  void on_output(std::string_view step, std::string_view line) override {
    wait_released();
    std::lock_guard lock(m_mutex);
    seen.push_back(std::string(step) + ": " + std::string(line));
  }
  void on_total(std::size_t total) override {
    std::lock_guard lock(m_mutex);
    seen.push_back("total " + std::to_string(total));
  }
  void hold() {
    std::lock_guard lock(m_mutex);
    m_held = true;
  }
  void release() {
    {
      std::lock_guard lock(m_mutex);
      m_held = false;
    }
    m_changed.notify_all();
  }
  bool waiting() const { return m_waiting.load(); }
  std::vector<std::string> seen;

 private:
  void wait_released() {
    std::unique_lock lock(m_mutex);
    m_waiting = m_held;
    m_changed.wait(lock, [this] { return !m_held; });
    m_waiting = false;
  }
  std::mutex m_mutex;
  std::condition_variable m_changed;
  bool m_held = false;
  std::atomic<bool> m_waiting{false};
};

class ThrowingSink : public EventSink {
 public:
  void on_record(const Value&) override { throw std::runtime_error("broken sink"); }
};

Value record(const char* type) { return Value{{"type", type}}; }

}  // namespace

TEST_SUITE("async sinks") {

TEST_CASE("every sink sees every event in order, once flushed") {
  HeldSink a;
  HeldSink b;
  AsyncSinks sinks({&a, &b});
  sinks.on_record(record("RunStarted"));
  sinks.on_output("build", "compiling");
  sinks.on_total(3);
  sinks.on_record(record("RunCompleted"));
  sinks.flush();
  const std::vector<std::string> expected = {"RunStarted", "build: compiling", "total 3", "RunCompleted"};
  CHECK(a.seen == expected);
  CHECK(b.seen == expected);
}

TEST_CASE("a sink that does not keep up: heartbeats are dropped, output waits, records do not wait for output") {
  HeldSink slow;
  slow.hold();
  AsyncSinks sinks({&slow}, 2);  // bounds: 2 items for heartbeats, 32 output lines, 32 records
  sinks.on_record(record("RunStarted"));  // taken by the thread, which now waits in the sink
  while (!slow.waiting()) {
    std::this_thread::yield();
  }
  for (int i = 0; i < 32; ++i) {
    sinks.on_output("noisy", "line " + std::to_string(i));  // returns at once: there is room
  }
  sinks.on_record(record("StepHeartbeat"));  // over `capacity`: dropped
  CHECK(sinks.dropped() == 1);
  std::atomic<bool> printed{false};
  std::thread step([&] {
    sinks.on_output("noisy", "line 32");  // the 33rd waits for room
    printed = true;
  });
  sinks.on_record(record("StepCompleted"));  // the driver's record does not queue behind the output
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(printed.load());
  slow.release();
  step.join();
  CHECK(printed.load());
  sinks.flush();
  REQUIRE(slow.seen.size() == 35);
  CHECK(slow.seen[0] == "RunStarted");
  CHECK(slow.seen[1] == "noisy: line 0");
  CHECK(slow.seen[32] == "noisy: line 31");
  CHECK(slow.seen[33] == "StepCompleted");
  CHECK(slow.seen[34] == "noisy: line 32");  // no line lost
}

TEST_CASE("a sink that throws loses that event, not the others' or the run's") {
  ThrowingSink broken;
  HeldSink fine;
  AsyncSinks sinks({&broken, &fine});
  sinks.on_record(record("RunStarted"));
  sinks.on_record(record("RunCompleted"));
  sinks.flush();
  CHECK(fine.seen == std::vector<std::string>{"RunStarted", "RunCompleted"});
}

TEST_CASE("close delivers what is queued, and later events are ignored") {
  HeldSink sink;
  auto sinks = std::make_unique<AsyncSinks>(std::vector<EventSink*>{&sink});
  sinks->on_record(record("RunStarted"));
  sinks->close();
  sinks->on_record(record("Late"));
  CHECK(sink.seen == std::vector<std::string>{"RunStarted"});
  sinks.reset();
}

}  // TEST_SUITE
}  // namespace automata::engine
