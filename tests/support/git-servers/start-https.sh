#!/usr/bin/env bash
# start-https.sh STATE_DIR
#
# Starts a throw-away lighttpd with TLS in front of `git http-backend` (smart
# HTTP, clone and push) for git-over-https tests, listening on 127.0.0.1 on a
# free port (20000-32767), and returns once it accepts connections (or exits
# non-zero with the reason on stderr, ~5 s at most).
#
# Every URL under /git/ needs HTTP basic auth (a wrong password gets 401):
#   bot / s3cret-pass               "user + password"
#   x-access-token / tok-123456     "token" (as GitHub/GitLab model it)
#
# Everything lives in STATE_DIR (created if missing; one server per dir):
#   ca.pem, ca.key                  self-signed test CA (EC P-256)
#   server.pem, server.key          server cert for 127.0.0.1 (SAN IP:127.0.0.1,
#                                   DNS:localhost), signed by the CA
#   users                           lighttpd plain user file
#   lighttpd.conf, error.log, access.log
#   repos/repo.git                  bare repo, one commit on main (README.md,
#                                   fixed author/dates, so MAIN_COMMIT is
#                                   constant), http.receivepack enabled
#   server.env                      the KEY=VALUE lines below
#
# Output: stdout holds only KEY=VALUE lines (also written to STATE_DIR/server.env):
#   HTTPS_PORT     the port
#   HTTPS_URL      https://127.0.0.1:HTTPS_PORT/git/repo.git
#   CA_FILE        CA certificate (PEM) to trust, e.g. GIT_SSL_CAINFO / CURLOPT_CAINFO
#   USER           bot
#   PASSWORD       s3cret-pass
#   TOKEN_USER     x-access-token
#   TOKEN          tok-123456
#   REPO_PATH      STATE_DIR/repos/repo.git (to inspect pushes directly)
#   MAIN_COMMIT    commit id of main in the fresh repo
#   PID            the lighttpd process (runs with -D, in its own session)
#   WATCHDOG_PID   the watchdog (0 if disabled), see below
#   STATE_DIR      the absolute state dir
#   LOG            lighttpd's error log (bad passwords are logged there)
#   ACCESS_LOG     one line per request (lighttpd buffers it: may lag ~1 s)
#
# Stop with: stop.sh STATE_DIR (kills lighttpd, its CGIs and the watchdog,
# and waits for them). Callers must always call it.
# Safety net: a watchdog runs stop.sh by itself once the process that started
# this script is gone (override with GIT_SERVERS_WATCH_PID=<pid>, 0 = never)
# or after GIT_SERVERS_TTL seconds (default 3600, 0 = never). The script's
# parent must therefore be the long-lived test process, not a short-lived
# `sh -c` (or set GIT_SERVERS_WATCH_PID).
#
# The cert carries DNS:127.0.0.1 besides IP:127.0.0.1 because mbedTLS 2.28
# (libgit2 on Debian 12) matches only DNS names. The 2 s pause lighttpd puts
# before answering bad credentials is turned off.
#
# lighttpd runs as the user that runs this script, root included (no
# server.username, so it never switches to a user that cannot read STATE_DIR).
set -uo pipefail

GS_PROG=start-https.sh
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
source "$here/lib.sh"

