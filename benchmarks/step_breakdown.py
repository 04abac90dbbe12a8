"""Where the 784-512-10 training step spends its time beyond the hand-written numpy step.

``python benchmarks/step_breakdown.py`` prints two tables for batch 32 and 128:

1. The step timed phase by phase (forward, backward, update) for the hand-written numpy
   step and for autograd_core, in the same run. Both run in a loop, as in training, so
   each phase starts from the cache state the previous phase left.
2. Three whole steps as ratios to the numpy step: autograd_core as users write it, and
   the floor under it: the same op objects' ``forward``/``backward`` called directly with
   SGD's update (BLAS's axpy for the large weight, numpy blocks for the rest), with no
   Values, graph walk or optimizer object. The gap between the floor and the engine is
   what the graph machinery costs; the gap between numpy and the floor is what the ops
   and SGD's update cost or save.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from autograd_core import ops, unbroadcast  # noqa: E402
from common import interleaved_medians, table  # noqa: E402
from mlp_step import (LR, N_HIDDEN, N_OUT, batch, engine_phases, engine_step_fn,  # noqa: E402
                      init_params, numpy_phases, numpy_step_fn)
from optim import _inplace  # noqa: E402
from optim._inplace import BLOCK  # noqa: E402


PHASES = ("forward", "backward", "update")


def phase_timed(phases):
    """A step that returns ``((forward, backward, update) seconds, loss)``."""
    forward, backward, update = phases
    clock = time.perf_counter

    def step():
        t0 = clock()
        loss, saved = forward()
        t1 = clock()
        grads = backward(saved)
        t2 = clock()
        update(grads)
        return (t1 - t0, t2 - t1, clock() - t2), loss
    return step


def numpy_phases_fn(x, y):
    return phase_timed(numpy_phases(x, y))


def engine_phases_fn(x, y):
    return phase_timed(engine_phases(x, y))


def ops_only_step_fn(x, y):
    """The engine's op objects called by hand: the step without Values, walk or optimizer."""
    W1, b1, W2, b2 = init_params()
    labels = np.asarray(y)
    work = np.empty(BLOCK, np.float32)
    one = np.float32(1)

    def update(p, g):
        if _inplace.usable(p, g):  # as SGD updates a large parameter
            _inplace.axpy(-LR, g, p)
            return
        flat_p, flat_g = p.reshape(-1), g.reshape(-1)
        count = -(-flat_p.size // BLOCK)
        step = -(-flat_p.size // count)
        for lo in range(0, flat_p.size, step):
            hi = min(lo + step, flat_p.size)
            flat_p[lo:hi] -= np.multiply(flat_g[lo:hi], LR, out=work[:hi - lo])

    def step():
        linear1, relu, linear2 = ops.Linear(), ops.Relu(), ops.Linear()
        cross_entropy = ops.SoftmaxCrossEntropy(labels, "mean")
        linear1.needs_grad = (False, True, True)
        linear2.needs_grad = (True, True, True)
        a = linear1.forward(x, W1, b1)
        h = relu.forward(a)
        z = linear2.forward(h, W2, b2)
        loss = cross_entropy.forward(z)
        (grad_z,) = cross_entropy.backward(one, loss, z)
        grad_h, grad_W2, grad_b2 = linear2.backward(grad_z, z, h, W2, b2)
        (grad_a,) = relu.backward(grad_h, h, a)
        _, grad_W1, grad_b1 = linear1.backward(grad_a, a, x, W1, b1)
        for p, g in ((W1, grad_W1), (b1, unbroadcast(grad_b1, (N_HIDDEN,))),
                     (W2, grad_W2), (b2, unbroadcast(grad_b2, (N_OUT,)))):
            update(p, g)
        return loss
    return step


def phase_medians(fn, rounds=10, number=32):
    """Median seconds per phase, over ``rounds`` bursts of ``number`` steps."""
    fn()
    samples = []
    for _ in range(rounds):
        gc.collect()
        samples += [fn()[0] for _ in range(number)]
    return [statistics.median(s[k] for s in samples) for k in range(len(PHASES))]


def run(batch_sizes=(32, 128)):
    phase_rows, step_rows = [], []
    for n in batch_sizes:
        x, y = batch(n)
        ref, ours = numpy_phases_fn(x, y), engine_phases_fn(x, y)
        # alternate the two, so drift in the machine's speed reaches both
        medians = {"numpy": [], "autograd_core": []}
        for _ in range(3):
            medians["numpy"].append(phase_medians(ref))
            medians["autograd_core"].append(phase_medians(ours))
        r = [statistics.median(m[k] for m in medians["numpy"]) for k in range(3)]
        e = [statistics.median(m[k] for m in medians["autograd_core"]) for k in range(3)]
        for k, phase in enumerate(PHASES):
            phase_rows.append([f"batch {n}", phase, f"{r[k] * 1e6:.0f} us", f"{e[k] * 1e6:.0f} us",
                               f"{(e[k] - r[k]) * 1e6:+.0f} us"])
        fns = {"numpy": numpy_step_fn(x, y), "ops only": ops_only_step_fn(x, y),
               "autograd_core": engine_step_fn(x, y)}
        med = interleaved_medians(fns, rounds=9, number=max(1, 2048 // n))
        step_rows.append([f"batch {n}", f"{med['numpy'] * 1e3:.3f} ms",
                          f"{med['ops only'] / med['numpy']:.3f}x",
                          f"{med['autograd_core'] / med['numpy']:.3f}x"])
    return phase_rows, step_rows


if __name__ == "__main__":
    phase_rows, step_rows = run()
    print(table(phase_rows, ["step", "phase", "numpy", "autograd_core", "difference"]))
    print()
    print(table(step_rows, ["step", "numpy", "ops only (the floor)", "autograd_core"]))
