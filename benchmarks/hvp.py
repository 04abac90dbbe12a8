"""Second order: a Hessian-vector product of the 784-512-10 loss at batch 128, as a
multiple of one gradient, against PyTorch's double backward in the same run.

The target: our hvp / gradient ratio no higher than PyTorch's. Both compute the gradient
with a recorded backward pass (create_graph) and then differentiate <gradient, v>: the
first row forms <gradient, v> and differentiates it, as PyTorch's tutorials write it; the
second seeds the gradient's backward with v instead (``grad_outputs``), which gives the
same H v without forming the product; the third calls each library's function for it,
``ag.autograd.functional.vhp`` and ``torch.autograd.functional.vhp`` (``ag.hvp`` works
the same way). Ours differs from the second row there: it knows that nobody reads the
gradient's own values, and leaves the products it never reads uncomputed
(``autograd_core/deferred.py``), one of them as large as the layer's forward; PyTorch's
computes them all.

    python benchmarks/hvp.py                           # both libraries' default threads
    OPENBLAS_NUM_THREADS=1 python benchmarks/hvp.py    # one thread each
"""

from __future__ import annotations

import os

import numpy as np

import autograd_core as ag
from common import interleaved_medians, own_pages
from mlp_step import batch, init_params


def engine_fns(x, y):
    params = [ag.Variable(own_pages(p)) for p in init_params()]
    W1, b1, W2, b2 = params
    vs = [np.random.default_rng(5).normal(size=p.shape).astype(np.float32) for p in params]

    def loss():
        return ag.softmax_cross_entropy(ag.relu(x @ W1 + b1) @ W2 + b2, y, reduction="mean")

    def gradient():
        for p in params:
            p.grad = None
        loss().backward()
        return [p.grad for p in params]

    def hvp():
        grads = ag.gradients(loss(), params, create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(grads, vs))
        return [h.data for h in ag.gradients(dot, params)]

    def hvp_seeded():
        grads = ag.gradients(loss(), params, create_graph=True)
        return [h.data for h in ag.gradients(grads, params, vs)]

    v_values = tuple(ag.constant(v) for v in vs)

    def loss_of(W1, b1, W2, b2):
        return ag.softmax_cross_entropy(ag.relu(x @ W1 + b1) @ W2 + b2, y, reduction="mean")

    def hvp_function():
        _, found = ag.autograd.functional.vhp(loss_of, tuple(params), v_values)
        return [h.data for h in found]
    return gradient, hvp, hvp_seeded, hvp_function


def torch_fns(x, y):
    import torch

    if os.environ.get("OPENBLAS_NUM_THREADS"):  # as many threads as numpy's BLAS
        torch.set_num_threads(int(os.environ["OPENBLAS_NUM_THREADS"]))
    params = [torch.from_numpy(own_pages(p)).requires_grad_() for p in init_params()]
    W1, b1, W2, b2 = params
    vs = [torch.from_numpy(np.random.default_rng(5).normal(size=p.shape).astype(np.float32))
          for p in params]
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def loss():
        return torch.nn.functional.cross_entropy(torch.relu(xt @ W1 + b1) @ W2 + b2, yt)

    def gradient():
        for p in params:
            p.grad = None
        loss().backward()
        return [p.grad for p in params]

    def hvp():
        grads = torch.autograd.grad(loss(), params, create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(grads, vs))
        return torch.autograd.grad(dot, params)

    def hvp_seeded():
        grads = torch.autograd.grad(loss(), params, create_graph=True)
        return torch.autograd.grad(grads, params, grad_outputs=vs)

    def loss_of(W1, b1, W2, b2):
        return torch.nn.functional.cross_entropy(torch.relu(xt @ W1 + b1) @ W2 + b2, yt)

    def hvp_function():
        return torch.autograd.functional.vhp(loss_of, tuple(params), tuple(vs))[1]
    return gradient, hvp, hvp_seeded, hvp_function


def check_same_maths(x, y):
    import torch  # noqa: F401

    ours, theirs = engine_fns(x, y), torch_fns(x, y)
    reference = [b.numpy() for b in theirs[1]()]
    for found in (ours[1](), ours[2](), ours[3](), [b.numpy() for b in theirs[2]()],
                  [b.numpy() for b in theirs[3]()]):
        for a, b in zip(found, reference):
            np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-5)


def run(n=128, rounds=9):
    x, y = batch(n)
    rows = []
    try:
        import torch  # noqa: F401
    except ImportError:
        return [["hvp / gradient, batch 128", "n/a (needs torch)", "", "", ""]]
    check_same_maths(x, y)
    fns = {}
    for lib, made in (("ours", engine_fns(x, y)), ("torch", torch_fns(x, y))):
        fns.update(zip((f"{lib}_grad", f"{lib}_hvp", f"{lib}_seeded", f"{lib}_function"),
                       made))
    med = interleaved_medians(fns, rounds=rounds, number=8, settle=0.25)
    for form, label in (("hvp", "<gradient, v> differentiated"), ("seeded", "seeded with v"),
                        ("function", "the library's vhp")):
        ours = med[f"ours_{form}"] / med["ours_grad"]
        theirs = med[f"torch_{form}"] / med["torch_grad"]
        rows.append([f"784-512-10 hvp / gradient, batch {n}, {label}",
                     f"{med['ours_grad'] * 1e3:.2f} ms / {med[f'ours_{form}'] * 1e3:.2f} ms",
                     f"{ours:.2f}x",
                     f"{theirs:.2f}x ({med['torch_grad'] * 1e3:.2f} / "
                     f"{med[f'torch_{form}'] * 1e3:.2f} ms)",
                     "<= torch's ratio"])
    return rows


if __name__ == "__main__":
    from common import table
    print(table(run(), ["second order", "gradient / hvp", "autograd_core", "torch", "target"]))
