#!/usr/bin/env bash
# start-sshd.sh STATE_DIR
#
# Starts a throw-away OpenSSH server for git-over-ssh tests, listening on
# 127.0.0.1 on a free port (20000-32767), and returns once it accepts
# connections (or exits non-zero with the reason on stderr, ~5 s at most).
#
# Everything lives in STATE_DIR (created if missing; one server per dir):
#   ssh_host_ed25519_key{,.pub}   host key
#   client_key{,.pub}             ed25519 client key, no passphrase
#   client_key_pass{,.pub}        ed25519 client key, passphrase "test-passphrase"
#   authorized_keys               both client public keys
#   known_hosts                   "[127.0.0.1]:PORT ssh-ed25519 ..." for the host key
#   sshd_config, sshd.log         server config and log
#   repo.git                      bare repo, one commit on main (README.md,
#                                 fixed author/dates, so MAIN_COMMIT is constant)
#   server.env                    the KEY=VALUE lines below
#
# Output: stdout holds only KEY=VALUE lines (also written to STATE_DIR/server.env):
#   SSH_PORT          the port
#   SSH_USER          the login user (id -un: the user running this script)
#   SSH_URL           ssh://SSH_USER@127.0.0.1:SSH_PORT/STATE_DIR/repo.git
#   SSH_HOST          127.0.0.1
#   REPO_PATH         STATE_DIR/repo.git
#   MAIN_COMMIT       commit id of main in the fresh repo
#   CLIENT_KEY        private key without passphrase (CLIENT_KEY.pub next to it)
#   CLIENT_KEY_PASS   private key protected by PASSPHRASE
#   PASSPHRASE        test-passphrase
#   KNOWN_HOSTS       known_hosts file holding the server's host key
#   HOST_KEY_PUB      the host public key line ("ssh-ed25519 AAAA... comment")
#   HOST_KEY_SHA256   the host key fingerprint as ssh-keygen -l prints it ("SHA256:<base64>")
#   HOST_KEY_SHA256_HEX  the same 32 bytes as 64 lowercase hex digits (compare
#                     with libgit2's git_cert_hostkey::hash_sha256)
#   PID               the sshd process (runs with -D, in its own session)
#   WATCHDOG_PID      the watchdog (0 if disabled), see below
#   STATE_DIR         the absolute state dir
#   LOG               sshd's log file
#
# Stop with: stop.sh STATE_DIR (kills sshd, its connection children and the
# watchdog, and waits for them). Callers must always call it.
# Safety net: a watchdog runs stop.sh by itself once the process that started
# this script is gone (override with GIT_SERVERS_WATCH_PID=<pid>, 0 = never)
# or after GIT_SERVERS_TTL seconds (default 3600, 0 = never). The script's
# parent must therefore be the long-lived test process, not a short-lived
# `sh -c` (or set GIT_SERVERS_WATCH_PID).
#
# Keys are ed25519 in the OpenSSH format (libssh2 >= 1.9 reads them; the
# passphrase one uses aes256-ctr + bcrypt). Set GIT_SERVERS_KEY_FORMAT=PEM to
# get ECDSA P-256 client keys in PEM format instead, for older libssh2.
#
# Locked passwords: with UsePAM no, a root sshd refuses accounts whose shadow
# password is locked ("!..."), even for key logins; then UsePAM yes is used
# (needs /etc/pam.d/sshd; force either way with GIT_SERVERS_SSHD_USE_PAM=yes|no).
#
# sshd sets SHLVL=1 for sessions so bash skips ~/.bashrc (a slow or chatty
# rc file would slow down or break the git protocol), and leaves out the slow
# sntrup761 key exchange.
#
# Root: sshd running as root needs its privilege-separation directory
# /run/sshd and the "sshd" user (both come with Debian's openssh-server); the
# directory is created if missing. Root logs in with its key
# (PermitRootLogin prohibit-password). As a normal user no privilege
# separation happens and only that user can log in (which is what we want).
set -uo pipefail

