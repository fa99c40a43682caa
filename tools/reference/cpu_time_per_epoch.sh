#!/usr/bin/env bash
# CPU seconds (user+sys) per base epoch, single-threaded, as (cpu(3 epochs) - cpu(1 epoch)) / 2, ours vs PyTorch, interleaved.
out="${1:-/tmp/cputime.log}"; : > "$out"
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
for e in 1 3; do   # the LeNet recipe, base phase only, E epochs
  sed "s/epochs: 10/epochs: $e/; s/milestones: \[5, 8\]/milestones: [$e]/" "$root/examples/fashion-mnist-lenet.yaml" \
    | awk '/^    twa:/ {skip=1} skip && /^    baselines/ {skip=0; next} !skip' > "$tmp/base-$e.yaml"
done
TIMEFORMAT='%U %S %R'
for rep in 1 2; do
  for e in 1 3; do
    rm -rf "$tmp/ct-ours"
    t=$( { time "$root/bin/twa" train "$tmp/base-$e.yaml" --out "$tmp/ct-ours" --seed 1 --threads 1 > /dev/null 2>&1; } 2>&1 )
    echo "rep $rep ours epochs $e $t load $(cut -d' ' -f1 /proc/loadavg)" >> "$out"
    t=$( { time /usr/bin/python3 "$root/tools"/reference/fashion_mnist_lenet_twa.py --seed 1 --threads 1 --epochs $e --twa-epochs 0 --snap-to $((e + 1)) --out "$tmp/ct-py.json" > /dev/null 2>&1; } 2>&1 )
    echo "rep $rep py epochs $e $t load $(cut -d' ' -f1 /proc/loadavg)" >> "$out"
  done
done
echo done >> "$out"
