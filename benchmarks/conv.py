"""Convolution and pooling against PyTorch: the Keras MNIST convnet's conv layers, float32.

The network (keras.io/examples/vision/mnist_convnet): Conv2D(32, 3) on 28x28x1, max
pooling 2x2, Conv2D(64, 3) on 13x13x32, max pooling 2x2. Each case is timed forward and
backward (gradients for the kernel and bias, and for the input except at the first
layer, whose input is the data), at batch 128, against PyTorch's ``F.conv2d`` and
``F.max_pool2d`` on the same numbers in the same process, in interleaved rounds (medians).
Ours run channels-last (TensorFlow's layout); PyTorch's in its channels_last memory format,
its fastest (and the ratio to its default NCHW format is given too).

The single-layer cases seed the backward pass with dL/dy, which our engine copies (1.2 ms
for the first layer's output; PyTorch does not copy); the network's seed is small, as a
loss's is in training.

``python benchmarks/conv.py`` prints the ratios, then where our time goes: im2col's copy,
the BLAS products, the input gradient's scatter, the bias, pooling; what the parts leave
of a case's time is the graph and the temporaries. ``OPENBLAS_NUM_THREADS=1`` gives both
libraries one thread, timed by CPU time: steadier figures on a shared machine, where a
BLAS thread pool waiting for a busy core stalls whole products.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402
from autograd_core.ops import _windows  # noqa: E402
from common import interleaved_medians, own_pages, table  # noqa: E402

BATCH = 128


def layer_data(seed=0):
    """The two conv layers' inputs, kernels (HWIO) and biases, and the pools' inputs."""
    rng = np.random.default_rng(seed)

    def normal(*shape, scale=1.0):
        return own_pages((rng.normal(size=shape) * scale).astype(np.float32))
    return {"x1": normal(BATCH, 28, 28, 1), "k1": normal(3, 3, 1, 32, scale=1 / 3),
            "b1": normal(32, scale=0.1), "x2": normal(BATCH, 13, 13, 32),
            "k2": normal(3, 3, 32, 64, scale=1 / 17), "b2": normal(64, scale=0.1),
            "p1": normal(BATCH, 26, 26, 32), "p2": normal(BATCH, 11, 11, 64)}


def seeds(data):
    """dL/dy for each case's output, the same numbers for both libraries."""
    rng = np.random.default_rng(1)
    shapes = {"conv1": (BATCH, 26, 26, 32), "conv2": (BATCH, 11, 11, 64),
              "pool1": (BATCH, 13, 13, 32), "pool2": (BATCH, 5, 5, 64)}
    return {name: rng.normal(size=s).astype(np.float32) for name, s in shapes.items()}


def engine_cases(data, gs):
    x1 = ag.constant(data["x1"])
    x2, p1, p2 = (ag.Variable(data[n]) for n in ("x2", "p1", "p2"))
    k1, b1, k2, b2 = (ag.Variable(data[n]) for n in ("k1", "b1", "k2", "b2"))
    params = [x2, p1, p2, k1, b1, k2, b2]

    def run(f, g):
        def step():
            for p in params:
                p.grad = None
            f().backward(g)
        return step

    def network():
        h = ag.max_pool2d(ag.relu(ag.conv2d(x1, k1, bias=b1)), 2)
        return ag.max_pool2d(ag.relu(ag.conv2d(h, k2, bias=b2)), 2)
    cases = {"conv1": run(lambda: ag.conv2d(x1, k1, bias=b1), gs["conv1"]),
             "conv2": run(lambda: ag.conv2d(x2, k2, bias=b2), gs["conv2"]),
             "pool1": run(lambda: ag.max_pool2d(p1, 2), gs["pool1"]),
             "pool2": run(lambda: ag.max_pool2d(p2, 2), gs["pool2"]),
             "network": run(network, gs["pool2"])}
    return cases, dict(zip(("x2", "p1", "p2", "k1", "b1", "k2", "b2"), params))


def torch_cases(data, gs, channels_last=True):
    """PyTorch's tensors are (N, C, H, W); ``channels_last`` stores them as (N, H, W, C) in
    memory (``torch.channels_last``), PyTorch's fastest CPU layout for convolutions and
    pooling and the one its convolution picks by itself for one input channel."""
    import torch
    F = torch.nn.functional
    layout = torch.channels_last if channels_last else torch.contiguous_format

    def nchw(a):
        return torch.from_numpy(a.transpose(0, 3, 1, 2)).contiguous(memory_format=layout)
    x1 = nchw(data["x1"])
    x2, p1, p2 = (nchw(data[n]).requires_grad_() for n in ("x2", "p1", "p2"))
    k1, k2 = (torch.from_numpy(data[n].transpose(3, 2, 0, 1)).contiguous(memory_format=layout)
              .requires_grad_() for n in ("k1", "k2"))
    b1, b2 = (torch.from_numpy(data[n]).requires_grad_() for n in ("b1", "b2"))
    params = [x2, p1, p2, k1, b1, k2, b2]
    gs = {name: nchw(g) for name, g in gs.items()}

    def run(f, g):
        def step():
            for p in params:
                p.grad = None
            f().backward(g)
        return step

    def network():
        h = F.max_pool2d(torch.relu(F.conv2d(x1, k1, b1)), 2)
        return F.max_pool2d(torch.relu(F.conv2d(h, k2, b2)), 2)
    cases = {"conv1": run(lambda: F.conv2d(x1, k1, b1), gs["conv1"]),
             "conv2": run(lambda: F.conv2d(x2, k2, b2), gs["conv2"]),
             "pool1": run(lambda: F.max_pool2d(p1, 2), gs["pool1"]),
             "pool2": run(lambda: F.max_pool2d(p2, 2), gs["pool2"]),
             "network": run(network, gs["pool2"])}
    return cases, dict(zip(("x2", "p1", "p2", "k1", "b1", "k2", "b2"), params))


