#!/bin/bash
# Does training on several workers, or resizing mid-run, bias the final accuracy? Runs the LeNet-5 job of the
# end-to-end test (12,000 Fashion-MNIST training images, the full 10,000-image test set) per seed in three ways:
#   ref      one worker
#   w2       two workers throughout
#   resized  two workers, three after base step 40, one after base step 100 (each resize resumes from a commit)
# and appends "seed S CFG rc RC acc A secs T" lines to OUT/results.txt. Usage: accuracy_by_workers.sh OUT SEED...
# (CFGS="ref w2" to run a subset). Needs bin/twa (make build) and the Debian Fashion-MNIST package.
set -u
out=$(realpath -m "$1"); shift
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out/data" "$out/runs"
python3 - "$out/data" <<'PY'
import gzip, struct, sys, os
src, dst = '/usr/share/datasets/fashion-mnist', sys.argv[1]
for name, n, header in [('train-images-idx3-ubyte.gz', 12000, 16), ('train-labels-idx1-ubyte.gz', 12000, 8),
                        ('t10k-images-idx3-ubyte.gz', 10000, 16), ('t10k-labels-idx1-ubyte.gz', 10000, 8)]:
    data = gzip.open(os.path.join(src, name), 'rb').read()
    dims = struct.unpack('>' + 'I' * (header // 4), data[:header])
    item = 1
    for d in dims[2:]:
        item *= d
    head = struct.pack('>' + 'I' * (header // 4), dims[0], n, *dims[2:])
    with gzip.open(os.path.join(dst, name), 'wb') as f:
        f.write(head + data[header:header + n * item])
PY
cat > "$out/job.yaml" <<YAML
apiVersion: twa.dev/v1alpha1
kind: TwaJob
metadata: {name: elastic-accuracy, namespace: ml}
spec:
  replicas: 1
  elastic: {minReplicas: 1, maxReplicas: 3}
  training:
    seed: 1
    model: {arch: lenet5, numClasses: 10}
    data: {format: idx, path: $out/data, batchSize: 128, holdoutFraction: 0.1}
    base:
      epochs: 6
      checkpointEverySteps: 20
      optimizer: {name: sgd, lr: 0.05, momentum: 0.9, weightDecay: 5.0e-4}
      schedule: {name: step, milestones: [4], gamma: 0.1}
    twa:
      variant: schmidt
      snapshots: {from: 1, to: 7}
      start: mean
      epochs: 2
      optimizer: {name: sgd, lr: 0.1, momentum: 0.9, weightDecay: 1.0e-5}
    baselines: [swa]
YAML
for seed in "$@"; do
  for cfg in ${CFGS:-ref w2 resized}; do
    case $cfg in
      ref) args=(--workers 1) ;;
      w2) args=(--workers 2) ;;
      resized) args=(--workers 2 --scale-at base:40:3 --scale-at base:100:1) ;;
    esac
    run="$out/runs/s$seed-$cfg"
    rm -rf "$run"
    start=$(date +%s)
    "$here/bin/twa" train "$out/job.yaml" --seed "$seed" --out "$run" --threads 2 "${args[@]}" > "$run.log" 2>&1
    rc=$?
    acc=$(python3 -c "import json; print(json.load(open('$run/metrics.json'))['final']['test_accuracy'])" 2>/dev/null)
    echo "seed $seed $cfg rc $rc acc $acc secs $(( $(date +%s) - start ))" >> "$out/results.txt"
  done
done
