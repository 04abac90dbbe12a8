"""10,000 elementwise ops on 10-element arrays, forward and backward: the per-op overhead.

The chain y <- tanh(y * w + b), 3,333 times (three ops each), with w and b used by every
link, against the same forward and backward written by hand in numpy.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag

LINKS, SIZE = 3333, 10


def params(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 0.5, SIZE), rng.normal(0, 0.1, SIZE), rng.normal(0, 1, SIZE)


def numpy_fn():
    w, b, x = params()

    def run():
        ys = [x]
        for _ in range(LINKS):
            ys.append(np.tanh(ys[-1] * w + b))
        grad_w, grad_b, g = np.zeros(SIZE), np.zeros(SIZE), np.ones(SIZE)
        for k in range(LINKS, 0, -1):
            g_s = g * (1 - ys[k] * ys[k])
            grad_b += g_s
            grad_w += g_s * ys[k - 1]
            g = g_s * w
        return grad_w, grad_b
    return run


def engine_fn():
    w, b, x = (ag.Value(a) for a in params())
    x.requires_grad = False

    def run():
        y = x
        for _ in range(LINKS):
            y = ag.tanh(y * w + b)
        w.grad = b.grad = None
        y.sum().backward()
        return w.grad, b.grad
    return run


def run(rounds=7):
    from common import interleaved_medians
    ours, ref = engine_fn()(), numpy_fn()()
    assert np.allclose(ours[0], ref[0]) and np.allclose(ours[1], ref[1])
    med = interleaved_medians({"numpy": numpy_fn(), "autograd_core": engine_fn()}, rounds=rounds)
    ops = 3 * LINKS
    ref_us, our_us = med["numpy"] / ops * 1e6, med["autograd_core"] / ops * 1e6
    return [["10,000 elementwise ops, 10-element arrays", f"{ref_us:.2f} us/op",
             f"{our_us:.2f} us/op", f"{our_us / ref_us:.3f}x", "<= 3.00x"]]


if __name__ == "__main__":
    from common import table
    print(table(run(), ["benchmark", "numpy (reference)", "autograd_core", "ratio", "target"]))
