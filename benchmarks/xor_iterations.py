"""Lecture 2's XOR acceptance: iterations until the loss falls below 0.01.

The 2-2-1 network, sum of squared errors, trained by a GradientTape loop; weights drawn as
the lecture does (truncated normal, stddev 0.1) from seed sets (s, s+1, s+2, s+3).

    python benchmarks/xor_iterations.py
"""

from __future__ import annotations

import statistics

import autograd_core as ag
import optim

SEED_SETS = range(1, 41, 4)  # (1, 2, 3, 4) is the lecture's; ten sets in all


def iterations_to_converge(seed, make_optimizer, hidden=ag.sigmoid, limit=20000):
    x = ag.constant([[0, 0], [0, 1], [1, 0], [1, 1]], ag.float32)
    t = ag.constant([[0], [1], [1], [0]], ag.float32)
    params = [ag.Variable(ag.random.truncated_normal(shape, stddev=0.1, seed=seed + k))
              for k, shape in enumerate([(2, 2), (1, 2), (2, 1), (1, 1)])]
    W1, b1, W2, b2 = params
    opt = make_optimizer()
    for i in range(limit):
        with ag.GradientTape() as tape:
            y = ag.sigmoid(hidden(x @ W1 + b1) @ W2 + b2)
            loss = ag.reduce_sum(ag.square(y - t))
        if float(loss) < 0.01:
            return i
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
    return None


def main():
    configs = {
        "sigmoid hidden, SGD 0.5 (the lecture)": (lambda: optim.SGD(0.5), ag.sigmoid),
        "sigmoid hidden, Adam 0.01": (lambda: optim.Adam(0.01), ag.sigmoid),
        "sigmoid hidden, Adam 0.1": (lambda: optim.Adam(0.1), ag.sigmoid),
        "ReLU hidden, SGD 0.5": (lambda: optim.SGD(0.5), ag.relu),
    }
    for name, (make, hidden) in configs.items():
        runs = {s: iterations_to_converge(s, make, hidden) for s in SEED_SETS}
        done = [n for n in runs.values() if n is not None]
        median = f"median {statistics.median(done):.0f} iterations" if done else "none"
        print(f"{name}: {len(done)}/{len(runs)} seed sets below 0.01 within 20,000; {median}")
        print("   by first seed: " + ", ".join(f"{s}: {n if n is not None else '-'}"
                                               for s, n in runs.items()))


if __name__ == "__main__":
    main()
