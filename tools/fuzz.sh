#!/usr/bin/env bash
# The fuzz tree, build-fuzz: clang with libFuzzer, ASan and UBSan (fatal), every host test
# suite plus the fuzz targets of tests/fuzz (docs/reliability.md).
#   bash tools/fuzz.sh [SECONDS]   builds it and runs every fuzz target for SECONDS each
#                                  (default 60), printing the executions per target; each
#                                  continues from the corpus earlier runs left in
#                                  build-fuzz/tests/fuzz/corpus/<target>
#   bash tools/fuzz.sh --build     only configures (once) and builds it (tools/test.sh)
# A crash fails its target and leaves the input in build-fuzz/tests/fuzz/corpus/crash-<target>-*.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build-fuzz/build.ninja ]; then
  # b_lundef=false: clang's sanitizer runtimes are linked into executables only.
  # code_size=disabled: the release build measures libmpq_fw's code; this one need not.
  CC=clang CXX=clang++ meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dcode_size=disabled \
    "-Dcpp_args=-fno-sanitize-recover=all -gline-tables-only" \
    -Dcpp_link_args=-fno-sanitize-recover=all >/dev/null
fi
nice ninja -C build-fuzz ${MPQ_NINJA_JOBS:+-j "$MPQ_NINJA_JOBS"}
[ "${1:-}" = --build ] && exit 0

seconds=${1:-60}
rm -f build-fuzz/tests/fuzz/corpus/summary.txt
status=0
MPQ_FUZZ_SECONDS=$seconds meson test -C build-fuzz --suite fuzz --num-processes "${MPQ_FUZZ_JOBS:-1}" \
  --print-errorlogs >/dev/null || status=$?
cat build-fuzz/tests/fuzz/corpus/summary.txt
grep -E '^(Ok|Fail|Timeout):' build-fuzz/meson-logs/testlog.txt | tail -3 || true
exit "$status"
