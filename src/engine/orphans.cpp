// Liveness of a journaled process group. A pid alone is not enough: after the
// driver died the pid may have been reused. The leader's start time (ticks
// after boot, /proc/PID/stat field 22) with the boot id names one process.
// Linux never hands out a pid while a process group (or session) of that id
// still exists, so when the leader has been reaped, any process whose group
// is that id belongs to our group.
#include "engine/orphans.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <thread>

#include <fmt/format.h>


namespace automata::engine {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Polls for a group to end: short at first (a step that takes SIGTERM at
// once), then a little longer, never long enough to be noticed.
constexpr std::chrono::milliseconds k_poll_first{2};
constexpr std::chrono::milliseconds k_poll_max{50};

bool dead_state(char state) { return state == 'Z' || state == 'X' || state == 'x'; }

// Whether a live (not zombie) process other than the leader is in group `pgid`.
bool has_live_member(int pgid) {
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) {
    return false;
  }
  bool found = false;
  while (const dirent* entry = ::readdir(dir)) {
    int pid = 0;
    const char* name = entry->d_name;
    const auto [end, ec] = std::from_chars(name, name + std::char_traits<char>::length(name), pid);
    if (ec != std::errc() || *end != '\0') {
      continue;
    }
    const auto stat = read_proc_stat(pid);
    if (stat && stat->pgrp == pgid && !dead_state(stat->state)) {
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

template <typename Done>
bool poll_until(Done done, SteadyClock::time_point deadline) {
  auto interval = k_poll_first;
  while (!done()) {
    if (SteadyClock::now() >= deadline) {
      return done();
    }
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 2, k_poll_max);
  }
  return true;
}

// Signals the group only while it is still ours (see the top of this file).
void signal_if_ours(const ProcessIdentity& id, int sig) {
  if (group_liveness(id) == GroupLiveness::running) {
    ::killpg(id.pgid, sig);
  }
}

}  // namespace

GroupLiveness group_liveness(const ProcessIdentity& id) {
  if (!id.host.empty() && id.host != this_host()) {
    return GroupLiveness::elsewhere;
  }
  if (!id.boot_id.empty() && id.boot_id != this_boot_id()) {
    return GroupLiveness::gone;  // this machine rebooted since
  }
  if (id.pgid <= 1) {
    return GroupLiveness::gone;
  }
  if (const auto leader = read_proc_stat(id.pgid)) {
    if (leader->start_time != id.start_time) {
      return GroupLiveness::gone;  // the pid is another process's now, so our group has ended
    }
    if (!dead_state(leader->state)) {
      return GroupLiveness::running;
    }
  }
  return has_live_member(id.pgid) ? GroupLiveness::running : GroupLiveness::gone;
}

Result<void> stop_group(const ProcessIdentity& id, std::chrono::milliseconds grace,
                        std::chrono::milliseconds kill_wait) {
  const auto gone = [&id] { return group_liveness(id) != GroupLiveness::running; };
  if (gone()) {
    return {};
  }
  signal_if_ours(id, SIGTERM);
  if (poll_until(gone, SteadyClock::now() + grace)) {
    return {};
  }
  signal_if_ours(id, SIGKILL);
  if (poll_until(gone, SteadyClock::now() + kill_wait)) {
    return {};
  }
  return Error::infra(fmt::format("process group {} is still running after SIGKILL", id.pgid));
}

void wait_group_gone(const ProcessIdentity& id) {
  poll_until([&id] { return group_liveness(id) != GroupLiveness::running; }, SteadyClock::time_point::max());
}

Result<std::vector<SettledOrphan>> settle_orphans(const RunState& state, OrphanPolicy policy,
                                                  const std::function<void(const std::string&)>& note) {
  std::vector<SettledOrphan> settled;
  for (const auto& step_id : state.order) {
    const StepState& step = state.steps.at(step_id);
    for (const RecordedProcess& process : step.processes) {
      const std::string what = fmt::format("{} '{}' attempt {}", process.compensation ? "compensation of step" : "step",
                                           step_id, process.attempt);
      switch (group_liveness(process.identity)) {
        case GroupLiveness::gone:
          continue;
        case GroupLiveness::elsewhere:
          note(fmt::format("{} ran on host {} (pgid {}): it cannot be checked from here; running it again", what,
                           process.identity.host, process.identity.pgid));
          continue;
        case GroupLiveness::running:
          break;
      }
      if (policy == OrphanPolicy::wait) {
        note(fmt::format("{} is still running (pgid {}): waiting for it to end before running it again", what,
                         process.identity.pgid));
        wait_group_gone(process.identity);
        settled.push_back({step_id, process.attempt, process.identity.pgid, "waited"});
        continue;
      }
      const auto stopped = stop_group(process.identity, std::chrono::milliseconds(process.kill_grace_ms));
      if (!stopped.ok()) {
        return Error::infra(fmt::format("{} is still running: {}", what, stopped.error().message),
                            fmt::format("stop process group {} (kill -KILL -{}) and resume again",
                                        process.identity.pgid, process.identity.pgid));
      }
      note(fmt::format("{} was still running (pgid {}): stopped it before running it again", what,
                       process.identity.pgid));
      settled.push_back({step_id, process.attempt, process.identity.pgid, "stopped"});
    }
  }
  return settled;
}

}  // namespace automata::engine