GS_PROG=start-sshd.sh
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
source "$here/lib.sh"

[ $# -eq 1 ] || gs_die "usage: $GS_PROG STATE_DIR"
state=$(gs_state_dir "$1") || exit 1
gs_refuse_if_running "$state"
cd "$state" || gs_die "cannot enter $state"

sshd_bin=
for candidate in /usr/sbin/sshd "$(command -v sshd 2>/dev/null)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] && { sshd_bin=$candidate; break; }
done
[ -n "$sshd_bin" ] || gs_die "sshd not found (install openssh-server)"
command -v ssh-keygen >/dev/null || gs_die "ssh-keygen not found (install openssh-client)"
command -v git >/dev/null || gs_die "git not found"

user=$(id -un) || gs_die "cannot tell the current user name"
passphrase=test-passphrase
setup_log=$state/setup.log
: >"$setup_log"

if [ "$(id -u)" -eq 0 ]; then
  if [ ! -d /run/sshd ]; then
    { mkdir -p /run/sshd 2>>"$setup_log" && chmod 0755 /run/sshd; } ||
      gs_die "sshd as root needs /run/sshd and it cannot be created"
  fi
  getent passwd sshd >/dev/null 2>&1 ||
    gs_die "sshd as root needs the 'sshd' privilege-separation user (install openssh-server)"
fi

# With UsePAM no, sshd refuses accounts whose shadow password is locked ("!...",
# as on images where root has no password), even for key logins. Only root's
# sshd can read /etc/shadow, so only then can that happen; PAM's account check
# does not mind a locked password, so fall back to it there.
use_pam=${GIT_SERVERS_SSHD_USE_PAM:-}
if [ -z "$use_pam" ]; then
  use_pam=no
  if [ "$(id -u)" -eq 0 ]; then
    shadow_pw=$(getent shadow "$user" 2>/dev/null | cut -d: -f2)
    case $shadow_pw in
      '!'* | '*LK*'*)
        if [ -f /etc/pam.d/sshd ]; then
          use_pam=yes
          gs_note "the password of $user is locked: running sshd with UsePAM yes so key logins work"
        else
          gs_die "the password of $user is locked and /etc/pam.d/sshd is missing: sshd would refuse key logins"
        fi
        ;;
    esac
  fi
fi

# Fresh keys each start (a leftover state dir is reused, its keys are not).
rm -f "$state"/ssh_host_ed25519_key* "$state"/client_key "$state"/client_key.pub \
  "$state"/client_key_pass "$state"/client_key_pass.pub "$state/known_hosts" "$state/authorized_keys"
keygen() { # FILE PASSPHRASE COMMENT
  local args=(-t ed25519)
  if [ "${GIT_SERVERS_KEY_FORMAT:-}" = PEM ] && [ "$1" != "$state/ssh_host_ed25519_key" ]; then
    args=(-t ecdsa -b 256 -m PEM)
  fi
  ssh-keygen -q "${args[@]}" -N "$2" -C "$3" -f "$1" </dev/null >>"$setup_log" 2>&1 ||
    { gs_log_tail "$setup_log"; gs_die "ssh-keygen failed for $1"; }
  chmod 600 "$1"
}
keygen "$state/ssh_host_ed25519_key" '' automata-test-host
keygen "$state/client_key" '' automata-test-client
keygen "$state/client_key_pass" "$passphrase" automata-test-client-pass
cat "$state/client_key.pub" "$state/client_key_pass.pub" >"$state/authorized_keys"
chmod 600 "$state/authorized_keys"
host_pub=$(cat "$state/ssh_host_ed25519_key.pub")
host_fp=$(ssh-keygen -l -E sha256 -f "$state/ssh_host_ed25519_key.pub" | awk '{print $2}')
# The same SHA-256, as 64 hex digits (libgit2's git_cert_hostkey.hash_sha256).
host_fp_hex=$(awk '{print $2}' "$state/ssh_host_ed25519_key.pub" | base64 -d | sha256sum | awk '{print $1}')

