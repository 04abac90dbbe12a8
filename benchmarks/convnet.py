"""The Keras MNIST convnet's training step against PyTorch's, float32, batch 128.

The network (keras.io/examples/vision/mnist_convnet): input 28x28x1; Conv2D(32, 3) relu;
MaxPooling2D(2); Conv2D(64, 3) relu; MaxPooling2D(2); Flatten; Dropout(0.5); Dense(10)
softmax; categorical cross-entropy; Adam(1e-3). One step is the forward pass, the loss,
the backward pass and Adam's update.

- autograd_core: the step written with the ops directly (``conv2d`` with its bias fused,
  ``relu``, ``max_pool2d``, ``reshape``, a dropout mask, ``linear``, the fused
  ``softmax_cross_entropy``) and ``optim.Adam`` on Variables, channels last.
- torch: the same net as ``torch.nn`` modules with ``torch.optim.Adam`` (eps 1e-7, as
  Keras), in PyTorch's default memory format (NCHW) and in ``channels_last``; the faster
  of the two is the reference.

Both start from the same weights; a fresh dropout mask is drawn at every step, by numpy's
generator for us and by ``nn.Dropout`` for PyTorch. The timings are medians of
interleaved rounds in one process (``common.interleaved_medians``).

    python benchmarks/convnet.py                           # both libraries' default threads
    OPENBLAS_NUM_THREADS=1 python benchmarks/convnet.py    # one thread each, CPU time

It prints the ratios, the peak memory of a step for each library, and where our step's
time goes: each part timed alone with the very calls the ops make; what the parts leave
of the step's time is the graph (Values, the walk, gradient accumulation) and the
temporaries around the ops.

Peak memory: each library runs in a subprocess of its own, which imports it and makes
its data, weights and optimizer; then the kernel's record of the peak resident set size
is reset to the present size (``/proc/self/clear_refs`` on Linux) and the figure is how
far four steps take the peak above it. RSS counts numpy's and PyTorch's allocations alike
(tracemalloc sees numpy's only, torch's allocator stats PyTorch's only), and starting
after the imports and the data leaves out what is not a step's. Both libraries' first
step makes its lazy state (Adam's moments, 0.2 MB here), counted in both. Where the peak
cannot be reset, ``ru_maxrss`` stands for it (then the import's own peak may hide a
step's). PyTorch's process runs with glibc's default allocator settings
(``AUTOGRAD_CORE_MALLOC=system``): importing autograd_core keeps freed large blocks in
the heap, which would count PyTorch's fragmentation against it. (In the timed runs both
libraries share one process, and that setting.)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402
from autograd_core.ops import _windows  # noqa: E402
from common import interleaved_medians, own_pages, table  # noqa: E402

try:
    from optim import Adam
except ImportError:  # the engine benchmark alone does not need the optim package
    Adam = None

BATCH, CLASSES, RATE, LR, EPS = 128, 10, 0.5, 1e-3, 1e-7
FLAT = 5 * 5 * 64  # the second pool's output, flattened


def init_params(seed=0):
    """k1, b1, k2, b2, W, b as Keras initialises them (Glorot uniform kernels, zero biases),
    channels last: kernels (kh, kw, in, out), W (1600, 10) in (height, width, channel) order.
    Each in pages of its own (``common.own_pages``)."""
    rng = np.random.default_rng(seed)

    def glorot(shape, fan_in, fan_out):
        limit = np.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(np.float32)
    return [own_pages(p) for p in (
        glorot((3, 3, 1, 32), 9, 9 * 32), np.zeros(32, np.float32),
        glorot((3, 3, 32, 64), 9 * 32, 9 * 64), np.zeros(64, np.float32),
        glorot((FLAT, CLASSES), FLAT, CLASSES), np.zeros(CLASSES, np.float32))]


def batch(n=BATCH, seed=1):
    """Images (n, 28, 28, 1) in [0, 1] and their classes (n,)."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, CLASSES, n)


