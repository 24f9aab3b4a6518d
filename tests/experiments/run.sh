#!/usr/bin/env bash
# The README's results: a step scan, then SGD vs MK variants on the full MNIST and Fashion-MNIST
# splits, 2 nets x 2 seeds x 3 epochs. Not a test (about 40 minutes on 2 cores): run it by hand
#   bash tests/experiments/run.sh            # all of it
#   bash tests/experiments/run.sh scan       # only the step scan
#   bash tests/experiments/run.sh runs       # only the 3-epoch runs (after a scan)
# Outputs go to target/experiments/; tests/experiments/table.py turns them into the README table.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s data >/dev/null
cargo build --release -q
BIN=target/release/sifrian
OUT=target/experiments
mkdir -p "$OUT/scan" "$OUT/runs"
JOBS=${JOBS:-2}

SMALL=784,128,64,10
PAPER=784,512,256,32,10
# method name -> CLI flags (all with Eq. 65 lambdas and the white layer, as the paper)
declare -A FLAGS=(
  [sgd]="--optimizer sgd"
  [mk]="--optimizer mk"
  [mk-damped]="--optimizer mk-damped --mu 1"
  [mk-unreg]="--optimizer mk-unreg --mu 1"
)
declare -A STEPS=(
  [sgd]="0.003 0.01 0.03 0.1"
  [mk]="0.0001 0.0003 0.001 0.003 0.01"
  [mk-damped]="0.003 0.01 0.03 0.1"
  [mk-unreg]="0.003 0.01 0.03 0.1"
)

scan_jobs() {
  for set in mnist fashion; do for net in small paper; do
    sizes=$([ $net = small ] && echo $SMALL || echo $PAPER)
    for m in sgd mk mk-damped mk-unreg; do for s in ${STEPS[$m]}; do
      # 20,000 patterns of the first 50,000 training images, validated on the last 10,000 (held
      # out): the test split is not looked at until the 3-epoch runs.
      echo "$BIN train --dataset $set --sizes $sizes ${FLAGS[$m]} --step $s --seed 100 --epochs 0.4 --holdout 10000 --eval-every 20000 --eval-budget 0 --out $OUT/scan --name $set-$net-$m-$s"
    done; done
  done; done
}

# The best scanned step of a method (highest accuracy on the held-out validation split after
# 20,000 patterns).
best_step() { # set net method
  python3 - "$OUT/scan" "$1" "$2" "$3" <<'PY'
import csv, glob, os, sys
d, s, n, m = sys.argv[1:]
best = None
for f in glob.glob(f"{d}/{s}-{n}-{m}-*.csv"):
    step = f[len(f"{d}/{s}-{n}-{m}-"):-4]
    try:
        float(step)  # mk-* must not pick up mk-damped-* or mk-unreg-*
    except ValueError:
        continue
    rows = list(csv.DictReader(open(f)))
    acc = float(rows[-1]["validation_accuracy"]) if rows and int(rows[-1]["samples"]) >= 20000 else -1
    if best is None or acc > best[0]:
        best = (acc, step)
print(best[1])
PY
}

run_jobs() {
  : > "$OUT/runs/steps.txt"
  for set in mnist fashion; do for net in small paper; do
    sizes=$([ $net = small ] && echo $SMALL || echo $PAPER)
    for m in sgd mk mk-damped mk-unreg; do
      s=$(best_step $set $net $m)
      echo "$set $net $m $s" >> "$OUT/runs/steps.txt"
      for seed in 0 1; do
        echo "$BIN train --dataset $set --sizes $sizes ${FLAGS[$m]} --step $s --seed $seed --epochs 3 --eval-every 20000 --eval-budget 0 --out $OUT/runs --name $set-$net-$m-seed$seed"
      done
    done
  done; done
}

if [ "${1:-all}" != runs ]; then
  scan_jobs | xargs -P "$JOBS" -I{} sh -c '{} > /dev/null'
  echo "scan done"
fi
[ "${1:-all}" = scan ] && exit 0
run_jobs | xargs -P "$JOBS" -I{} sh -c '{} > /dev/null'
echo "runs done"
python3 tests/experiments/table.py
