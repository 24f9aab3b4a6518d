#!/usr/bin/env bash
# The scan behind the page's default step sizes (src/catalog.rs) and each optimizer's `about` text:
# method x step size x seed on the page's two smaller presets (784-64-10 and 784-128-64-10), real
# MNIST, the f32 kernel the page trains with, on the first 50,000 training images (5 epochs on
# 784-64-10, 1 epoch on 784-128-64-10), validated every 25,000 patterns on the last 10,000 (held
# out: the test split is not looked at).
# A run that diverges (a step that would make NaN/Inf, or the divergence watch of
# src/train/divergence.rs) stops there. Not a test (2026-12-01: 18 + 2.4 minutes of wall time on a
# loaded 2-core machine): run it by hand
#   nice -n 10 bash tests/experiments/defaults.sh          # both nets
#   nice -n 10 bash tests/experiments/defaults.sh 784,128,64,10   # one net
# Outputs go to target/experiments/defaults/; the table (README, "Default step sizes") is printed.
set -euo pipefail
OUT=target/experiments/defaults
source "$(dirname "$0")/scan.sh"

declare -A FLAGS=(
  [sgd]="--optimizer sgd"
  [mk]="--optimizer mk"
  [mk-damped]="--optimizer mk-damped --mu 1"
  [mk-unreg]="--optimizer mk-unreg --mu 1"
  [newton]="--optimizer newton"
)
declare -A STEPS=(
  [sgd]="0.003 0.01 0.03 0.1"
  [mk]="0.0001 0.0003 0.001 0.003"
  [mk-damped]="0.003 0.01 0.03 0.1"
  [mk-unreg]="0.003 0.01 0.03 0.1"
  [newton]="0.0001 0.0003 0.001 0.003"
)

declare -A EPOCHS=([784,64,10]=5 [784,128,64,10]=1)
NETS=${1:-784,64,10 784,128,64,10}

jobs() {
  for net in $NETS; do
    for m in sgd mk mk-damped mk-unreg newton; do for s in ${STEPS[$m]}; do for seed in 0 1; do
      echo "$BIN train --dataset mnist --sizes $net ${FLAGS[$m]} --step $s --seed $seed --f32 --epochs ${EPOCHS[$net]} --holdout 10000 --eval-every 25000 --eval-budget 0 --out $OUT --name ${net//,/-}_${m}_${s}_${seed}"
    done; done; done
  done
}

run_scan
python3 tests/experiments/defaults_table.py "$OUT"
