#!/usr/bin/env bash
# Runs one fuzz target; folders that do not exist (a target without regression inputs
# yet) are left out, so adding tests/fuzz/regressions/<target>/ needs no reconfigure.
#   run_fuzz.sh replay TARGET_EXE INPUT_DIR...
#     runs the target once on every input (libFuzzer's -runs=0, or replay_main.cpp).
#   run_fuzz.sh fuzz TARGET_EXE NAME CORPUS_DIR INPUT_DIR...
#     fuzzes for $MPQ_FUZZ_SECONDS seconds (default 20), from libFuzzer's random seed
#     $MPQ_FUZZ_SEED when it is set. The test command sets it: every machine then tries the
#     same inputs in the same order and differs only in how far it gets, so that a new find
#     shows up on a longer run here before it can fail CI by luck; tools/fuzz.sh leaves it
#     unset, so that each campaign explores afresh. CORPUS_DIR keeps what the fuzzer
#     found (a later run starts from there); the input folders (seeds, regressions) are
#     read only. Prints "fuzz NAME: N executions in S s"; fails when the target crashes,
#     leaks, times out on an input or breaks a property (the input is saved as
#     CORPUS_DIR/../crash-NAME-*).
set -euo pipefail
mode=$1
shift
if [ "$mode" = replay ]; then
  exe=$1
  shift
  inputs=()
  for d in "$@"; do [ -e "$d" ] && inputs+=("$d"); done
  # libFuzzer exits 77 on a crash by default, which meson counts as a skipped test: any
  # failure becomes exit 1.
  "$exe" -runs=0 "${inputs[@]}" || exit 1
  exit 0
fi
exe=$1 name=$2 corpus=$3
shift 3
inputs=()
for d in "$@"; do [ -e "$d" ] && inputs+=("$d"); done
seconds=${MPQ_FUZZ_SECONDS:-20}
fixed=()
[ -n "${MPQ_FUZZ_SEED:-}" ] && fixed=(-seed="$MPQ_FUZZ_SEED")
mkdir -p "$corpus"
log=$(dirname "$corpus")/$name.log
status=0
"$exe" "${fixed[@]}" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$(dirname "$corpus")/crash-$name-" "$corpus" "${inputs[@]}" >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
summary="fuzz $name: ${runs:-0} executions in $seconds s${MPQ_FUZZ_SEED:+ from seed $MPQ_FUZZ_SEED} (corpus: $(ls "$corpus" | wc -l) inputs)"
[ "$status" -ne 0 ] && summary="$summary: FAILED (exit $status)"
echo "$summary"
echo "$summary" >>"$(dirname "$corpus")/summary.txt"
if [ "$status" -ne 0 ]; then
  awk '/^fuzz:|ERROR|runtime error|terminate called/ { shown = 1 } shown' "$log" | head -n 40
  exit 1  # not libFuzzer's own code: 77 (its crash exit) would read as "skipped" to meson
fi
