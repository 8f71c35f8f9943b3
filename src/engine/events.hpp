#pragma once
// The engine's event stream (architecture.md: one event type, one journal).
// Every journal record is delivered to every sink after it has been appended
// to the journal; renderers, the JSON-lines writer and notifiers are sinks. A
// driver delivers from a thread of its own through a bounded queue
// (async_sinks.hpp), one event at a time and in order, so a sink needs no
// lock against the driver and can never slow it.
//
// A record is a JSON object: {"seq","ts","type", ...fields} (journal.md).
// Fields used by renderers, per type:
//   RunStarted          run, workflow, source_hash, inputs, automata_version, steps (planned ids)
//   RunResumed          run, by, use_current
//   StepScheduled       step, name (display name, when set), instance (object, matrix values; absent if none), attempt
//   StepStarted         step, attempt, worker
//   StepHeartbeat       step, attempt, message, progress (0..1, optional)
//   StepCompleted       step, attempt, outputs, duration_ms, exit_code (shell)
//   StepFailed          step, attempt, error, exit_code, retryable, duration_ms
//   StepRetryScheduled  step, next_attempt, delay_ms, max_attempts
//   StepSkipped         step, reason
//   SignalReceived      name, data
//   Compensation{Started,Completed,Failed}  step (the compensated step's id), error (failed)
//   RunInterrupted      reason
//   RunCompleted / RunFailed / RunCancelled / RunPaused   duration_ms, error (failures)
// Step ids of matrix instances read "ID[key=value,...]".
#include <string>
#include <string_view>

#include "engine/value.hpp"

namespace automata::engine {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // A journal record, already appended and masked.
  virtual void on_record(const Value& record) = 0;
  // One complete line of a step's output (stdout or stderr), masked, without '\n'.
  virtual void on_output(std::string_view /*step*/, std::string_view /*line*/) {}
  // The number of step instances the run will have changed (matrix expansion,
  // skipped branches); renderers use it for done/total.
  virtual void on_total(std::size_t /*total*/) {}
  // Nothing more is queued for now: write out what was buffered. A sink may
  // gather output lines and records between calls (the run's AsyncSinks
  // calls it after each batch it delivers); close() writes out the rest.
  virtual void on_idle() {}
  // The run is over and nothing more will be delivered; flush and stop threads.
  virtual void close() {}
};

}  // namespace automata::engine
