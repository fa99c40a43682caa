#!/usr/bin/python3
"""PyTorch reference for examples/fashion-mnist-lenet.yaml (LeNet-5, Fashion-MNIST, SGD + SWA + TWA-schmidt).

Plain PyTorch (Debian's python3-torch 1.13; no torchvision), run with the system interpreter:

    /usr/bin/python3 tools/reference/fashion_mnist_lenet_twa.py --seed 1 --threads 2 --out py-seed1.json

Recipe (the trainer issue's acceptance, same as the YAML):
  * Fashion-MNIST IDX .gz files; 5,000 of the 60,000 training images held out at random (seeded), so
    55,000 are trained on; inputs (pixel/255 - mean)/std with mean/std of the 55,000 training images
    (--normalize train, as `twa train`), or fixed 0.2860/0.3530 (--normalize fixed) or none (pixel/255).
  * LeNet-5: conv 1->6 k5 pad 2, ReLU, maxpool 2, conv 6->16 k5, ReLU, maxpool 2, fc 400-120-84-10 with
    ReLU; PyTorch's default Conv/Linear init.
  * base: SGD lr 0.05, momentum 0.9, weight decay 5e-4, batch 128 (reshuffled every epoch, last batch
    kept), 10 epochs, lr x0.1 after epochs 5 and 8 (MultiStepLR([5, 8]) stepped per epoch), no augmentation.
    Snapshot 0 = initial weights, snapshot k = weights after epoch k.
  * SWA = mean of snapshots 0..5 (end exclusive: 0,1,2,3,4,5); LeNet has no BN, so no BN refresh.
  * TWA-schmidt on the same snapshots: orthonormal basis P (r x D) of the snapshots (QR of W^T in float64,
    the same span as Gram-Schmidt), start at their mean, train the coordinates beta = P w with
    SGD(lr 2, momentum 0.9, weight decay 1e-5) for 2 epochs over the 55,000 training images, lr 0.2 in
    the second epoch; per step g_beta = P g, w = P^T beta (equivalently projected SGD on w with
    P^T P g, since w stays in the span). Any orthonormal basis of the span gives the same w trajectory.

Writes a JSON with the figures `twa train` writes in metrics.json/history.csv: test accuracy of the base
model after epoch 5 and after epoch 10, of SWA 0..5 and of TWA (final), plus seconds per base epoch
(training loop only, evaluation excluded, as ours).
"""
import argparse
import gzip
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


# ---- `twa train`'s own random streams, reimplemented to mimic ours exactly (--split ours / --order ours) ----
_M64 = (1 << 64) - 1


def _splitmix_next(state):
    state = (state + 0x9E3779B97F4A7C15) & _M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return state, z ^ (z >> 31)


def splitmix_for(seed, a, b=0):
    """SplitMix64.For(seed, a, b) of trainer/Twa.Training/Data/SplitMix64.cs: the state of stream (seed, a, b)."""
    _, v = _splitmix_next((seed ^ 0x9E3779B97F4A7C15) & _M64)
    _, v = _splitmix_next(v ^ a)
    return v ^ b


def splitmix_permutation(state, n):
    """SplitMix64.Permutation(n): Fisher-Yates with NextInt's rejection sampling."""
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        m = i + 1
        limit = _M64 - (_M64 % m)
        while True:
            state, v = _splitmix_next(state)
            if v < limit:
                break
        j = v % m
        p[i], p[j] = p[j], p[i]
    return p


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic & 0xFF
    assert (magic >> 8) == 0x08, f"{path}: not an unsigned-byte IDX file"
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def read_safetensors_params(path):
    import struct
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    a, b = header["params"]["data_offsets"]
    assert header["params"]["dtype"] == "F32"
    return np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).copy()


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def flat_params(model):
    return torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()


def set_flat_params(model, vec):
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(vec.to(torch.float32), model.parameters())


def flat_grad(model):
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


