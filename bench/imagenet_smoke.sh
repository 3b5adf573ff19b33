#!/usr/bin/env bash
# bench/imagenet_smoke.sh: the ImageNet-scale path end to end, on a synthetic folder of
# ImageNet's shape, with time and peak memory (RSS) of every step.
#
#   1. bench/synthetic_imagenet.py writes DIR/data/{train,val}/<1000 classes>/ (JPEG,
#      some PNG and BMP, 256..500 px);
#   2. a float checkpoint with random weights: tools/export_torchvision_weights.py
#      (random mode) + `mpq import`, or, without PyTorch, `mpq train` for one batch;
#   3. `mpq eval` (float), one `mpq search` episode under stm32h743 (no re-ranking: one
#      episode has one policy; no final fine-tune), `mpq export` of the searched policy,
#      `mpq eval` of its fake-quant checkpoint (and, with --integer, of the integer blob:
#      slow);
#   4. a table: seconds, peak RSS, seconds per image (fine-tune step, fake-quant
#      validation and calibration from the search's own timing, float and fake-quant
#      evaluation from `mpq eval`), and the per-episode time.
#
# A benchmark, not a test: accuracies are those of random weights (0.1%). See
# docs/imagenet.md for figures measured with it. Exit status: 1 usage, 2 no mpq binary,
# 3 a step failed (its log is printed).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
MPQ=${MPQ:-$root/build/apps/mpq/mpq}
PYTHON=${PYTHON:-/usr/bin/python3}

dir=runs/imagenet-smoke
model=mobilenet_v1
width=1.0
size=224
classes=1000
train_per_class=2
val_per_class=1
threads=1
weights=auto
ft_batches=2
ft_batch=8
val_images=16
integer=0
search_args=

usage() {
  cat <<EOF
usage: bench/imagenet_smoke.sh [options]

  --dir DIR               work folder (default $dir); data is reused when its settings match
  --model NAME            mobilenet_v1 (default), mobilenet_v2 or mnasnet
  --width W               width multiplier (default $width)
  --size S                input 3xSxS (default $size)
  --classes N             class folders (default $classes)
  --train-per-class N     training images per class (default $train_per_class)
  --val-per-class N       val/ (test split) images per class (default $val_per_class)
  --threads T             mpq --threads (default $threads; 0 = all cores)
  --weights auto|torch|train  how to get the random float checkpoint (default auto:
                          torch when $PYTHON imports torch, else mpq train)
  --finetune-batches B    the search's short fine-tune: batches (default $ft_batches)
  --finetune-batch S      ... of S images (default $ft_batch)
  --val-images V          validation images per candidate (default $val_images)
  --integer               also evaluate the integer blob on the test split (slow)
  --search-args "ARGS"    more mpq search options, e.g. "--patch auto --patch-input stream
                          --inplace all" (export takes the stage and pairs from the
                          searched checkpoint)

Environment: MPQ (default build/apps/mpq/mpq), PYTHON (default /usr/bin/python3, needs
numpy and PIL; torch for --weights torch). Run it under 'nice' on a shared machine.
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --width) width=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --classes) classes=$2; shift 2 ;;
    --train-per-class) train_per_class=$2; shift 2 ;;
    --val-per-class) val_per_class=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --weights) weights=$2; shift 2 ;;
    --finetune-batches) ft_batches=$2; shift 2 ;;
    --finetune-batch) ft_batch=$2; shift 2 ;;
    --val-images) val_images=$2; shift 2 ;;
    --integer) integer=1; shift ;;
    --search-args) search_args=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "imagenet_smoke.sh: unknown option $1" >&2; usage >&2; exit 1 ;;
  esac
done

