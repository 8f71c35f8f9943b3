#!/usr/bin/env bash
# Installs the Debian packages automata needs to build and test, if missing.
# Idempotent; runs apt-get as root, through sudo otherwise.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libfmt-dev libspdlog-dev doctest-dev
  libgit2-dev libcurl4-openssl-dev libssl-dev
  bsdutils  # script(1): the TTY renderer is tested under a real pseudo-terminal
  python3 libxml2-utils  # a shell: python3 step, and xmllint on the JUnit reports
  python3-jsonschema  # tests check every --output json result against docs/schemas/
  # Started by the tool tests on 127.0.0.1: sshd for git over ssh, lighttpd
  # with TLS in front of `git http-backend`, bubblewrap for the shell sandbox.
  openssh-server openssh-client lighttpd lighttpd-mod-openssl openssl bubblewrap
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-deps: missing packages (${missing[*]}) and no sudo to install them; run as root" >&2
    exit 1
  fi
  as_root=(sudo)
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