def dropout_mask(rng, n):
    """Inverted dropout's mask: 0 with probability RATE, else 1 / (1 - RATE), as Keras."""
    return (rng.random((n, FLAT), dtype=np.float32) >= RATE) * np.float32(1 / (1 - RATE))


def engine_step_fn(x, labels, masks=None, params=None):
    """Our training step; returns the loss. ``masks``: a function of the step's index giving
    its dropout mask (n, 1600), or None for fresh random ones."""
    onehot = np.eye(CLASSES, dtype=np.float32)[labels]  # categorical cross-entropy's targets
    variables = []
    for data in params if params is not None else init_params():
        v = ag.Variable(data)
        v.data = data  # a Variable copies its initial value; keep the page-aligned array
        variables.append(v)
    k1, b1, k2, b2, W, b = variables
    adam = Adam(variables, learning_rate=LR, epsilon=EPS)
    rng = np.random.default_rng(2)
    n = len(x)
    count = [0]

    def forward():
        mask = dropout_mask(rng, n) if masks is None else masks(count[0])
        count[0] += 1
        h = ag.max_pool2d(ag.relu(ag.conv2d(x, k1, bias=b1)), 2)
        h = ag.max_pool2d(ag.relu(ag.conv2d(h, k2, bias=b2)), 2)
        h = h.reshape((n, FLAT)) * mask
        return ag.softmax_cross_entropy(ag.linear(h, W, b), onehot, reduction="mean")

    def step():
        loss = forward()
        loss.backward()
        adam.step()
        adam.zero_grad()
        return loss
    return step


def _hwc_to_chw():
    """For each position of PyTorch's flattened (channel, height, width) features, the
    position of the same feature in our (height, width, channel) order."""
    return np.arange(FLAT).reshape(5, 5, 64).transpose(2, 0, 1).ravel()


def torch_step_fn(x, labels, masks=None, params=None, channels_last=False):
    """PyTorch's training step on the same weights; returns the loss."""
    import torch
    nn = torch.nn
    layout = torch.channels_last if channels_last else torch.contiguous_format
    k1, b1, k2, b2, W, b = params if params is not None else init_params()
    perm = _hwc_to_chw()

    class Mask(nn.Module):
        """Dropout with given masks (the correctness check), in PyTorch's feature order."""

        def __init__(self):
            super().__init__()
            self.count = 0

        def forward(self, h):
            mask = torch.from_numpy(np.ascontiguousarray(masks(self.count)[:, perm]))
            self.count += 1
            return h * mask
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Dropout(RATE) if masks is None else Mask(), nn.Linear(FLAT, CLASSES))
    with torch.no_grad():
        for layer, k, bias in ((model[0], k1, b1), (model[3], k2, b2)):
            layer.weight.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1)))
            layer.bias.copy_(torch.from_numpy(bias))
        model[8].weight.copy_(torch.from_numpy(W[perm].T))
        model[8].bias.copy_(torch.from_numpy(b))
    model = model.to(memory_format=layout).train()
    opt = torch.optim.Adam(model.parameters(), lr=LR, eps=EPS)
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2)).contiguous(memory_format=layout)
    yt = torch.from_numpy(np.asarray(labels, np.int64))

    def step():
        loss = nn.functional.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def fixed_masks(n, seed=3):
    """The same dropout masks for both libraries: step i's mask is a function of i."""
    def masks(i):
        return dropout_mask(np.random.default_rng(seed + i), n)
    return masks


def losses(step_fn, n=32, steps=3, **kw):
    """The losses of ``steps`` steps from the shared weights, with fixed dropout masks."""
    x, labels = batch(n)
    step = step_fn(x, labels, masks=fixed_masks(n), params=init_params(), **kw)
    return [float(step().item()) for _ in range(steps)]


def check_same_maths(n=32):
    """Both steps must compute the same losses step after step, or timing is moot."""
    ours = losses(engine_step_fn, n)
    for channels_last in (False, True):
        theirs = losses(torch_step_fn, n, channels_last=channels_last)
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    return ours


# --- where our step's time goes -----------------------------------------------------


