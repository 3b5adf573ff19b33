#!/usr/bin/env bash
# Issue 13: uniform policies fine-tuned for the search report's final fine-tune length (1 epoch,
# `mpq search --final-epochs`), each with a recipe, then exported and evaluated on the integer
# path. One float checkpoint for every row (FLOAT, default runs/q13/float15.mpqc: the 15-epoch
# default model). Long: meant to run niced in the background, one thread per fine-tune, JOBS
# (default 1) fine-tunes at a time. Resumable: a row whose line is in the table is skipped, a
# row whose checkpoint exists is only exported and evaluated again; run the same command again.
# Table: TABLE (default bench/subbyte_final_finetune.tsv), one line per finished row.
# docs/quantization.md, "Measured at the final fine-tune length", reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
MPQ=${MPQ:-build/apps/mpq/mpq}
OUT=${OUT:-runs/q13}
FLOAT=${FLOAT:-$OUT/float15.mpqc}
TABLE=${TABLE:-bench/subbyte_final_finetune.tsv}
JOBS=${JOBS:-1}
EPOCHS=${EPOCHS:-1}
ONLY=${ONLY:-}  # space-separated row names: run only these (default: every row)
EXTRA=${EXTRA:-}  # more mpq finetune options for every row (a quick check: --max-batches 3)

# name | mpq finetune options | row whose checkpoint it starts from (progressive), or -
# In the order they are worth running: the issue's goals first (w2a4, w4a2, w2a2, w4a4).
RECIPE="--quantizer lsq --distill 0.5 --correct-statistics mean --fine-bias"
RECIPE_LP="--quantizer lsq-pact --distill 0.5 --correct-statistics mean --fine-bias"
ROWS=(
  "w2a4-lsq|--uniform-w 2 --uniform-a 4 --quantizer lsq|-"
  "w4a4-pact|--uniform 4 --quantizer pact|-"
  "w2a4-lsq-recipe|--uniform-w 2 --uniform-a 4 $RECIPE|-"
  "w4a2-pact-mean|--uniform-w 4 --uniform-a 2 --quantizer pact --correct-statistics mean|-"
  "w2a2-lsq-recipe|--uniform 2 $RECIPE|-"
  "w4a2-lsq-recipe|--uniform-w 4 --uniform-a 2 $RECIPE|-"
  "w4a4-pact-distill|--uniform 4 --quantizer pact --distill 0.5|-"
  "w2a2-lsq|--uniform 2 --quantizer lsq|-"
  "w8a8-pact|--uniform 8 --quantizer pact|-"
  "w4a2-lsq|--uniform-w 4 --uniform-a 2 --quantizer lsq|-"
  "w2a4-lsq-recipe-from-w4a4|--uniform-w 2 --uniform-a 4 $RECIPE|w4a4-pact"
  "w2a2-lsq-recipe-from-w2a4|--uniform 2 $RECIPE|w2a4-lsq-recipe"
  "w4a2-pact-mean-from-w4a4|--uniform-w 4 --uniform-a 2 --quantizer pact --correct-statistics mean|w4a4-pact"
  "w4a2-pact-recipe|--uniform-w 4 --uniform-a 2 --quantizer pact --distill 0.5 --correct-statistics mean --fine-bias|-"
  "w8a4-pact|--uniform-w 8 --uniform-a 4 --quantizer pact|-"
  "w4a8-pact|--uniform-w 4 --uniform-a 8 --quantizer pact|-"
  "w2a8-lsq-recipe|--uniform-w 2 --uniform-a 8 $RECIPE|-"
  "w8a2-pact-mean|--uniform-w 8 --uniform-a 2 --quantizer pact --correct-statistics mean|-"
  "w8a2-lsq-recipe|--uniform-w 8 --uniform-a 2 $RECIPE|-"
  "w4a4-pact-lr0.01|--uniform 4 --quantizer pact --lr 0.01|-"
  "w4a4-pact-mean-distill|--uniform 4 --quantizer pact --correct-statistics mean --distill 0.5|-"
  "w4a4-lsq-recipe|--uniform 4 $RECIPE|-"
  # Fifth session. Not uniform rows: the first conv and every depthwise conv at 4-bit weights,
  # the rest at 2 (bench/policies), --quantizer auto (the recipe).
  "w2a4-first-dw4|--policy bench/policies/w2a4_first_dw4.json|-"
  "w2a2-first-dw4|--policy bench/policies/w2a2_first_dw4.json|-"
  # Fifth session: initializations and PACT activations with LSQ weights (--quantizer lsq-pact).
  "w4a2-recipe-a2lsq|--uniform-w 4 --uniform-a 2 $RECIPE --activation-init lsq|-"
  "w2a4-recipe-wmse|--uniform-w 2 --uniform-a 4 $RECIPE --weight-step-init mse|-"
  "w4a2-recipe-a2p99.9|--uniform-w 4 --uniform-a 2 $RECIPE --activation-init p99.9|-"
  "w4a4-lsq-recipe-wmse|--uniform 4 $RECIPE --weight-step-init mse|-"
  "w2a4-recipe-wmsedw|--uniform-w 2 --uniform-a 4 $RECIPE --weight-step-init mse-depthwise|-"
  "w2a2-recipe-wmsedw|--uniform 2 $RECIPE --weight-step-init mse-depthwise|-"
  "w4a2-lsqpact-recipe|--uniform-w 4 --uniform-a 2 $RECIPE_LP|-"
  "w4a4-pact-mean-distill-lr0.003|--uniform 4 --quantizer pact --correct-statistics mean --distill 0.5 --lr 0.003|-"
  "w4a4-pact-mean-distill-lr0.0003|--uniform 4 --quantizer pact --correct-statistics mean --distill 0.5 --lr 0.0003|-"
  "w4a2-recipe-a2msewide|--uniform-w 4 --uniform-a 2 $RECIPE --activation-init mse-wide|-"
  "w4a4-lsqpact-recipe-wmse|--uniform 4 $RECIPE_LP --weight-step-init mse|-"
  # Sixth session: first and last layers at 8 bits (the first conv's and the classifier's
  # weights, and the classifier's input), the rest uniform (bench/policies), --quantizer auto.
  "w2a2-first-last8|--policy bench/policies/w2a2_first_last8.json|-"
  "w2a4-first-last8|--policy bench/policies/w2a4_first_last8.json|-"
  "w4a2-first-last8|--policy bench/policies/w4a2_first_last8.json|-"
  "w4a4-first-last8|--policy bench/policies/w4a4_first_last8.json|-"
)

