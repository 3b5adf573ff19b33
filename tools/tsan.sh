#!/usr/bin/env bash
# The ThreadSanitizer tree, build-tsan: clang with -fsanitize=thread, and the suites whose
# code runs on several threads (tbb::parallel_for in tensor, nn, train, data and search),
# with the suppressions of tests/tsan.supp (docs/reliability.md says what each one hides
# and why). Not part of tools/test.sh: a third full build and over half an hour of CPU.
#   bash tools/tsan.sh [SUITE...]   builds and runs the given suites (default: all five);
#                                   extra meson test arguments after --, e.g.
#                                   bash tools/tsan.sh nn -- --test-args=--run_test=conv2d
# Any report fails its suite (halt_on_error is off so that one run lists all of them;
# exitcode makes a reported race a failure). Test tsan_planted_race runs first: a race
# planted in a parallel_for body, which must be reported (it passes when TSan fails it),
# so that a clean suite means no race rather than a blind TSan.
set -euo pipefail
cd "$(dirname "$0")/.."
suites=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do suites+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
[ ${#suites[@]} -gt 0 ] || suites=(tensor nn train data search)
if [ ! -f build-tsan/build.ninja ]; then
  # b_lundef=false: clang's sanitizer runtimes are linked into executables only.
  # code_size=disabled: the release build measures libmpq_fw's code; this one need not.
  CC=clang CXX=clang++ meson setup build-tsan --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false \
    -Dcode_size=disabled -Dcpp_args=-gline-tables-only >/dev/null
fi
targets=(tests/tensor/tsan_planted_race)
tests=()
for s in "${suites[@]}"; do
  targets+=("tests/$s/test_$s")
  tests+=("$s")
  [ "$s" = search ] && tests+=(search_compare)  # tests/search/meson.build: two tests
done
nice ninja -C build-tsan "${targets[@]}"
# -t 10: under TSan the suites run 5 to 15 times slower than in the release build.
TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=0 exitcode=66 ${TSAN_OPTIONS:-}" \
  nice meson test -C build-tsan --no-rebuild --print-errorlogs --num-processes 1 -t 10 tsan_planted_race "${tests[@]}" "$@"
