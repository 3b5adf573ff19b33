#!/usr/bin/env bash
# Float training and inference throughput of mpq's runtime next to PyTorch's CPU build,
# same architecture, same machine, same thread count, one run. See bench/README.md.
#
# usage: bench/train_vs_pytorch.sh [--model M] [--width W] [--input CxHxW] [--classes K]
#                                  [--threads T] [--batches "64 256"] [--seconds S]
#                                  [--wait-idle SECONDS] [--json] [--save FILE]
#        --wait-idle: before each figure, wait up to SECONDS for the CPU to be < 25% busy
#        --json: print the result as JSON instead of a table; --save: also write it to FILE
# env:   MPQ     mpq binary        (default: <repo>/build/apps/mpq/mpq)
#        PYTHON  torch interpreter (default: /usr/bin/python3, Debian's python3-torch)
# exit:  0 ok, 1 usage, 2 mpq binary missing, 3 torch missing, 4 architectures differ,
#        5 a measurement failed
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
mpq=${MPQ:-$root/build/apps/mpq/mpq}
python=${PYTHON:-/usr/bin/python3}

model=mobilenet_v1 width=0.25 input=1x32x32 classes=10 threads=2 batches="64 256" seconds=3 wait_idle=0 json=0 save=

usage() { sed -n '5,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "train_vs_pytorch.sh: $2" >&2; exit "$1"; }
log() { [[ $json == 1 ]] || echo "$*" >&2; }

while (($#)); do
  case $1 in
    --model) model=${2:?--model needs a value}; shift 2 ;;
    --width) width=${2:?--width needs a value}; shift 2 ;;
    --input) input=${2:?--input needs a value}; shift 2 ;;
    --classes) classes=${2:?--classes needs a value}; shift 2 ;;
    --threads) threads=${2:?--threads needs a value}; shift 2 ;;
    --batches) batches=${2:?--batches needs a value}; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --wait-idle) wait_idle=${2:?--wait-idle needs a value}; shift 2 ;;
    --json) json=1; shift ;;
    --save) save=${2:?--save needs a file}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die 1 "unknown argument '$1'" ;;
  esac
