#!/usr/bin/env bash
# The README's second command (and all .ci/run does): install what is missing,
# build with AddressSanitizer and UndefinedBehaviorSanitizer and warnings as
# errors, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-layers.sh
cmake --preset asan >/dev/null
cmake --build --preset asan
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --preset asan --timeout 1500 "$@"
