#pragma once
// The driver: the one process that drives a run directory (architecture.md
// "The run, from command to exit code", steps 3-7). It owns the run lock, the
// journal writer and the scheduler loop; step instances run on their own
// threads and report back through a queue. Every transition is appended to
// the journal before it is acted on.
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/clock.hpp"
#include "engine/events.hpp"
#include "engine/journal.hpp"
#include "engine/masker.hpp"
#include "engine/orphans.hpp"
#include "engine/process.hpp"
#include "engine/run_lock.hpp"
#include "engine/run_state.hpp"
#include "engine/run_store.hpp"
#include "engine/step_kind.hpp"
#include "engine/workflow.hpp"
#include "engine/workflow_library.hpp"

namespace automata::engine {

struct EngineServices {
  const StepKindRegistry* kinds = nullptr;
  ProcessLauncher* launcher = nullptr;
  const Clock* clock = nullptr;
  std::vector<EventSink*> sinks;
  std::function<double()> random;  // uniform in [0,1), for retry jitter; null: a seeded generator
  std::string automata_version;
  // Where a child workflow's `file:` leads (the built-ins); null: no built-ins.
  const WorkflowLibrary* workflows = nullptr;
};

struct DriveOptions {
  int jobs = 0;  // 0: the number of cores
  Durability durability = Durability::grouped;
  std::chrono::milliseconds kill_grace{3000};  // SIGTERM -> SIGKILL for timeouts, cancel, Ctrl-C
  bool control_socket = true;
  // A detached run's driver: a paused run (a `pause` signal, or only `wait`
  // steps left) keeps its process and waits for signals instead of ending
  // the drive paused (exit 4), so `signal RUN resume` or the awaited signal
  // continues it without another command.
  bool hold_when_paused = false;
  // US dollars per million tokens, by model: prompt, completion (config `prices`).
  std::map<std::string, std::pair<double, double>> prices;
  // The directory hashFiles() patterns are relative to; empty: the run's
  // working directory. A child workflow's is its parent workflow file's.
  std::filesystem::path hash_root;
};

enum class RunEnd { succeeded, failed, cancelled, paused, interrupted };

struct DriveResult {
  RunEnd end = RunEnd::failed;
  std::string error;
  Value outputs = Value::object();
  std::vector<std::string> waiting_for;  // paused: the signals its wait steps wait for
};

// Creates a run directory with the workflow source, run.json and the
// RunStarted record. `cwd` is where relative working directories resolve.
struct NewRun {
  std::string id;
  std::filesystem::path dir;
};
// Settings chosen when a run is created, recorded in RunStarted and kept by
// every resume of it (and by its child workflows).
struct RunFlags {
  // Step kinds that change something outside the workspace (a forge, a
  // remote, an HTTP endpoint) print what they would send instead.
  bool dry_run = false;
};

Result<NewRun> create_run(const RunStore& store, const Workflow& workflow, const Value& inputs,
                          const std::optional<std::string>& run_id, const std::filesystem::path& cwd,
                          const Masker& masker, const EngineServices& services, const RunFlags& flags = {});

// The same, in a directory chosen by the caller (a child workflow's, nested
// in its parent's run directory).
Result<void> create_run_at(const std::filesystem::path& dir, const std::string& id, const Workflow& workflow,
                           const Value& inputs, const std::filesystem::path& cwd, const Masker& masker,
                           const EngineServices& services, const RunFlags& flags = {});

struct OpenMode {
  bool resume = false;       // write RunResumed (false: drive a run create_run just made)
  bool use_current = false;  // the workflow given differs from the stored one and replaces it
  std::optional<std::string> from_step;  // re-run this step and everything downstream
  std::string by = "resume";
  // A step attempt of the journal whose processes still run (the driver was
  // killed): stopped before the run goes on, or waited for.
  OrphanPolicy orphans = OrphanPolicy::stop;
  std::function<void(const std::string&)> note;  // one line per such attempt; may be empty
};

class Driver {
 public:
  // Locks the run directory, loads its journal (truncating a torn tail), and
  // prepares to drive it with `workflow`.
  static Result<std::unique_ptr<Driver>> open(const std::filesystem::path& run_dir,
                                              std::shared_ptr<const Workflow> workflow, Masker masker,
                                              EngineServices services, DriveOptions options, OpenMode mode);
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Runs until the run ends, pauses or is interrupted.
  Result<DriveResult> drive();

  // Thread-safe controls (signal thread, control socket, parent driver).
  void interrupt();       // first Ctrl-C: stop, terminate steps, record RunInterrupted
  void interrupt_hard();  // second Ctrl-C: kill process groups at once
  void post_signal(const std::string& name, const Value& data);
  Value live_status();    // the fold of the journal so far, as `status --output json`

  // A child workflow's driver waits for signals through its parent's step.
  void set_parent_context(StepContext* parent);

  const std::string& run_id() const;
  const std::filesystem::path& run_dir() const;
  const std::optional<std::string>& torn_note() const;

  struct Impl;

 private:
  explicit Driver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// Appends a SignalReceived record to a run no process is driving (the signal
// is seen when the run is resumed).
Result<void> record_signal_offline(const std::filesystem::path& run_dir, const std::string& name, const Value& data,
                                   const Masker& masker, const Clock& clock);

// The secrets of a workflow from the environment (declared names), plus the
// well-known token variables automata itself reads.
Masker masker_for(const Workflow& workflow);

}  // namespace automata::engine
