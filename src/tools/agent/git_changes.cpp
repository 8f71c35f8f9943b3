#include "tools/agent/git_changes.hpp"

#include <algorithm>

namespace automata::tools::agent {
namespace {

std::optional<std::string> git_output(engine::ProcessLauncher& launcher, const std::filesystem::path& workspace,
                                      const std::vector<std::string>& environment, const engine::CancelToken& cancel,
                                      std::vector<std::string> args) {
  engine::ProcessSpec spec;
  spec.argv = {"git"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = environment;
  spec.cwd = workspace;
  spec.timeout = std::chrono::milliseconds(30'000);
  std::string out;
  const auto outcome = launcher.run(
      spec,
      [&out](engine::OutputStream stream, std::string_view chunk) {
        if (stream == engine::OutputStream::out) {
          out.append(chunk);
        }
      },
      cancel);
  if (outcome.exit_code != 0 || !outcome.spawn_error.empty()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<std::vector<std::string>> git_changed_files(engine::ProcessLauncher& launcher,
                                                          const std::filesystem::path& workspace,
                                                          const std::vector<std::string>& environment,
                                                          const engine::CancelToken& cancel) {
  // Porcelain paths are relative to the top of the work tree; the prefix maps
  // them to the workspace when it is a subdirectory.
  auto prefix = git_output(launcher, workspace, environment, cancel, {"rev-parse", "--show-prefix"});
  if (!prefix) {
    return std::nullopt;
  }
  while (!prefix->empty() && (prefix->back() == '\n' || prefix->back() == '\r')) {
    prefix->pop_back();
  }
  auto status = git_output(launcher, workspace, environment, cancel,
                           {"status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."});
  if (!status) {
    return std::nullopt;
  }
  std::vector<std::string> files;
  std::size_t at = 0;
  while (at < status->size()) {
    const std::size_t end = std::min(status->find('\0', at), status->size());
    const std::string entry = status->substr(at, end - at);
    at = end + 1;
    if (entry.size() < 4) {
      continue;
    }
    std::string path = entry.substr(3);
    if (entry[0] == 'R' || entry[0] == 'C') {
      at = std::min(status->find('\0', at), status->size()) + 1;  // skip the source path
    }
    if (path.rfind(*prefix, 0) == 0) {
      files.push_back(path.substr(prefix->size()));
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace automata::tools::agent
