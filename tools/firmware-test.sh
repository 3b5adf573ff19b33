#!/usr/bin/env bash
# The Cortex-M firmware stage of the tests (tools/test.sh runs it after the host tests):
#  1. builds the host tree (tools/build.sh) and writes the model fixtures with it
#     (tests/firmware/host: the default model at uniform 8/4/2 bits and a mixed policy,
#     w8a8 and mixed also with a patch stage, w8a8 with it streaming its input
#     (w8a8_stream: apps/firmware reads the image window by window), MobileNetV2 with a
#     residual block inside
#     its stage (residual_patch), MobileNetV2 at width 0.0625 with every eligible depthwise
#     op in place (inplace) and with every eligible depthwise op and pointwise conv in
#     place, chained (inplace_all), a model with every window pool, real Fashion-MNIST test
#     images, the host runtime's outputs) into build-fw-fixtures/;
#  2. per core, configures (once) a bare-metal build with those fixtures, builds it and
#     runs its tests under QEMU: the kernel firmware tests and one firmware per model that
#     must print exactly the host's lines (build-m4: Cortex-M4F on mps2-an386, build-m7:
#     Cortex-M7 on mps2-an500);
#  3. builds examples/mcu-app (libmpq as a subproject, linking libmpq_fw) into
#     build-example-m4, runs it under QEMU and compares `mpq memory`'s code prediction
#     with its linked image (within 2%); builds it again into build-example-stream-m4 from
#     the same model exported with a streamed input (its reader draws the image window by
#     window) and requires the same codes, with `mpq memory`'s streamed arena;
#  4. installs build-m4's libmpq_fw (meson install into build-m4/install), builds
#     examples/cmake-app (CMake, the installed libmpq_fw found through pkg-config, the C
#     API) into build-cmake-app-m4, runs it under QEMU (ctest) and requires the codes
#     examples/mcu-app printed for the same model and image.
# Test results land in each build dir's meson-logs/testlog.json, and the CMake stage's in
# build-cmake-app-m4/testlog.json (tools/test.sh counts them).
# Exit status 1 if any step failed; every stage runs regardless.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fixtures=$root/build-fw-fixtures
jobs=${MPQ_FIRMWARE_JOBS:-2}
status=0

step() {  # step DESCRIPTION COMMAND...: runs it, reports a failure, never exits
  local what=$1
  shift
  if ! "$@"; then
    echo "firmware-test: FAILED: $what" >&2
    status=1
    return 1
  fi
}

quietly() {  # quietly COMMAND...: its output only when it fails
  local log
  log=$(mktemp)
  if "$@" >"$log" 2>&1; then rm -f "$log"; else cat "$log"; rm -f "$log"; return 1; fi
}

# test_build_dir DIR SOURCE CORE_CROSS_FILE OPTIONS...: set up (once) or reconfigure with
# OPTIONS, build, test.
test_build_dir() {
  local dir=$1 source=$2 core=$3
  shift 3
  local log=$dir/meson-logs/testlog.json
  rm -f "$log"  # never count a previous run's results
  echo "firmware-test: $dir"
  if [ -f "$dir/build.ninja" ]; then
    step "configure $dir" quietly meson setup --reconfigure "$dir" "$source" "$@"
  else
    step "set up $dir" quietly meson setup "$dir" "$source" --cross-file cross/arm-none-eabi.ini \
      --cross-file "$core" "$@"
  fi && step "build $dir" quietly ninja -C "$dir" -j "$jobs" && {
    step "test $dir" meson test -C "$dir" --num-processes "$jobs" --print-errorlogs
    return
  }
  # No tests ran: leave one failed result where tools/test.sh counts them.
  mkdir -p "$dir/meson-logs"
  echo '{"name": "firmware-test: set up and build '"$dir"'", "result": "FAIL"}' >"$log"
}

