#include "engine/driver.hpp"

#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/control.hpp"
#include "engine/driver_context.hpp"
#include "engine/resume_plan.hpp"
#include "engine/workflow_checks.hpp"
#include "engine/driver_impl.hpp"
#include "engine/secret_names.hpp"

extern char** environ;

namespace automata::engine {
namespace {

// A variable that is secret only by its name (secret_names.hpp) is masked
// from this length on: shorter values are flags and paths, not credentials.
constexpr std::size_t k_min_guessed_secret = 8;

Result<void> make_run_subdirs(const std::filesystem::path& dir) {
  for (const char* sub : {"logs", "tmp", "artifacts"}) {
    TRY(create_private_directories(dir / sub));
  }
  return {};
}

}  // namespace

Masker masker_for(const Workflow& workflow) {
  Masker masker;
  std::vector<std::string> named = workflow.secrets;
  // token_env: NAME and the like: the variable holds a credential whatever it is called.
  const auto add_env_params = [&named](const StepDef& step) {
    for (const auto& [key, value] : step.with.items()) {
      if (value.is_string() && names_a_secret_variable(key) &&
          value.get_ref<const std::string&>().find("${{") == std::string::npos) {
        named.push_back(value.get<std::string>());
      }
    }
  };
  for (const auto& step : workflow.steps) {
    add_env_params(step);
    if (step.compensate) {
      add_env_params(*step.compensate);
    }
  }
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const std::string_view name = text.substr(0, eq);
    const std::string_view value = text.substr(eq + 1);
    const auto& known = well_known_secret_variables();
    const bool named_secret = std::find(named.begin(), named.end(), name) != named.end() ||
                              std::find(known.begin(), known.end(), name) != known.end();
    // A credential-looking name alone (SSH_KEY_PATH, KEYTIMEOUT=1) masks only
    // values long enough to be a credential.
    if (named_secret || (looks_secret(name) && value.size() >= k_min_guessed_secret)) {
      masker.add(std::string(value));
    }
  }
  return masker;
}

Result<void> create_run_at(const std::filesystem::path& dir, const std::string& id, const Workflow& workflow,
                           const Value& inputs, const std::filesystem::path& cwd, const Masker& masker,
                           const EngineServices& services, const RunFlags& flags) {
  TRY(create_private_directories(dir));
  TRY(make_run_subdirs(dir));
  TRY(write_file_atomic(dir / "workflow.yaml", workflow.source));
  TRY_ASSIGN(RunLock lock, RunLock::try_acquire(dir));
  // The journal appears under its name only once it holds RunStarted: a child
  // run killed while being created is then simply created again.
  const auto staged_journal = dir / "journal.jsonl.new";
  std::error_code stale;
  std::filesystem::remove(staged_journal, stale);  // left by a creation that was killed
  TRY_ASSIGN(auto journal, JournalWriter::open(staged_journal, lock, 1, Durability::grouped, *services.clock));
  Value masked_inputs = inputs;
  masker.mask_value(masked_inputs);
  Value planned = Value::array();
  for (const auto& step : workflow.steps) {
    if (step.phase == Phase::main) {
      planned.push_back(step.id);
    }
  }
  // A built-in keeps its name: a path would lead resume to a file of that name.
  std::error_code ec;
  const auto absolute_file = builtin_name_of(workflow.file) ? std::filesystem::path(workflow.file)
                                                            : std::filesystem::absolute(workflow.file, ec);
  Value record = {{"type", "RunStarted"},
                  {"journal_version", k_journal_version},
                  {"run", id},
                  {"workflow", workflow.name},
                  {"file", absolute_file.string()},
                  {"source_hash", workflow.source_hash},
                  {"inputs", masked_inputs},
                  {"automata_version", services.automata_version},
                  {"cwd", cwd.string()},
                  {"steps", planned}};
  if (flags.dry_run) {
    record["dry_run"] = true;
  }
  TRY_ASSIGN(Value appended, journal->append(record));
  TRY(journal->sync());
  for (auto* sink : services.sinks) {
    sink->on_record(appended);
  }
  const std::string now = format_timestamp(services.clock->wall_now());
  Value info = {{"id", id},          {"workflow", workflow.name}, {"file", absolute_file.string()},
                {"source_hash", workflow.source_hash}, {"inputs", masked_inputs}, {"created", now},
                {"updated", now},        {"status", "running"}};
  TRY(write_file_atomic(dir / "run.json", info.dump(2) + "\n"));
  journal.reset();
  if (::rename(staged_journal.c_str(), (dir / "journal.jsonl").c_str()) != 0) {
    return Error::infra(fmt::format("cannot create {}: {}", (dir / "journal.jsonl").string(), std::strerror(errno)));
  }
  return sync_directory(dir);
}

