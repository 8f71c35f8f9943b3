#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the
# example workflow (parallel steps, a retry, outputs between steps, a matrix).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
# The run store goes to a scratch directory so the example leaves no trace.
export AUTOMATA_HOME="${AUTOMATA_HOME:-$(mktemp -d)}"
exec build/release/automata run workflows/examples/showcase.yaml "$@"
