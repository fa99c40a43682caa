#!/usr/bin/env bash
# Parity runs for docs/parity.md: for each seed, `twa train` on the LeNet recipe and the PyTorch reference
# script, strictly one after the other (never two at once), then journal TWA ("centered", TWA-t) at 32, 8
# and 4 bits on the snapshots of our run (a TWA-only job on the same store). Load averages go to load.log.
# Usage: tools/reference/run_parity.sh OUTDIR SEED...   (bin/twa must be built; python3-torch installed)
# PYTORCH=0 skips the reference script (ours and the centred fits only, e.g. after a change to our side alone).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$1"; shift
mkdir -p "$out"
threads="${THREADS:-2}"
stamp() { echo "$1 $(date -u +%T) $(cut -d' ' -f1-5 /proc/loadavg)" >> "$out/load.log"; }
for seed in "$@"; do
  run="$(mktemp -d)"
  stamp "seed $seed ours start"
  "$root/bin/twa" train "$root/examples/fashion-mnist-lenet.yaml" --out "$run/ours" --seed "$seed" --threads "$threads" \
    > "$run/train.log" 2>&1
  stamp "seed $seed ours end"
  mkdir -p "$out/ours-s$seed"
  cp "$run/ours/metrics.json" "$run/ours/history.csv" "$run/train.log" "$out/ours-s$seed/"
  if [ "${PYTORCH:-1}" != 0 ]; then
    stamp "seed $seed py start"
    /usr/bin/python3 "$root/tools/reference/fashion_mnist_lenet_twa.py" --seed "$seed" --threads "$threads" \
      --out "$out/py-s$seed.json" > "$out/py-s$seed.log" 2>&1
    stamp "seed $seed py end"
  fi
  for bits in 32 8 4; do
    job="$run/centered-$bits.yaml"
    # the centered example without its base phase: TWA fits on the snapshots our run just saved
    awk -v bits="$bits" '
      /^    base:/ {skip=1; next}
      skip && /^    [a-z]/ {skip=0}
      skip {next}
      /projectionBits:/ {sub(/projectionBits: [0-9]+/, "projectionBits: " bits)}
      {print}' "$root/examples/fashion-mnist-lenet-centered.yaml" > "$job"
    "$root/bin/twa" train "$job" --out "$run/centered-$bits" --store "$run/ours/snapshots" --seed "$seed" \
      --threads "$threads" > "$run/centered-$bits.log" 2>&1
    mkdir -p "$out/centered-s$seed-b$bits"
    cp "$run/centered-$bits/metrics.json" "$run/centered-$bits.log" "$out/centered-s$seed-b$bits/"
  done
  rm -rf "$run"
done
