"""How long the graph of a 784-512-10 training step takes to draw and to render.

    python benchmarks/graph_render.py

Drawing builds the DOT text; rendering lays it out and draws SVG, PNG and PDF with each
backend available: the system ``dot``, and Graphviz compiled to WebAssembly.
"""

from __future__ import annotations

import shutil
import statistics
import time

import numpy as np

import autograd_core as ag


def training_step_loss(batch=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((batch, 784), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    W1 = ag.Variable(rng.normal(0, 0.05, (784, 512)).astype(np.float32), name="W1")
    b1 = ag.Variable(np.zeros(512, np.float32), name="b1")
    W2 = ag.Variable(rng.normal(0, 0.05, (512, 10)).astype(np.float32), name="W2")
    b2 = ag.Variable(np.zeros(10, np.float32), name="b2")
    with ag.name_scope("dense"):
        h = ag.relu(ag.constant(x, name="x") @ W1 + b1)
    with ag.name_scope("dense_1"):
        z = h @ W2 + b2
    loss = ag.softmax_cross_entropy(z, y, reduction="mean")
    loss.backward()
    return loss


def median_seconds(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    loss = training_step_loss()
    draw = median_seconds(lambda: ag.draw_graph(loss).source)
    print(f"draw (DOT text) of the 784-512-10 step: {draw * 1e3:.1f} ms")
    graph = ag.draw_graph(loss)
    backends = ["wasm"] + (["dot"] if shutil.which("dot") else [])
    for backend in backends:
        first = time.perf_counter()
        ag.render(graph, "svg", backend=backend)
        first = time.perf_counter() - first
        cells = [f"first call {first * 1e3:.0f} ms"]
        for fmt in ("svg", "png", "pdf"):
            t = median_seconds(lambda: ag.render(graph, fmt, backend=backend), repeat=3)
            cells.append(f"{fmt} {t * 1e3:.0f} ms")
        print(f"render with {backend:4s}: " + ", ".join(cells))
    if "dot" not in backends:
        print("render with dot: no system Graphviz on this machine")


if __name__ == "__main__":
    main()
