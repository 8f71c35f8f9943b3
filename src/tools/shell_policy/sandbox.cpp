#include "tools/shell_policy/sandbox.hpp"

#include <unistd.h>

#include <mutex>

#include <fmt/format.h>

#include "engine/process.hpp"

namespace automata::tools::shell_policy {
namespace {

std::optional<std::filesystem::path> find_bwrap() {
  for (const char* candidate : {"/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"}) {
    if (::access(candidate, X_OK) == 0) {
      return std::filesystem::path(candidate);
    }
  }
  return std::nullopt;
}

std::optional<std::string> probe() {
  const auto bwrap = find_bwrap();
  if (!bwrap) {
    return std::string("bwrap (bubblewrap) is not installed");
  }
  engine::ProcessSpec spec;
  spec.argv = sandbox_argv("/", {"true"});
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.timeout = std::chrono::milliseconds(10000);
  std::string err;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken never;
  const auto outcome = launcher.run(
      spec, [&](engine::OutputStream, std::string_view chunk) { err.append(chunk); }, never);
  if (outcome.exit_code != 0) {
    while (!err.empty() && err.back() == '\n') {
      err.pop_back();
    }
    return fmt::format("bwrap cannot create its namespaces here (exit code {}: {})", outcome.exit_code,
                       err.empty() ? outcome.spawn_error : err);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> sandbox_unavailable_reason() {
  static std::once_flag once;
  static std::optional<std::string> reason;
  std::call_once(once, [] { reason = probe(); });
  return reason;
}

std::vector<std::string> sandbox_argv(const std::filesystem::path& workspace, const std::vector<std::string>& argv) {
  const std::string root = workspace.string();
  // Order matters: later mounts go on top of earlier ones, so the workspace
  // is bound after the private /tmp that may contain it.
  // clang-format off
  std::vector<std::string> args = {find_bwrap().value_or("bwrap").string(),
                                   "--ro-bind", "/", "/",
                                   "--dev", "/dev",
                                   "--proc", "/proc",
                                   "--tmpfs", "/tmp",
                                   "--bind", root, root};
  // clang-format on
  std::error_code ignored;
  if (root != "/" && std::filesystem::exists(workspace / ".git", ignored)) {
    const std::string git = (workspace / ".git").string();
    args.insert(args.end(), {"--ro-bind", git, git});
  }
  args.insert(args.end(), {"--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
                           "--new-session", "--chdir", root, "--"});
  args.insert(args.end(), argv.begin(), argv.end());
  return args;
}

}  // namespace automata::tools::shell_policy
