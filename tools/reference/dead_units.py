#!/usr/bin/python3
"""Counts ReLU units of LeNet-5 that never fire on the Fashion-MNIST test set, per `twa train` snapshot.

    /usr/bin/python3 tools/reference/dead_units.py RUN_DIR [RUN_DIR ...] [--epochs 1 5 10]

RUN_DIR is a `twa train --out` directory (snapshots/snapshot-NNNNNN.safetensors). A conv channel is dead when
its max-pooled ReLU output is 0 at every position of every test image; an fc unit when it is 0 for every test
image. Inputs are normalised with 0.2860/0.3530 (the training-split statistics to 4 digits).
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_mnist_lenet_twa import DATA, LeNet5, read_idx, read_safetensors_params, set_flat_params  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--epochs", type=int, nargs="+", default=[1, 5, 10])
    args = ap.parse_args()
    x = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    x = torch.from_numpy((x - 0.2860) / 0.3530).unsqueeze(1)
    model = LeNet5()
    for run in args.runs:
        cells = []
        for k in args.epochs:
            set_flat_params(model, torch.from_numpy(read_safetensors_params(os.path.join(run, "snapshots", f"snapshot-{k:06d}.safetensors"))))
            with torch.no_grad():
                a1 = F.max_pool2d(F.relu(model.conv1(x)), 2)
                a2 = F.max_pool2d(F.relu(model.conv2(a1)), 2)
                h1 = F.relu(model.fc1(a2.flatten(1)))
                h2 = F.relu(model.fc2(h1))
            conv = lambda a: int((~(a > 0).flatten(2).any(2).any(0)).sum())
            fc = lambda a: int((~(a > 0).any(0)).sum())
            cells.append(f"epoch {k}: conv1 {conv(a1)}/6 conv2 {conv(a2)}/16 fc1 {fc(h1)}/120 fc2 {fc(h2)}/84")
        print(f"{run}: " + " | ".join(cells))


if __name__ == "__main__":
    main()