def breakdown(x, labels, step_seconds, rounds):
    """Our step's parts, each timed alone with the calls the ops make, and the rest."""
    from autograd_core import ops
    valid = ((0, 0), (0, 0))
    conv = _windows.Window((3, 3), (1, 1), (1, 1), valid, False)
    pool = _windows.Window((2, 2), (2, 2), (1, 1), valid, False)
    k1, b1, k2, b2, W, b = init_params()
    rng = np.random.default_rng(4)
    n = len(x)

    def normal(*shape):
        return rng.normal(size=shape).astype(np.float32)
    cols1 = _windows.im2col(x, conv)
    y1 = (cols1 @ k1.reshape(9, 32)).reshape(n, 26, 26, 32)
    a1 = normal(n, 26, 26, 32)
    p1, arg1 = _windows.max_pool_array(a1, pool)
    # the second layer's patch matrix is made and multiplied block by block of images
    blocks2 = [(images, _windows.im2col(p1[images], conv)) for images in
               _windows._image_blocks(n, _windows._patch_bytes(p1, conv, 9 * 32),
                                      _windows.PATCH_BLOCK)]
    k2r = k2.reshape(-1, 64)
    a2 = normal(n, 11, 11, 64)
    p2, arg2 = _windows.max_pool_array(a2, pool)
    g1, g2 = normal(n, 26, 26, 32), normal(n, 11, 11, 64)
    g2r = g2.reshape(-1, 64)

    def conv2_im2col():
        for images, _ in blocks2:
            _windows.im2col(p1[images], conv)

    def conv2_products(dk):
        for images, cols in blocks2:
            rows = slice(images.start * 121, images.stop * 121)
            if dk:
                cols.T @ g2r[rows]
            else:
                cols @ k2r
    gp1, gp2 = normal(n, 13, 13, 32), normal(n, 5, 5, 64)
    h, g_logits = normal(n, FLAT), normal(n, CLASSES)
    relu = ops.Relu()
    adam = Adam([ag.Variable(p) for p in init_params()], learning_rate=LR, epsilon=EPS)
    for p in adam.params:
        p.grad = np.ones(p.shape, np.float32)
    parts = {
        "conv1 im2col copy (1 channel)": lambda: _windows.im2col(x, conv),
        "conv1 BLAS y = cols @ k": lambda: cols1 @ k1.reshape(9, 32),
        "conv1 bias, in place": lambda: _windows.add_bias_in_place(y1, b1, 3),
        "conv1 BLAS dk = cols^T @ g": lambda: cols1.T @ g1.reshape(-1, 32),
        "conv1 bias gradient (BLAS)": lambda: _windows.channel_sums(g1, 3),
        "relu1 forward + backward": lambda: relu.backward(g1, relu.forward(a1), a1),
        "pool1 max forward": lambda: _windows.max_pool_array(a1, pool),
        "pool1 max backward": lambda: _windows.max_pool_backprop_array(gp1, arg1, pool,
                                                                       a1.shape),
        "conv2 im2col copy (blocks of 4 MB)": conv2_im2col,
        "conv2 BLAS y = cols @ k (by block)": lambda: conv2_products(False),
        "conv2 im2col again, for dk (not kept)": conv2_im2col,
        "conv2 BLAS dk = cols^T @ g (by block)": lambda: conv2_products(True),
        "conv2 dx: scatter by kernel offsets": lambda: _windows.conv2d_transpose_array(
            g2, k2, conv, p1.shape),
        "conv2 bias gradient (BLAS)": lambda: _windows.channel_sums(g2, 3),
        "relu2 forward + backward": lambda: relu.backward(g2, relu.forward(a2), a2),
        "pool2 max forward": lambda: _windows.max_pool_array(a2, pool),
        "pool2 max backward": lambda: _windows.max_pool_backprop_array(gp2, arg2, pool,
                                                                       a2.shape),
        "dropout mask, draw and multiply": lambda: h * dropout_mask(rng, n),
        "dense forward + backward (BLAS)": lambda: (h @ W, h.T @ g_logits, g_logits @ W.T),
        "Adam update, 6 parameters": adam.step,
    }
    med = interleaved_medians(parts, rounds=rounds, number=3, settle=0.05, clock=_clock())
    rows = [[name, f"{seconds * 1e3:.2f} ms", f"{seconds / step_seconds:.0%}"]
            for name, seconds in med.items()]
    rest = step_seconds - sum(med.values())
    rows.append(["the rest: graph, walk, loss, temporaries", f"{rest * 1e3:.2f} ms",
                 f"{rest / step_seconds:.0%}"])
    rows.append(["the whole step", f"{step_seconds * 1e3:.2f} ms", "100%"])
    return rows


