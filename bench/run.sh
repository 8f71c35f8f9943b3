#!/usr/bin/env bash
# The engine's speed and memory, against ninja and GNU make on the same
# generated workloads (issue: "Speed"). Run by hand; prints a table of times
# and ratios. automata's workflows use `defaults: { shell: sh }`, the shell
# ninja and make use.
#
#   bench/run.sh [path/to/automata]     (default: build/release/automata, built if missing)
#
# Needs ninja, make, hyperfine and GNU time (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

need=()
command -v ninja >/dev/null || need+=(ninja-build)
command -v make >/dev/null || need+=(make)
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
if [ "${#need[@]}" -gt 0 ]; then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

automata=${1:-$root/build/release/automata}
if [ ! -x "$automata" ]; then
  cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
fi
automata=$(realpath "$automata")

work=$(mktemp -d /tmp/automata-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export AUTOMATA_HOME="$work/home"
cd "$work"

# --- workloads -------------------------------------------------------------
gen_chain() {  # $1 steps: a chain, each running `true`
  local n=$1 dir=$work/chain$1
  mkdir -p "$dir"
  { echo "name: chain$n"; echo "defaults: { shell: sh }"; echo "steps:"
    for i in $(seq 1 "$n"); do
      echo "  s$i:"; [ "$i" -gt 1 ] && echo "    needs: [s$((i - 1))]"; echo "    run: 'true'"
    done; } > "$dir/wf.yaml"
  { echo "rule r"; echo "  command = true"
    for i in $(seq 1 "$n"); do
      if [ "$i" -gt 1 ]; then echo "build s$i: r s$((i - 1))"; else echo "build s$i: r"; fi
    done; echo "default s$n"; } > "$dir/build.ninja"
  { echo ".PHONY: all $(seq -f 's%g' -s ' ' 1 "$n")"; echo "all: s$n"
    for i in $(seq 1 "$n"); do
      if [ "$i" -gt 1 ]; then echo "s$i: s$((i - 1))"; else echo "s$i:"; fi; printf '\ttrue\n'
    done; } > "$dir/Makefile"
}

gen_fan() {  # $1 independent `true` steps plus one final step
  local n=$1 dir=$work/fan$1
  mkdir -p "$dir"
  { echo "name: fan$n"; echo "defaults: { shell: sh }"; echo "steps:"
    for i in $(seq 1 "$n"); do echo "  s$i: { run: 'true' }"; done
    echo "  final:"; echo "    needs: [$(seq -f 's%g' -s ', ' 1 "$n")]"; echo "    run: 'true'"; } > "$dir/wf.yaml"
  { echo "rule r"; echo "  command = true"
    for i in $(seq 1 "$n"); do echo "build s$i: r"; done
    echo "build final: r $(seq -f 's%g' -s ' ' 1 "$n")"; echo "default final"; } > "$dir/build.ninja"
  { echo ".PHONY: final $(seq -f 's%g' -s ' ' 1 "$n")"
    echo "final: $(seq -f 's%g' -s ' ' 1 "$n")"; printf '\ttrue\n'
    for i in $(seq 1 "$n"); do echo "s$i:"; printf '\ttrue\n'; done; } > "$dir/Makefile"
}

gen_durable_chain() {  # $1 durable no-op steps (sleep 0s) in a chain
  local n=$1 file=$work/durable$1.yaml
  { echo "name: durable$n"; echo "steps:"
    for i in $(seq 1 "$n"); do
      echo "  s$i:"; [ "$i" -gt 1 ] && echo "    needs: [s$((i - 1))]"
      echo "    uses: sleep"; echo "    with: { duration: 0s }"
    done; } > "$file"
}

gen_chain 200
gen_fan 1000
gen_chain 1
gen_durable_chain 1000
gen_durable_chain 33333   # ~100,000 journal records

ms() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.2f' % (d['results'][int(sys.argv[2])]['median']*1000))" "$@"; }

run3() {  # name, dir, jobs, runs: hyperfine over automata, ninja, make
  local name=$1 dir=$2 jobs=$3 runs=$4
  hyperfine -N --runs "$runs" --warmup 1 --export-json "$work/$name.json" \
    --prepare "rm -rf $AUTOMATA_HOME" \
    "$automata --output plain --quiet -j $jobs run $dir/wf.yaml" \
    "ninja -C $dir -j $jobs -d keepdepfile" \
    "make -s -C $dir -j $jobs" >/dev/null 2>&1
  printf '%-34s automata %8s ms   ninja %8s ms   make %8s ms   automata/ninja %5sx\n' "$name" \
    "$(ms "$work/$name.json" 0)" "$(ms "$work/$name.json" 1)" "$(ms "$work/$name.json" 2)" \
    "$(python3 -c "print('%.2f' % ($(ms "$work/$name.json" 0)/$(ms "$work/$name.json" 1)))")"
}

echo "automata: $("$automata" version | head -1) ($automata)"
echo "machine:  $(nproc) cores, $(uname -r)"
echo

run3 "(1) chain of 200 'true'" "$work/chain200" 2 10
run3 "(2) 1000 independent + final, -j2" "$work/fan1000" 2 5
run3 "(3) one step (start-up)" "$work/chain1" 2 30

hyperfine -N --runs 30 --warmup 3 --export-json "$work/validate.json" \
  "$automata validate $work/chain1/wf.yaml" >/dev/null 2>&1
printf '%-34s automata %8s ms\n' "validate, small file (start-up)" "$(ms "$work/validate.json" 0)"

hyperfine -N --runs 5 --warmup 1 --export-json "$work/durable.json" --prepare "rm -rf $AUTOMATA_HOME" \
  "$automata --output plain --quiet run $work/durable1000.yaml" \
  "$automata validate $work/durable1000.yaml" >/dev/null 2>&1
d=$(ms "$work/durable.json" 0)
v=$(ms "$work/durable.json" 1)
printf '%-34s automata %8s ms   = %s ms per step; engine alone (minus loading the file, %s ms): %s ms per step\n' \
  "(4) chain of 1000 durable no-ops" "$d" "$(python3 -c "print('%.3f' % ($d/1000))")" "$v" \
  "$(python3 -c "print('%.3f' % (($d-$v)/1000))")"

# Per-step overhead: (chain time - one-step time) / 199.
python3 - "$work/(1) chain of 200 'true'.json" "$work/(3) one step (start-up).json" <<'PY'
import json, sys
chain = json.load(open(sys.argv[1]))['results']; one = json.load(open(sys.argv[2]))['results']
for i, tool in enumerate(['automata', 'ninja', 'make']):
    per = (chain[i]['median'] - one[i]['median']) / 199 * 1000
    print('%-34s %-8s %.3f ms per step' % ('(1) per-step overhead', tool, per))
PY

# Peak memory of (2).
rm -rf "$AUTOMATA_HOME"
/usr/bin/time -f '%M' -o "$work/rss" "$automata" --output plain --quiet -j 2 run "$work/fan1000/wf.yaml" >/dev/null
printf '%-34s automata %8s MB\n' "(2) peak memory (max RSS)" "$(python3 -c "print('%.1f' % ($(cat "$work/rss")/1024))")"

# Replay: status of a run with ~100,000 journal records.
rm -rf "$AUTOMATA_HOME"
"$automata" --output plain --quiet run --run-id big "$work/durable33333.yaml" >/dev/null
records=$(wc -l < "$AUTOMATA_HOME/runs/big/journal.jsonl")
hyperfine -N --runs 10 --warmup 1 --export-json "$work/status.json" \
  "$automata status big --output json" >/dev/null 2>&1
printf '%-34s automata %8s ms   (%s records)\n' "status of a 100k-record run" "$(ms "$work/status.json" 0)" "$records"