Result<NewRun> create_run(const RunStore& store, const Workflow& workflow, const Value& inputs,
                          const std::optional<std::string>& run_id, const std::filesystem::path& cwd,
                          const Masker& masker, const EngineServices& services, const RunFlags& flags) {
  // The run is made in a hidden directory and renamed into place whole, so a
  // process killed while creating it leaves no half-made run behind.
  TRY(store.ensure_runs_dir());
  for (int tries = 0;; ++tries) {
    NewRun run;
    run.id = run_id ? *run_id : new_run_id(services.clock->wall_now());
    if (store.exists(run.id)) {
      if (run_id || tries > 20) {
        return Error::usage(fmt::format("a run with id '{}' exists already", run.id),
                            "choose another --run-id, or pass --if-exists resume|skip");
      }
      continue;
    }
    const auto staging = store.runs_dir() / fmt::format(".creating-{}-{}", run.id, getpid());
    std::error_code ec;
    std::filesystem::remove_all(staging, ec);
    TRY(create_run_at(staging, run.id, workflow, inputs, cwd, masker, services, flags));
    run.dir = store.run_dir(run.id);
    if (::rename(staging.c_str(), run.dir.c_str()) != 0) {
      const int error = errno;
      std::filesystem::remove_all(staging, ec);
      if ((error == EEXIST || error == ENOTEMPTY) && !run_id && tries <= 20) {
        continue;
      }
      if (error == EEXIST || error == ENOTEMPTY) {
        return Error::usage(fmt::format("a run with id '{}' exists already", run.id),
                            "choose another --run-id, or pass --if-exists resume|skip");
      }
      return Error::infra(fmt::format("cannot create {}: {}", run.dir.string(), std::strerror(error)));
    }
    TRY(sync_directory(store.runs_dir()));
    return run;
  }
}

