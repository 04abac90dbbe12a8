"""A micrograd-style scalar MLP 2-16-16-1: build the graph of one loss, then backward.

Every weight is its own scalar Value, so this measures the cost per graph node. The
reference is a minimal float-and-closure engine, the design of micrograd, written below:
Python floats, one closure per node that points back at its node (a reference cycle, so
every graph is left to Python's cyclic garbage collector), and a recursive topological sort.
"""

from __future__ import annotations

import math
import random

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


def forward(layers, x, tanh):
    for k, layer in enumerate(layers):
        out = []
        for w, b in layer:
            act = b
            for wi, xi in zip(w, x):
                act = act + wi * xi
            out.append(tanh(act) if k < len(layers) - 1 else act)
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
    return rows


if __name__ == "__main__":
    from common import table
    print(table(run(), ["benchmark", "reference", "autograd_core", "ratio", "target"]))