[ $# -eq 1 ] || gs_die "usage: $GS_PROG STATE_DIR"
state=$(gs_state_dir "$1") || exit 1
gs_refuse_if_running "$state"
cd "$state" || gs_die "cannot enter $state"

lighttpd_bin=
for candidate in /usr/sbin/lighttpd "$(command -v lighttpd 2>/dev/null)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] && { lighttpd_bin=$candidate; break; }
done
[ -n "$lighttpd_bin" ] || gs_die "lighttpd not found (install lighttpd lighttpd-mod-openssl)"
module_dir=/usr/lib/lighttpd
[ -f "$module_dir/mod_openssl.so" ] || gs_die "$module_dir/mod_openssl.so not found (install lighttpd-mod-openssl)"
command -v openssl >/dev/null || gs_die "openssl not found"
command -v git >/dev/null || gs_die "git not found"
backend=$(git --exec-path 2>/dev/null)/git-http-backend
[ -x "$backend" ] || backend=/usr/lib/git-core/git-http-backend
[ -x "$backend" ] || gs_die "git-http-backend not found"

user=bot
password=s3cret-pass
token_user=x-access-token
token=tok-123456
setup_log=$state/setup.log
: >"$setup_log"

# --- certificates -----------------------------------------------------------
rm -f "$state"/ca.pem "$state"/ca.key "$state"/ca.srl "$state"/server.pem \
  "$state"/server.key "$state"/server.csr "$state"/server.ext
ssl() {
  OPENSSL_CONF=/dev/null openssl "$@" </dev/null >>"$setup_log" 2>&1 ||
    { gs_log_tail "$setup_log"; gs_die "openssl $1 failed"; }
}
ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$state/ca.key" -out "$state/ca.pem" -days 3650 -sha256 \
  -subj '/CN=automata test CA' \
  -addext 'basicConstraints=critical,CA:TRUE' \
  -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -addext 'subjectKeyIdentifier=hash'
ssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$state/server.key" -out "$state/server.csr" -subj '/CN=127.0.0.1'
cat >"$state/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
ssl x509 -req -in "$state/server.csr" -CA "$state/ca.pem" -CAkey "$state/ca.key" \
  -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 825 -sha256 \
  -extfile "$state/server.ext" -out "$state/server.pem"
chmod 600 "$state/ca.key" "$state/server.key"

# --- users and repo ---------------------------------------------------------
printf '%s:%s\n%s:%s\n' "$user" "$password" "$token_user" "$token" >"$state/users"
chmod 600 "$state/users"
mkdir -p "$state/repos" "$state/www" "$state/tmp"
rm -rf "$state/repos/repo.git"
main_commit=$(gs_make_repo "$state/repos/repo.git" 2>>"$setup_log") ||
  { gs_log_tail "$setup_log"; gs_die "cannot create $state/repos/repo.git"; }
gs_git --git-dir="$state/repos/repo.git" config http.receivepack true
gs_git --git-dir="$state/repos/repo.git" config http.uploadpack true

# --- lighttpd ---------------------------------------------------------------
error_log=$state/error.log
access_log=$state/access.log
pid=
port=
for attempt in 1 2 3 4 5 6 7 8; do
  port=$(gs_pick_port) || exit 1
  cat >"$state/lighttpd.conf" <<EOF
# Generated by start-https.sh; test use only.
server.modules = (
  "mod_openssl", "mod_auth", "mod_authn_file", "mod_alias",
  "mod_setenv", "mod_cgi", "mod_accesslog"
)
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$state/www"
server.errorlog = "$error_log"
accesslog.filename = "$access_log"
server.upload-dirs = ( "$state/tmp" )
server.max-connections = 256
# No 2 s pause before answering bad credentials (tests probe them on purpose).
server.feature-flags = ( "auth.delay-invalid-creds" => "disable" )

ssl.engine = "enable"
ssl.pemfile = "$state/server.pem"
ssl.privkey = "$state/server.key"

auth.backend = "plain"
auth.backend.plain.userfile = "$state/users"

alias.url = ( "/git" => "$backend" )
\$HTTP["url"] =^ "/git/" {
  auth.require = ( "" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )
  cgi.assign = ( "" => "" )
  setenv.set-environment = (
    "GIT_PROJECT_ROOT" => "$state/repos",
    "GIT_HTTP_EXPORT_ALL" => "1",
    "GIT_CONFIG_NOSYSTEM" => "1",
    "HOME" => "$state/tmp"
  )
}
EOF
  if ! "$lighttpd_bin" -tt -f "$state/lighttpd.conf" -m "$module_dir" >>"$setup_log" 2>&1; then
    gs_log_tail "$setup_log"
    gs_die "lighttpd rejects $state/lighttpd.conf"
  fi
  : >"$error_log"
  setsid "$lighttpd_bin" -D -f "$state/lighttpd.conf" -m "$module_dir" </dev/null >>"$error_log" 2>&1 &
  pid=$!
  gs_wait_ready "$pid" "$port" 5
  case $? in
    0) break ;;
    2)
      wait "$pid" 2>/dev/null
      if grep -qiE 'address already in use|can.t bind|cannot bind' "$error_log"; then
        gs_note "port $port taken meanwhile (attempt $attempt), trying another"
        pid=
        continue
      fi
      gs_log_tail "$error_log"
      gs_die "lighttpd exited during startup"
      ;;
    *)
      gs_kill_tree "$pid"
      gs_log_tail "$error_log"
      gs_die "lighttpd did not accept connections on 127.0.0.1:$port within 5 s"
      ;;
  esac
done
[ -n "$pid" ] || gs_die "could not bind lighttpd to a free port after 8 attempts"

watchdog=$(gs_start_watchdog "$state" "$pid")

gs_publish "$state" \
  "HTTPS_PORT=$port" \
  "HTTPS_URL=https://127.0.0.1:$port/git/repo.git" \
  "CA_FILE=$state/ca.pem" \
  "USER=$user" \
  "PASSWORD=$password" \
  "TOKEN_USER=$token_user" \
  "TOKEN=$token" \
  "REPO_PATH=$state/repos/repo.git" \
  "MAIN_COMMIT=$main_commit" \
  "PID=$pid" \
  "WATCHDOG_PID=$watchdog" \
  "STATE_DIR=$state" \
  "LOG=$error_log" \
  "ACCESS_LOG=$access_log"
