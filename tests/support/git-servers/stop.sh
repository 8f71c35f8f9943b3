#!/usr/bin/env bash
# stop.sh STATE_DIR
#
# Stops the server that start-sshd.sh or start-https.sh started from
# STATE_DIR: reads PID and WATCHDOG_PID from STATE_DIR/server.env, sends
# SIGTERM to the server and all its descendants (ssh connections, git
# http-backend CGIs, git processes), SIGKILL to whatever is left after ~3 s,
# and returns once they are all gone. A pid is only signalled while its
# command line still names STATE_DIR, so a recycled pid is never hit.
#
# Idempotent: stopping a stopped (or never started) state dir succeeds.
# Exit status: 0 when nothing is left running, 1 otherwise (details on stderr).
# Output: nothing on stdout. The state dir is left in place (logs stay
# readable); delete it yourself.
set -uo pipefail

GS_PROG=stop.sh
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
source "$here/lib.sh"

[ $# -eq 1 ] || gs_die "usage: $GS_PROG STATE_DIR"
[ -d "$1" ] || exit 0
state=$(cd -- "$1" && pwd -P) || gs_die "cannot enter '$1'"
env_file=$state/server.env
[ -f "$env_file" ] || exit 0

pid=$(gs_env_get "$env_file" PID) || pid=
watchdog=$(gs_env_get "$env_file" WATCHDOG_PID) || watchdog=

# The watchdog runs this script itself (exec), so it never kills itself.
if [ -n "$watchdog" ] && [ "$watchdog" != 0 ] && [ "$watchdog" != $$ ] &&
  gs_alive "$watchdog" && gs_cmdline_has "$watchdog" "$state"; then
  kill -TERM "$watchdog" 2>/dev/null
fi

status=0
if [ -n "$pid" ] && gs_alive "$pid" && gs_cmdline_has "$pid" "$state/"; then
  gs_kill_tree "$pid" || status=1
fi
exit "$status"
