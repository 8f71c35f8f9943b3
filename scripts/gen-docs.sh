#!/usr/bin/env bash
# Regenerates the man page and the shell completions from the built binary
# (they are generated from its CLI definition, so they never drift from it).
# The e2e test "docs in sync" fails until this has been run after a CLI change.
#   scripts/gen-docs.sh [path/to/automata]
# Without an argument: the first of build/dev, build/release, build/asan that has one.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-}
if [ -z "$binary" ]; then
  for dir in build/dev build/release build/asan; do
    if [ -x "$dir/automata" ]; then
      binary=$dir/automata
      break
    fi
  done
fi
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "gen-docs: no automata binary${binary:+ at $binary}; build first (cmake --preset dev && cmake --build --preset dev)" >&2
  echo "          or pass the binary: scripts/gen-docs.sh build/<dir>/automata" >&2
  exit 2
fi

# Into a temporary directory first: a binary that fails (one built before
# these commands existed) must not leave truncated files behind.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Plain output and no configuration from the environment, whatever the caller has.
gen() {
  if ! env -u AUTOMATA_OUTPUT NO_COLOR=1 "$binary" --output plain "$@" >"$tmp/out"; then
    echo "gen-docs: '$binary $*' failed; is the binary up to date? Rebuild it first." >&2
    exit 1
  fi
  cat "$tmp/out"
}
gen __man >"$tmp/automata.1"
gen completions bash >"$tmp/automata.bash"
gen completions zsh >"$tmp/_automata"
gen completions fish >"$tmp/automata.fish"
gen __step-kinds >"$tmp/step-kinds.md"
mkdir -p man completions docs
mv "$tmp/step-kinds.md" docs/step-kinds.md
mv "$tmp/automata.1" man/automata.1
mv "$tmp/automata.bash" "$tmp/_automata" "$tmp/automata.fish" completions/
echo "gen-docs: wrote man/automata.1 completions/automata.bash completions/_automata completions/automata.fish docs/step-kinds.md (from $binary)"
