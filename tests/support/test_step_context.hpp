#pragma once
// A StepContext for testing step kinds outside the driver: real processes,
// a scratch run directory, output captured, heartbeats recorded.
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "engine/process.hpp"
#include "engine/step_kind.hpp"
#include "support/scratch.hpp"

namespace automata::test {

class TestStepContext final : public engine::StepContext {
 public:
  TestStepContext(const ScratchDir& dir, Value params) : m_params(std::move(params)), m_run_dir(dir.path()) {
    std::filesystem::create_directories(m_run_dir / "tmp");
    m_cwd = m_run_dir;
    m_env = {"PATH=/usr/bin:/bin", "HOME=/tmp", "GREETING=hello"};
  }
  const std::string& step_id() const override { return m_id; }
  int attempt() const override { return 1; }
  const Value& params() const override { return m_params; }
  const std::vector<std::string>& environment() const override { return m_env; }
  const std::filesystem::path& working_directory() const override { return m_cwd; }
  const std::filesystem::path& run_directory() const override { return m_run_dir; }
  std::optional<engine::Duration> timeout() const override { return std::nullopt; }
  const engine::Clock& clock() const override { return engine::real_clock(); }
  const engine::CancelToken& cancel_token() const override { return m_cancel; }
  engine::ProcessLauncher& launcher() override { return m_launcher; }
  engine::SystemTime first_started() const override { return engine::real_clock().wall_now(); }
  void output(engine::OutputStream stream, std::string_view chunk) override {
    std::lock_guard lock(m_mutex);
    (stream == engine::OutputStream::out ? m_out : m_err).append(chunk);
  }
  void heartbeat(std::string message, std::optional<double>) override {
    std::lock_guard lock(m_mutex);
    m_heartbeats.push_back(std::move(message));
  }
  std::optional<engine::SignalRecord> wait_for_signal(const std::string&, std::optional<engine::SystemTime>) override {
    return std::nullopt;
  }
  engine::StepResult run_child_workflow(const std::filesystem::path&, const Value&) override { return {}; }
  // Masks every registered secret as the engine's masker does.
  std::string mask(std::string_view text) const override {
    std::string out(text);
    for (const auto& secret : m_secrets) {
      for (std::size_t at = out.find(secret); !secret.empty() && at != std::string::npos; at = out.find(secret, at)) {
        out.replace(at, secret.size(), "***");
        at += 3;
      }
    }
    return out;
  }
  bool dry_run() const override { return m_dry_run; }
  Result<void> checkpoint(Value data) override {
    std::lock_guard lock(m_mutex);
    m_checkpoints.push_back(std::move(data));
    return {};
  }
  const std::vector<Value>& checkpoints() const override { return m_resumed_checkpoints; }
  void add_llm_usage(const std::string& model, std::int64_t prompt_tokens, std::int64_t completion_tokens) override {
    std::lock_guard lock(m_mutex);
    m_usage.push_back({{"model", model}, {"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens}});
  }

  // Set-up.
  void set_params(Value params) { m_params = std::move(params); }
  void set_working_directory(std::filesystem::path dir) { m_cwd = std::move(dir); }
  void set_environment(std::vector<std::string> env) { m_env = std::move(env); }
  void add_secret(std::string secret) { m_secrets.push_back(std::move(secret)); }
  void set_dry_run(bool dry_run) { m_dry_run = dry_run; }
  // As if resumed: checkpoints() returns these.
  void set_resumed_checkpoints(std::vector<Value> checkpoints) { m_resumed_checkpoints = std::move(checkpoints); }

  // What the step did.
  std::string out() {
    std::lock_guard lock(m_mutex);
    return m_out;
  }
  std::string err() {
    std::lock_guard lock(m_mutex);
    return m_err;
  }
  std::vector<std::string> heartbeats() {
    std::lock_guard lock(m_mutex);
    return m_heartbeats;
  }
  engine::CancelToken& cancel() { return m_cancel; }
  std::vector<Value> recorded_checkpoints() {
    std::lock_guard lock(m_mutex);
    return m_checkpoints;
  }
  std::vector<Value> usage() {
    std::lock_guard lock(m_mutex);
    return m_usage;
  }

 private:
  std::string m_id = "step";
  Value m_params;
  std::filesystem::path m_run_dir;
  std::filesystem::path m_cwd;
  std::vector<std::string> m_env;
  std::vector<std::string> m_secrets;
  bool m_dry_run = false;
  engine::CancelToken m_cancel;
  engine::PosixProcessLauncher m_launcher;
  std::mutex m_mutex;
  std::string m_out;
  std::string m_err;
  std::vector<std::string> m_heartbeats;
  std::vector<Value> m_checkpoints;
  std::vector<Value> m_resumed_checkpoints;
  std::vector<Value> m_usage;
};

}  // namespace automata::test
