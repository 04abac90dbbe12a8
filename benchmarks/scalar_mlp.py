"""A micrograd-style scalar MLP 2-16-16-1: build the graph of one loss, then backward.

Every weight is its own scalar Value, so this measures the cost per graph node. The
reference is a minimal float-and-closure engine, the design of micrograd, written below:
Python floats, one closure per node that points back at its node (a reference cycle, so
every graph is left to Python's cyclic garbage collector), and a recursive topological sort.

The last row runs micrograd 0.1.0 itself, when it is installed (``pip install
micrograd==0.1.0``, or the ``bench`` extra): its demo's training step (MLP 2-16-16-1 with
ReLU, 100 points, max-margin loss plus L2, an SGD update) against the same step written
with autograd_core's scalar Values, with the collector on as users run it.
"""

from __future__ import annotations

import math
import random

import numpy as np

import autograd_core as ag

SIZES = (2, 16, 16, 1)


class RefValue:
    """micrograd's design: a float, a grad, a closure for the local chain rule."""

    def __init__(self, data, _prev=()):
        self.data, self.grad = data, 0.0
        self._backward = lambda: None
        self._prev = set(_prev)

    def __add__(self, other):
        other = other if isinstance(other, RefValue) else RefValue(other)
        out = RefValue(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, RefValue) else RefValue(other)
        out = RefValue(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __sub__(self, other):
        return self + (other * -1.0)

    def tanh(self):
        t = math.tanh(self.data)
        out = RefValue(t, (self,))

        def _backward():
            self.grad += (1 - t * t) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
        return len(topo)


def weights(make, seed=0):
    rng = random.Random(seed)
    layers = []
    for n_in, n_out in zip(SIZES, SIZES[1:]):
        layers.append([([make(rng.uniform(-1, 1)) for _ in range(n_in)], make(0.0))
                       for _ in range(n_out)])
    return layers


def forward(layers, x, activation):
    for k, layer in enumerate(layers):
        out = []
        for w, b in layer:
            act = b
            for wi, xi in zip(w, x):
                act = act + wi * xi
            out.append(activation(act) if k < len(layers) - 1 else act)
        x = out
    return x[0]


def data(n, seed=1):
    rng = random.Random(seed)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    return xs, [1.0 if a * b > 0 else -1.0 for a, b in xs]


def loss_of(layers, xs, ys, tanh):
    loss = None
    for x, y in zip(xs, ys):
        d = forward(layers, x, tanh) - y
        loss = d * d if loss is None else loss + d * d
    return loss


def reference_fn(n):
    layers = weights(RefValue)
    xs, ys = data(n)
    return lambda: loss_of(layers, xs, ys, RefValue.tanh).backward()


def engine_fn(n):
    layers = weights(lambda v: ag.Value(v))
    xs, ys = data(n)

    def run():
        loss = loss_of(layers, xs, ys, ag.tanh)
        loss.backward()
        return len(ag.topological_order(loss))
    return run


def micrograd_demo_fns(n=100, lr=0.05, alpha=1e-4):
    """micrograd's demo step, in micrograd and in autograd_core, from the same weights; None
    without micrograd."""
    try:
        from micrograd.engine import Value as MgValue
        from micrograd.nn import MLP
    except ImportError:
        return None
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    xs, ys = data(n)

    def mg_step():
        scores = [model(list(map(MgValue, x))) for x in xs]
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + alpha * sum(p * p for p in params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return loss.data

    def own(v):  # micrograd's float as a float64 scalar Value
        return ag.Value(np.float64(v.data))
    layers = [[([own(w) for w in neuron.w], own(neuron.b)) for neuron in layer.neurons]
              for layer in model.layers]
    ours = [v for layer in layers for w, b in layer for v in w + [b]]

    def our_step():
        scores = [forward(layers, x, ag.relu) for x in xs]
        losses = [ag.relu(1 + -y * s) for y, s in zip(ys, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + alpha * sum(p * p for p in ours)
        for p in ours:
            p.grad = None
        loss.backward()
        with ag.no_grad():
            for p in ours:
                p -= lr * p.grad
        return float(loss.data)

    first = mg_step(), our_step()  # the same loss from the same weights: the same maths
    assert math.isclose(*first, rel_tol=1e-9), first
    return mg_step, our_step


def node_counts(n):
    return reference_fn(n)(), engine_fn(n)()


def run(points=(10, 100), rounds=7):
    from common import interleaved_medians
    rows = []
    for n in points:
        # Both build the same graph; the reference also counts the constant nodes it makes
        # for the inputs, so the same count divides both times.
        nodes, _ = node_counts(n)
        med = interleaved_medians({"reference": reference_fn(n), "autograd_core": engine_fn(n)},
                                  rounds=rounds, number=3)
        ref_us, our_us = med["reference"] / nodes * 1e6, med["autograd_core"] / nodes * 1e6
        target = "<= 1.00x" if n <= 10 else "<= 0.50x"
        rows.append([f"scalar MLP 2-16-16-1, {n} points", f"{ref_us:.2f} us/node",
                     f"{our_us:.2f} us/node", f"{our_us / ref_us:.3f}x", target])
    fns = micrograd_demo_fns()
    name = "micrograd's demo step (ReLU, 100 points, hinge + L2, SGD)"
    if fns is None:
        rows.append([name, "n/a (pip install micrograd==0.1.0)", "", "", "<= 0.50x"])
        return rows
    med = interleaved_medians({"micrograd": fns[0], "autograd_core": fns[1]}, rounds=rounds)
    rows.append([name, f"micrograd 0.1.0, {med['micrograd'] * 1e3:.0f} ms",
                 f"{med['autograd_core'] * 1e3:.0f} ms",
                 f"{med['autograd_core'] / med['micrograd']:.3f}x", "<= 0.50x"])
    return rows


if __name__ == "__main__":
    from common import table
    print(table(run(), ["benchmark", "reference", "autograd_core", "ratio", "target"]))
