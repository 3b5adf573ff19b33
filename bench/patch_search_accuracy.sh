#!/usr/bin/env bash
# Issue 17's accuracy comparison: the default model searched with --patch auto against
# without, at the default budget (FLASH 112 KiB, RAM 12 KiB) and at a tighter RAM budget
# (10 KiB). Long (a float training, then four whole searches): meant to run niced in the
# background; every step resumes or skips what an earlier run finished. Results: the
# report.md of each search under $OUT (default runs/patch17). docs/results.md, "Patch
# stage in the search", reads them. SEARCH_ARGS adds the same options to all four searches
# (e.g. a shorter search: "--episodes 120 --warmup 40 --random-search 0 --no-shrunk"), so
# that the comparison stays one of equals. CONFIGS (default "none auto") names the runs
# per budget: none or auto is the --patch value, a "+all" or "+depthwise" suffix adds
# --inplace all or depthwise (e.g. CONFIGS="none auto+all none+all").
set -euo pipefail
cd "$(dirname "$0")/.."
MPQ=${MPQ:-build/apps/mpq/mpq}
OUT=${OUT:-runs/patch17}
THREADS=${THREADS:-1}
SEARCH_ARGS=${SEARCH_ARGS:-}
CONFIGS=${CONFIGS:-none auto}
# FLOAT: an existing float checkpoint to search instead of training one into $OUT.
FLOAT=${FLOAT:-}
mkdir -p "$OUT"
if [ -n "$FLOAT" ]; then
  float=$FLOAT
else
  float=$OUT/float.mpqc
fi
if [ -z "$FLOAT" ] && [ ! -f "$OUT/float.done" ]; then
  if [ -f "$OUT/float.mpqc" ]; then resume=--resume; else resume=; fi
  "$MPQ" train --threads "$THREADS" --out "$OUT/float.mpqc" $resume
  touch "$OUT/float.done"
fi
for ram in 12KiB 10KiB; do
  for config in $CONFIGS; do
    patch=${config%%+*}
    inplace=none
    [ "$patch" != "$config" ] && inplace=${config#*+}
    dir=$OUT/search-ram$ram-patch-$config
    [ -f "$dir/report.md" ] && continue
    if [ -f "$dir/search.state" ]; then resume=--resume; else resume=; fi
    "$MPQ" search --checkpoint "$float" --threads "$THREADS" --flash 112KiB --ram "$ram" \
      --patch "$patch" --inplace "$inplace" --out "$dir" $resume $SEARCH_ARGS
  done
done
