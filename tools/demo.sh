#!/usr/bin/env bash
# The README's main command: installs what is needed, builds, and runs the default
# pipeline end to end (`mpq demo`). Extra arguments go to `mpq demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
MPQ_WITH_FIRMWARE=${MPQ_WITH_FIRMWARE:-0} MPQ_WITH_FUZZ=${MPQ_WITH_FUZZ:-0} bash tools/install-deps.sh
bash tools/build.sh >/dev/null
exec build/apps/mpq/mpq demo "$@"
