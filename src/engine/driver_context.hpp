#pragma once
// The StepContext the driver gives each running attempt. It is prepared on
// the driver thread (params, environment, directory), then used only by the
// step's own thread, except where it takes the driver's mutex.
#include <cstdio>

#include "engine/driver_impl.hpp"
#include "engine/step_file_name.hpp"

namespace automata::engine {

class InstanceContext;

// The launcher a step sees: the driver's, with each process group it starts
// journaled (StepProcess, synced) before the command runs, so that a resume
// after a crash can find and stop it (orphans.hpp).
class JournaledLauncher final : public ProcessLauncher {
 public:
  explicit JournaledLauncher(InstanceContext& context) : m_context(context) {}
  ProcessOutcome run(const ProcessSpec& spec, const OutputHandler& on_output, const CancelToken& cancel) override;

 private:
  InstanceContext& m_context;
};

class InstanceContext final : public StepContext {
 public:
  InstanceContext(Driver::Impl& driver, Instance& instance);
  ~InstanceContext() override;

  void set_params(Value params) { m_params = std::move(params); }
  void set_environment(std::vector<std::string> environment) { m_environment = std::move(environment); }
  void set_working_directory(std::filesystem::path directory) { m_working_directory = std::move(directory); }
  void set_timeout(std::optional<Duration> timeout) { m_timeout = timeout; }
  // Flushes a last partial line and closes the log (called by the step thread).
  void finish();
  const std::string& stdout_tail() const { return m_stdout_tail; }

  const std::string& step_id() const override { return m_step_id; }
  int attempt() const override { return m_attempt; }
  const Value& params() const override { return m_params; }
  const std::vector<std::string>& environment() const override { return m_environment; }
  const std::filesystem::path& working_directory() const override { return m_working_directory; }
  const std::filesystem::path& run_directory() const override;
  std::optional<Duration> timeout() const override { return m_timeout; }
  const Clock& clock() const override;
  const CancelToken& cancel_token() const override { return m_cancel; }
  ProcessLauncher& launcher() override;
  SystemTime first_started() const override { return m_first_started; }
  void output(OutputStream stream, std::string_view chunk) override;
  void heartbeat(std::string message, std::optional<double> progress) override;
  std::optional<SignalRecord> wait_for_signal(const std::string& name, std::optional<SystemTime> deadline) override;
  StepResult run_child_workflow(const std::filesystem::path& file, const Value& inputs) override;
  std::string mask(std::string_view text) const override;
  bool dry_run() const override;
  Result<void> checkpoint(Value data) override;
  const std::vector<Value>& checkpoints() const override { return m_resumed_checkpoints; }
  void add_llm_usage(const std::string& model, std::int64_t prompt_tokens, std::int64_t completion_tokens) override;
  // The tokens add_llm_usage collected: {model, prompt_tokens, completion_tokens}, or null.
  Value llm_usage() const;
  // Journals a process group of this attempt (StepProcess) and syncs it.
  Result<void> record_process(const ProcessIdentity& identity, std::chrono::milliseconds kill_grace);
  ProcessLauncher& driver_launcher();

 private:
  void emit_line(OutputStream stream, std::string_view line);
  void flush_log();  // writes the lines emit_line gathered

  Driver::Impl& m_driver;
  Instance& m_instance;
  std::string m_step_id;
  int m_attempt = 0;
  bool m_compensation = false;
  Value m_params = Value::object();
  std::vector<std::string> m_environment;
  std::filesystem::path m_working_directory;
  std::optional<Duration> m_timeout;
  const CancelToken& m_cancel;
  SystemTime m_first_started{};
  std::vector<Value> m_resumed_checkpoints;  // this attempt's, from the journal
  mutable std::mutex m_usage_mutex;
  std::int64_t m_prompt_tokens = 0;
  std::int64_t m_completion_tokens = 0;
  std::int64_t m_calls = 0;  // add_llm_usage is called once per model call
  std::string m_model;
  int m_log_fd = -1;
  std::filesystem::path m_log_path;  // until the first line is written
  std::string m_log_header;
  std::string m_log_pending;  // lines for the log file, written once per chunk
  std::string m_partial[2];
  std::string m_stdout_tail;
  bool m_keep_stdout = false;
  JournaledLauncher m_launcher{*this};
};

}  // namespace automata::engine
