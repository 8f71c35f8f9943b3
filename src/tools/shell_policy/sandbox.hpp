#pragma once
// The opt-in sandbox for commands a model chose: bubblewrap with the whole
// filesystem read-only except the workspace, the workspace's .git read-only
// too, a private /tmp, no network (--unshare-net: its own loopback only), its
// own pid namespace (so killing bwrap ends every process inside) and
// --die-with-parent.
//
// Consequences a caller should know: $HOME and caches outside the workspace
// are read-only (tools that write ~/.cache fail unless pointed elsewhere);
// git cannot commit inside (its .git is read-only, by design); a workspace
// under /tmp still works (it is bound on top of the private /tmp), but its
// neighbours there are not visible.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace automata::tools::shell_policy {

// Why bwrap cannot be used here (not installed, or namespaces not allowed in
// this container), or nullopt when it works. Tried once per process.
std::optional<std::string> sandbox_unavailable_reason();

// bwrap's arguments to run `argv` confined to `workspace` (canonical).
std::vector<std::string> sandbox_argv(const std::filesystem::path& workspace, const std::vector<std::string>& argv);

}  // namespace automata::tools::shell_policy