def _clock():
    """CPU time when both libraries run on one thread (steadier on a shared machine),
    else the wall clock."""
    one_thread = os.environ.get("OPENBLAS_NUM_THREADS") == "1"
    return time.process_time if one_thread else time.perf_counter


# --- peak memory, each library in a process of its own --------------------------------


def _status_kb(field):
    """A field of /proc/self/status in KB (VmRSS, VmHWM), or None where there is none."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_memory_child(which):
    """Print how far four steps take this process's peak resident size above the resident
    size after the imports and the data, in MB."""
    x, labels = batch()
    step = (engine_step_fn if which == "autograd_core" else torch_step_fn)(x, labels)
    start = _status_kb("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # Linux: the peak (VmHWM) starts again from the resident size
    except OSError:
        pass
    for _ in range(4):
        step()
    peak = _status_kb("VmHWM")
    if start is None or peak is None:  # not Linux: ru_maxrss, KB (bytes on macOS)
        start, peak = 0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak /= 1024 if sys.platform == "darwin" else 1
    print(json.dumps({"peak_mb": (peak - start) / 1024}))


def peak_memory(which):
    env = dict(os.environ)
    if which == "torch":  # glibc's own settings for PyTorch, not the ones our import makes
        env["AUTOGRAD_CORE_MALLOC"] = "system"
    out = subprocess.run([sys.executable, __file__, "--memory", which], capture_output=True,
                         text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_mb"]


def run(rounds=9, parts=True):
    """The table of step times and ratios, the memory table, and the breakdown."""
    try:
        import torch
    except ImportError:
        return [["convnet training step", "n/a (needs torch)", "", "", "", ""]], [], []
    if os.environ.get("OPENBLAS_NUM_THREADS"):  # as many threads as numpy's BLAS
        torch.set_num_threads(int(os.environ["OPENBLAS_NUM_THREADS"]))
    check_same_maths()
    x, labels = batch()
    fns = {"ours": engine_step_fn(x, labels),
           "torch NCHW": torch_step_fn(x, labels),
           "torch channels_last": torch_step_fn(x, labels, channels_last=True)}
    med = interleaved_medians(fns, rounds=rounds, number=3, settle=0.25, clock=_clock())
    reference = min(("torch NCHW", "torch channels_last"), key=med.get)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    rows = [[f"convnet step, batch {BATCH}, {threads} threads", f"{med['ours'] * 1e3:.2f} ms",
             f"{med['torch NCHW'] * 1e3:.2f} ms", f"{med['torch channels_last'] * 1e3:.2f} ms",
             f"{med['ours'] / med[reference]:.2f}x", "<= 1.5x"]]
    memory = [[which, f"{peak_memory(which):.1f} MB"] for which in ("autograd_core", "torch")]
    return rows, memory, breakdown(x, labels, med["ours"], rounds) if parts else []


HEADERS = ["training step, float32", "autograd_core", "torch NCHW", "torch channels_last",
           "ratio to the faster torch", "target"]

if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        peak_memory_child(sys.argv[2])
        sys.exit()
    rows, memory, parts = run()
    print(table(rows, HEADERS))
    print()
    print(table(memory, ["peak memory of 4 steps over the data (max RSS)", "MB"]))
    print()
    print(table(parts, ["where our step's time goes", "median", "of the step"]))
