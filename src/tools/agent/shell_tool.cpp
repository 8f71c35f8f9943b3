// run_shell_command: through the shell policy (blocklist, scrubbed
// environment, timeout, optional sandbox). A refused command is reported and
// never run.
#include <algorithm>
#include <fmt/format.h>

#include "tools/agent/toolbox.hpp"

namespace automata::tools::agent {

ToolResult AgentToolbox::run_shell_command(const Value& args, const engine::CancelToken& cancel,
                                           std::optional<std::chrono::milliseconds> time_left) {
  shell_policy::ShellPolicyOptions options = m_options.shell;
  options.workspace = m_workspace.root();
  // Both streams fit in one result: each keeps half, the tail (where errors are).
  options.output_limit = std::max<std::size_t>(m_options.max_output_bytes / 2, 128);
  // The configured timeout is a ceiling: a model may shorten it, not lengthen it.
  if (const auto it = args.find("timeout_seconds"); it != args.end() && it->is_number()) {
    const auto asked = std::chrono::milliseconds(static_cast<long long>(it->get<double>() * 1000));
    if (asked.count() > 0 && asked < options.timeout) {
      options.timeout = asked;
    }
  }
  if (time_left) {
    options.timeout = std::max(std::chrono::milliseconds(1), std::min(options.timeout, *time_left));
  }
  shell_policy::ShellPolicy policy(std::move(options), m_launcher);
  const auto command = args["command"].get<std::string>();
  shell_policy::CommandResult run = policy.run(command, cancel);
  ToolResult result;
  if (!run.ran) {
    result.is_error = true;
    result.content = fmt::format("not run: {}", run.refused);
    return result;
  }
  std::string status = fmt::format("exit code {}", run.exit_code);
  if (run.timed_out) {
    status += fmt::format(" (timed out after {}s)", std::chrono::duration_cast<std::chrono::seconds>(run.duration).count());
  } else if (run.cancelled) {
    status += " (cancelled)";
  }
  result.is_error = run.exit_code != 0 || run.timed_out || run.cancelled;
  result.content = status;
  if (!run.out.empty()) {
    result.content += "\n--- stdout ---\n" + run.out;
  }
  if (!run.err.empty()) {
    result.content += "\n--- stderr ---\n" + run.err;
  }
  return result;
}

}  // namespace automata::tools::agent
