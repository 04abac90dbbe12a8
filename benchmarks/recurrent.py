"""A recurrent layer's training step should cost time linear in the sequence length: the
time per step at 400 steps against the time per step at 25, for PyTorch's ``nn.LSTM``
layout (batch 32, 16 inputs, 64 units, float32), ours and PyTorch's in the same run.

Before the walk's sliced gradients (engine._walk) every read of step t, ``xw[:, t]``,
sent back a full-size gradient, so a step cost more the longer the sequence: 0.33 ms per
step at 25 steps, 1.77 ms at 400.

    python benchmarks/recurrent.py
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag
import nn
from common import interleaved_medians, table

BATCH, INPUTS, UNITS = 32, 16, 64
LENGTHS = (25, 400)


def engine_step(steps):
    x = ag.constant(np.random.default_rng(0).standard_normal((BATCH, steps, INPUTS))
                    .astype(np.float32))
    layer = nn.LSTM(INPUTS, UNITS, batch_first=True)

    def step():
        for p in layer.parameters():
            p.grad = None
        out, _ = layer(x)
        ag.reduce_sum(out).backward()
    return step


def torch_step(steps):
    import torch
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((BATCH, steps, INPUTS))
                         .astype(np.float32))
    layer = torch.nn.LSTM(INPUTS, UNITS, batch_first=True)

    def step():
        layer.zero_grad(set_to_none=True)
        layer(x)[0].sum().backward()
    return step


def run(rounds=5):
    fns = {}
    for steps in LENGTHS:
        fns[("autograd_core", steps)] = engine_step(steps)
    try:
        for steps in LENGTHS:
            fns[("torch", steps)] = torch_step(steps)
    except ImportError:
        pass
    med = interleaved_medians(fns, rounds=rounds)
    rows = []
    for engine in ("autograd_core", "torch"):
        if (engine, LENGTHS[0]) not in med:
            continue
        short, long = (med[(engine, n)] / n for n in LENGTHS)
        rows.append([engine, f"{short * 1e3:.3f} ms", f"{long * 1e3:.3f} ms",
                     f"{long / short:.2f}x"])
    return rows


if __name__ == "__main__":
    print(table(run(), ["LSTM step", f"per step at {LENGTHS[0]}",
                        f"per step at {LENGTHS[1]}", "ratio (1.0 = linear)"]))
