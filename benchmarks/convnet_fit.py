"""One epoch of ``fit`` on MNIST, the Keras "Simple MNIST convnet", against PyTorch's epoch.

The model (keras.io/examples/vision/mnist_convnet) as our layers::

    nn.Sequential([nn.Input((28, 28, 1)), nn.Conv2D(32, 3, activation="relu"),
                   nn.MaxPooling2D(2), nn.Conv2D(64, 3, activation="relu"),
                   nn.MaxPooling2D(2), nn.Flatten(), nn.Dropout(0.5),
                   nn.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)

on the 60,000 training images, float32 in [0, 1]. PyTorch's epoch is the loop a PyTorch
user writes without a DataLoader: the same net as an ``nn.Module`` (NCHW, its default
initialisation), ``torch.optim.Adam`` (lr 1e-3, eps 1e-7 as Keras), ``CrossEntropyLoss``
on the logits, shuffled index batches of 128 gathered from the data tensors, and the
epoch's mean loss and accuracy counted as ``fit`` counts them.

Each epoch runs in a fresh subprocess, ours and PyTorch's alternating for ``--rounds``
rounds; the medians are compared. A child times its epoch on the wall clock (and its CPU
time), and measures its peak memory as ``convnet.py`` does: the peak resident set size
over the epoch minus the resident size after the imports, the data and the model (the
kernel's peak is reset there through ``/proc/self/clear_refs``). PyTorch's child runs with
glibc's own allocator settings (``AUTOGRAD_CORE_MALLOC=system``), as in ``convnet.py``.

Then where our epoch's time goes beyond the step, in this process: ``fit`` on one batch
and on eight batches of the same images, against the bare step of ``convnet.py`` (the ops
and ``optim.Adam`` alone) on the first of those batches; and cProfile's top entries by
cumulative time for one ``--quick`` epoch.

    python benchmarks/convnet_fit.py                 # both libraries' default threads
    python benchmarks/convnet_fit.py --threads 1     # OPENBLAS_NUM_THREADS=1, torch 1 thread
    python benchmarks/convnet_fit.py --quick         # 2,000 images (the shipped sample)
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

BATCH, CLASSES, LR, EPS = 128, 10, 1e-3, 1e-7
QUICK = 2000  # images of a --quick epoch: within the sample shipped with nn.datasets


def load(n=None):
    """The first ``n`` training images (all 60,000 if None) as (n, 28, 28, 1) float32 in
    [0, 1], and their labels (n,). ``n <= 4000`` needs only the shipped sample."""
    import numpy as np

    import nn
    (x, y), _ = nn.datasets.load_mnist(sample=n is not None and n <= 4000)
    x, y = x[:n], y[:n]
    return (x[..., None] / np.float32(255)).astype(np.float32), y.astype(np.int64)


def keras_model(seed=0):
    import autograd_core as ag
    import nn
    ag.random.set_seed(seed)
    model = nn.Sequential([nn.Input((28, 28, 1)), nn.Conv2D(32, 3, activation="relu"),
                           nn.MaxPooling2D(2), nn.Conv2D(64, 3, activation="relu"),
                           nn.MaxPooling2D(2), nn.Flatten(), nn.Dropout(0.5),
                           nn.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def ours_epoch_fn(x, labels, seed=0):
    """Our epoch: returns a function that runs it and gives (mean loss, accuracy)."""
    import nn
    model = keras_model(seed)
    onehot = nn.to_categorical(labels, CLASSES)  # categorical cross-entropy's targets

    def epoch():
        logs = model.fit(x, onehot, batch_size=BATCH, epochs=1, verbose=0,
                         seed=seed).history
        return logs["loss"][-1], logs["accuracy"][-1]
    return epoch


def torch_epoch_fn(x, labels, seed=0):
    """PyTorch's epoch, written as its users write it; same return as ``ours_epoch_fn``."""
    import torch
    nn = torch.nn
    torch.manual_seed(seed)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
            self.dropout, self.fc = nn.Dropout(0.5), nn.Linear(5 * 5 * 64, CLASSES)

        def forward(self, x):
            x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(x)), 2)
            x = nn.functional.max_pool2d(nn.functional.relu(self.conv2(x)), 2)
            return self.fc(self.dropout(torch.flatten(x, 1)))

    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=LR, eps=EPS)
    criterion = nn.CrossEntropyLoss()
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())  # NCHW, PyTorch's default layout
    yt = torch.from_numpy(labels)

    def epoch():
        model.train()
        order = torch.randperm(len(xt))
        total, correct = 0.0, 0
        for start in range(0, len(xt), BATCH):
            idx = order[start:start + BATCH]
            xb, yb = xt[idx], yt[idx]
            logits = model(xb)
            loss = criterion(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
        return total / len(xt), correct / len(xt)
    return epoch


def child(which, n, threads, seed):
    """Run one epoch; print its seconds, CPU seconds, loss, accuracy and peak memory (MB)."""
    from convnet import _status_kb
    x, labels = load(n)
    if which == "torch":
        import torch
        if threads:
            torch.set_num_threads(threads)
    epoch = (ours_epoch_fn if which == "ours" else torch_epoch_fn)(x, labels, seed)
    del x, labels  # each engine keeps its own copy of the data, inside ``epoch``
    start = _status_kb("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # Linux: the peak (VmHWM) starts again from the resident size
    except OSError:
        pass
    t0, c0 = time.perf_counter(), time.process_time()
    loss, accuracy = epoch()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _status_kb("VmHWM")
    peak_mb = float("nan") if start is None or peak is None else (peak - start) / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "loss": float(loss),
                      "accuracy": float(accuracy), "peak_mb": peak_mb}))


