#pragma once
// Private to the driver: where a driven run is going, and how it has fared.
// RunFlow is the stage and what stops or holds it (signals, Ctrl-C, only
// waits left); RunOutcome is whether it failed and the first cause, which
// RunFailed, run.json and the `run` context report.
#include <string>
#include <vector>

#include "engine/run_stage.hpp"

namespace automata::engine {

struct RunFlow {
  RunStage stage = RunStage::main;
  StopMode stop = StopMode::none;
  bool paused = false;      // a `pause` signal: nothing new starts
  bool pause_exit = false;  // only waits for signals remain: stop them and end the drive paused
  int blocked_on_signal = 0;  // running instances that wait for a signal
  // hold_when_paused and only waits for signals remain: the signals they wait
  // for (live status shows the run paused, waiting for them).
  std::vector<std::string> held_waiting_for;
  std::vector<int> compensation_queue;  // instance indices, run one at a time
  bool compensations_planned = false;   // the compensation stage queued them (once)

  // interrupt > rollback > cancel: a stronger stop replaces a weaker one.
  // Whether `mode` is now the stop.
  bool raise_stop(StopMode mode) {
    if (static_cast<int>(mode) <= static_cast<int>(stop)) {
      return false;
    }
    stop = mode;
    return true;
  }

  // Whether new steps may start. A cancel or rollback stops the main steps,
  // not the cleanup stages (on_failure, finally) that follow them.
  bool may_schedule() const {
    const bool cleanup = stage == RunStage::on_failure || stage == RunStage::finally;
    return (stop == StopMode::none || (stop != StopMode::interrupt && cleanup)) && !paused && !pause_exit;
  }

  // A stop outranks a pause: a paused run that is cancelled or rolled back
  // must not end paused (the stop would be lost until a resume).
  void clear_pause() {
    paused = false;
    pause_exit = false;
  }
};

struct RunOutcome {
  bool failed = false;
  bool budget_exceeded = false;  // the run's budget stopped it (RunFailed says so)
  std::string message;           // the first cause; also set, alone, by a rollback
  std::string failed_step;       // the step whose failure failed the run

  // A step failed the run; the first such failure is the run's cause.
  void step_failed(const std::string& step, const std::string& error) {
    failed = true;
    if (message.empty()) {
      message = "step '" + step + "' failed: " + error;
      failed_step = step;
    }
  }
};

}  // namespace automata::engine
