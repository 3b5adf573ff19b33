#!/usr/bin/env bash
# Steady-state training and batched-inference throughput of mpq's float runtime next to
# PyTorch's CPU build (MobileNetV1 0.25, 1x32x32, 10 classes), alternated in rounds on real
# Fashion-MNIST batches; medians and spread. Protocol: bench/steady_vs_pytorch.py, bench/README.md.
#
# usage: bench/steady_vs_pytorch.sh [--quick] [--rounds R] [--seconds S] [--batches 64,256]
#                                   [--threads 1,2] [--warmup N] [--warmup-config N] [--variants V,...] [--save FILE]
#        --quick: 2 rounds of 2 s windows, 100 warm-up steps (a few minutes; for a first look)
#        --variants: PyTorch variants among nchw, channels_last, nchw+ftz, channels_last+ftz
#                    (+ftz: torch.set_flush_denormal(True)); default nchw,channels_last,channels_last+ftz
# env:   MPQ     mpq binary        (default: <repo>/build/apps/mpq/mpq)
#        PYTHON  torch interpreter (default: /usr/bin/python3, Debian's python3-torch)
#        DATA    Fashion-MNIST IDX directory (default: /usr/share/datasets/fashion-mnist)
# exit:  0 ok, 1 usage, 2 mpq binary missing, 3 torch or data missing, 4 architectures differ
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mpq=${MPQ:-$(dirname "$here")/build/apps/mpq/mpq}
python=${PYTHON:-/usr/bin/python3}
data=${DATA:-/usr/share/datasets/fashion-mnist}
die() { echo "steady_vs_pytorch.sh: $2" >&2; exit "$1"; }

args=()
while (($#)); do
  case $1 in
    --quick) args+=(--rounds 2 --seconds 2 --warmup 100 --warmup-config 20); shift ;;
    --rounds|--seconds|--batches|--threads|--warmup|--warmup-config|--variants|--save|--infer-batch)
      [[ $# -ge 2 ]] || die 1 "$1 needs a value"; args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '5,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die 1 "unknown argument '$1' (see --help)" ;;
  esac
done

[[ -x $mpq ]] || die 2 "no mpq binary at $mpq; build it with 'ninja -C build apps/mpq/mpq' (or set MPQ=...)"
"$python" -c "import torch, numpy" 2>/dev/null ||
  die 3 "PyTorch is not importable from $python; install Debian's CPU build
  (apt-get install -y python3-torch) or set PYTHON=..."
[[ -f $data/train-images-idx3-ubyte.gz ]] ||
  die 3 "no Fashion-MNIST in $data; apt-get install -y dataset-fashion-mnist (or set DATA=...)"

# Same architecture layer by layer, or nothing is compared.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$mpq" info --json >"$tmp/mpq_info.json" || die 2 "mpq info failed"
if ! "$python" "$here/pytorch_bench.py" info --mpq-info "$tmp/mpq_info.json" >"$tmp/torch_info.json"; then
  "$python" -c 'import json, sys
for d in json.load(open(sys.argv[1])).get("differences", []): print("  " + d, file=sys.stderr)' \
    "$tmp/torch_info.json" || true
  die 4 "the PyTorch model is not the same architecture as mpq's; not comparing"
fi
echo "architecture: every conv/BN/linear layer matches mpq's (pytorch_bench.py info)" >&2

"$python" "$here/steady_vs_pytorch.py" --mpq "$mpq" --data "$data" "${args[@]}"
