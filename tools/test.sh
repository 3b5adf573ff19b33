#!/usr/bin/env bash
# The README's test command: installs what is needed, builds, runs every test suite
# (host, and the Cortex-M firmware tests under QEMU when they exist), and ends with
# one line "N passed, N failed" counted from the test results. Exit status 1 on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
bash tools/build.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
count_log() {  # $1: meson testlog.json
  local p f
  p=$(grep -c '"result": "OK"' "$1" || true)
  f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$1" || true)
  passed=$((passed + p))
  failed=$((failed + f))
}

meson test -C build --print-errorlogs --num-processes 2
count_log build/meson-logs/testlog.json

# The sanitizer and fuzz tree (tools/fuzz.sh, docs/reliability.md), when clang can link
# libFuzzer (tools/install-deps.sh installs it): every host suite again under ASan and
# UBSan (-t 5: cli and search run several times longer), the fuzz targets on their seeds
# and regression inputs, and each fuzz target for MPQ_FUZZ_SECONDS (default 20).
# MPQ_WITH_FUZZ=0 skips it.
if [ "${MPQ_WITH_FUZZ:-1}" = 1 ] &&
  echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
  clang++ -fsanitize=fuzzer,address -x c++ - -o /dev/null 2>/dev/null; then
  if bash tools/fuzz.sh --build; then
    # A fixed libFuzzer seed (tests/fuzz/run_fuzz.sh): the verdict does not hang on luck.
    MPQ_FUZZ_SECONDS=${MPQ_FUZZ_SECONDS:-20} MPQ_FUZZ_SEED=${MPQ_FUZZ_SEED:-1} meson test -C build-fuzz --print-errorlogs --num-processes 2 -t 5
    count_log build-fuzz/meson-logs/testlog.json
  else
    echo "sanitizer/fuzz build failed"
    failed=$((failed + 1))
  fi
fi

if [ -x tools/firmware-test.sh ]; then
  if bash tools/firmware-test.sh; then :; else
    [ -f build-m4/meson-logs/testlog.json ] || failed=$((failed + 1))
  fi
  for log in build-m4/meson-logs/testlog.json build-m7/meson-logs/testlog.json build-example-m4/meson-logs/testlog.json \
    build-example-stream-m4/meson-logs/testlog.json build-cmake-app-m4/testlog.json; do
    [ -f "$log" ] && count_log "$log"
  done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
