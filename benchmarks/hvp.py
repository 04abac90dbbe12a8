"""Second order: a Hessian-vector product of the 784-512-10 loss at batch 128, as a
multiple of one gradient, against PyTorch's double backward in the same run.

The target: our hvp / gradient ratio no higher than PyTorch's. Both compute the gradient
with a recorded backward pass (create_graph) and then differentiate <gradient, v>.

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
    return gradient, hvp


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
    return gradient, hvp


def check_same_maths(x, y):
    import torch  # noqa: F401

    ours, theirs = engine_fns(x, y)[1](), torch_fns(x, y)[1]()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.numpy(), rtol=2e-3, atol=2e-5)


def run(n=128, rounds=9):
    x, y = batch(n)
    rows = []
    try:
        import torch  # noqa: F401
    except ImportError:
        return [["hvp / gradient, batch 128", "n/a (needs torch)", "", "", ""]]
    check_same_maths(x, y)
    ours_grad, ours_hvp = engine_fns(x, y)
    torch_grad, torch_hvp = torch_fns(x, y)
    med = interleaved_medians({"ours_grad": ours_grad, "ours_hvp": ours_hvp,
                               "torch_grad": torch_grad, "torch_hvp": torch_hvp},
                              rounds=rounds, number=8, settle=0.25)
    ours = med["ours_hvp"] / med["ours_grad"]
    theirs = med["torch_hvp"] / med["torch_grad"]
    rows.append([f"784-512-10 hvp / gradient, batch {n}",
                 f"{med['ours_grad'] * 1e3:.2f} ms / {med['ours_hvp'] * 1e3:.2f} ms",
                 f"{ours:.2f}x",
                 f"{theirs:.2f}x ({med['torch_grad'] * 1e3:.2f} / {med['torch_hvp'] * 1e3:.2f} ms)",
                 "<= torch's ratio"])
    return rows


if __name__ == "__main__":
    from common import table
    print(table(run(), ["second order", "gradient / hvp", "autograd_core", "torch", "target"]))