@torch.no_grad()
def evaluate(model, x, y, batch=1000):
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, x.shape[0], batch):
        logits = model(x[i:i + batch])
        loss += F.cross_entropy(logits, y[i:i + batch], reduction="sum").item()
        correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return loss / x.shape[0], correct / x.shape[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--normalize", choices=["train", "fixed", "none"], default="train",
                    help="train: mean/std of the training split (as twa train); fixed: 0.2860/0.3530; none: pixel/255")
    ap.add_argument("--holdout", type=int, default=5000)
    ap.add_argument("--split", choices=["torch", "ours"], default="torch",
                    help="held-out images drawn with torch.randperm (default) or with twa train's SplitMix64 stream")
    ap.add_argument("--order", choices=["torch", "ours"], default="torch",
                    help="batch order drawn with torch.randperm (default) or with twa train's SplitMix64 streams")
    ap.add_argument("--init-from", default=None,
                    help="safetensors snapshot of twa train (flat 'params') to start from instead of torch's init")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--twa-epochs", type=int, default=2)
    ap.add_argument("--twa-lr", type=float, default=2.0)
    ap.add_argument("--snap-from", type=int, default=0)
    ap.add_argument("--snap-to", type=int, default=6, help="end exclusive")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    log = lambda s: print(s, flush=True)

    # ---- data -------------------------------------------------------------------------------------
    xtr = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    ytr = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"))
    xte = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    yte = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    if args.split == "ours":
        perm = np.array(splitmix_permutation(splitmix_for(args.seed, 0x401D), xtr.shape[0]))
    else:
        split = torch.Generator().manual_seed(args.seed * 1000 + 7)
        perm = torch.randperm(xtr.shape[0], generator=split).numpy()
    keep = np.sort(perm[args.holdout:])
    xtr, ytr = xtr[keep], ytr[keep]
    if args.normalize == "train":  # as ImageSet.ChannelStatistics: on the training split, population std
        x01 = xtr.astype(np.float64) / 255.0
        mean = float(x01.mean())
        std = float(np.sqrt(max((x01 * x01).mean() - mean * mean, 1e-12)))
        del x01
    elif args.normalize == "fixed":
        mean, std = 0.2860, 0.3530
    else:
        mean, std = 0.0, 1.0
    # (pixel/255 - mean)/std computed as ImageSet.Batch does: pixel * f32(1/(255 std)) - f32(mean/std)
    scale, shift = np.float32(1.0 / (255.0 * std)), np.float32(mean / std)
    xtr = torch.from_numpy(xtr.astype(np.float32) * scale - shift).unsqueeze(1)
    xte = torch.from_numpy(xte.astype(np.float32) * scale - shift).unsqueeze(1)
    ytr = torch.from_numpy(ytr.astype(np.int64))
    yte = torch.from_numpy(yte.astype(np.int64))
    n = xtr.shape[0]
    batch = 128
    log(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), seed {args.seed}: "
        f"{n} training / {args.holdout} held-out / {xte.shape[0]} test images, normalize {args.normalize} "
        f"(mean {mean:.4f}, std {std:.4f})")

    # ---- base SGD with snapshots -------------------------------------------------------------------
    model = LeNet5()
    if args.init_from:
        set_flat_params(model, torch.from_numpy(read_safetensors_params(args.init_from)))
    log(f"lenet5: {sum(p.numel() for p in model.parameters())} parameters")
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[5, 8], gamma=0.1)
    order_gen = torch.Generator().manual_seed(args.seed * 1000 + 11)
    snapshots = [flat_params(model)]
    history = []
    base_seconds = []
    model.train()
    for epoch in range(args.epochs):
        lr = opt.param_groups[0]["lr"]
        ours = torch.tensor(splitmix_permutation(splitmix_for(args.seed, 0xE90C, epoch), n)) if args.order == "ours" else None
        t0 = time.perf_counter()
        order = ours if ours is not None else torch.randperm(n, generator=order_gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            x, y = xtr[idx], ytr[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=False)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * idx.numel()
            correct += (logits.argmax(1) == y).sum().item()
        sched.step()
        snapshots.append(flat_params(model))
        seconds = time.perf_counter() - t0
        base_seconds.append(seconds)
        tl, ta = evaluate(model, xte, yte)
        history.append(dict(phase="base", epoch=epoch + 1, lr=lr, train_loss=loss_sum / n, train_accuracy=correct / n,
                            test_loss=tl, test_accuracy=ta, seconds=seconds))
        log(f"base  epoch {epoch + 1:3d}/{args.epochs}  lr {lr:.3g}  train loss {loss_sum / n:.4f} acc {100 * correct / n:.2f}%  "
            f"test loss {tl:.4f} acc {100 * ta:.2f}%  {seconds:.1f}s")
    base_final = evaluate(model, xte, yte)

    # ---- SWA: mean of snapshots from..to-1 ----------------------------------------------------------
    sel = list(range(args.snap_from, args.snap_to))
    W = torch.stack([snapshots[i] for i in sel]).double()  # n x D
    swa_w = W.mean(0)
    set_flat_params(model, swa_w)
    swa = evaluate(model, xte, yte)
    log(f"swa   snapshots {sel[0]}..{sel[-1]}: test loss {swa[0]:.4f} acc {100 * swa[1]:.2f}%")

    # ---- TWA-schmidt --------------------------------------------------------------------------------
    Q, _ = torch.linalg.qr(W.t())  # D x r, orthonormal columns spanning the snapshots
    P64 = Q.t().contiguous()  # r x D
    ortho = (P64 @ P64.t() - torch.eye(P64.shape[0], dtype=torch.float64)).abs().max().item()
    beta64 = P64 @ swa_w
    residual = ((P64.t() @ beta64 - swa_w).norm() / swa_w.norm()).item()
    log(f"twa: basis of {P64.shape[0]} snapshot(s) {sel[0]}..{sel[-1]}, D = {P64.shape[1]}, "
        f"max|PP^T-I| = {ortho:.1e}, start residual {residual:.1e}")
    P = P64.float()
    beta = beta64.float().clone().requires_grad_(False)
    beta = nn.Parameter(beta)
    set_flat_params(model, P.t() @ beta.detach())
    twa_opt = torch.optim.SGD([beta], lr=args.twa_lr, momentum=0.9, weight_decay=1e-5)
    # torch's MultiStepLR with the TWA code's default milestones [int(0.5E), int(0.75E + 0.9)] -> E=2: [1, 2]
    twa_sched = torch.optim.lr_scheduler.MultiStepLR(
        twa_opt, milestones=[int(0.5 * args.twa_epochs), int(0.75 * args.twa_epochs + 0.9)], gamma=0.1)
    twa_gen = torch.Generator().manual_seed(args.seed * 1000 + 13)
    twa_seconds = []
    for epoch in range(args.twa_epochs):
        lr = twa_opt.param_groups[0]["lr"]
        ours = (torch.tensor(splitmix_permutation(splitmix_for(args.seed + 0x7A, 0xE90C, epoch), n))
                if args.order == "ours" else None)
        t0 = time.perf_counter()
        order = ours if ours is not None else torch.randperm(n, generator=twa_gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            x, y = xtr[idx], ytr[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            model.zero_grad(set_to_none=False)
            loss.backward()
            with torch.no_grad():
                beta.grad = P @ flat_grad(model)
            twa_opt.step()
            set_flat_params(model, P.t() @ beta.detach())
            loss_sum += loss.item() * idx.numel()
            correct += (logits.argmax(1) == y).sum().item()
        twa_sched.step()
        seconds = time.perf_counter() - t0
        twa_seconds.append(seconds)
        tl, ta = evaluate(model, xte, yte)
        history.append(dict(phase="twa", epoch=epoch + 1, lr=lr, train_loss=loss_sum / n, train_accuracy=correct / n,
                            test_loss=tl, test_accuracy=ta, seconds=seconds))
        log(f"twa   epoch {epoch + 1:3d}/{args.twa_epochs}  lr {lr:.3g}  train loss {loss_sum / n:.4f} acc {100 * correct / n:.2f}%  "
            f"test loss {tl:.4f} acc {100 * ta:.2f}%  {seconds:.1f}s")
    twa = evaluate(model, xte, yte)
    alpha = None
    try:  # averaging coefficients: w = W^T alpha, least squares in the span
        alpha = torch.linalg.lstsq(W.t(), (P64.t() @ beta.detach().double()).unsqueeze(1)).solution.squeeze(1).tolist()
    except Exception:  # pragma: no cover - informational only
        pass

    base5 = next(h for h in history if h["phase"] == "base" and h["epoch"] == min(5, args.epochs))
    result = {
        "implementation": "pytorch",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "seed": args.seed,
        "normalize": args.normalize,
        "split": args.split,
        "order": args.order,
        "init_from": args.init_from,
        "mean": mean,
        "std": std,
        "train_images": n,
        "base_epoch5_test_accuracy": base5["test_accuracy"],
        "base_test_accuracy": base_final[1],
        "base_test_loss": base_final[0],
        "swa_test_accuracy": swa[1],
        "swa_test_loss": swa[0],
        "twa_test_accuracy": twa[1],
        "twa_test_loss": twa[0],
        "twa_averaging_coefficients": alpha,
        "base_epoch_seconds": base_seconds,
        "base_epoch_seconds_mean": sum(base_seconds) / len(base_seconds),
        "twa_epoch_seconds": twa_seconds,
        "history": history,
        "argv": sys.argv[1:],
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    log(f"final: base@5 {100 * base5['test_accuracy']:.2f}%  base@{args.epochs} {100 * base_final[1]:.2f}%  "
        f"swa {100 * swa[1]:.2f}%  twa {100 * twa[1]:.2f}%  ({sum(base_seconds) / len(base_seconds):.2f}s per base epoch); wrote {args.out}")


if __name__ == "__main__":
    main()
