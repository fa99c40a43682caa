#!/usr/bin/python3
"""Side-by-side table of `twa train` runs and fashion_mnist_lenet_twa.py runs (per seed, mean +- std).

    /usr/bin/python3 tools/reference/parity_table.py --ours 'docs/parity/ours-s{seed}' \
        --py 'docs/parity/py-s{seed}.json' --seeds 1 2 3

--ours names a `twa train --out` directory (metrics.json + history.csv), --py a JSON written by the reference.
Std is the sample standard deviation (n - 1), as the issue's figures. Epoch time: mean and median of the 10
base epochs per run (training loop only, evaluation excluded, both sides), and their ratio ours/PyTorch.

Then, per row, the paired difference ours - PyTorch over the seeds (mean, its standard error, and a 95 % t
interval), and how often a 3-seed mean meets the issue's 0.3-point band: over every 3-seed subset of the seeds
given (exhaustive, no sampling), for each side, per row and on all four rows at once.
"""
import argparse
import csv
import itertools
import json
import math
import os
import statistics as st

ISSUE = {"base5": (88.5, 0.8), "base10": (90.3, 0.5), "swa": (88.7, 0.5), "twa": (89.25, 0.5)}
BAND = 0.3
# two-sided 95 % quantiles of Student's t, by degrees of freedom (enough for up to 31 seeds)
T95 = [None, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
       2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
ROWS = [("base5", "SGD after epoch 5"), ("base10", "SGD 10 epochs"), ("swa", "SWA snapshots 0..5"), ("twa", "TWA-schmidt 0..5")]


def ours(directory):
    m = json.load(open(os.path.join(directory, "metrics.json")))
    hist = list(csv.DictReader(open(os.path.join(directory, "history.csv"))))
    base = [r for r in hist if r["phase"] == "base"]
    return {
        "base5": 100 * float(base[4]["test_accuracy"]),
        "base10": 100 * m["phases"]["base"]["test_accuracy"],
        "swa": 100 * m["baselines"]["swa"]["test_accuracy"],
        "twa": 100 * m["final"]["test_accuracy"],
        "epoch_s": [float(r["seconds"]) for r in base],
    }


def py(path):
    r = json.load(open(path))
    return {
        "base5": 100 * r["base_epoch5_test_accuracy"],
        "base10": 100 * r["base_test_accuracy"],
        "swa": 100 * r["swa_test_accuracy"],
        "twa": 100 * r["twa_test_accuracy"],
        "epoch_s": r["base_epoch_seconds"],
    }


def ms(values):
    return f"{st.mean(values):.2f} ± {st.stdev(values):.2f}" if len(values) > 1 else f"{values[0]:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--py", required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    o = {s: ours(args.ours.format(seed=s)) for s in args.seeds}
    p = {s: py(args.py.format(seed=s)) for s in args.seeds}
    head = "| test accuracy % | " + " | ".join(f"seed {s} ours / PyTorch" for s in args.seeds)
    head += " | mean ± std ours | mean ± std PyTorch | issue (PyTorch) |"
    print(head)
    print("|" + "---|" * (4 + len(args.seeds)))
    for key, label in ROWS:
        cells = [f"{o[s][key]:.2f} / {p[s][key]:.2f}" for s in args.seeds]
        print(f"| {label} | " + " | ".join(cells) + f" | {ms([o[s][key] for s in args.seeds])} | "
              f"{ms([p[s][key] for s in args.seeds])} | {ISSUE[key][0]} ± {ISSUE[key][1]} |")
    wins_o = sum(o[s]["twa"] > o[s]["swa"] for s in args.seeds)
    wins_p = sum(p[s]["twa"] > p[s]["swa"] for s in args.seeds)
    print(f"\nTWA > SWA: ours {wins_o}/{len(args.seeds)} seeds, PyTorch {wins_p}/{len(args.seeds)} seeds")
    print("TWA - SWA per seed (ours / PyTorch): " + ", ".join(
        f"{s}: {o[s]['twa'] - o[s]['swa']:+.2f} / {p[s]['twa'] - p[s]['swa']:+.2f}" for s in args.seeds))
    print("\n| base epoch seconds | " + " | ".join(f"seed {s}" for s in args.seeds) + " | all epochs of all seeds |")
    print("|" + "---|" * (2 + len(args.seeds)))
    stats = (("mean", st.mean, 0), ("median", st.median, 0), ("mean without epoch 1", st.mean, 1))
    for name, d in (("ours", o), ("PyTorch", p)):
        for stat, f, skip in stats:
            vals = [f(d[s]["epoch_s"][skip:]) for s in args.seeds]
            pooled = f([x for s in args.seeds for x in d[s]["epoch_s"][skip:]])
            print(f"| {name} {stat} | " + " | ".join(f"{v:.2f}" for v in vals) + f" | {pooled:.2f} |")
    print()
    for stat, f, skip in stats:
        a = f([x for s in args.seeds for x in o[s]["epoch_s"][skip:]])
        b = f([x for s in args.seeds for x in p[s]["epoch_s"][skip:]])
        print(f"ratio ours/PyTorch, {stat} of the base epochs: {a / b:.2f}")

    if len(args.seeds) >= 3:
        band_report(args.seeds, o, p)


def band_report(seeds, o, p):
    n = len(seeds)
    print(f"\n| ours - PyTorch, paired over {n} seeds | mean | standard error | 95 % interval |")
    print("|---|---|---|---|")
    for key, label in ROWS:
        d = [o[s][key] - p[s][key] for s in seeds]
        se = st.stdev(d) / math.sqrt(n)
        half = T95[n - 1] * se if n - 1 < len(T95) else 1.96 * se
        print(f"| {label} | {st.mean(d):+.2f} | {se:.2f} | {st.mean(d) - half:+.2f} .. {st.mean(d) + half:+.2f} |")
    triples = list(itertools.combinations(seeds, 3))
    print(f"\n| 3-seed means within {BAND} of the issue's, over all {len(triples)} triples of these seeds | ours | PyTorch |")
    print("|---|---|---|")

    def inside(d, triple, key):
        return abs(st.mean(d[s][key] for s in triple) - ISSUE[key][0]) <= BAND + 1e-9

    for key, label in ROWS:
        share = [sum(inside(d, t, key) for t in triples) / len(triples) for d in (o, p)]
        print(f"| {label} | {share[0]:.0%} | {share[1]:.0%} |")
    share = [sum(all(inside(d, t, k) for k, _ in ROWS) for t in triples) / len(triples) for d in (o, p)]
    print(f"| all four rows at once | {share[0]:.0%} | {share[1]:.0%} |")


if __name__ == "__main__":
    main()
