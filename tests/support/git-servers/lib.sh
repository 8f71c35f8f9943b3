# Shared helpers for the git test servers; sourced by start-sshd.sh,
# start-https.sh, stop.sh and selftest.sh, never run on its own.
#
# Everything here is plain bash + /proc (Linux): no python, no ss, no ps, so
# the scripts work on a bare Debian CI image.

# shellcheck shell=bash

GS_PROG=${GS_PROG:-$(basename "$0")}

gs_die() {
  printf '%s: error: %s\n' "$GS_PROG" "$*" >&2
  exit 1
}

gs_note() {
  printf '%s: %s\n' "$GS_PROG" "$*" >&2
}

# gs_state_dir DIR: creates DIR if needed and prints its absolute, symlink-free
# path. The path ends up in sshd_config, lighttpd.conf and URLs unquoted, so
# only a conservative character set is accepted.
gs_state_dir() {
  local dir=$1
  [ -n "$dir" ] || gs_die "usage: $GS_PROG STATE_DIR"
  gs_check_path "$dir"
  mkdir -p -- "$dir" || gs_die "cannot create state dir '$dir'"
  dir=$(cd -- "$dir" && pwd -P) || gs_die "cannot enter state dir '$1'"
  gs_check_path "$dir"
  printf '%s\n' "$dir"
}

gs_check_path() {
  case $1 in
    *[!A-Za-z0-9._/+@-]*) gs_die "state dir '$1' may only contain A-Z a-z 0-9 . _ / + @ - (it is written unquoted into server configs and URLs)" ;;
  esac
}