Driver::Driver(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Driver::~Driver() {
  if (m_impl) {
    m_impl->stop_step_threads();
    if (m_impl->sinks) {
      m_impl->sinks->close();
    }
  }
}

void Driver::Impl::stop_step_threads() {
  {
    std::lock_guard guard(mutex);
    for (auto& instance : graph.instances) {
      if (instance.executing && instance.cancel) {
        instance.cancel->cancel();
      }
    }
  }
  step_threads.wait_idle();
}

void Driver::set_parent_context(StepContext* parent) { m_impl->parent_context = parent; }

const std::string& Driver::run_id() const { return m_impl->run_id; }
const std::filesystem::path& Driver::run_dir() const { return m_impl->run_dir; }
const std::optional<std::string>& Driver::torn_note() const { return m_impl->torn_note; }

Result<std::unique_ptr<Driver>> Driver::open(const std::filesystem::path& run_dir,
                                             std::shared_ptr<const Workflow> workflow, Masker masker,
                                             EngineServices services, DriveOptions options, OpenMode mode) {
  auto impl = std::make_unique<Impl>();
  impl->run_dir = run_dir;
  impl->run_id = run_dir.filename().string();
  impl->workflow = std::move(workflow);
  impl->masker = std::move(masker);
  impl->services = std::move(services);
  impl->sinks = std::make_unique<AsyncSinks>(impl->services.sinks);
  impl->options = options;
  impl->mode = mode;
  if (impl->options.jobs <= 0) {
    impl->options.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  TRY_ASSIGN(RunLock lock, RunLock::try_acquire(run_dir));
  impl->run_lock.emplace(std::move(lock));
  TRY_ASSIGN(JournalContents contents, load_journal(run_dir / "journal.jsonl", &*impl->run_lock));
  impl->torn_note = contents.torn_note;
  if (contents.records.empty()) {
    return Error::infra(fmt::format("run {} has an empty journal: it never started", impl->run_id),
                        "start a new run with `automata run FILE`");
  }
  const Value& started = contents.records.front();
  impl->cwd = started.value("cwd", std::filesystem::current_path().string());
  impl->state = fold_records(contents.records);
  impl->inputs = impl->state.inputs;
  impl->run_started_wall = parse_timestamp(impl->state.started).value_or(impl->services.clock->wall_now());
  TRY_ASSIGN(impl->journal, JournalWriter::open(run_dir / "journal.jsonl", *impl->run_lock, impl->state.last_seq + 1,
                                                impl->options.durability, *impl->services.clock));
  TRY(make_run_subdirs(run_dir));
  for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
    impl->scope.base_environment.emplace_back(*env);
  }
  auto driver = std::unique_ptr<Driver>(new Driver(std::move(impl)));
  Impl& d = *driver->m_impl;
  if (mode.use_current) {
    // Keep the source the run started with next to the one it continues with.
    std::ifstream old_in(run_dir / "workflow.yaml", std::ios::binary);
    std::stringstream old_source;
    old_source << old_in.rdbuf();
    TRY(write_file_atomic(run_dir / fmt::format("workflow.{}.yaml", d.state.last_seq), old_source.str()));
    TRY(write_file_atomic(run_dir / "workflow.yaml", d.workflow->source));
  }
  if (mode.resume) {
    // Before RunResumed, which tells the fold that no attempt still runs: a
    // step must never run beside the attempt it replaces.
    const auto note = [&mode](const std::string& text) {
      if (mode.note) {
        mode.note(text);
      }
    };
    TRY_ASSIGN(const auto settled, settle_orphans(d.state, mode.orphans, note));
    // Shared with `resume --dry-run` (resume_plan), which lists the same.
    Value reset = Value::array();
    for (auto& id : resume_reset(d.state, *d.workflow, mode.from_step)) {
      reset.push_back(std::move(id));
    }
    // `run` and `workflow` let a renderer that sees only this drive name the run.
    Value record = {{"type", "RunResumed"}, {"run", d.run_id}, {"workflow", d.workflow->name},
                    {"by", mode.by}, {"use_current", mode.use_current},
                    {"source_hash", d.workflow->source_hash}};
    if (mode.from_step) {
      record["from"] = *mode.from_step;
    }
    if (!reset.empty()) {
      record["reset"] = reset;
    }
    std::unique_lock guard(d.mutex);
    TRY(d.emit(std::move(record)));
    for (const auto& orphan : settled) {
      TRY(d.emit({{"type", "StepProcessEnded"},
                  {"step", orphan.step},
                  {"attempt", orphan.attempt},
                  {"pgid", orphan.pgid},
                  {"ended", orphan.ended}}));
    }
  }
  return driver;
}

Result<Value> Driver::Impl::emit(Value record) {
  masker.mask_value(record);
  TRY_ASSIGN(Value full, journal->append(record));
  state.apply(full);
  sinks->on_record(full);
  return full;
}

Result<void> Driver::Impl::write_run_json(const std::string& status) {
  Value info = Value::object();
  {
    std::ifstream in(run_dir / "run.json");
    std::stringstream buffer;
    buffer << in.rdbuf();
    info = Value::parse(buffer.str(), nullptr, false);
    if (info.is_discarded() || !info.is_object()) {
      info = Value{{"id", run_id}, {"workflow", workflow->name}};
    }
  }
  info["status"] = status;
  info["updated"] = format_timestamp(services.clock->wall_now());
  info["source_hash"] = workflow->source_hash;
  if (status == "running" || status == "paused") {
    info["pid"] = getpid();
  } else {
    info.erase("pid");
  }
  if (!outcome.message.empty() && status == "failed") {
    info["error"] = masker.mask(outcome.message);
  } else {
    info.erase("error");
  }
  return write_file_atomic(run_dir / "run.json", info.dump(2) + "\n");
}

Result<DriveResult> Driver::drive() {
  Impl& d = *m_impl;
  // However the drive ends, the caller closes its renderers next: they must
  // have seen every record first.
  struct FlushAtEnd {
    AsyncSinks& sinks;
    ~FlushAtEnd() { sinks.flush(); }
  } flush_at_end{*d.sinks};
  if (d.options.control_socket) {
    auto server = ControlServer::start(d.run_dir / "control.sock", *this);
    if (server.ok()) {
      d.control = std::move(server.value());
    }
    // Without a socket the run still works; status then reads the journal.
  }
  TRY(d.write_run_json("running"));
  auto result = d.run_loop();
  d.control.reset();
  // Whatever happened, no step thread outlives the drive.
  d.stop_step_threads();
  (void)d.journal->sync();
  if (result.ok()) {
    static const char* const k_status[] = {"succeeded", "failed", "cancelled", "paused", "interrupted"};
    TRY(d.write_run_json(k_status[static_cast<int>(result->end)]));
  }
  return result;
}

void Driver::interrupt() {
  Impl& d = *m_impl;
  // No lock: the driver's loop sees the flag and stops its steps and child
  // workflows itself (request_stop), so this is safe from any thread.
  d.inbox.request_interrupt();
  d.wake.notify_all();
}

void Driver::interrupt_hard() {
  signal_all_process_groups(SIGKILL);
  interrupt();
}

void Driver::post_signal(const std::string& name, const Value& data) {
  Impl& d = *m_impl;
  d.inbox.post(name, data);
  d.wake.notify_all();
}

Value Driver::live_status() {
  Impl& d = *m_impl;
  std::lock_guard lock(d.mutex);
  Value status = d.state.to_json(true, d.services.clock->wall_now());
  // This process drives the run: a `resume` signal (or the awaited one)
  // continues it here, no `automata resume` needed.
  if (d.flow.paused && (status["status"] == "running" || status["status"] == "paused")) {
    status["status"] = "paused";
    status.erase("resume_command");
    add_pause_fields(status, d.run_id, "paused by signal", {"resume"}, false);
  } else if (!d.flow.held_waiting_for.empty() && status["status"] == "running") {
    status["status"] = "paused";
    add_pause_fields(status, d.run_id, fmt::format("waiting for signal '{}'", fmt::join(d.flow.held_waiting_for, "', '")),
                     d.flow.held_waiting_for, false);
  }
  status["live"] = true;
  return status;
}

Result<void> record_signal_offline(const std::filesystem::path& run_dir, const std::string& name, const Value& data,
                                   const Masker& masker, const Clock& clock) {
  TRY_ASSIGN(RunLock lock, RunLock::try_acquire(run_dir));
  TRY_ASSIGN(JournalContents contents, load_journal(run_dir / "journal.jsonl", &lock));
  const std::uint64_t next = contents.records.empty() ? 1 : contents.records.back()["seq"].get<std::uint64_t>() + 1;
  TRY_ASSIGN(auto journal, JournalWriter::open(run_dir / "journal.jsonl", lock, next, Durability::strict, clock));
  Value record = {{"type", "SignalReceived"}, {"name", name}, {"data", data}};
  masker.mask_value(record);
  TRY(journal->append(record));
  return journal->sync();
}

}  // namespace automata::engine
