#!/usr/bin/env bash
# Wall-clock seconds per base epoch (training loop only; both sides time the epoch before its test evaluation),
# ours vs the PyTorch reference, 2 threads each, in interleaved pairs on an otherwise idle machine. Each pair also
# runs PyTorch with OPENBLAS_NUM_THREADS=1, the OpenBLAS setting `twa train` uses (PyTorch's default gives OpenBLAS
# every core), so the gain of that setting is reported apart from the rest. The other two runs ignore any
# OPENBLAS_NUM_THREADS of the caller (each side at its default).
# Usage: tools/reference/epoch_time_pairs.sh OUTDIR [PAIRS] [EPOCHS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$1"; pairs="${2:-3}"; epochs="${3:-3}"
mkdir -p "$out"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
sed "s/epochs: 10/epochs: $epochs/; s/milestones: \[5, 8\]/milestones: [$epochs]/" "$root/examples/fashion-mnist-lenet.yaml" \
  | awk '/^    twa:/ {skip=1} skip && /^    baselines/ {skip=0; next} !skip' > "$tmp/base.yaml"
for p in $(seq 1 "$pairs"); do
  echo "pair $p ours start $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.log"
  env -u OPENBLAS_NUM_THREADS "$root/bin/twa" train "$tmp/base.yaml" --out "$tmp/ours-$p" --seed 1 --threads 2 > /dev/null 2>&1
  cp "$tmp/ours-$p/history.csv" "$out/ours-pair$p.csv"
  echo "pair $p py start $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.log"
  env -u OPENBLAS_NUM_THREADS /usr/bin/python3 "$root/tools/reference/fashion_mnist_lenet_twa.py" --seed 1 --threads 2 --epochs "$epochs" --twa-epochs 0 --snap-to $((epochs + 1)) \
    --out "$out/py-pair$p.json" > /dev/null 2>&1
  echo "pair $p py-blas1 start $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.log"
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/tools/reference/fashion_mnist_lenet_twa.py" --seed 1 --threads 2 --epochs "$epochs" \
    --twa-epochs 0 --snap-to $((epochs + 1)) --out "$out/py1-pair$p.json" > /dev/null 2>&1
done
/usr/bin/python3 - "$out" "$pairs" <<'PY'
import csv, json, statistics, sys
out, pairs = sys.argv[1], int(sys.argv[2])
ours, py, py1 = [], [], []
for p in range(1, pairs + 1):
    ours += [float(r["seconds"]) for r in csv.DictReader(open(f"{out}/ours-pair{p}.csv")) if r["phase"] == "base"][1:]
    py += json.load(open(f"{out}/py-pair{p}.json"))["base_epoch_seconds"][1:]
    py1 += json.load(open(f"{out}/py1-pair{p}.json"))["base_epoch_seconds"][1:]
o = statistics.median(ours)
print(f"epochs after the first: ours median {o:.3f} s (n={len(ours)})")
for name, side in (("PyTorch (default OpenBLAS threads)", py), ("PyTorch with OPENBLAS_NUM_THREADS=1", py1)):
    q = statistics.median(side)
    print(f"  {name}: median {q:.3f} s (n={len(side)}), ratio ours/PyTorch {o / q:.3f} (median), "
          f"{statistics.mean(ours) / statistics.mean(side):.3f} (mean)")
PY
