#pragma once
// The threads that run steps. Starting a thread costs tens of microseconds,
// as much as the rest of a durable step, so a finished step's thread waits
// for the next step instead of exiting. There is no upper bound: a step may
// block for days (wait, sleep), and --jobs already bounds the steps that
// work. So there are never more threads than the most steps that ran at once.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace automata::engine {

class StepThreads {
 public:
  StepThreads() = default;
  StepThreads(const StepThreads&) = delete;
  StepThreads& operator=(const StepThreads&) = delete;
  ~StepThreads();

  // Runs `job` on an idle thread, or on a new one when none is idle.
  void submit(std::function<void()> job);
  // Waits until every submitted job has returned.
  void wait_idle();

 private:
  void work();

  std::mutex m_mutex;
  std::condition_variable m_job_ready;
  std::condition_variable m_all_idle;
  std::deque<std::function<void()>> m_jobs;
  std::vector<std::thread> m_threads;
  int m_idle = 0;
  int m_busy = 0;
  bool m_stopping = false;
};

}  // namespace automata::engine