# gs_alive PID: true while PID exists and is not a zombie.
gs_alive() {
  local pid=$1 line state
  [ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null || return 1
  read -r line 2>/dev/null </proc/"$pid"/stat || return 1
  state=${line##*) }
  state=${state%% *}
  [ "$state" != Z ] && [ "$state" != X ]
}

# gs_cmdline_has PID TEXT: true if PID's command line contains TEXT (guards
# against killing a stranger that reused a recorded pid).
gs_cmdline_has() {
  local pid=$1 text=$2 cmd
  cmd=$(tr '\0' ' ' 2>/dev/null </proc/"$pid"/cmdline) || return 1
  case $cmd in *"$text"*) return 0 ;; esac
  return 1
}

# gs_children PID: direct children of PID, one per line.
gs_children() {
  local parent=$1 f line rest ppid pid
  for f in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$f" || continue
    rest=${line##*) }          # "S PPID PGRP ..." (comm may contain spaces and ')')
    rest=${rest#* }
    ppid=${rest%% *}
    if [ "$ppid" = "$parent" ]; then
      pid=${f#/proc/}
      printf '%s\n' "${pid%/stat}"
    fi
  done
}

# gs_descendants PID: all descendants of PID (not PID itself), parents first.
gs_descendants() {
  local child
  for child in $(gs_children "$1"); do
    printf '%s\n' "$child"
    gs_descendants "$child"
  done
}

# gs_kill_tree PID: SIGTERM to PID and all its descendants, SIGKILL to what
# is left after ~3 s; returns once all are gone (non-zero if some survived).
gs_kill_tree() {
  local root=$1 pids pid i left sig
  gs_alive "$root" || return 0
  # Collect first: once the root is gone its children are re-parented.
  pids="$root $(gs_descendants "$root" | tr '\n' ' ')"
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null; done
  for sig in TERM KILL; do
    for ((i = 0; i < 60; i++)); do
      left=
      for pid in $pids; do gs_alive "$pid" && left="$left $pid"; done
      [ -z "$left" ] && return 0
      sleep 0.05
    done
    [ "$sig" = TERM ] || break
    # Late children (a connection accepted meanwhile) are picked up too.
    pids="$left $(for pid in $left; do gs_descendants "$pid"; done | tr '\n' ' ')"
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
  done
  left=
  for pid in $pids; do gs_alive "$pid" && left="$left $pid"; done
  [ -z "$left" ] || { gs_note "processes still alive after SIGKILL:$left"; return 1; }
}

# gs_port_hex PORT
gs_port_hex() { printf '%04X' "$1"; }

# gs_port_used PORT: true if any TCP socket (v4 or v6, any state) has PORT as
# its local port.
gs_port_used() {
  local hex f local_addr
  hex=$(gs_port_hex "$1")
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    while read -r _ local_addr _; do
      [ "${local_addr##*:}" = "$hex" ] && return 0
    done <"$f"
  done
  return 1
}

# gs_pick_port: a random free port in 20000-32767 (below Linux's default
# ephemeral range, so outgoing connections do not take it meanwhile). Races
# with other processes are handled by the callers retrying on bind failure.
gs_pick_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    gs_port_used "$port" || { printf '%s\n' "$port"; return 0; }
  done
  gs_die "no free port found in 20000-32767"
}

# gs_listening PID PORT: true if PID itself holds a socket listening on
# 127.0.0.1:PORT (so a stranger on the same port does not count).
gs_listening() {
  local pid=$1 want local_addr st inode fd link
  want="0100007F:$(gs_port_hex "$2")"
  local inodes=" "
  while read -r _ local_addr _ st _ _ _ _ _ inode _; do
    [ "$local_addr" = "$want" ] && [ "$st" = 0A ] && inodes="$inodes$inode "
  done </proc/net/tcp
  [ "$inodes" = " " ] && return 1
  for fd in /proc/"$pid"/fd/*; do
    link=$(readlink "$fd" 2>/dev/null) || continue
    case $link in
      socket:\[*\])
        link=${link#socket:[}
        link=${link%]}
        case $inodes in *" $link "*) return 0 ;; esac
        ;;
    esac
  done
  return 1
}

# gs_port_listening PORT: true if anything listens on 127.0.0.1:PORT.
gs_port_listening() {
  local want local_addr st
  want="0100007F:$(gs_port_hex "$1")"
  while read -r _ local_addr _ st _; do
    [ "$local_addr" = "$want" ] && [ "$st" = 0A ] && return 0
  done </proc/net/tcp
  return 1
}

# gs_accepts PORT: a TCP connect to 127.0.0.1:PORT succeeds.
gs_accepts() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# gs_wait_ready PID PORT TIMEOUT_S: 0 once PID listens on PORT and a connect
# succeeds, 2 if PID died, 1 on timeout.
gs_wait_ready() {
  local pid=$1 port=$2 timeout=${3:-5} i
  for ((i = 0; i < timeout * 50; i++)); do
    gs_alive "$pid" || return 2
    if gs_listening "$pid" "$port" && gs_accepts "$port"; then
      return 0
    fi
    sleep 0.02
  done
  return 1
}

# gs_refuse_if_running STATE: a server recorded in STATE/server.env that is
# still running makes a second start an error (one server per state dir).
gs_refuse_if_running() {
  local state=$1 pid
  [ -f "$state/server.env" ] || return 0
  pid=$(gs_env_get "$state/server.env" PID)
  if [ -n "$pid" ] && gs_alive "$pid" && gs_cmdline_has "$pid" "$state/"; then
    gs_die "a server is already running from $state (pid $pid); run stop.sh $state first or use another state dir"
  fi
}

# gs_env_get FILE KEY: the value of KEY in a KEY=VALUE file.
gs_env_get() {
  local file=$1 key=$2 k v line
  while IFS= read -r line; do
    k=${line%%=*}
    v=${line#*=}
    [ "$k" = "$key" ] && { printf '%s\n' "$v"; return 0; }
  done <"$file"
  return 1
}

# gs_start_watchdog STATE SERVER_PID: a detached loop that runs stop.sh STATE
# when the watched process (GIT_SERVERS_WATCH_PID, default: the caller of the
# start script) is gone, when the lifeline (GIT_SERVERS_LIFELINE_FD: the read
# end of a pipe whose write end only the test process holds) reaches
# end-of-file, or after GIT_SERVERS_TTL seconds (default 3600, 0 = no limit).
# The lifeline ends the moment its holder dies, however it dies, without
# polling pids that may be reused. It exits by itself once the server is
# gone. Prints its pid.
gs_start_watchdog() {
  local state=$1 server=$2 here watch ttl lifeline
  here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
  watch=${GIT_SERVERS_WATCH_PID-$PPID}
  ttl=${GIT_SERVERS_TTL:-3600}
  lifeline=${GIT_SERVERS_LIFELINE_FD:-}
  case $lifeline in
    '' | *[!0-9]*) lifeline= ;;
    *) { : <&"$lifeline"; } 2>/dev/null || { gs_note "GIT_SERVERS_LIFELINE_FD=$lifeline is not open: ignored"; lifeline=; } ;;
  esac
  [ "$watch" = 0 ] && [ "$ttl" = 0 ] && [ -z "$lifeline" ] && { printf '0\n'; return 0; }
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c '
    source "$1/lib.sh"
    state=$2 server=$3 watch=$4 ttl=$5 lifeline=$6
    while gs_alive "$server"; do
      if [ "$watch" != 0 ] && ! gs_alive "$watch"; then break; fi
      if [ "$ttl" != 0 ] && [ "$SECONDS" -ge "$ttl" ]; then break; fi
      if [ -n "$lifeline" ]; then
        # 1: end-of-file, the holder of the write end is gone (0: a byte, the same).
        read -r -t 0.5 -u "$lifeline" _
        [ $? -gt 128 ] || break
      else
        sleep 0.5
      fi
    done
    gs_alive "$server" && exec bash "$1/stop.sh" "$state"
    exit 0
  ' git-servers-watchdog "$here" "$state" "$server" "$watch" "$ttl" "$lifeline" \
    </dev/null >>"$state/watchdog.log" 2>&1 &
  printf '%s\n' "$!"
}

# gs_publish STATE KEY=VALUE...: writes STATE/server.env (atomically) and
# prints the same lines on stdout.
gs_publish() {
  local state=$1 line
  shift
  : >"$state/server.env.tmp"
  for line in "$@"; do printf '%s\n' "$line" >>"$state/server.env.tmp"; done
  mv -f "$state/server.env.tmp" "$state/server.env"
  cat "$state/server.env"
}

# gs_git ARGS...: git without the caller's global/system config.
gs_git() {
  GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 git "$@"
}

# gs_make_repo PATH: a bare repo with one commit on main, fixed author and
# dates, so its commit id is the same everywhere. Prints the commit id.
gs_make_repo() {
  local repo=$1 blob tree commit
  gs_git init -q --bare --initial-branch=main "$repo" >&2 || gs_die "git init --bare $repo failed"
  blob=$(printf 'automata test repository\n' | gs_git --git-dir="$repo" hash-object -w --stdin) || gs_die "git hash-object failed"
  tree=$(printf '100644 blob %s\tREADME.md\n' "$blob" | gs_git --git-dir="$repo" mktree) || gs_die "git mktree failed"
  commit=$(GIT_AUTHOR_NAME='Automata Test' GIT_AUTHOR_EMAIL='test@automata.invalid' \
    GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_NAME='Automata Test' \
    GIT_COMMITTER_EMAIL='test@automata.invalid' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' \
    gs_git --git-dir="$repo" commit-tree -m 'Initial commit' "$tree") || gs_die "git commit-tree failed"
  gs_git --git-dir="$repo" update-ref refs/heads/main "$commit" || gs_die "git update-ref failed"
  gs_git --git-dir="$repo" symbolic-ref HEAD refs/heads/main
  printf '%s\n' "$commit"
}

# gs_log_tail FILE: the last lines of a log, to stderr.
gs_log_tail() {
  [ -s "$1" ] || return 0
  printf -- '--- last lines of %s ---\n' "$1" >&2
  tail -n 20 "$1" >&2
}
