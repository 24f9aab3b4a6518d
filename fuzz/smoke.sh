#!/usr/bin/env bash
# Fuzzing smoke test: builds the three cargo-fuzz targets and runs each for a short fixed time
# (SMOKE_SECONDS, default 20) from its committed seeds and a fixed random seed (-seed=1: the same
# inputs in the same order every run), in a scratch corpus so that nothing in the
# repository grows. Fails on any crash: a panic, an out-of-memory (-rss_limit_mb), a slow input
# (-timeout) or a failed assertion of a target. Crashing inputs land in fuzz/artifacts/<target>/.
#
# Needs cargo-fuzz (installed from crates.io if missing) and a compiler that takes -Z flags:
# the nightly toolchain when rustup has it, else the stable one with RUSTC_BOOTSTRAP=1 (a new
# machine has only stable, and no other toolchain can be fetched).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"
seconds="${SMOKE_SECONDS:-20}"

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked
# SMOKE_TOOLCHAIN=stable forces the second way (to test what a new machine does).
if [ "${SMOKE_TOOLCHAIN:-}" != stable ] && rustup toolchain list | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi

"${fuzz[@]}" build
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in model_import idx_parse inspect_case; do
    mkdir "$scratch/$target"
    cp corpus/"$target"/seed-* "$scratch/$target/"
    log="$scratch/$target.log"
    if ! "${fuzz[@]}" run "$target" "$scratch/$target" -- \
        -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz smoke: $target FAILED (input in fuzz/artifacts/$target/)" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz smoke: $target ok, $runs runs in ${seconds}s ($rate exec/s), no crash"
done