rm -rf "$state/repo.git"
main_commit=$(gs_make_repo "$state/repo.git" 2>>"$setup_log") ||
  { gs_log_tail "$setup_log"; gs_die "cannot create $state/repo.git"; }

log=$state/sshd.log
pid=
port=
for attempt in 1 2 3 4 5 6 7 8; do
  port=$(gs_pick_port) || exit 1
  cat >"$state/sshd_config" <<EOF
# Generated by start-sshd.sh; test use only.
ListenAddress 127.0.0.1
Port $port
AddressFamily inet
HostKey $state/ssh_host_ed25519_key
PidFile $state/sshd.pid
AuthorizedKeysFile $state/authorized_keys
AuthorizedKeysCommand none
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitEmptyPasswords no
PermitRootLogin prohibit-password
AllowUsers $user
StrictModes no
UsePAM $use_pam
UseDNS no
PrintMotd no
PrintLastLog no
PermitUserEnvironment no
# bash run by sshd sources ~/.bashrc only for SHLVL < 2 (see bash's
# SSH_SOURCE_BASHRC): skip it, so a slow or chatty .bashrc neither slows nor
# breaks the git protocol.
SetEnv SHLVL=1
PermitTTY no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
PermitTunnel no
LoginGraceTime 30
MaxStartups 200
MaxSessions 50
MaxAuthTries 10
ClientAliveInterval 0
LogLevel VERBOSE
# The post-quantum hybrid costs ~150 ms per connection; libssh2 lacks it anyway.
KexAlgorithms -sntrup761x25519-sha512*
EOF
  if ! "$sshd_bin" -t -f "$state/sshd_config" >>"$setup_log" 2>&1; then
    gs_log_tail "$setup_log"
    gs_die "sshd rejects $state/sshd_config"
  fi
  : >"$log"
  setsid "$sshd_bin" -D -e -f "$state/sshd_config" </dev/null >>"$log" 2>&1 &
  pid=$!
  gs_wait_ready "$pid" "$port" 5
  case $? in
    0) break ;;
    2)
      wait "$pid" 2>/dev/null
      if grep -qiE 'address already in use|cannot bind' "$log"; then
        gs_note "port $port taken meanwhile (attempt $attempt), trying another"
        pid=
        continue
      fi
      gs_log_tail "$log"
      gs_die "sshd exited during startup"
      ;;
    *)
      gs_kill_tree "$pid"
      gs_log_tail "$log"
      gs_die "sshd did not accept connections on 127.0.0.1:$port within 5 s"
      ;;
  esac
done
[ -n "$pid" ] || gs_die "could not bind sshd to a free port after 8 attempts"

printf '[127.0.0.1]:%s %s\n' "$port" "$host_pub" >"$state/known_hosts"

watchdog=$(gs_start_watchdog "$state" "$pid")

gs_publish "$state" \
  "SSH_PORT=$port" \
  "SSH_USER=$user" \
  "SSH_HOST=127.0.0.1" \
  "SSH_URL=ssh://$user@127.0.0.1:$port$state/repo.git" \
  "REPO_PATH=$state/repo.git" \
  "MAIN_COMMIT=$main_commit" \
  "CLIENT_KEY=$state/client_key" \
  "CLIENT_KEY_PASS=$state/client_key_pass" \
  "PASSPHRASE=$passphrase" \
  "KNOWN_HOSTS=$state/known_hosts" \
  "HOST_KEY_PUB=$host_pub" \
  "HOST_KEY_SHA256=$host_fp" \
  "HOST_KEY_SHA256_HEX=$host_fp_hex" \
  "PID=$pid" \
  "WATCHDOG_PID=$watchdog" \
  "STATE_DIR=$state" \
  "LOG=$log"
