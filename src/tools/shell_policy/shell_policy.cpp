#include "tools/shell_policy/shell_policy.hpp"

#include <fmt/format.h>

#include "tools/shell_policy/command_blocklist.hpp"
#include "tools/shell_policy/environment_scrub.hpp"
#include "tools/shell_policy/output_tail.hpp"
#include "tools/shell_policy/sandbox.hpp"

namespace automata::tools::shell_policy {
namespace {

// The command as quoted in a refusal: one line, at most 200 characters.
std::string shown(std::string_view command) {
  std::string line;
  for (const char c : command.substr(0, 200)) {
    line += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return command.size() > 200 ? line + "..." : line;
}

}  // namespace

ShellPolicy::ShellPolicy(ShellPolicyOptions options, engine::ProcessLauncher& launcher)
    : m_options(std::move(options)),
      m_launcher(launcher),
      m_environment(scrub_environment(m_options.environment, m_options.allowed_secrets)) {}

std::optional<std::string> ShellPolicy::refusal(std::string_view command) const {
  BlocklistOptions blocklist;
  blocklist.base_branch = m_options.base_branch;
  if (auto reason = dangerous_command_reason(command, blocklist)) {
    return fmt::format("shell: refused \"{}\": {}", shown(command), *reason);
  }
  if (m_options.sandbox) {
    if (auto reason = sandbox_unavailable_reason()) {
      return fmt::format("shell: refused \"{}\": the sandbox was asked for but {}", shown(command), *reason);
    }
  }
  return std::nullopt;
}

CommandResult ShellPolicy::run(std::string_view command, const engine::CancelToken& cancel,
                               const engine::OutputHandler& on_output) {
  CommandResult result;
  if (auto refused = refusal(command)) {
    result.refused = std::move(*refused);
    return result;
  }
  const std::vector<std::string> bash = {"bash", "--noprofile", "--norc", "-c", std::string(command)};
  engine::ProcessSpec spec;
  std::error_code ignored;
  const auto workspace = std::filesystem::weakly_canonical(m_options.workspace, ignored);
  if (m_options.sandbox) {
    SandboxOptions sandbox;
    sandbox.network = m_options.sandbox_network;
    sandbox.writable = m_options.sandbox_writable;
    for (const auto& entry : m_options.environment) {
      if (entry.rfind("HOME=", 0) == 0) {
        sandbox.home = std::filesystem::weakly_canonical(entry.substr(5), ignored);
      }
    }
    spec.argv = sandbox_argv(workspace, bash, sandbox);
  } else {
    spec.argv = bash;
  }
  spec.env = m_environment;
  spec.cwd = workspace;
  spec.timeout = m_options.timeout;
  spec.kill_grace = m_options.kill_grace;
  OutputTail out(m_options.output_limit);
  OutputTail err(m_options.output_limit);
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = m_launcher.run(
      spec,
      [&](engine::OutputStream stream, std::string_view chunk) {
        (stream == engine::OutputStream::out ? out : err).append(chunk);
        if (on_output) {
          on_output(stream, chunk);
        }
      },
      cancel);
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (!outcome.spawn_error.empty()) {
    result.refused = fmt::format("shell: cannot run \"{}\": {}", shown(command), outcome.spawn_error);
    result.exit_code = outcome.exit_code;
    return result;
  }
  result.ran = true;
  result.exit_code = outcome.exit_code;
  result.timed_out = outcome.timed_out;
  result.cancelled = outcome.cancelled;
  result.out = out.text();
  result.err = err.text();
  result.out_dropped = out.dropped();
  result.err_dropped = err.dropped();
  return result;
}

}  // namespace automata::tools::shell_policy
