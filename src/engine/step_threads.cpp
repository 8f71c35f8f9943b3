#include "engine/step_threads.hpp"

namespace automata::engine {
StepThreads::~StepThreads() {
  {
    std::lock_guard guard(m_mutex);
    m_stopping = true;
  }
  m_job_ready.notify_all();
  for (auto& thread : m_threads) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

void StepThreads::submit(std::function<void()> job) {
  std::unique_lock lock(m_mutex);
  m_jobs.push_back(std::move(job));
  ++m_busy;
  if (m_idle > 0) {
    --m_idle;
    lock.unlock();
    m_job_ready.notify_one();
    return;
  }
  m_threads.emplace_back([this] { work(); });
}

void StepThreads::wait_idle() {
  std::unique_lock lock(m_mutex);
  m_all_idle.wait(lock, [this] { return m_busy == 0; });
}

void StepThreads::work() {
  std::unique_lock lock(m_mutex);
  while (true) {
    // A job is claimed by whoever takes it off the queue; `m_idle` was
    // already decremented by submit() for the thread it meant to wake.
    while (m_jobs.empty() && !m_stopping) {
      m_job_ready.wait(lock);
    }
    if (m_jobs.empty()) {
      return;  // stopping
    }
    std::function<void()> job = std::move(m_jobs.front());
    m_jobs.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // release what the job captured before reporting idle
    lock.lock();
    --m_busy;
    if (m_busy == 0) {
      m_all_idle.notify_all();
    }
    ++m_idle;
  }
}

}  // namespace automata::engine
