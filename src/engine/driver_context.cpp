#include "engine/driver_context.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/inputs.hpp"
#include "engine/loader.hpp"
#include "engine/run_state.hpp"
#include "engine/workflow_library.hpp"

namespace automata::engine {
namespace {

constexpr std::size_t k_stdout_tail_bytes = 64 * 1024;

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // a full disk must not kill the step; the journal reports the outcome
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

// Forwards a child workflow's events to its parent step: records become
// heartbeats, output lines become the parent step's output.
class ChildSink final : public EventSink {
 public:
  explicit ChildSink(StepContext& parent) : m_parent(parent) {}
  void on_record(const Value& record) override {
    const std::string type = record.value("type", std::string());
    const std::string step = record.value("step", std::string());
    if (type == "StepCompleted") {
      m_parent.heartbeat(fmt::format("child step {} succeeded", step));
    } else if (type == "StepFailed") {
      m_parent.heartbeat(fmt::format("child step {} failed: {}", step, record.value("error", std::string())));
    } else if (type == "StepStarted") {
      m_parent.heartbeat(fmt::format("child step {} started", step));
    }
  }
  void on_output(std::string_view step, std::string_view line) override {
    m_parent.output(OutputStream::out, fmt::format("[{}] {}\n", step, line));
  }

 private:
  StepContext& m_parent;
};

}  // namespace

InstanceContext::InstanceContext(Driver::Impl& driver, Instance& instance)
    : m_driver(driver),
      m_instance(instance),
      m_step_id(instance.id),
      m_attempt(instance.attempt),
      m_compensation(instance.is_compensation),
      m_cancel(*instance.cancel) {
  const auto known = driver.state.steps.find(instance.id);
  m_first_started = known != driver.state.steps.end() && !known->second.first_started.empty()
                        ? parse_timestamp(known->second.first_started).value_or(driver.services.clock->wall_now())
                        : driver.services.clock->wall_now();
  if (known != driver.state.steps.end() && known->second.checkpoint_attempt == instance.attempt) {
    m_resumed_checkpoints = known->second.checkpoints;
  }
  m_keep_stdout = true;
  const auto log = driver.run_dir / "logs" /
                   (safe_file_name(instance.id) + (instance.is_compensation ? ".compensate.log" : ".log"));
  // The log is opened at the first line of output: a step that prints
  // nothing (sleep, wait, most `true`s) costs no file.
  m_log_path = log;
  m_log_header = fmt::format("=== {} attempt {} · {} ===\n", m_compensation ? "compensation" : "step", m_attempt,
                             format_timestamp(driver.services.clock->wall_now()));
}

InstanceContext::~InstanceContext() {
  if (m_log_fd >= 0) {
    ::close(m_log_fd);
  }
}

const std::filesystem::path& InstanceContext::run_directory() const { return m_driver.run_dir; }
const Clock& InstanceContext::clock() const { return *m_driver.services.clock; }
ProcessLauncher& InstanceContext::launcher() { return m_launcher; }
ProcessLauncher& InstanceContext::driver_launcher() { return *m_driver.services.launcher; }

ProcessOutcome JournaledLauncher::run(const ProcessSpec& spec, const OutputHandler& on_output,
                                      const CancelToken& cancel) {
  ProcessSpec journaled = spec;
  journaled.on_started = [this, &spec](const ProcessIdentity& identity) -> Result<void> {
    if (spec.on_started) {
      TRY(spec.on_started(identity));
    }
    return m_context.record_process(identity, spec.kill_grace);
  };
  return m_context.driver_launcher().run(journaled, on_output, cancel);
}

Result<void> InstanceContext::record_process(const ProcessIdentity& identity, std::chrono::milliseconds kill_grace) {
  Value record = {{"type", "StepProcess"},         {"step", m_step_id},
                  {"attempt", m_attempt},          {"pgid", identity.pgid},
                  {"start_time", identity.start_time}, {"boot_id", identity.boot_id},
                  {"host", identity.host},         {"kill_grace_ms", kill_grace.count()}};
  if (m_compensation) {
    record["compensation"] = true;
  }
  // Written (one write(2), in the kernel's page cache) before the command
  // runs: the shim waits for it. Not fdatasync'ed: a driver that dies, even
  // by SIGKILL, leaves the record behind, and the machine crash that could
  // lose it takes the step's processes with it, so no attempt it points to
  // can outlive it, and the command need not wait for the disk.
  std::lock_guard lock(m_driver.mutex);
  TRY(m_driver.emit(std::move(record)));
  return {};
}
std::string InstanceContext::mask(std::string_view text) const { return m_driver.masker.mask(text); }
bool InstanceContext::dry_run() const { return m_driver.state.dry_run; }

Result<void> InstanceContext::checkpoint(Value data) {
  Value record = {{"type", "StepCheckpoint"}, {"step", m_step_id}, {"attempt", m_attempt}, {"data", std::move(data)}};
  std::lock_guard lock(m_driver.mutex);
  TRY(m_driver.emit(std::move(record)));
  // Synced now: a checkpoint stands for work that must not be done twice.
  return m_driver.journal->sync();
}

void InstanceContext::add_llm_usage(const std::string& model, std::int64_t prompt_tokens,
                                    std::int64_t completion_tokens) {
  std::lock_guard lock(m_usage_mutex);
  m_prompt_tokens += prompt_tokens;
  m_completion_tokens += completion_tokens;
  ++m_calls;
  if (!model.empty()) {
    m_model = model;
  }
}

Value InstanceContext::llm_usage() const {
  std::lock_guard lock(m_usage_mutex);
  if (m_prompt_tokens == 0 && m_completion_tokens == 0 && m_model.empty()) {
    return nullptr;
  }
  return {{"model", m_model},
          {"prompt_tokens", m_prompt_tokens},
          {"completion_tokens", m_completion_tokens},
          {"calls", m_calls}};
}

void InstanceContext::emit_line(OutputStream stream, std::string_view raw) {
  const std::string line = m_driver.masker.empty() ? std::string(raw) : m_driver.masker.mask(raw);
  if (m_log_fd < 0 && !m_log_path.empty()) {
    m_log_fd = ::open(m_log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    m_log_path.clear();
    if (m_log_fd >= 0) {
      write_all(m_log_fd, m_log_header);
    }
  }
  if (m_log_fd >= 0) {
    // Written by flush_log once per chunk read, not once per line: a step
    // printing millions of lines would otherwise cost a write(2) each.
    m_log_pending += line;
    m_log_pending += '\n';
  }
  if (stream == OutputStream::out && m_keep_stdout) {
    m_stdout_tail += line;
    m_stdout_tail += '\n';
    if (m_stdout_tail.size() > 2 * k_stdout_tail_bytes) {
      m_stdout_tail.erase(0, m_stdout_tail.size() - k_stdout_tail_bytes);
    }
  }
  m_driver.sinks->on_output(m_step_id, line);
}

void InstanceContext::output(OutputStream stream, std::string_view chunk) {
  std::string& partial = m_partial[stream == OutputStream::out ? 0 : 1];
  std::size_t start = 0;
  while (true) {
    const std::size_t newline = chunk.find('\n', start);
    if (newline == std::string_view::npos) {
      partial.append(chunk.substr(start));
      break;
    }
    if (partial.empty()) {
      emit_line(stream, chunk.substr(start, newline - start));
    } else {
      partial.append(chunk.substr(start, newline - start));
      emit_line(stream, partial);
      partial.clear();
    }
    start = newline + 1;
  }
  // A line with no end in sight is cut, so one runaway line cannot eat memory.
  if (partial.size() > 1024 * 1024) {
    emit_line(stream, partial);
    partial.clear();
  }
  flush_log();
}

void InstanceContext::flush_log() {
  if (m_log_fd >= 0 && !m_log_pending.empty()) {
    write_all(m_log_fd, m_log_pending);
  }
  m_log_pending.clear();
}

void InstanceContext::finish() {
  for (int i = 0; i < 2; ++i) {
    if (!m_partial[i].empty()) {
      emit_line(i == 0 ? OutputStream::out : OutputStream::err, m_partial[i]);
      m_partial[i].clear();
    }
  }
  flush_log();
  if (m_stdout_tail.size() > k_stdout_tail_bytes) {
    m_stdout_tail.erase(0, m_stdout_tail.size() - k_stdout_tail_bytes);
  }
}

void InstanceContext::heartbeat(std::string message, std::optional<double> progress) {
  Value record = {{"type", "StepHeartbeat"}, {"step", m_step_id}, {"attempt", m_attempt}, {"message", std::move(message)}};
  if (progress) {
    record["progress"] = *progress;
  }
  std::lock_guard lock(m_driver.mutex);
  (void)m_driver.emit(std::move(record));
}

std::optional<SignalRecord> InstanceContext::wait_for_signal(const std::string& name, std::optional<SystemTime> deadline) {
  if (m_driver.parent_context != nullptr) {
    auto found = m_driver.parent_context->wait_for_signal(name, deadline);
    if (found || (deadline && m_driver.services.clock->wall_now() >= *deadline)) {
      return found;
    }
    // The parent's step was stopped. This child's driver is told right after
    // and cancels this step; wait for that, so the wait kind reports a stop
    // and not a timeout (bounded, should a stop ever not reach us).
    for (int i = 0; i < 100 && !m_cancel.cancelled(); ++i) {
      m_cancel.wait_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }
  std::unique_lock lock(m_driver.mutex);
  ++m_driver.flow.blocked_on_signal;
  m_driver.wake.notify_all();
  std::optional<SignalRecord> found;
  while (true) {
    for (const auto& signal : m_driver.state.signals) {
      if (signal.name == name) {
        found = signal;
      }
    }
    if (found || m_cancel.cancelled()) {
      break;
    }
    const Clock& clock = *m_driver.services.clock;
    const auto wall_now = clock.wall_now();
    if (deadline && wall_now >= *deadline) {
      break;
    }
    // Signals and cancellation notify the driver's condition variable; the
    // bounded wait covers a deadline on the clock.
    Duration slice{100};
    if (deadline) {
      slice = std::min(slice, std::chrono::ceil<Duration>(*deadline - wall_now));
    }
    m_driver.wake.wait_for(lock, clock.real_wait(slice));
  }
  --m_driver.flow.blocked_on_signal;
  m_driver.wake.notify_all();
  return found;
}

StepResult InstanceContext::run_child_workflow(const std::filesystem::path& file, const Value& inputs) {
  const auto child_dir = m_driver.run_dir / "children" / safe_file_name(m_step_id);
  std::shared_ptr<const Workflow> workflow;
  std::error_code ec;
  const bool exists = std::filesystem::exists(child_dir / "journal.jsonl", ec);
  const WorkflowLibrary& library =
      m_driver.services.workflows != nullptr ? *m_driver.services.workflows : WorkflowLibrary::none();
  WorkflowSource source;
  if (exists) {
    // A resumed child continues with the source it started with, under the
    // name it had (its own children resolve against that file's directory).
    auto contents = load_journal(child_dir / "journal.jsonl", nullptr);
    if (!contents.ok()) {
      return StepResult::failure(contents.error().message, false);
    }
    source.file = fold_records(contents->records).file;
    std::ifstream in(child_dir / "workflow.yaml", std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    source.source = buffer.str();
    if (source.file.empty()) {
      source.file = (child_dir / "workflow.yaml").string();
    }
  } else {
    auto found = resolve_child_workflow(library, m_driver.workflow->file, file.string(), m_driver.cwd);
    if (!found.ok()) {
      return StepResult::failure(found.error().message, false);
    }
    source = std::move(found.value());
  }
  LoadOutcome loaded = load_workflow(source.file, std::move(source.source), *m_driver.services.kinds, library);
  if (!loaded.ok()) {
    std::string first = loaded.rendered.substr(0, loaded.rendered.find('\n'));
    return StepResult::failure(fmt::format("child workflow {}: {}", file.string(), first), false);
  }
  workflow = loaded.workflow;
  Masker masker = masker_for(*workflow);
  EngineServices services = m_driver.services;
  ChildSink sink(*this);
  services.sinks = {&sink};
  if (!exists) {
    InputSources sources;
    sources.file_values = inputs.is_object() ? inputs : Value::object();
    sources.file_name = fmt::format("inputs of child workflow {}", file.string());
    auto resolved = resolve_inputs(*workflow, sources);
    if (!resolved.ok()) {
      return StepResult::failure(resolved.error().message, false);
    }
    auto made = create_run_at(child_dir, child_dir.filename().string(), *workflow, resolved.value(), m_driver.cwd, masker, services,
                              RunFlags{m_driver.state.dry_run});
    if (!made.ok()) {
      return StepResult::failure(made.error().message, false);
    }
  }
  OpenMode mode;
  mode.resume = exists;
  mode.by = "parent";
  DriveOptions options = m_driver.options;
  options.control_socket = false;
  options.hash_root = workflow_directory(m_driver.workflow->file, m_driver.cwd);
  auto opened = Driver::open(child_dir, workflow, std::move(masker), services, options, mode);
  if (!opened.ok()) {
    return StepResult::failure(opened.error().message, false);
  }
  auto& child = *opened.value();
  child.set_parent_context(this);
  {
    std::lock_guard lock(m_driver.mutex);
    m_instance.child = &child;
    if (m_driver.inbox.interrupt_requested()) {
      child.interrupt();
    } else if (m_cancel.cancelled()) {
      child.post_signal("cancel", Value());
    }
  }
  auto result = child.drive();
  {
    std::lock_guard lock(m_driver.mutex);
    m_instance.child = nullptr;
  }
  if (!result.ok()) {
    return StepResult::failure(result.error().message, false);
  }
  StepResult step;
  switch (result->end) {
    case RunEnd::succeeded:
      return StepResult::success(result->outputs);
    case RunEnd::failed:
      return StepResult::failure(fmt::format("child workflow '{}' failed: {}", workflow->name, result->error));
    case RunEnd::cancelled:
    case RunEnd::interrupted:
    case RunEnd::paused:
      step.cancelled = true;
      step.error = fmt::format("child workflow '{}' {}", workflow->name,
                               result->end == RunEnd::cancelled ? "was cancelled" : "was stopped");
      return step;
  }
  return step;
}

}  // namespace automata::engine
