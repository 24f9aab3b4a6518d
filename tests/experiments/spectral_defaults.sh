#!/usr/bin/env bash
# The short scan behind the default step sizes of the two spectral methods (`newton-pinv`,
# `saddle-free`; src/catalog.rs) and their `about` text: step size x seed on 784-64-10, real
# MNIST, on the first 50,000 training images for 5,000 patterns (a tenth of an epoch: each step
# solves for the eigenpairs of a dense matrix of order 138, so a step costs hundreds of SGD
# steps), validated every 2,500 patterns on the last 10,000 (held out: the test split is not
# looked at). A run that diverges stops there. Not a test: run it by hand
#   nice -n 10 bash tests/experiments/spectral_defaults.sh
# Outputs go to target/experiments/spectral/; the table (README, "Default step sizes") is printed:
# held-out accuracy (%) after 2,500 and 5,000 patterns, seeds 0 / 1, or where a run diverged.
set -euo pipefail
OUT=target/experiments/spectral
source "$(dirname "$0")/scan.sh"
declare -A STEPS=(
  [newton-pinv]="${PINV_STEPS:-0.0001 0.0003 0.001}"
  [saddle-free]="${SF_STEPS:-0.001 0.003 0.01}"
)
jobs() {
  for m in newton-pinv saddle-free; do for s in ${STEPS[$m]}; do for seed in 0 1; do
    echo "$BIN train --dataset mnist --sizes 784,64,10 --optimizer $m --step $s --seed $seed --epochs 0.1 --holdout 10000 --eval-every 2500 --eval-budget 0 --out $OUT --name 784-64-10_${m}_${s}_${seed}"
  done; done; done
}
run_scan '|| true'
python3 - "$OUT" <<'PY'
import csv, glob, os, sys
runs = {}
for f in glob.glob(os.path.join(sys.argv[1], "*.csv")):
    _, m, step, seed = os.path.basename(f)[:-4].split("_")
    runs.setdefault((m, step), {})[seed] = list(csv.DictReader(open(f)))
def cell(rows, at):
    if rows is None:
        return "?"
    for r in rows:
        if int(r["samples"]) == at:
            return f"{100 * float(r['validation_accuracy']):.1f}"
    last = int(rows[-1]["samples"]) if rows else 0
    return f"div. {last:,}"
print("| method | step | 2,500 patterns | 5,000 patterns |")
print("|---|---:|---:|---:|")
for (m, step) in sorted(runs, key=lambda k: (k[0], float(k[1]))):
    r = runs[(m, step)]
    print(f"| {m} | {step} | " + " | ".join(" / ".join(cell(r.get(k), at) for k in "01") for at in (2500, 5000)) + " |")
PY
