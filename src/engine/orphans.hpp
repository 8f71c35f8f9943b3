#pragma once
// Step processes a killed driver left behind (docs/processes.md): how to tell
// whether a journaled process group still runs, and how to stop it, so that a
// resume never runs a step beside the attempt it replaces.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/proc_stat.hpp"
#include "engine/process.hpp"
#include "engine/result.hpp"
#include "engine/run_state.hpp"

namespace automata::engine {

enum class GroupLiveness {
  running,    // a process of the group is alive (the leader with the same start time, or members)
  gone,       // none is left: the pid is free, a zombie, or another process's (another start time)
  elsewhere,  // recorded on another host: it cannot be looked up from here
};

GroupLiveness group_liveness(const ProcessIdentity& id);

// SIGTERM to the group, up to `grace` for it to end, then SIGKILL; returns
// once no process of the group is left, or an error if one survives SIGKILL
// for `kill_wait` (a process stuck in the kernel).
Result<void> stop_group(const ProcessIdentity& id, std::chrono::milliseconds grace,
                        std::chrono::milliseconds kill_wait = std::chrono::seconds(10));
// Waits, without signalling, until no process of the group is left.
void wait_group_gone(const ProcessIdentity& id);

// What resume does with an attempt that still runs (`resume --orphans`).
enum class OrphanPolicy { stop, wait };

struct SettledOrphan {
  std::string step;
  int attempt = 0;
  int pgid = 0;
  std::string ended;  // "stopped" or "waited" (StepProcessEnded)
};

// For every process of an attempt the journal shows started and not
// finished: if it still runs, stop it (or wait for it); says what it does
// through `note`, one line each. Returns the processes it ended or waited for.
Result<std::vector<SettledOrphan>> settle_orphans(const RunState& state, OrphanPolicy policy,
                                                  const std::function<void(const std::string&)>& note);

}  // namespace automata::engine
