#!/usr/bin/env bash
# Issue 15's comparison of rewards: does a search rewarded by the halving proxy
# (--fidelity halving, docs/search.md) end with as good a policy as one rewarded by the
# full proxy, for less search time? Runs `mpq search` at each budget, seed and fidelity,
# then prints one table row per run: the searched policy's test accuracy (mean +- std of
# its final fine-tunes, the same fine-tune for every run) and the search phases' wall time
# and work (warm-up, agent, re-scoring: evaluations, fine-tune batches, validation images).
#
# Long (the defaults are 8 whole default searches): meant to run niced in the background.
# Every run resumes where a killed one stopped, and a finished run is only read again.
#
#   OUT=runs/halving FLOAT=runs/default/float.mpqc bash bench/halving_comparison.sh
#
# BUDGETS (default "112KiB/12KiB 160KiB/16KiB", FLASH/RAM), SEEDS (default "1 2"),
# FIDELITIES (default "full halving"), SEARCH_ARGS (options added to every search, so the
# comparison stays one of equals; default: no random search and no shrunk model, which
# are baselines, not part of the searched policy), THREADS (default 1), MPQ (the binary).
# TABLE_ONLY=1 prints the table of the runs finished so far and starts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
MPQ=${MPQ:-build/apps/mpq/mpq}
OUT=${OUT:-runs/halving}
FLOAT=${FLOAT:-runs/default/float.mpqc}
THREADS=${THREADS:-1}
BUDGETS=${BUDGETS:-112KiB/12KiB 160KiB/16KiB}
SEEDS=${SEEDS:-1 2}
FIDELITIES=${FIDELITIES:-full halving}
SEARCH_ARGS=${SEARCH_ARGS:---random-search 0 --no-shrunk}
TABLE_ONLY=${TABLE_ONLY:-}

if [ ! -f "$FLOAT" ]; then
  echo "halving_comparison: no float checkpoint $FLOAT (set FLOAT=..., or run mpq train first)" >&2
  exit 1
fi
mkdir -p "$OUT"

run_dir() { echo "$OUT/$(echo "$1" | tr / _)-seed$2-$3"; }

if [ -z "$TABLE_ONLY" ]; then
  for budget in $BUDGETS; do
    for seed in $SEEDS; do
      for fidelity in $FIDELITIES; do
        dir=$(run_dir "$budget" "$seed" "$fidelity")
        [ -f "$dir/report.json" ] && continue
        if [ -f "$dir/search.state" ]; then resume=--resume; else resume=; fi
        echo "== $budget seed $seed $fidelity: $dir" >&2
        "$MPQ" search --checkpoint "$FLOAT" --threads "$THREADS" --flash "${budget%/*}" --ram "${budget#*/}" \
          --seed "$seed" --fidelity "$fidelity" --out "$dir" $resume $SEARCH_ARGS > "$dir.log" 2>&1
      done
    done
  done
fi

# The table, from each finished run's report.json.
python3 - "$OUT" $BUDGETS -- $SEEDS -- $FIDELITIES <<'EOF'
import json, os, sys
out = sys.argv[1]
rest = sys.argv[2:]
budgets = rest[:rest.index('--')]
rest = rest[rest.index('--') + 1:]
seeds = rest[:rest.index('--')]
fidelities = rest[rest.index('--') + 1:]
print('| budget | seed | fidelity | searched test (mean +- std, runs) | search phases wall s | evaluations | fine-tune batches | validation images |')
print('|---|---:|---|---:|---:|---:|---:|---:|')
for budget in budgets:
    for seed in seeds:
        for fidelity in fidelities:
            path = os.path.join(out, '%s-seed%s-%s' % (budget.replace('/', '_'), seed, fidelity), 'report.json')
            if not os.path.exists(path):
                print('| %s | %s | %s | not finished | | | | |' % (budget, seed, fidelity))
                continue
            r = json.load(open(path))
            searched = next(x for x in r['results'] if x['name'].startswith('searched'))
            runs = searched.get('test_runs', [])
            phases = [s for s in r['stages']
                      if (s['name'].startswith('search: ') and 'float model' not in s['name'])
                      or s['name'] == 're-scoring']
            total = lambda key: sum(s[key] for s in phases)
            print('| %s | %s | %s | %.2f +- %.2f %% (%d) | %.0f | %d | %d | %d |' % (
                budget, seed, fidelity, 100 * searched['test_accuracy'], 100 * searched.get('test_std', 0),
                len(runs), total('seconds'), total('evaluations'), total('train_batches'), total('val_images')))
EOF
