#!/usr/bin/env python3
"""The README's results table and charts from target/experiments/ (written by run.sh)."""
import csv, os, subprocess, sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
RUNS = os.path.join(ROOT, "target", "experiments", "runs")
SVG = os.path.join(ROOT, "www", "results")
NETS = {"small": "784-128-64-10", "paper": "784-512-256-32-10"}
METHODS = {"sgd": "SGD", "mk": "MK as printed (Eq. 40)", "mk-damped": "damped MK (Eq. 42, mu = 1)",
           "mk-unreg": "MK unregularised-gradient variant (mu = 1; not the paper's)"}
SETS = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def at(points, samples):
    """Validation accuracy (%) at exactly `samples`, or the reason there is none."""
    for p in points:
        if int(p["samples"]) == samples:
            return f"{100 * float(p['validation_accuracy']):.2f}"
    last = int(points[-1]["samples"]) if points else 0
    return f"diverged at {last}" if last < samples else "-"


def step_of(set_, net, method):
    with open(os.path.join(RUNS, "steps.txt")) as f:
        for line in f:
            s, n, m, step = line.split()
            if (s, n, m) == (set_, net, method):
                return step
    return "?"


def main():
    out = ["| data | net | method | step | test acc. 1 epoch (seed 0 / 1) | test acc. 3 epochs (seed 0 / 1) | train cost, epoch 3 (seed 0) |",
           "|---|---|---|---|---|---|---|"]
    for s in SETS:
        for n in NETS:
            for m in METHODS:
                pts = [rows(f) if os.path.exists(f) else [] for f in
                       (os.path.join(RUNS, f"{s}-{n}-{m}-seed{k}.csv") for k in (0, 1))]
                if not any(pts):
                    continue
                one = " / ".join(at(p, 60000) for p in pts)
                three = " / ".join(at(p, 180000) for p in pts)
                c = float(pts[0][-1]["cost"]) if pts[0] else None
                cost = "-" if c is None else (f"{c:.3e}" if abs(c) >= 1e6 else f"{c:.4f}")
                out.append(f"| {SETS[s]} | {NETS[n]} | {METHODS[m]} | {step_of(s, n, m)} | {one} | {three} | {cost} |")
    print("\n".join(out))
    os.makedirs(SVG, exist_ok=True)
    binary = os.path.join(ROOT, "target", "release", "sifrian")
    for s in SETS:
        for n in NETS:
            files = [f for m in METHODS if os.path.exists(f := os.path.join(RUNS, f"{s}-{n}-{m}-seed0.csv"))]
            if files:
                target = os.path.join(SVG, f"{s}-{n}.svg")
                subprocess.run([binary, "plot", *files, "--title", f"{SETS[s]}, {NETS[n]}, seed 0 (Figures 6/7)",
                                "--svg", target], check=True, stdout=subprocess.DEVNULL)
                print(f"wrote {os.path.relpath(target, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
