#pragma once
// The step shim (docs/processes.md): this binary, re-executed by
// PosixProcessLauncher to lead a step's process group. It
//   1. waits on fd 3 (a socket from the driver) for "go": sent only once the
//      driver has journaled the group's identity, so no command runs that a
//      resume could not find; if the driver dies first, nothing is started;
//   2. starts the command (in the same group), tells the driver whether the
//      exec worked, and exits as the command did (its code, or its signal);
//   3. if the socket closes while the command runs (the driver died, however
//      it died), sends SIGTERM to the group, waits the kill grace, then SIGKILL.
// The shim ignores SIGTERM and SIGINT: the driver's own stop of the group
// reaches the command, and the shim reports how it ended.
#include <optional>

namespace automata::engine {

// argv: PROGRAM --automata-step-shim GRACE_MS EXECUTABLE ARGV0 ARGS...
inline constexpr const char* k_step_shim_flag = "--automata-step-shim";
inline constexpr int k_step_shim_fd = 3;

// The exit status when argv asks for the shim, else nullopt (main goes on).
// Called first thing in every main of a binary whose launcher uses a shim.
std::optional<int> step_shim_main(int argc, char** argv);

}  // namespace automata::engine
