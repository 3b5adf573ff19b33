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

if [ -x tools/firmware-test.sh ]; then
  if bash tools/firmware-test.sh; then :; else
    [ -f build-m4/meson-logs/testlog.json ] || failed=$((failed + 1))
  fi
  for log in build-m4/meson-logs/testlog.json build-m7/meson-logs/testlog.json build-example-m4/meson-logs/testlog.json; do
    [ -f "$log" ] && count_log "$log"
  done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
