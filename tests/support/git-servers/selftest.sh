#!/usr/bin/env bash
# selftest.sh
#
# Proves the git test servers with the git CLI, in a fresh mktemp dir:
# starts start-sshd.sh and start-https.sh, clones over ssh with both client
# keys (the passphrase one through SSH_ASKPASS), pushes over ssh, clones over
# https with user/password and pushes with the token, checks that a wrong
# password fails with HTTP 401 and that the CA is needed, checks the watchdog
# stops a server whose starter died, then stops everything with stop.sh and
# checks the processes are gone and the ports closed.
#
# Arguments: none. Set KEEP=1 to keep the temp dir (printed) for inspection.
# Output: one "ok"/"FAIL" line per check, then "N passed, M failed".
# Exit status: 0 only if every check passed.
set -uo pipefail

GS_PROG=selftest.sh
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
source "$here/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/git-servers-selftest.XXXXXX") || gs_die "mktemp failed"
cleanup() {
  "$here/stop.sh" "$tmp/ssh" >/dev/null 2>&1
  "$here/stop.sh" "$tmp/https" >/dev/null 2>&1
  "$here/stop.sh" "$tmp/watchdog" >/dev/null 2>&1
  [ -n "${watched:-}" ] && kill "$watched" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Isolate git/ssh from the caller's configuration and agent.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
unset SSH_AUTH_SOCK GIT_ASKPASS SSH_ASKPASS GIT_SSH GIT_SSH_COMMAND GIT_SSL_CAINFO GIT_SSL_CAPATH GIT_SSL_NO_VERIFY
export GIT_AUTHOR_NAME=selftest GIT_AUTHOR_EMAIL=selftest@automata.invalid
export GIT_COMMITTER_NAME=selftest GIT_COMMITTER_EMAIL=selftest@automata.invalid

passed=0
failed=0
n=0
# check NAME COMMAND...: runs COMMAND with its output in a log; shows the log on failure.
check() {
  local name=$1
  shift
  n=$((n + 1))
  local log="$tmp/check-$n.log" t0=${EPOCHREALTIME/[.,]/} ms
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
    printf 'ok   %2d %s (%d ms)\n' "$n" "$name" "$ms"
  else
    failed=$((failed + 1))
    ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
    printf 'FAIL %2d %s (%d ms)\n' "$n" "$name" "$ms"
    sed 's/^/     | /' "$log" | tail -n 25
  fi
}

# load STATE PREFIX: reads STATE/server.env into variables PREFIX_KEY.
load() {
  local line
  while IFS= read -r line; do
    printf -v "$2_${line%%=*}" '%s' "${line#*=}"
  done <"$1/server.env"
}

expect_keys() { # FILE KEY...
  local file=$1 key
  shift
  for key in "$@"; do
    gs_env_get "$file" "$key" >/dev/null || { echo "missing $key in $file"; return 1; }
  done
}

start_ssh() {
  "$here/start-sshd.sh" "$tmp/ssh" >"$tmp/ssh.out" || return 1
  expect_keys "$tmp/ssh.out" SSH_PORT SSH_URL CLIENT_KEY CLIENT_KEY_PASS PASSPHRASE KNOWN_HOSTS PID || return 1
  cmp "$tmp/ssh.out" "$tmp/ssh/server.env"
}
start_https() {
  "$here/start-https.sh" "$tmp/https" >"$tmp/https.out" || return 1
  expect_keys "$tmp/https.out" HTTPS_PORT HTTPS_URL CA_FILE USER PASSWORD TOKEN_USER TOKEN PID || return 1
  cmp "$tmp/https.out" "$tmp/https/server.env"
}

check "start-sshd.sh starts and prints its keys" start_ssh
check "start-https.sh starts and prints its keys" start_https
[ -f "$tmp/ssh/server.env" ] && load "$tmp/ssh" S
[ -f "$tmp/https/server.env" ] && load "$tmp/https" H

# --- ssh ----------------------------------------------------------------------
ssh_cmd() { # KEY [extra ssh options]
  local key=$1
  shift
  printf 'ssh -F /dev/null -i %s -o UserKnownHostsFile=%s -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=5 %s' \
    "$key" "${S_KNOWN_HOSTS:-}" "$*"
}
printf '#!/bin/sh\necho %s\n' "${S_PASSPHRASE:-}" >"$tmp/askpass"
chmod +x "$tmp/askpass"

ssh_clone_plain() {
  GIT_SSH_COMMAND=$(ssh_cmd "$S_CLIENT_KEY" -o BatchMode=yes) git clone "$S_SSH_URL" "$tmp/ssh-plain" || return 1
  [ "$(git -C "$tmp/ssh-plain" rev-parse HEAD)" = "$S_MAIN_COMMIT" ]
}
ssh_clone_pass() {
  # BatchMode would forbid asking for the passphrase, so it is left out here.
  SSH_ASKPASS=$tmp/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
    GIT_SSH_COMMAND=$(ssh_cmd "$S_CLIENT_KEY_PASS" -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no) \
    git clone "$S_SSH_URL" "$tmp/ssh-pass" </dev/null || return 1
  [ "$(git -C "$tmp/ssh-pass" rev-parse HEAD)" = "$S_MAIN_COMMIT" ]
}
ssh_pass_needs_passphrase() {
  ! GIT_SSH_COMMAND=$(ssh_cmd "$S_CLIENT_KEY_PASS" -o BatchMode=yes) git ls-remote "$S_SSH_URL" </dev/null
}
ssh_unknown_key_refused() {
  ! GIT_SSH_COMMAND=$(ssh_cmd "$tmp/ssh/ssh_host_ed25519_key" -o BatchMode=yes) git ls-remote "$S_SSH_URL" </dev/null
}
ssh_push() {
  local dir=$tmp/ssh-plain new
  echo "pushed over ssh" >"$dir/ssh.txt"
  git -C "$dir" add ssh.txt && git -C "$dir" commit -q -m "push over ssh" || return 1
  new=$(git -C "$dir" rev-parse HEAD)
  GIT_SSH_COMMAND=$(ssh_cmd "$S_CLIENT_KEY" -o BatchMode=yes) git -C "$dir" push origin main || return 1
  [ "$(git --git-dir="$S_REPO_PATH" rev-parse refs/heads/main)" = "$new" ]
}
check "ssh: clone with CLIENT_KEY" ssh_clone_plain
check "ssh: clone with CLIENT_KEY_PASS + PASSPHRASE (askpass)" ssh_clone_pass
check "ssh: CLIENT_KEY_PASS without passphrase fails" ssh_pass_needs_passphrase
check "ssh: a key not in authorized_keys is refused" ssh_unknown_key_refused
check "ssh: push to main" ssh_push

# --- https ----------------------------------------------------------------------
helper() { # USER PASSWORD -> a one-shot credential helper
  # shellcheck disable=SC2016 # $1 is the helper's argument
  printf '!f() { test "$1" = get && echo username=%s && echo password=%s; }; f' "$1" "$2"
}
https_clone() {
  GIT_SSL_CAINFO=$H_CA_FILE git -c credential.helper="$(helper "$H_USER" "$H_PASSWORD")" \
    clone "$H_HTTPS_URL" "$tmp/https-clone" || return 1
  [ "$(git -C "$tmp/https-clone" rev-parse HEAD)" = "$H_MAIN_COMMIT" ]
}
https_push_token() {
  local dir=$tmp/https-clone new
  echo "pushed over https" >"$dir/https.txt"
  git -C "$dir" add https.txt && git -C "$dir" commit -q -m "push over https" || return 1
  new=$(git -C "$dir" rev-parse HEAD)
  GIT_SSL_CAINFO=$H_CA_FILE git -C "$dir" -c credential.helper="$(helper "$H_TOKEN_USER" "$H_TOKEN")" \
    push origin main || return 1
  [ "$(git --git-dir="$H_REPO_PATH" rev-parse refs/heads/main)" = "$new" ]
}
# got_401 TRACE: the curl trace shows a 401 answer (the access log is
# buffered by lighttpd, so the client side is asked instead).
got_401() { grep -qE '<= Recv header: HTTP/[0-9.]+ 401' "$1"; }
https_wrong_password() {
  if GIT_TRACE_CURL=$tmp/wrong.trace GIT_SSL_CAINFO=$H_CA_FILE \
    git -c credential.helper="$(helper "$H_USER" wrong-password)" ls-remote "$H_HTTPS_URL" 2>"$tmp/wrong.err"; then
    echo "ls-remote with a wrong password succeeded"
    return 1
  fi
  cat "$tmp/wrong.err"
  grep -q 'Authentication failed' "$tmp/wrong.err" || return 1
  # Both the anonymous probe and the request with the wrong password got 401.
  [ "$(grep -cE '<= Recv header: HTTP/[0-9.]+ 401' "$tmp/wrong.trace")" -ge 2 ] || return 1
  ! grep -qE '<= Recv header: HTTP/[0-9.]+ 200' "$tmp/wrong.trace"
}
https_no_auth_401() {
  ! GIT_TRACE_CURL=$tmp/noauth.trace GIT_SSL_CAINFO=$H_CA_FILE git ls-remote "$H_HTTPS_URL" 2>&1 || return 1
  got_401 "$tmp/noauth.trace"
}
https_needs_ca() {
  ! git -c credential.helper="$(helper "$H_USER" "$H_PASSWORD")" ls-remote "$H_HTTPS_URL" 2>&1
}
check "https: clone with USER/PASSWORD" https_clone
check "https: push with TOKEN_USER/TOKEN" https_push_token
check "https: wrong password fails with 401" https_wrong_password
check "https: no credentials fails with 401" https_no_auth_401
check "https: fails without CA_FILE" https_needs_ca

# --- watchdog ---------------------------------------------------------------
watchdog_stops_orphan() {
  local pid i
  sleep 30 &
  watched=$!
  GIT_SERVERS_WATCH_PID=$watched "$here/start-sshd.sh" "$tmp/watchdog" >/dev/null || return 1
  pid=$(gs_env_get "$tmp/watchdog/server.env" PID)
  gs_alive "$pid" || return 1
  kill "$watched"
  wait "$watched" 2>/dev/null
  for ((i = 0; i < 60; i++)); do
    gs_alive "$pid" || return 0
    sleep 0.05
  done
  echo "sshd $pid still running 3 s after its starter died"
  return 1
}
check "watchdog stops the server once its starter is gone" watchdog_stops_orphan

# --- stop -------------------------------------------------------------------
stopped() { # STATE PORT PID
  "$here/stop.sh" "$1" || return 1
  if gs_alive "$3"; then echo "pid $3 still alive"; return 1; fi
  if gs_port_listening "$2"; then echo "port $2 still listening"; return 1; fi
  if gs_accepts "$2"; then echo "port $2 still accepts connections"; return 1; fi
  "$here/stop.sh" "$1" # idempotent
}
check "stop.sh stops sshd, port closed" stopped "$tmp/ssh" "${S_SSH_PORT:-0}" "${S_PID:-0}"
check "stop.sh stops lighttpd, port closed" stopped "$tmp/https" "${H_HTTPS_PORT:-0}" "${H_PID:-0}"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