command -v arm-none-eabi-g++ >/dev/null && command -v qemu-system-arm >/dev/null || {
  echo "firmware-test: arm-none-eabi-g++ or qemu-system-arm missing (tools/install-deps.sh installs them)" >&2
  exit 1
}
step "host build" quietly bash tools/build.sh || exit 1
step "fixtures" build/tests/firmware/host/mpq_firmware_fixtures "$fixtures" || exit 1

for core in m4:cortex-m4f m7:cortex-m7; do
  test_build_dir "build-${core%%:*}" . "cross/${core#*:}.ini" -Dfirmware_fixtures="$fixtures" \
    -Dprefix="$root/build-${core%%:*}/install"
done

# The example project, as a user builds it: their model's C source and its exact arena.
arena=$(sed -n 's/^#define MPQ_MODEL_ARENA_BYTES \([0-9]*\)u$/\1/p' "$fixtures/w4a4/firmware_model.h")
test_build_dir build-example-m4 examples/mcu-app cross/cortex-m4f.ini \
  -Dmodel="$fixtures/w4a4/model_w4a4.c" -Darena_bytes="${arena:-65536}"

# The code prediction: `mpq memory`'s blob + libmpq_fw code for the board's core
# (mps2-an386: Cortex-M4, -O3 as build-example-m4) against that firmware's linker map, within
# 2% of the image (tools/check_code_prediction.py; docs/porting.md, "Whole image").
check_prediction() {
  build/apps/mpq/mpq memory --policy "$fixtures/w4a4/policy.json" --board mps2-an386 --json \
    >build-example-m4/memory.json &&
    python3 tools/check_code_prediction.py build-example-m4/memory.json build-example-m4/mcu_app.elf \
      build-example-m4/mcu_app.map model_w4a4
}
echo "firmware-test: code prediction against build-example-m4"
# Counted by tools/test.sh with the example's own test results.
if step "code prediction against build-example-m4 (tools/check_code_prediction.py)" check_prediction; then
  echo '{"name": "code prediction within 2% of mcu_app.elf", "result": "OK"}' >>build-example-m4/meson-logs/testlog.json
else
  echo '{"name": "code prediction within 2% of mcu_app.elf", "result": "FAIL"}' >>build-example-m4/meson-logs/testlog.json
fi

# The same model exported with a streamed input (fixture w4a4_stream: the stage `mpq export
# --patch auto --patch-input stream` picks for w4a4), built into a second example, as a user
# would for a camera: its reader draws the image window by window and must print the
# codes build-example-m4 printed from the whole image, with the arena `mpq memory` gives
# that export (no larger than the whole-image one). One small cross build: ccache serves
# libmpq_fw's objects from build-example-m4's.
stream_app=build-example-stream-m4
stream_arena=$(sed -n 's/^#define MPQ_MODEL_ARENA_BYTES \([0-9]*\)u$/\1/p' "$fixtures/w4a4_stream/firmware_model.h")
test_build_dir "$stream_app" examples/mcu-app cross/cortex-m4f.ini \
  -Dmodel="$fixtures/w4a4_stream/model_w4a4_stream.c" -Darena_bytes="${stream_arena:-65536}"
