#!/usr/bin/env bash
# usage: check_install.sh BUILD_DIR SOURCE_DIR  (environment: CC, CXX, the build's compilers)
# `meson install` of BUILD_DIR into a temporary DESTDIR, then what a user does with it:
# the installed `mpq` runs, and a C program against libmpq_fw.pc and a C++ program against
# libmpq.pc compile, link and run (consumer_fw.c, consumer_host.cpp). pkg-config finds the
# staged .pc files through PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR, the usual way of
# using a DESTDIR tree.
set -euo pipefail
build=$1
here=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage

meson install -C "$build" --no-rebuild --quiet --destdir "$stage"
pc=$(find "$stage" -name libmpq_fw.pc)
[ -n "$pc" ] && [ -f "$(dirname "$pc")/libmpq.pc" ] || { echo "install: no libmpq_fw.pc and libmpq.pc"; exit 1; }
for f in include/libmpq/runtime/mpq_fw.h include/libmpq/runtime/runtime.hpp include/libmpq/nn/model.hpp bin/mpq; do
  [ -n "$(find "$stage" -path "*/$f")" ] || { echo "install: $f missing"; exit 1; }
done
"$(find "$stage" -path '*/bin/mpq')" --help >/dev/null

export PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_SYSROOT_DIR=$stage
# shellcheck disable=SC2046 # pkg-config's flags are meant to be split
$CC -std=c99 -pedantic-errors -Wall -Wextra "$here/consumer_fw.c" -o "$tmp/consumer_fw" \
  $(pkg-config --cflags --libs libmpq_fw)
"$tmp/consumer_fw"
# shellcheck disable=SC2046
$CXX -std=c++17 -Wall -Wextra "$here/consumer_host.cpp" -o "$tmp/consumer_host" \
  $(pkg-config --cflags --libs --static libmpq)
"$tmp/consumer_host"
echo "install: ok"