done
[[ $threads =~ ^[0-9]+$ ]] || die 1 "--threads: expected a whole number, got '$threads'"
((threads > 0)) || threads=$(nproc)
for b in $batches; do [[ $b =~ ^[1-9][0-9]*$ ]] || die 1 "--batches: expected positive integers, got '$b'"; done
[[ -n ${batches// /} ]] || die 1 "--batches: empty"
[[ $wait_idle =~ ^[0-9]+$ ]] || die 1 "--wait-idle: expected whole seconds, got '$wait_idle'"
[[ $seconds =~ ^[0-9]+(\.[0-9]+)?$ ]] || die 1 "--seconds: expected a number like 3 or 0.5, got '$seconds'"

# --- prerequisites -------------------------------------------------------------------
for tool in jq column; do command -v $tool >/dev/null || die 1 "needs '$tool' (apt-get install -y jq bsdextrautils)"; done
[[ -x $mpq ]] || die 2 "no mpq binary at $mpq; build it with 'ninja -C build apps/mpq/mpq' (or set MPQ=...)"
need="import torch"
[[ $model == mobilenet_v1 ]] || need="import torch, torchvision"
if ! "$python" -c "$need" 2>/dev/null; then
  die 3 "PyTorch is not importable from $python ('$need' failed).
  Install Debian's CPU build: apt-get install -y python3-torch python3-torchvision
  (or point PYTHON=... at an interpreter that has torch$([[ $model == mobilenet_v1 ]] || echo ' and torchvision'))."
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--model "$model" --width "$width" --input "$input" --classes "$classes")

# --- same architecture? --------------------------------------------------------------
"$mpq" info "${common[@]}" --json >"$tmp/mpq_info.json" || die 5 "mpq info failed"
set +e
"$python" "$here/pytorch_bench.py" info "${common[@]}" --mpq-info "$tmp/mpq_info.json" >"$tmp/torch_info.json"
rc=$?
set -e
((rc == 0 || rc == 2)) || die 5 "pytorch_bench.py info failed"
arch=$(jq -n --slurpfile m "$tmp/mpq_info.json" --slurpfile t "$tmp/torch_info.json" \
  '{name: $m[0].model, mpq: {params: $m[0].params, macs: $m[0].macs},
    torch: {params: $t[0].params, macs: $t[0].macs}, differences: $t[0].differences}')
log "$(jq -r '"architecture \(.name): mpq \(.mpq.params) params, \(.mpq.macs) MACs/image; " +
              "torch \(.torch.params) params, \(.torch.macs) MACs/image; " +
              (if (.differences | length) == 0 then "all conv/BN/linear layers match"
               else "\(.differences | length) layer differences" end)' <<<"$arch")"
if ((rc == 2)); then
  jq -r '.differences[] | "  " + .' <<<"$arch" >&2
  die 4 "the PyTorch model is not the same architecture as mpq's; not comparing"
fi

# --- measurements (one after the other: the two sides never share the CPU) -------------
# Other processes skew these figures, multi-threaded PyTorch (OpenMP barriers) far more
# than mpq (TBB work stealing), so the share of CPU busy just before each figure is kept.
cpu_busy() {  # percent of all cores busy over the next half second (we are idle meanwhile)
  local u1 n1 s1 i1 w1 q1 r1 t1 u2 n2 s2 i2 w2 q2 r2 t2
  read -r _ u1 n1 s1 i1 w1 q1 r1 t1 _ </proc/stat
  sleep 0.5
  read -r _ u2 n2 s2 i2 w2 q2 r2 t2 _ </proc/stat
  local busy=$(((u2 + n2 + s2 + q2 + r2 + t2) - (u1 + n1 + s1 + q1 + r1 + t1)))
  local idle=$(((i2 + w2) - (i1 + w1)))
  echo $((100 * busy / (busy + idle > 0 ? busy + idle : 1)))
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
busy=()
run() {  # run NAME CMD...: stores CMD's JSON in $tmp/NAME.json
  local name=$1; shift
  local b waited=0; b=$(cpu_busy)
  while ((b >= 25 && waited < wait_idle)); do
    sleep 4.5; waited=$((waited + 5)); b=$(cpu_busy)
  done
  busy+=("$b")
  log "  $name (CPU busy before: $b%) ..."
  "$@" >"$tmp/$name.json" || die 5 "measurement '$name' failed: $*"
}
for b in $batches; do
  log "batch $b, $threads threads, >= $seconds s per figure"
  run "mpq_train_$b" "$mpq" bench train "${common[@]}" --batch "$b" --threads "$threads" --seconds "$seconds" --json
  run "mpq_infer_$b" "$mpq" bench infer "${common[@]}" --batch "$b" --threads "$threads" --seconds "$seconds" --json
  for layout in nchw channels_last; do
    for mode in train infer; do
      run "torch_${mode}_${layout}_$b" "$python" "$here/pytorch_bench.py" "$mode" "${common[@]}" --batch "$b" \
        --threads "$threads" --seconds "$seconds" --layout "$layout"
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- result ---------------------------------------------------------------------------
rows=()
for b in $batches; do
  for layout in nchw channels_last; do
    rows+=("$(jq -n --argjson batch "$b" --arg layout "$layout" \
      --slurpfile mt "$tmp/mpq_train_$b.json" --slurpfile mi "$tmp/mpq_infer_$b.json" \
      --slurpfile tt "$tmp/torch_train_${layout}_$b.json" --slurpfile ti "$tmp/torch_infer_${layout}_$b.json" '
      def fig(t; i): {train: t.images_per_second, infer_batch1: i.images_per_second_batch1,
                      infer_batchN: i.images_per_second, latency_ms_batch1: i.latency_ms_batch1};
      fig($mt[0]; $mi[0]) as $m | fig($tt[0]; $ti[0]) as $t |
      {batch: $batch, torch_layout: $layout, mpq: $m, torch: $t,
       ratio: {train: ($m.train / $t.train), infer_batch1: ($m.infer_batch1 / $t.infer_batch1),
               infer_batchN: ($m.infer_batchN / $t.infer_batchN)}}')")
  done
done
buildopts=$root/build/meson-info/intro-buildoptions.json
mpq_build=null
if [[ -z ${MPQ:-} && -f $buildopts ]]; then
  mpq_build=$(jq -c '[.[] | select(.name == "buildtype" or .name == "native_arch") | {(.name): .value}] | add' "$buildopts")
fi
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] || commit+=" + uncommitted changes"
result=$(printf '%s\n' "${rows[@]}" | jq -s --arg commit "$commit" \
  --argjson arch "$arch" --argjson threads "$threads" --argjson seconds "$seconds" \
  --argjson mpq_build "$mpq_build" \
  --arg torch "$(jq -r .torch "$tmp/torch_info.json")" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" --argjson cores "$(nproc)" \
  --arg load_before "$load_before" --arg load_after "$load_after" \
  --argjson busy "$(printf '%s\n' "${busy[@]}" | jq -s -c .)" '
  {model: $arch.name, architecture: $arch, threads: $threads, seconds_per_figure: $seconds,
   torch_version: $torch, mpq_build: $mpq_build, source_commit: $commit,
   machine: {date: $date, cpu: $cpu, cores: $cores, loadavg_before: $load_before, loadavg_after: $load_after,
             cpu_busy_percent_before_each_figure: $busy, busy: ($busy | max >= 25)},
   ratio_is: "mpq images/s divided by torch images/s (> 1: mpq faster)", results: .}')

[[ -z $save ]] || echo "$result" >"$save"
if [[ $json == 1 ]]; then
  echo "$result"
  exit 0
fi
echo
jq -r '"\(.model), \(.threads) threads, torch \(.torch_version), \(.machine.cores) cores, " +
       "load \(.machine.loadavg_before) -> \(.machine.loadavg_after)"' <<<"$result"
echo "images/s; ratio = mpq / torch (> 1: mpq faster); mpq runs NHWC, torch layout per row"
jq -r '.machine | "CPU busy with other work just before each figure: \(.cpu_busy_percent_before_each_figure | min)% .. " +
       "\(.cpu_busy_percent_before_each_figure | max)%" +
       (if .busy then "  -- WARNING: the machine was not idle; multi-threaded figures (PyTorch'"'"'s OpenMP above all) are unreliable" else "" end)' <<<"$result"
{
  printf 'model\tbatch\tthreads\ttorch layout\tmpq train\ttorch train\tratio\tmpq infer b1\ttorch infer b1\tratio\tmpq infer bN\ttorch infer bN\tratio\n'
  jq -r --arg short "$model w$width $input" '.threads as $th | .results[] |
    [$short, .batch, $th, .torch_layout,
     (.mpq.train, .torch.train | . * 10 | round / 10), (.ratio.train * 100 | round / 100),
     (.mpq.infer_batch1, .torch.infer_batch1 | . * 10 | round / 10), (.ratio.infer_batch1 * 100 | round / 100),
     (.mpq.infer_batchN, .torch.infer_batchN | . * 10 | round / 10), (.ratio.infer_batchN * 100 | round / 100)]
    | @tsv' <<<"$result"
} | column -t -s $'\t'
