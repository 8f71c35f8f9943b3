#include "tools/shell_policy/sandbox.hpp"

#include <unistd.h>

#include <fstream>
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

std::filesystem::path repository_git_dir(const std::filesystem::path& workspace) {
  std::error_code ec;
  const auto dot_git = workspace / ".git";
  if (std::filesystem::is_directory(dot_git, ec)) {
    return dot_git;
  }
  std::ifstream file(dot_git);
  std::string line;
  if (!file || !std::getline(file, line) || line.rfind("gitdir: ", 0) != 0) {
    return {};
  }
  std::filesystem::path gitdir = line.substr(8);
  if (gitdir.is_relative()) {
    gitdir = workspace / gitdir;
  }
  std::ifstream commondir_file(gitdir / "commondir");
  std::string commondir;
  if (commondir_file && std::getline(commondir_file, commondir) && !commondir.empty()) {
    std::filesystem::path common = commondir;
    gitdir = common.is_relative() ? gitdir / common : common;
  }
  const auto canonical = std::filesystem::weakly_canonical(gitdir, ec);
  return ec || !std::filesystem::is_directory(canonical, ec) ? std::filesystem::path() : canonical;
}

std::vector<std::string> sandbox_argv(const std::filesystem::path& workspace, const std::vector<std::string>& argv,
                                      const SandboxOptions& options) {
  const std::string root = workspace.string();
  // Order matters: later mounts go on top of earlier ones, so the workspace
  // is bound after the private /tmp and the empty home that may contain it,
  // and the git directory last, read-only over any writable parent.
  // clang-format off
  std::vector<std::string> args = {find_bwrap().value_or("bwrap").string(),
                                   "--ro-bind", "/", "/",
                                   "--dev", "/dev",
                                   "--proc", "/proc",
                                   "--tmpfs", "/tmp"};
  // clang-format on
  std::error_code ignored;
  if (!options.home.empty() && options.home != "/" && std::filesystem::is_directory(options.home, ignored)) {
    const std::string home = options.home.string();
    args.insert(args.end(), {"--tmpfs", home});
  }
  if (root != "/") {
    args.insert(args.end(), {"--bind", root, root});
  }
  for (const auto& directory : options.writable) {
    if (std::filesystem::is_directory(directory, ignored)) {
      args.insert(args.end(), {"--bind", directory.string(), directory.string()});
    }
  }
  if (root != "/") {
    if (const auto git = repository_git_dir(workspace); !git.empty()) {
      args.insert(args.end(), {"--ro-bind", git.string(), git.string()});
    }
  }
  if (!options.network) {
    args.emplace_back("--unshare-net");
  }
  args.insert(args.end(), {"--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session",
                           "--chdir", root, "--"});
  args.insert(args.end(), argv.begin(), argv.end());
  return args;
}

}  // namespace automata::tools::shell_policy
