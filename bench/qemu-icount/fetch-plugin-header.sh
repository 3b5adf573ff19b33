#!/usr/bin/env bash
# Writes QEMU's plugin header (qemu-plugin.h) to OUTPUT, for building icount.c.
#
# Usage: fetch-plugin-header.sh OUTPUT
#
# No Debian binary package ships qemu-plugin.h, so it comes from the Debian source package
# of the installed qemu-system-arm: a throw-away apt configuration (in a temporary
# directory; the system's apt configuration and lists stay untouched) mirrors each `deb`
# entry of the system as `deb-src`, `apt-get source --download-only` fetches the source
# (about 24 MB, once: the build tree keeps OUTPUT) and only include/qemu/qemu-plugin.h is
# extracted from it. The header is GPL-2.0-or-later, so it is fetched, never kept in the
# repository. Set QEMU_PLUGIN_H=/path/to/qemu-plugin.h to use a header you have instead
# (it must match the installed QEMU's plugin API).
set -euo pipefail

die() { echo "mpq: error: fetch-plugin-header: $*" >&2; exit 1; }
say() { echo "fetch-plugin-header: $*" >&2; }

[ $# -eq 1 ] || die "usage: fetch-plugin-header.sh OUTPUT"
output=$1

if [ -n "${QEMU_PLUGIN_H:-}" ]; then
  [ -f "$QEMU_PLUGIN_H" ] || die "QEMU_PLUGIN_H=$QEMU_PLUGIN_H: no such file"
  cp "$QEMU_PLUGIN_H" "$output.tmp" && mv "$output.tmp" "$output"
  exit 0
fi

command -v apt-get >/dev/null ||
  die "no apt-get to fetch qemu-plugin.h from Debian's qemu source; set QEMU_PLUGIN_H"
# The source version (epoch included) of the QEMU that will load the plugin.
version=$(dpkg-query -W -f='${source:Version}' qemu-system-arm 2>/dev/null) ||
  die "qemu-system-arm is not installed (tools/install-deps.sh installs it)"

tmp=$(mktemp -d -t mpq-qemu-src.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/parts" "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src"

# deb -> deb-src, in both apt formats: one-line *.list entries and deb822 *.sources files.
touch "$tmp/sources.list"
for list in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$list" ] && sed -n 's/^[[:space:]]*deb[[:space:]]\+/deb-src /p' "$list" >>"$tmp/sources.list"
done
for sources in /etc/apt/sources.list.d/*.sources; do
  [ -f "$sources" ] && sed 's/^Types:.*$/Types: deb-src/' "$sources" >"$tmp/parts/${sources##*/}"
done

apt=(apt-get -q
  -o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=$tmp/parts"
  -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o "Debug::NoLocking=1")
# As root apt drops to the _apt user for downloads, who cannot write into the 0700
# temporary directory: download as root there (unprivileged users download as themselves).
[ "$(id -u)" -ne 0 ] || apt+=(-o "APT::Sandbox::User=root")

say "reading Debian's source indexes (temporary apt configuration in $tmp)"
# A third-party repository without sources fails its part of the update only.
"${apt[@]}" update >&2 || say "apt-get update reported errors; trying the download anyway"

say "downloading the qemu source package $version"
# Older point releases leave the archive; any bookworm qemu 7.2 has the same plugin API.
(cd "$tmp/src" && { "${apt[@]}" source --download-only "qemu=$version" >&2 ||
  { say "qemu=$version is no longer in the archive; taking the current qemu source"
    "${apt[@]}" source --download-only qemu >&2; }; }) ||
  die "apt-get source qemu failed (is the Debian archive reachable?); or set QEMU_PLUGIN_H"

tarball=$(find "$tmp/src" -maxdepth 1 -name 'qemu_*.orig.tar.*' | head -n 1)
[ -n "$tarball" ] || die "the qemu source package has no orig tarball"
tar -xf "$tarball" -C "$tmp/src" --wildcards '*/include/qemu/qemu-plugin.h' ||
  die "${tarball##*/} has no include/qemu/qemu-plugin.h"
header=$(find "$tmp/src" -path '*/include/qemu/qemu-plugin.h' | head -n 1)
cp "$header" "$output.tmp" && mv "$output.tmp" "$output"
say "wrote $output (from ${tarball##*/})"
