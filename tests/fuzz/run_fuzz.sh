#!/usr/bin/env bash
# Runs one libFuzzer target for $MPQ_FUZZ_SECONDS seconds (default 20):
#   run_fuzz.sh TARGET_EXE NAME CORPUS_DIR INPUT_DIR...
# CORPUS_DIR keeps what the fuzzer found (so a later run starts from there); the input
# folders (seeds, regressions) are read only. Prints "fuzz NAME: N executions in S s";
# fails when the target crashes, leaks, times out on an input or breaks a property (the
# input is saved as CORPUS_DIR/../crash-NAME-*).
set -euo pipefail
exe=$1 name=$2 corpus=$3
shift 3
seconds=${MPQ_FUZZ_SECONDS:-20}
mkdir -p "$corpus"
log=$(dirname "$corpus")/$name.log
status=0
"$exe" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$(dirname "$corpus")/crash-$name-" "$corpus" "$@" >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
summary="fuzz $name: ${runs:-0} executions in $seconds s (corpus: $(ls "$corpus" | wc -l) inputs)"
[ "$status" -ne 0 ] && summary="$summary: FAILED (exit $status)"
echo "$summary"
echo "$summary" >>"$(dirname "$corpus")/summary.txt"
if [ "$status" -ne 0 ]; then
  awk '/^fuzz:|ERROR|runtime error|terminate called/ { shown = 1 } shown' "$log" | head -n 40
  exit "$status"
fi
