"""A 784-512-10 ReLU MLP training step (softmax cross-entropy, float32, plain SGD).

Three implementations of the same step on the same data, timed in one run:
- numpy: forward and backward written by hand, parameters updated in place (the bar);
- autograd_core: the same network as Values, ``loss.backward()``, in-place SGD;
- torch: the same with PyTorch, when it is installed.

Each batch size gets a second row: the three steps against the step's five matrix products
timed alone in the same run (``products_fn``), the floor no engine on numpy's BLAS can beat.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag
from common import own_pages

try:
    from optim import SGD
except ImportError:  # the engine benchmark does not need the optim package
    SGD = None

N_IN, N_HIDDEN, N_OUT, LR = 784, 512, 10, 0.01


def init_params(seed=0):
    """The four parameters, each in pages of its own (see ``common.own_pages``)."""
    rng = np.random.default_rng(seed)
    limit1, limit2 = np.sqrt(6 / (N_IN + N_HIDDEN)), np.sqrt(6 / (N_HIDDEN + N_OUT))
    return [own_pages(p) for p in (
        rng.uniform(-limit1, limit1, (N_IN, N_HIDDEN)).astype(np.float32),
        np.zeros(N_HIDDEN, np.float32),
        rng.uniform(-limit2, limit2, (N_HIDDEN, N_OUT)).astype(np.float32),
        np.zeros(N_OUT, np.float32))]


def batch(n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, N_IN), dtype=np.float32), rng.integers(0, N_OUT, n)


def numpy_phases(x, y):
    """The hand-written step as ``forward() -> (loss, saved)``, ``backward(saved) -> grads``
    and ``update(grads)``: ``numpy_step_fn`` runs them in turn, ``step_breakdown`` times each.
    """
    W1, b1, W2, b2 = init_params()
    rows = np.arange(len(y))

    def forward():
        h_pre = x @ W1
        h_pre += b1
        h = np.maximum(h_pre, 0)
        z = h @ W2
        z += b2
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return -np.log(p[rows, y]).mean(), (h_pre, h, p)

    def backward(saved):
        h_pre, h, dz = saved  # the probabilities become dL/dz in place
        dz[rows, y] -= 1
        dz /= len(y)
        dW2 = h.T @ dz
        db2 = dz.sum(axis=0)
        dh = dz @ W2.T
        dh *= h_pre > 0
        dW1 = x.T @ dh
        db1 = dh.sum(axis=0)
        return dW1, db1, dW2, db2

    def update(grads):
        for param, grad in zip((W1, b1, W2, b2), grads):
            grad *= LR
            param -= grad
    return forward, backward, update


def numpy_step_fn(x, y):
    return _step_of(numpy_phases(x, y))


def engine_params():
    """The parameters as Variables over ``init_params``' page-aligned arrays."""
    params = []
    for data in init_params():
        W = ag.Variable(data)
        W.data = data  # a Variable copies its initial value; keep the page-aligned array
        params.append(W)
    return params


def engine_phases(x, y):
    """The engine's step in the same three phases as ``numpy_phases``."""
    W1, b1, W2, b2 = params = engine_params()
    if SGD is not None:
        sgd = SGD(params, learning_rate=LR)
        step, zero = sgd.step, sgd.zero_grad
    else:
        def step():
            for p in params:
                p.grad *= LR  # a leaf's .grad is its own array: scale it, no temporary
                p.assign_sub(p.grad)

        def zero():
            for p in params:
                p.grad = None

    def forward():
        h = ag.relu(ag.linear(x, W1, b1))  # x @ W1 + b1, as nn.Dense computes it
        loss = ag.softmax_cross_entropy(ag.linear(h, W2, b2), y, reduction="mean")
        return loss, loss

    def backward(loss):
        loss.backward()

    def update(_):
        step()
        zero()
    return forward, backward, update


def engine_step_fn(x, y):
    return _step_of(engine_phases(x, y))


def _step_of(phases):
    forward, backward, update = phases

    def step():
        loss, saved = forward()
        update(backward(saved))
        return loss
    return step


def torch_step_fn(x, y):
    import torch
    # from_numpy shares the page-aligned buffers, as the other two implementations use them
    W1, b1, W2, b2 = params = [torch.from_numpy(p).requires_grad_() for p in init_params()]
    sgd = torch.optim.SGD(params, lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        h = torch.relu(xt @ W1 + b1)
        loss = torch.nn.functional.cross_entropy(h @ W2 + b2, yt)
        loss.backward()
        sgd.step()
        sgd.zero_grad()
        return loss
    return step


def products_fn(x, y):
    """The step's five matrix products alone, on arrays of the step's shapes: the floor
    under any engine that computes this step with numpy's BLAS (issue #12 asks the README's
    step for at most 1.25x of it at batch 128 and 1024)."""
    W1, _, W2, _ = init_params()
    rng = np.random.default_rng(3)
    h = np.maximum(x @ W1, 0)
    dz = rng.random((len(y), N_OUT), dtype=np.float32)
    dh = rng.random((len(y), N_HIDDEN), dtype=np.float32)

    def products():
        return (x @ W1,     # forward: the hidden layer
                h @ W2,     # forward: the logits
                dz @ W2.T,  # backward: dL/dh
                h.T @ dz,   # backward: dL/dW2
                x.T @ dh)   # backward: dL/dW1
    return products


def check_same_maths():
    """The engine's step must compute the hand-written step's numbers, or timing is moot."""
    x, y = batch(64)
    ours, ref = engine_step_fn(x, y), numpy_step_fn(x, y)
    for _ in range(3):
        a, b = float(ours()), float(ref())
        assert abs(a - b) < 1e-4 * max(1, abs(b)), (a, b)


def run(batch_sizes=(32, 128, 1024), rounds=9):
    from common import interleaved_medians
    check_same_maths()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    rows = []
    for n in batch_sizes:
        x, y = batch(n)
        fns = {"numpy": numpy_step_fn(x, y), "autograd_core": engine_step_fn(x, y),
               "products": products_fn(x, y)}
        if have_torch:
            fns["torch"] = torch_step_fn(x, y)
        number = max(1, 2048 // n)
        med = interleaved_medians(fns, rounds=rounds, number=number,
                                  settle=0.25 if have_torch else 0.0)
        row = [f"MLP 784-512-10 step, batch {n}", f"{med['numpy'] * 1e3:.3f} ms",
               f"{med['autograd_core'] / med['numpy']:.3f}x"]
        row.append(f"{med['torch'] / med['numpy']:.3f}x" if have_torch else "n/a")
        row.append("<= 1.10x")
        rows.append(row)
        # The same steps against their matrix products alone (in the numpy column: the
        # hand-written step's own ratio).
        floor = med["products"]
        row = [f"  the same, x its matrix products alone ({floor * 1e3:.3f} ms)",
               f"{med['numpy'] / floor:.3f}x", f"{med['autograd_core'] / floor:.3f}x",
               f"{med['torch'] / floor:.3f}x" if have_torch else "n/a",
               "<= 1.25x" if n >= 128 else ""]
        rows.append(row)
    return rows


if __name__ == "__main__":
    from common import table
    print(table(run(), ["benchmark", "numpy (reference)", "autograd_core", "torch", "target"]))
