#pragma once
// Runs a command a model chose (not a step kind: the agent's "run a command"
// tool calls it). Each command is a fresh `bash -c` in its own process group,
// in the workspace, with:
//   - a blocklist check first (command_blocklist.hpp), the reason in the refusal;
//   - an environment scrubbed of credential-looking variables (environment_scrub.hpp);
//   - a timeout: SIGTERM to the group, SIGKILL after a grace (engine::ProcessLauncher);
//   - stdout and stderr capped, the tail kept (output_tail.hpp);
//   - optionally the bwrap sandbox (sandbox.hpp); asked for but unusable, the
//     command is refused rather than run unconfined.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/process.hpp"

namespace automata::tools::shell_policy {

struct ShellPolicyOptions {
  std::filesystem::path workspace;           // the command's working directory (and the sandbox's writable part)
  std::vector<std::string> environment;      // KEY=VALUE, before scrubbing
  std::vector<std::string> allowed_secrets;  // names kept although they look like credentials
  std::string base_branch;                   // force-pushing it is refused
  std::chrono::milliseconds timeout{120'000};
  std::chrono::milliseconds kill_grace{2'000};
  std::size_t output_limit = 32 * 1024;  // bytes kept per stream
  bool sandbox = false;
  bool sandbox_network = false;                      // the sandbox shares the host's network
  std::vector<std::filesystem::path> sandbox_writable;  // writable in the sandbox besides the workspace
};

struct CommandResult {
  bool ran = false;
  std::string refused;  // one line when it did not run: refused by the policy, or bash could not start
  int exit_code = 0;    // 124 on timeout, 127 when bash could not start
  bool timed_out = false;
  bool cancelled = false;
  std::string out;  // capped: the tail, after "[... N bytes dropped ...]" when cut
  std::string err;
  std::size_t out_dropped = 0;
  std::size_t err_dropped = 0;
  std::chrono::milliseconds duration{0};
};

class ShellPolicy {
 public:
  ShellPolicy(ShellPolicyOptions options, engine::ProcessLauncher& launcher);

  // "shell: refused \"rm -rf /\": deletes the root filesystem", or nullopt.
  std::optional<std::string> refusal(std::string_view command) const;

  // Checks, then runs. `on_output`, if set, also sees every chunk as it comes.
  CommandResult run(std::string_view command, const engine::CancelToken& cancel,
                    const engine::OutputHandler& on_output = {});

  // The environment commands get (for tests and for showing the policy).
  const std::vector<std::string>& environment() const { return m_environment; }

 private:
  ShellPolicyOptions m_options;
  engine::ProcessLauncher& m_launcher;
  std::vector<std::string> m_environment;
};

}  // namespace automata::tools::shell_policy
