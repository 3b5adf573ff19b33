#!/usr/bin/env bash
# The code prediction against linked firmware (docs/porting.md, "Whole image"): builds
# examples/mcu-app (the blob's generated kernel table, --gc-sections) for the fixture models
# w8a8, w4a4, w2a2 and mixed on Cortex-M4F and Cortex-M7 at the default -O3 and compares
# `mpq memory --policy P --cpu CORE --json` with each ELF (tools/check_code_prediction.py).
# Needs the host build (build/) and the fixtures tools/firmware-test.sh writes
# (build-fw-fixtures/); build dirs build-code-prediction-<core>-<model>, kept for reruns.
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=$PWD/build-fw-fixtures
[ -f "$fixtures/manifest.txt" ] || { echo "bench/code_prediction.sh: run tools/firmware-test.sh first" >&2; exit 1; }
status=0
for core in cortex-m4f:cortex-m4 cortex-m7:cortex-m7; do
  for model in w8a8 w4a4 w2a2 mixed; do
    dir=build-code-prediction-${core%%:*}-$model
    arena=$(sed -n 's/^#define MPQ_MODEL_ARENA_BYTES \([0-9]*\)u$/\1/p' "$fixtures/$model/firmware_model.h")
    [ -f "$dir/build.ninja" ] || meson setup "$dir" examples/mcu-app --cross-file cross/arm-none-eabi.ini \
      --cross-file "cross/${core%%:*}.ini" -Dmodel="$fixtures/$model/model_$model.c" -Darena_bytes="$arena" >/dev/null
    nice ninja -C "$dir" >/dev/null
    build/apps/mpq/mpq memory --policy "$fixtures/$model/policy.json" --cpu "${core#*:}" --flash 4MiB --ram 4MiB \
      --json >"$dir/memory.json"
    echo "== ${core#*:} $model"
    python3 tools/check_code_prediction.py "$dir/memory.json" "$dir/mcu_app.elf" "$dir/mcu_app.map" "model_$model" ||
      status=1
  done
done
exit $status