def child_env(which, threads):
    env = dict(os.environ)
    if threads:  # before numpy is imported, or OpenBLAS has started its threads
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    if which == "torch":  # glibc's own settings for PyTorch, not the ones our import makes
        env["AUTOGRAD_CORE_MALLOC"] = "system"
    return env


def epochs(n=None, rounds=2, threads=None, verbose=True):
    """``rounds`` epochs of each engine, alternating, each in a subprocess of its own.

    Returns:
        {"ours": [result, ...], "torch": [...]}, each result a dict of seconds, cpu,
        loss, accuracy and peak_mb.
    """
    results = {"ours": [], "torch": []}
    for i in range(rounds):
        for which in results:
            command = [sys.executable, __file__, "--child", which, "--seed", str(i)]
            command += ["--n", str(n)] if n else []
            command += ["--threads", str(threads)] if threads else []
            out = subprocess.run(command, capture_output=True, text=True, check=True,
                                 env=child_env(which, threads))
            results[which].append(json.loads(out.stdout.strip().splitlines()[-1]))
            if verbose:
                print(which, results[which][-1], flush=True, file=sys.stderr)
    return results


def summary(results, n, threads):
    """The table's rows: medians of each engine and the ratios."""
    med = {which: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
           for which, rs in results.items()}
    steps = -(-n // BATCH)
    rows = []
    for which, m in med.items():
        rows.append([which, f"{m['seconds']:.2f} s", f"{m['cpu']:.2f} s",
                     f"{m['seconds'] / steps * 1e3:.1f} ms", f"{m['peak_mb']:.0f} MB",
                     f"{m['loss']:.4f}", f"{m['accuracy']:.4f}"])
    ours, torch = med["ours"], med["torch"]
    rows.append(["ours / torch", f"{ours['seconds'] / torch['seconds']:.2f}x (<= 1.5x)",
                 f"{ours['cpu'] / torch['cpu']:.2f}x", "",
                 f"{ours['peak_mb'] - torch['peak_mb']:+.0f} MB (<= 0)", "", ""])
    return rows, med


HEADERS = ["one epoch of fit", "wall", "CPU", "per step", "peak memory over data",
           "mean loss", "accuracy"]


def step_overhead(ours_step_seconds, rounds=5):
    """Rows comparing ``fit``'s step with the bare step of ``convnet.py``, in this process:
    fit on 1 and on 8 batches (their difference / 7 is a step inside fit; what is left of
    the 1-batch call is fit's per-call work), and the bare step on the first batch."""
    import convnet
    from common import interleaved_medians
    x, labels = load(8 * BATCH)
    import nn
    onehot = nn.to_categorical(labels, CLASSES)
    model = keras_model()

    def fit_on(k):
        return lambda: model.fit(x[:k * BATCH], onehot[:k * BATCH], batch_size=BATCH,
                                 epochs=1, verbose=0, shuffle=True, seed=0)
    fns = {"fit, 1 batch": fit_on(1), "fit, 8 batches": fit_on(8),
           "bare step (convnet.py)": convnet.engine_step_fn(x[:BATCH], labels[:BATCH])}
    med = interleaved_medians(fns, rounds=rounds, number=1, settle=0.05)
    in_fit = (med["fit, 8 batches"] - med["fit, 1 batch"]) / 7
    bare = med["bare step (convnet.py)"]
    rows = [["bare step: ops + optim.Adam (convnet.py)", f"{bare * 1e3:.1f} ms", "100%"],
            ["a step inside fit: (fit 8 batches - fit 1 batch) / 7", f"{in_fit * 1e3:.1f} ms",
             f"{in_fit / bare:.0%}"],
            ["fit's per-call work (fit 1 batch - a step inside fit)",
             f"{(med['fit, 1 batch'] - in_fit) * 1e3:.1f} ms", ""]]
    if ours_step_seconds:
        rows.append(["a step of the full epoch (epoch wall / steps)",
                     f"{ours_step_seconds * 1e3:.1f} ms", f"{ours_step_seconds / bare:.0%}"])
    return rows


# fit's work around the step, by (file, function): what a bare step does not do
FIT_WORK = {("trainer.py", "fit"): "fit's own lines: the loops",
            ("data_adapter.py", "epoch"): "shuffling and gathering the batches",
            ("trainer.py", "_arrays"): "checking x and y (finite, shapes)",
            ("trainer.py", "_check_with_model"): "checking the first batch with the model",
            ("trainer.py", "_update_metrics"): "the accuracy metric",
            ("trainer.py", "_logs"): "the logs of each batch",
            ("trainer.py", "_add_means"): "the running mean of the loss",
            ("training.py", "update"): "the progress bar (verbose=0)",
            ("callbacks.py", "on_batch_end"): "callbacks (History)",
            ("training.py", "on_batch_end"): "callbacks (History)"}


def profile(top=12):
    """cProfile's ``top`` entries by cumulative time for one --quick epoch of our fit, then
    the entries of ``FIT_WORK`` (fit's own lines by their own time, the others cumulative).

    Returns:
        (rows of the top entries, rows of fit's work around the step)
    """
    x, labels = load(QUICK)
    epoch = ours_epoch_fn(x, labels)
    profiler = cProfile.Profile()
    profiler.enable()
    epoch()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    entries = sorted(stats.items(), key=lambda kv: kv[1][3], reverse=True)
    total = entries[0][1][3]
    rows, work = [], []
    for (path, line, func), (_, calls, tottime, cumtime, _) in entries:
        where = f"{os.path.basename(path)}:{line} {func}" if line else func
        if len(rows) < top:
            rows.append([where, str(calls), f"{cumtime:.3f} s", f"{cumtime / total:.0%}",
                         f"{tottime:.3f} s"])
        what = FIT_WORK.get((os.path.basename(path), func))
        if what and os.sep + "nn" + os.sep in path:
            seconds = tottime if func == "fit" else cumtime
            work.append([f"{what} ({where})", str(calls), f"{seconds * 1e3:.1f} ms",
                         f"{seconds / total:.1%}"])
    return rows, work


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None,
                    help="1: OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(1)")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK} images, for the tests")
    ap.add_argument("--no-parts", action="store_true", help="the epochs only")
    ap.add_argument("--child", choices=("ours", "torch"))
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.n, args.threads, args.seed)
        return None
    if args.threads:  # this process times the parts, with the children's BLAS threads
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)  # before numpy is imported
    n = QUICK if args.quick else args.n
    results = epochs(n, args.rounds, args.threads)
    rows, med = summary(results, n or 60000, args.threads)
    from common import table
    print(f"\nMNIST convnet, batch {BATCH}, {n or 60000} images, threads: "
          f"{args.threads or 'default'}, median of {args.rounds} rounds; load average "
          f"{' '.join(f'{a:.2f}' for a in os.getloadavg())}")
    print(table(rows, HEADERS))
    if not args.no_parts:
        step = med["ours"]["seconds"] / -(-(n or 60000) // BATCH)
        print()
        print(table(step_overhead(step), ["where fit's step time goes", "median",
                                          "of the bare step"]))
        print()
        top, work = profile()
        print(table(top, [f"cProfile, one epoch of {QUICK} images, by cumulative time",
                          "calls", "cumulative", "of the epoch", "own time"]))
        print()
        print(table(work, ["fit's work around the step, same profile", "calls", "time",
                           "of the epoch"]))
    return results


if __name__ == "__main__":
    main()
