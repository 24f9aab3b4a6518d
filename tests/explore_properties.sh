#!/usr/bin/env bash
# Runs tests/properties.rs with SEEDS other seeds (default 100, from FIRST, default 1): CI runs one
# fixed seed; this looks further. Prints each failing seed and its shrunk input; exits 1 if any.
set -euo pipefail
SEEDS=${SEEDS:-100}
FIRST=${FIRST:-1}
bin=$(cargo test --test properties --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
failed=0
for ((s = FIRST; s < FIRST + SEEDS; s++)); do
    if ! out=$(PROPTEST_RNG_SEED=$s "$bin" 2>&1); then
        echo "seed $s FAILED:"
        printf '%s\n' "$out" | grep -A40 '^minimal failing input' | head -60
        failed=1
    fi
done
echo "properties: $SEEDS seeds from $FIRST, $([ $failed = 0 ] && echo 'no failure' || echo 'FAILURES above')"
exit $failed
