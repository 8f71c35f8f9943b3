#!/usr/bin/env bash
# The layer arrows of architecture.md, enforced: engine <- tools <- commands <- cli.
set -euo pipefail
cd "$(dirname "$0")/.."

bad=0
check() {
  local dir=$1 pattern=$2 what=$3
  if hits=$(grep -rnE "$pattern" "$dir" 2>/dev/null); then
    echo "check-layers: $what:" >&2
    echo "$hits" >&2
    bad=1
  fi
}
check src/engine '#include *[<"](tools|cli|commands)/|#include *[<"]CLI/|#include *[<"]git2|#include *[<"]curl/' \
  "src/engine includes a higher layer or a tool library"
check src/tools '#include *[<"](cli|commands)/' "src/tools includes cli/ or commands/"
check src/commands '#include *[<"]cli/' "src/commands includes cli/"
# The driver's own parts are private to the engine: tools and commands see it
# through driver.hpp, step_kind.hpp and events.hpp only.
for dir in src/tools src/commands src/cli; do
  check "$dir" '#include *[<"]engine/(driver_(impl|context|inbox)|step_graph|run_flow|expression_scope)\.hpp' "the driver's private headers are included in $dir"
done
if grep -rnE '\b(std::)?(exit|_Exit|abort|quick_exit)\s*\(' src/engine src/tools src/commands >/dev/null 2>&1; then
  echo "check-layers: only main chooses the exit code; these exit below cli/:" >&2
  grep -rnE '\b(std::)?(exit|_Exit|abort|quick_exit)\s*\(' src/engine src/tools src/commands >&2
  bad=1
fi
exit $bad