mkdir -p "$OUT/claims" "$OUT/invocations" "$(dirname "$TABLE")"
# Claims of an earlier (killed) invocation are cleared, unless another invocation still runs
# (a second one, e.g. with ONLY, must not run what the first is running).
live=0
for f in "$OUT/invocations"/*; do
  [ -e "$f" ] || continue
  if kill -0 "$(basename "$f")" 2>/dev/null; then live=1; else rm -f "$f"; fi
done
[ $live = 0 ] && rm -rf "$OUT/claims"/*
touch "$OUT/invocations/$$"
trap 'rm -f "$OUT/invocations/$$"' EXIT
[ -f "$TABLE" ] || printf 'row\tepochs\toptions\tstart_from\tval_calibrated\tval\ttest_fake_quant\ttest_integer\ttop1_agreement\tseconds\n' >"$TABLE"

done_row() { cut -f1 "$TABLE" | grep -qx -- "$1"; }

run_row() {  # name options start
  local name=$1 options=$2 start=$3 q=$OUT/$1.mpqc t0=$SECONDS
  local log=$OUT/$name.log calibrated=- val=- from=()
  [ "$start" != - ] && from=(--start-from "$OUT/$start.mpqc")
  if [ ! -f "$q" ]; then
    # shellcheck disable=SC2086  # options are words
    nice -n 10 "$MPQ" finetune --checkpoint "$FLOAT" --threads 1 --epochs "$EPOCHS" $options $EXTRA "${from[@]}" \
      --out "$q" --json >"$log.json" 2>"$log" || return 1
    calibrated=$(jq -r '.val_accuracy_calibrated' "$log.json")
    val=$(jq -r '.val_accuracy' "$log.json")
  fi
  nice -n 10 "$MPQ" export --checkpoint "$q" --out "$OUT/$name.mpqm" >>"$log" 2>&1 || return 1
  nice -n 10 "$MPQ" eval --checkpoint "$q" --model "$OUT/$name.mpqm" --threads 1 --json >"$log.eval.json" 2>>"$log" || return 1
  local fq int agree
  fq=$(jq -r '.checkpoint_accuracy' "$log.eval.json")
  int=$(jq -r '.accuracy' "$log.eval.json")
  agree=$(jq -r '.top1_agreement' "$log.eval.json")
  (
    flock 9
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$EPOCHS" "$options" "$start" "$calibrated" "$val" \
      "$fq" "$int" "$agree" $((SECONDS - t0)) >>"$TABLE"
  ) 9>"$OUT/table.lock"
  echo "$name: fake-quant $fq, integer $int, agreement $agree"
}

worker() {
  while :; do
    local progressed=0 waiting=0
    for row in "${ROWS[@]}"; do
      IFS='|' read -r name options start <<<"$row"
      [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]] && continue
      done_row "$name" && continue
      if [ "$start" != - ] && ! done_row "$start"; then waiting=1; continue; fi
      mkdir "$OUT/claims/$name" 2>/dev/null || continue
      run_row "$name" "$options" "$start" || echo "$name: failed, see $OUT/$name.log" >&2
      progressed=1
      break
    done
    if [ $progressed = 0 ]; then
      [ $waiting = 0 ] && return 0
      sleep 30  # a progressive row waits for the row it starts from
    fi
  done
}

for ((j = 0; j < JOBS; ++j)); do worker & done
wait