check_streamed_example() {  # the codes and the arena of the streamed example against the whole one's
  local pattern='s/^mcu-app: [0-9]* B model, \([0-9]*\) B arena; \(class .* output codes .*\)$/\1 \2/p'
  local whole streamed memory_ram
  whole=$(sed -n "$pattern" build-example-m4/meson-logs/testlog.txt 2>/dev/null | head -1)
  streamed=$(sed -n "$pattern" "$stream_app/meson-logs/testlog.txt" 2>/dev/null | head -1)
  memory_ram=$(build/apps/mpq/mpq memory --policy "$fixtures/w4a4/policy.json" --patch auto --patch-input stream \
    --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["ram_bytes"])')
  echo "firmware-test: $stream_app: arena ${streamed%% *} B (mpq memory --patch auto --patch-input stream:" \
    "${memory_ram:-?} B; whole image: ${whole%% *} B), ${streamed#* }"
  if [ -z "$whole" ] || [ -z "$streamed" ] || [ "${streamed#* }" != "${whole#* }" ]; then
    echo "firmware-test: the streamed example printed '${streamed#* }', the whole-image one '${whole#* }'" >&2
    return 1
  fi
  [ "${streamed%% *}" = "$memory_ram" ] && [ "${streamed%% *}" -le "${whole%% *}" ] || {
    echo "firmware-test: the streamed example's arena is not mpq memory's, or larger than the whole-image one's" >&2
    return 1
  }
}
# Counted by tools/test.sh with the streamed example's own test results.
if step "$stream_app prints build-example-m4's codes with mpq memory's streamed arena" check_streamed_example; then
  echo '{"name": "streamed mcu-app: whole-image codes, mpq memory arena", "result": "OK"}' \
    >>"$stream_app/meson-logs/testlog.json"
else
  echo '{"name": "streamed mcu-app: whole-image codes, mpq memory arena", "result": "FAIL"}' \
    >>"$stream_app/meson-logs/testlog.json"
fi

# The CMake project, as a CMake user builds it: libmpq_fw installed for the core, found
# through its .pc, the same model and arena as examples/mcu-app, whose printed codes it
# must give (the C API and the C++ runtime, two build systems, one result).
# Configured afresh every run (a few seconds): CMake caches what pkg-config found.
cmake_app=build-cmake-app-m4
cmake_log=$cmake_app/testlog.json
rm -rf "$cmake_app"
mkdir -p "$cmake_app"
record() {  # record NAME OK|FAIL: one result where tools/test.sh counts them
  echo '{"name": "cmake-app: '"$1"'", "result": "'"$2"'"}' >>"$cmake_log"
  [ "$2" = OK ] || { echo "firmware-test: FAILED: cmake-app: $1" >&2; status=1; }
}
echo "firmware-test: $cmake_app"
if ! command -v cmake >/dev/null; then
  record "cmake missing (tools/install-deps.sh installs it)" FAIL
elif ! { rm -rf build-m4/install && quietly meson install -C build-m4 --no-rebuild; }; then
  record "meson install of build-m4's libmpq_fw" FAIL
elif ! quietly cmake -S examples/cmake-app -B "$cmake_app" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/examples/cmake-app/arm-none-eabi-cortex-m4f.cmake" \
  -DCMAKE_PREFIX_PATH="$root/build-m4/install" -DMPQ_MODEL_C="$fixtures/w4a4/model_w4a4.c" \
  -DMPQ_ARENA_BYTES="${arena:-65536}" || ! quietly cmake --build "$cmake_app" -j "$jobs"; then
  record "configure and build against the installed libmpq_fw" FAIL
else
  record "configure and build against the installed libmpq_fw" OK
  if ctest --test-dir "$cmake_app" --output-on-failure -V >"$cmake_app/ctest.log" 2>&1; then
    record "runs under QEMU" OK
  else
    cat "$cmake_app/ctest.log"
    record "runs under QEMU" FAIL
  fi
  got=$(sed -n 's/^.*cmake-app: \(.* output codes .*\)$/\1/p' "$cmake_app/ctest.log")
  want=$(sed -n 's/^mcu-app: \(.* output codes .*\)$/\1/p' build-example-m4/meson-logs/testlog.txt 2>/dev/null | head -1)
  echo "firmware-test: cmake-app: $got"
  if [ -n "$got" ] && [ "$got" = "$want" ]; then
    record "prints examples/mcu-app's codes" OK
  else
    echo "firmware-test: cmake-app printed '$got', examples/mcu-app '$want'" >&2
    record "prints examples/mcu-app's codes" FAIL
  fi
fi

[ "$status" -eq 0 ] && echo "firmware-test: all stages passed" || echo "firmware-test: some stages failed" >&2
exit "$status"
