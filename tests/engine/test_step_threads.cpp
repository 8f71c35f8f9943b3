#include "engine/step_threads.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using namespace automata::engine;

TEST_SUITE("step threads") {
  TEST_CASE("jobs run one after another reuse one thread") {
    StepThreads threads;
    std::set<std::thread::id> seen;
    std::mutex seen_mutex;
    for (int i = 0; i < 50; ++i) {
      threads.submit([&] {
        std::lock_guard guard(seen_mutex);
        seen.insert(std::this_thread::get_id());
      });
      threads.wait_idle();
    }
    CHECK(seen.size() == 1);
  }

  TEST_CASE("jobs that block each get a thread of their own, and wait_idle waits for all") {
    StepThreads threads;
    std::atomic<bool> release{false};
    std::atomic<int> started{0};
    std::atomic<int> finished{0};
    for (int i = 0; i < 8; ++i) {
      threads.submit([&] {
        ++started;
        while (!release) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        ++finished;
      });
    }
    // All eight block at once: none waits behind another.
    while (started < 8) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(finished == 0);
    release = true;
    threads.wait_idle();
    CHECK(finished == 8);
  }

  TEST_CASE("destruction joins idle threads") {
    std::atomic<int> ran{0};
    {
      StepThreads threads;
      threads.submit([&] { ++ran; });
      threads.wait_idle();
    }
    CHECK(ran == 1);
  }
}
