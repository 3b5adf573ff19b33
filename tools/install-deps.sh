#!/usr/bin/env bash
# Installs every Debian package libmpq needs to build, test and run its default example.
# Idempotent; needs root (apt-get). Skips apt-get when everything is already there.
set -euo pipefail
packages=(
  build-essential meson ninja-build pkg-config ccache
  libeigen3-dev libtbb-dev libboost-program-options-dev libboost-test-dev
  libstb-dev nlohmann-json3-dev zlib1g-dev
  dataset-fashion-mnist
  # mpq import --onnx: ONNX's generated protobuf classes and protobuf (docs/import.md)
  libonnx-dev libprotobuf-dev
  # tests/io/make_onnx_fixtures.py: the ONNX import's fixtures, exported by PyTorch
  python3-torch python3-onnx
  # ... and torchvision's mobilenet_v2 among them, as torchvision defines it
  python3-torchvision
  # tests/io/test_onnx_conformance.cpp: ONNX's own backend node and PyTorch tests, a
  # suite nobody here wrote, that the float import and inference must match (docs/import.md)
  libonnx-testdata
  # mpirun -np N mpq search: the search's evaluations on the ranks of an MPI job
  # (-Dmpi, docs/scale-out.md); mpirun runs the cli_mpi test
  libopenmpi-dev openmpi-bin
)
if [ "${MPQ_WITH_FUZZ:-1}" = 1 ]; then
  # tools/test.sh's sanitizer and fuzz tree (tools/fuzz.sh): clang with libFuzzer and the
  # ASan/UBSan runtimes (libclang-rt-dev; clang only recommends it).
  packages+=(clang libclang-rt-dev)
fi
if [ "${MPQ_WITH_FIRMWARE:-1}" = 1 ]; then
  packages+=(gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm)
  # The benchmarks' QEMU plugin (bench/qemu-icount) is built with build-essential's gcc; its
  # header comes from Debian's qemu source package, an .orig.tar.xz (xz-utils unpacks it).
  packages+=(xz-utils)
  # examples/cmake-app, the CMake consumer of an installed libmpq_fw that
  # tools/firmware-test.sh builds (CMake's FindPkgConfig and ctest).
  packages+=(cmake)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