def check_same_maths(data, gs):
    """Both libraries must compute the same gradients, or the ratios are moot."""
    ours, values = engine_cases(data, gs)
    theirs, tensors = torch_cases(data, gs)
    checked = {"conv1": ("k1", "b1"), "conv2": ("x2", "k2", "b2"), "pool1": ("p1",),
               "pool2": ("p2",)}
    for case, names in checked.items():
        ours[case]()
        theirs[case]()
        for name in names:
            t = tensors[name].grad.numpy()
            t = t.transpose(2, 3, 1, 0) if name[0] == "k" else t.transpose(0, 2, 3, 1) \
                if t.ndim == 4 else t
            np.testing.assert_allclose(values[name].grad, t, rtol=1e-3, atol=1e-2,
                                       err_msg=f"{case}: gradient of {name}")


def breakdown(data, gs, rounds):
    """Our steps cut into their parts, each timed alone: the same calls the ops make."""
    valid = ((0, 0), (0, 0))
    conv = _windows.Window((3, 3), (1, 1), (1, 1), valid, False)
    pool = _windows.Window((2, 2), (2, 2), (1, 1), valid, False)
    x1, k1, g1 = data["x1"], data["k1"], gs["conv1"]
    x2, k2, g2 = data["x2"], data["k2"], gs["conv2"]
    cols1, cols2 = _windows.im2col(x1, conv), _windows.im2col(x2, conv)
    y1 = cols1 @ k1.reshape(9, 32)
    argmax = _windows.max_pool_array(data["p1"], pool)[1]
    parts = {
        "conv1 im2col copy (1 channel)": lambda: _windows.im2col(x1, conv),
        "conv1 BLAS y = cols @ k": lambda: cols1 @ k1.reshape(9, 32),
        "conv1 bias, in place": lambda: y1.__iadd__(data["b1"]),
        "conv1 BLAS dk = cols^T @ g": lambda: cols1.T @ g1.reshape(-1, 32),
        "conv1 bias gradient (BLAS)": lambda: _windows.channel_sums(g1, 3),
        "conv2 im2col copy": lambda: _windows.im2col(x2, conv),
        "conv2 BLAS y = cols @ k": lambda: cols2 @ k2.reshape(-1, 64),
        "conv2 BLAS dk = cols^T @ g": lambda: cols2.T @ g2.reshape(-1, 64),
        "conv2 dx: 9 BLAS products + adds": lambda: _windows.conv2d_transpose_array(
            g2, k2, conv, x2.shape),
        "pool1 max forward": lambda: _windows.max_pool_array(data["p1"], pool),
        "pool1 max backward": lambda: _windows.max_pool_backprop_array(
            gs["pool1"], argmax, pool, data["p1"].shape),
    }
    med = interleaved_medians(parts, rounds=rounds, number=3, settle=0.05, clock=_clock())
    return [[name, f"{seconds * 1e3:.2f} ms"] for name, seconds in med.items()]


def _clock():
    """CPU time when both libraries run on one thread (steadier on a shared machine),
    else the wall clock."""
    one_thread = os.environ.get("OPENBLAS_NUM_THREADS") == "1"
    return time.process_time if one_thread else time.perf_counter


def run(rounds=9):
    data = layer_data()
    gs = seeds(data)
    try:
        import torch
    except ImportError:
        return [["conv layers", "n/a (needs torch)", "", "", ""]], []
    if os.environ.get("OPENBLAS_NUM_THREADS"):  # as many threads as numpy's BLAS
        torch.set_num_threads(int(os.environ["OPENBLAS_NUM_THREADS"]))
    check_same_maths(data, gs)
    ours, _ = engine_cases(data, gs)
    theirs, _ = torch_cases(data, gs)
    theirs_nchw, _ = torch_cases(data, gs, channels_last=False)
    fns = {}
    for name in ours:
        fns["ours " + name], fns["torch " + name] = ours[name], theirs[name]
        fns["torch NCHW " + name] = theirs_nchw[name]
    med = interleaved_medians(fns, rounds=rounds, number=3, settle=0.25, clock=_clock())
    labels = {"conv1": "conv 32 3x3 on 28x28x1 (+bias)",
              "conv2": "conv 64 3x3 on 13x13x32 (+bias)",
              "pool1": "max pool 2x2 on 26x26x32", "pool2": "max pool 2x2 on 11x11x64",
              "network": "the four, with relu"}
    rows = []
    for name, label in labels.items():
        a, b = med["ours " + name], med["torch " + name]
        rows.append([f"{label}, batch {BATCH}", f"{a * 1e3:.2f} ms", f"{b * 1e3:.2f} ms",
                     f"{a / b:.2f}x", f"{a / med['torch NCHW ' + name]:.2f}x", "<= 1.5x"])
    return rows, breakdown(data, gs, rounds)


if __name__ == "__main__":
    rows, parts = run()
    print(table(rows, ["forward + backward, float32", "autograd_core", "torch (channels_last)",
                       "ratio", "ratio to torch NCHW", "target"]))
    print()
    print(table(parts, ["where our time goes", "median"]))
