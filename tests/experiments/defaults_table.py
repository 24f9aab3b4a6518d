#!/usr/bin/env python3
"""The README's "Default step sizes" table from target/experiments/defaults/ (defaults.sh)."""
import csv, glob, os, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "target/experiments/defaults"
NETS = ["784-64-10", "784-128-64-10"]
METHODS = ["sgd", "mk", "mk-damped", "mk-unreg", "newton"]
TOTAL = {"784-64-10": 250000, "784-128-64-10": 50000}  # 5 and 1 epochs of 50,000 (defaults.sh)


def cell(path, at, total):
    """Held-out accuracy (%) at `at` patterns, or where the run diverged ("-": not run so long)."""
    if at > total:
        return "-"
    if not os.path.exists(path):
        return "?"
    rows = list(csv.DictReader(open(path)))
    last = int(rows[-1]["samples"]) if rows else 0
    for r in rows:
        if int(r["samples"]) == at:
            return f"{100 * float(r['validation_accuracy']):.1f}"
    if last < total:
        return f"div. {last // 1000}k"
    return "-"


def main():
    runs = {}
    for f in glob.glob(os.path.join(OUT, "*.csv")):
        net, m, step, seed = os.path.basename(f)[:-4].split("_")
        runs.setdefault((m, step), {})[(net, seed)] = f
    print("| method | step | " + " | ".join(f"{n}: 1 epoch | {n}: 5 epochs" for n in NETS) + " |")
    print("|---|---:|" + "---:|---:|" * len(NETS))
    for m in METHODS:
        for step in sorted({s for (mm, s) in runs if mm == m}, key=float):
            cells = []
            for n in NETS:
                for at in (50000, 250000):
                    cells.append(" / ".join(cell(runs[(m, step)].get((n, k), ""), at, TOTAL[n]) for k in "01"))
            print(f"| {m} | {step} | " + " | ".join(cells) + " |")


main()
