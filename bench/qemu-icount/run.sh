#!/usr/bin/env bash
# Runs a Cortex-M firmware under qemu-system-arm with the icount plugin, which counts the
# instructions executed between its bench_begin() and bench_end() calls (README.md here).
#
# Usage: run.sh PLUGIN ELF [MACHINE]     (MACHINE: default mps2-an386, the Cortex-M4F board)
#
# The firmware's semihosting output goes to stdout and its exit status becomes run.sh's;
# the plugin's "icount ..." lines go to stderr when QEMU exits.
# Environment: ICOUNT_TIMEOUT=S (stop a hung firmware after S seconds, exit status 124),
# QEMU (default qemu-system-arm), NM (default arm-none-eabi-nm).
set -euo pipefail

die() { echo "mpq: error: run.sh: $*" >&2; exit 2; }

if [ $# -lt 2 ] || [ $# -gt 3 ]; then die "usage: run.sh PLUGIN ELF [MACHINE]"; fi
plugin=$1 elf=$2 machine=${3:-mps2-an386}
qemu=${QEMU:-qemu-system-arm}
nm=${NM:-arm-none-eabi-nm}
[ -f "$plugin" ] || die "$plugin: no such plugin (ninja -C BUILD bench/qemu-icount/libicount.so)"
[ -f "$elf" ] || die "$elf: no such file"
command -v "$qemu" >/dev/null || die "$qemu not found (tools/install-deps.sh installs qemu-system-arm)"
command -v "$nm" >/dev/null || die "$nm not found (tools/install-deps.sh installs gcc-arm-none-eabi)"

# A marker's address: its function symbol's value; the plugin drops the Thumb bit.
marker() {
  local value
  value=$("$nm" "$elf" | awk -v name="$1" '$3 == name && $2 ~ /^[TtWw]$/ { print $1; exit }')
  [ -n "$value" ] || die "$elf has no function $1 (extern \"C\", noipa, and called)"
  echo "0x$value"
}
begin=$(marker bench_begin)
end=$(marker bench_end)

# shellcheck disable=SC2054  # the commas separate QEMU option values
command=("$qemu" -M "$machine" -nographic -monitor none
  -semihosting-config enable=on,target=native -kernel "$elf"
  -plugin "$plugin,begin=$begin,end=$end")
[ -z "${ICOUNT_TIMEOUT:-}" ] || command=(timeout --foreground "$ICOUNT_TIMEOUT" "${command[@]}")
exec "${command[@]}"
