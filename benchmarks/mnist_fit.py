"""The course's MNIST run, against PyTorch doing the same, in one session.

784-512-10 (ReLU, softmax), RMSprop with Keras's defaults (lr 0.001, rho 0.9, eps 1e-7),
batch 128, 5 epochs, float32, pixels scaled to [0, 1]. Each run is a fresh subprocess, so
its wall time and peak memory (max RSS) are its own; runs alternate between the two
libraries and the medians are compared.

    python benchmarks/mnist_fit.py [--runs 3] [--epochs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

EPOCHS, BATCH = 5, 128


def load():
    import numpy as np

    import nn
    (x_train, y_train), (x_test, y_test) = nn.datasets.load_mnist()
    def prep(x):
        return (x.reshape(len(x), 784) / np.float32(255)).astype(np.float32)
    return prep(x_train), y_train, prep(x_test), y_test


def train_ours(epochs, seed):
    import nn
    x_train, y_train, x_test, y_test = load()
    model = nn.Sequential([nn.Dense(512, activation="relu", input_shape=(784,), seed=seed),
                           nn.Dense(10, activation="softmax", seed=seed + 1)])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    t0 = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=BATCH, seed=seed, verbose=0)
    seconds = time.perf_counter() - t0
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    return seconds, accuracy


def train_torch(epochs, seed):
    import numpy as np
    import torch
    torch.manual_seed(seed)
    x_train, y_train, x_test, y_test = load()
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 10))
    # Keras's defaults. Keras adds eps inside the square root and torch outside it; with
    # eps = 1e-7 that changes nothing measurable here, and the work per step is the same.
    opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train.astype(np.int64))
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(xt)))
        for start in range(0, len(xt), BATCH):
            idx = order[start:start + BATCH]
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        pred = model(torch.from_numpy(x_test)).argmax(1).numpy()
    return seconds, float((pred == y_test).mean())


def child(which, epochs, seed):
    seconds, accuracy = (train_ours if which == "autograd_core" else train_torch)(epochs, seed)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "accuracy": accuracy, "peak_mb": peak_mb}))


def run(runs=3, epochs=EPOCHS):
    results = {"autograd_core": [], "torch": []}
    for i in range(runs):
        for which in results:
            out = subprocess.run([sys.executable, __file__, "--child", which,
                                  "--epochs", str(epochs), "--seed", str(i)],
                                 capture_output=True, text=True, check=True, env=os.environ)
            results[which].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(which, results[which][-1], flush=True)
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("seconds", "accuracy", "peak_mb")}
           for k, v in results.items()}
    ratio = med["autograd_core"]["seconds"] / med["torch"]["seconds"]
    print(f"\nMNIST 784-512-10, RMSprop, batch {BATCH}, {epochs} epochs, median of {runs} runs:")
    for k, m in med.items():
        print(f"  {k:14s} {m['seconds']:6.1f} s   test accuracy {m['accuracy']:.4f}   "
              f"peak memory {m['peak_mb']:.0f} MB")
    print(f"  time ratio autograd_core / torch: {ratio:.3f}x (target <= 1.00x)")
    return med, ratio


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--child")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.epochs, args.seed)
    else:
        run(args.runs, args.epochs)
