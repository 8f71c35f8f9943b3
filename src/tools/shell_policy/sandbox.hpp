#pragma once
// The sandbox for commands a model chose (on by default where bwrap works):
// bubblewrap with the whole filesystem read-only except the workspace (and
// the caller's extra writable directories), the home directory replaced by
// an empty one (so ~/.ssh, ~/.aws, ~/.config and other credentials are not
// there), the repository's git directory read-only (the workspace's .git, or
// for a worktree the repository's common git directory, mounted again inside
// the hidden home when it lives there), a private /tmp, no network unless
// asked (--unshare-net: its own loopback only), its own pid namespace (so
// killing bwrap ends every process inside) and --die-with-parent.
//
// Consequences a caller should know: caches in $HOME do not persist (tools
// that need one should be pointed into the workspace); git cannot commit
// inside (its git directory is read-only, by design); a workspace under /tmp
// still works (it is bound on top of the private /tmp), but its neighbours
// there are not visible.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace automata::tools::shell_policy {

// Why bwrap cannot be used here (not installed, or namespaces not allowed in
// this container), or nullopt when it works. Tried once per process.
std::optional<std::string> sandbox_unavailable_reason();

struct SandboxOptions {
  bool network = false;                          // share the host's network
  std::vector<std::filesystem::path> writable;   // besides the workspace (e.g. a build directory)
  std::filesystem::path home;                    // hidden behind an empty directory; empty: none
};

// bwrap's arguments to run `argv` confined to `workspace` (canonical).
std::vector<std::string> sandbox_argv(const std::filesystem::path& workspace, const std::vector<std::string>& argv,
                                      const SandboxOptions& options = {});

// The git directory a workspace's commands must not write: `.git` when it is
// a directory; for a worktree (`.git` a file, "gitdir: X"), the repository's
// common directory that X names in its `commondir` file. Empty: none.
std::filesystem::path repository_git_dir(const std::filesystem::path& workspace);

}  // namespace automata::tools::shell_policy