[ -x "$MPQ" ] || { echo "imagenet_smoke.sh: no mpq binary at $MPQ (build it, or set MPQ)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "imagenet_smoke.sh: needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
MPQ=$(cd "$(dirname "$MPQ")" && pwd)/$(basename "$MPQ")

mkdir -p "$dir"
cd "$dir"
data=data
model_flags="--model $model --width $width --input 3x${size}x${size} --classes $classes --stem imagenet"
train_images=$((classes * train_per_class))
test_images=$((classes * val_per_class))
# Validation split (held out of train/): enough for --val-images, at most a tenth.
val_size=$((train_images / 10))
[ "$val_size" -ge "$val_images" ] || val_size=$val_images
[ "$val_size" -lt "$train_images" ] || { echo "imagenet_smoke.sh: too few training images" >&2; exit 1; }

rows=()
# timed NAME CMD...: runs CMD with its output in NAME.log, its wall time and peak RSS in
# NAME.time; prints the log and stops on failure.
timed() {
  local name=$1; shift
  echo "== $name: $*"
  if ! /usr/bin/time -f "%e %M" -o "$name.time" "$@" > "$name.log" 2>&1; then
    cat "$name.log"; echo "imagenet_smoke.sh: step '$name' failed (log: $dir/$name.log)" >&2; exit 3
  fi
  grep -v '^episode [0-9]*/' "$name.log" | head -n 20 | sed 's/^/   /'
  read -r secs kb < "$name.time"
  rows+=("$name $secs $kb")
}
seconds_of() { awk '{print $1}' "$1.time"; }

# 1. Data.
stamp="classes=$classes train=$train_per_class val=$val_per_class seed=0"
if [ ! -f "$data/.stamp" ] || [ "$(cat "$data/.stamp")" != "$stamp" ]; then
  rm -rf "$data"
  timed data "$PYTHON" "$here/synthetic_imagenet.py" --out "$data" --classes "$classes" \
    --train "$train_per_class" --val "$val_per_class"
  echo "$stamp" > "$data/.stamp"
else
  echo "== data: reusing $dir/$data ($stamp)"
fi

# 2. A float checkpoint with random weights.
if [ "$weights" = auto ]; then
  if "$PYTHON" -c 'import torch, torchvision' 2>/dev/null; then weights=torch; else weights=train; fi
fi
rm -f float.mpqc
case "$weights" in
  torch)
    timed weights "$PYTHON" "$root/tools/export_torchvision_weights.py" $model_flags --seed 1 --out random.safetensors
    timed import "$MPQ" import $model_flags --weights random.safetensors --out float.mpqc ;;
  train)
    timed train "$MPQ" train $model_flags --data "$data" --val-size "$val_size" --epochs 1 --max-batches 1 \
      --batch 2 --threads "$threads" --out float.mpqc ;;
  *) echo "imagenet_smoke.sh: --weights auto|torch|train" >&2; exit 1 ;;
esac

common="--data $data --val-size $val_size --threads $threads"

# 3. Float evaluation, one search episode, export, fake-quant (and integer) evaluation.
timed eval_float "$MPQ" eval --checkpoint float.mpqc $common
rm -rf search
timed search "$MPQ" search --checkpoint float.mpqc $common --board stm32h743 --episodes 1 --warmup 1 \
  --random-search 0 --finetune-batches "$ft_batches" --finetune-batch "$ft_batch" --val-images "$val_images" \
  --rerank 0 --final-epochs 0 --no-shrunk --out search $search_args
timed export "$MPQ" export --checkpoint search/final/searched.mpqc --out searched.mpqm --c-source searched.c
timed eval_fakequant "$MPQ" eval --checkpoint search/final/searched.mpqc $common
if [ "$integer" = 1 ]; then
  timed eval_integer "$MPQ" eval --model searched.mpqm --checkpoint search/final/searched.mpqc $common
fi

# 4. Summary.
episode=$(sed -n 's/.* \([0-9.]*\) s\/episode.*/\1/p' search.log | tail -n 1)
read -r prep ft val < <(sed -n 's/^time in evaluations this run: \([0-9.]*\) s preparing + calibrating, \([0-9.]*\) s fine-tuning, \([0-9.]*\) s validating.*/\1 \2 \3/p' search.log) || true
echo
echo "ImageNet-shaped smoke: $model w$width 3x${size}x${size}, $classes classes, $train_images train" \
     "($val_size held out) + $test_images test images, --threads $threads, $(nproc) cores"
printf "%-16s %10s %12s\n" step seconds "peak RSS MB"
for r in "${rows[@]}"; do
  read -r name secs kb <<< "$r"
  printf "%-16s %10s %12d\n" "$name" "$secs" $((kb / 1024))
done
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 1000 * a / b }'; }
echo
echo "per image (ms, data loading included):"
echo "  float eval          $(per "$(seconds_of eval_float)" "$test_images")   (mpq eval, $test_images images)"
echo "  fake-quant eval     $(per "$(seconds_of eval_fakequant)" "$test_images")   (mpq eval, $test_images images)"
if [ "$integer" = 1 ]; then
  echo "  integer + fake-quant $(per "$(seconds_of eval_integer)" "$test_images")   (mpq eval --model, both paths)"
fi
echo "  fine-tune step      $(per "$ft" $((ft_batches * ft_batch)))   (search, $ft_batches x $ft_batch images)"
echo "  candidate val       $(per "$val" "$val_images")   (search, $val_images images)"
echo "  prepare+calibrate   ${prep} s per candidate (256 calibration images)"
echo "  one search episode  ${episode} s"
