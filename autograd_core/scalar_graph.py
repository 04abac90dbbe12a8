"""The scalar graph: the same computation with one node per number, as micrograd builds it.

A tensor op hides many scalar ones: ``x @ W`` with shapes (1, 2) @ (2, 2) is four products
and two sums. ``unroll(loss)`` rebuilds the forward pass behind ``loss`` from its leaves,
one scalar ``Value`` per element, with the library's own ops: a matmul becomes its sums of
products, a broadcast add one add per element, a sum a chain of adds, tanh one tanh per
element, and reshape, transpose and indexing only re-point to the scalars they move.

The result is a real graph. Its backward gives every scalar of a leaf the gradient that
the tensor graph gives that element: the tensor graph and micrograd's scalar graph
compute the same numbers, the tensor one just computes many of them per op.
``draw_graph(loss, unroll=True)`` draws it.

>>> import autograd_core as ag
>>> x = ag.constant([[1.0, 2.0]], name="x")
>>> W = ag.Variable([[0.5], [-1.0]], name="W")
>>> loss = ag.sum(ag.tanh(x @ W))
>>> loss.backward()
>>> graph = unroll(loss)
>>> graph.backward()
>>> bool(np.allclose(graph.grad(W), W.grad)), [str(s.op) for s in graph.outputs]
(True, ['Tanh'])
"""

from __future__ import annotations

import contextlib

import numpy as np

from . import ops
from .engine import Value, enable_grad, name_scope
from .ops import (
    abs, add, cast, clip, divide, exp, leaky_relu, log, maximum, minimum, multiply, negative,
    power, relu, sigmoid, sigmoid_cross_entropy, sqrt, square, subtract, tanh, where,
)

__all__ = ["unroll", "ScalarGraph", "MAX_NODES"]

# A drawing of a few hundred nodes is already a wall of boxes; draw_graph's own default.
MAX_NODES = 300


class ScalarGraph:
    """The scalar graph behind some tensor Values, made by ``unroll``.

    Attributes:
        roots: the tensor Values that were unrolled.
        outputs: their scalar Values, each root's elements in C order (a list).
        nodes: how many nodes a drawing of it has (a Value and its op count two).
    """

    def __init__(self, roots, scalars, nodes):
        self.roots = roots
        # A root that another root depends on got its .grad from that root's backward:
        # seeding it again would count its share twice.
        inner = {id(v) for r in roots for v in _forward_order([r]) if v is not r}
        self._seeded = [r for r in roots if id(r) not in inner]
        self._scalars = scalars     # id(tensor Value) -> (the Value, object array)
        self.nodes = nodes
        self.outputs = [s for r in roots for s in self[r].flat]

    def __getitem__(self, value):
        """The scalar Values standing for a tensor Value of the graph, as an object array
        of its shape."""
        try:
            return self._scalars[id(value)][1]
        except KeyError:
            raise KeyError("ScalarGraph: this Value is not part of the unrolled graph") \
                from None

    def data(self, value):
        """The numbers the scalar graph computed for a tensor Value, in its shape."""
        return _numbers(self[value], lambda s: s.data)

    def grad(self, value):
        """The scalar gradients for a tensor Value, in its shape (0 where none arrived)."""
        return _numbers(self[value], lambda s: 0 if s.grad is None else s.grad)

    def backward(self):
        """Run backward from the output scalars, seeded as the tensor graph was: with each
        element of its root's ``.grad``, or 1 for a one-element root without one. (A root
        that other roots depend on is seeded through them, as in the tensor graph.)"""
        for root in self._seeded:
            seed = root.grad
            if seed is None:
                if root.size != 1:
                    raise RuntimeError(f"ScalarGraph.backward: a root of shape {root.shape} "
                                       "has no .grad to seed from; call backward on the "
                                       "tensor graph first")
                seed = np.ones(root.shape, root.dtype)
            seed = np.asarray(seed)
            scalars = self[root]
            # A scalar used at several outputs (x[[0, 0]]) is seeded once per use: the
            # calls add up in .grad, as the chain rule's sum over uses does.
            for idx in np.ndindex(scalars.shape):
                if scalars[idx].requires_grad:
                    scalars[idx].backward(seed[idx])

    def __repr__(self):
        return f"<ScalarGraph of {len(self.outputs)} outputs, {self.nodes} nodes drawn>"


def _numbers(scalars, field):
    out = np.empty(scalars.shape, np.float64)
    for idx in np.ndindex(scalars.shape):
        out[idx] = field(scalars[idx])
    return out


def unroll(root, max_nodes=MAX_NODES) -> ScalarGraph:
    """Rebuild the computation behind ``root`` with one scalar Value per number.

    Args:
        root: a Value, or a list of Values, of a graph with tiny shapes.
        max_nodes: refuse to build more nodes than this (a Value and its op count two,
            as ``draw_graph`` draws them).
    Returns:
        A ``ScalarGraph``: ``outputs`` to draw or call backward on, ``graph[v]`` the
        scalars of any tensor Value ``v`` of the graph, ``graph.grad(v)`` their gradients.
        A leaf's scalars are new leaves named after it ("W1[0,1]"; unnamed tensors are
        t0, t1, ... in the order met), trainable when it is.
    Raises:
        NotImplementedError: for an op with no scalar form here, naming it.
        ValueError: when the graph would exceed ``max_nodes``.
    """
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    if not roots or not all(isinstance(r, Value) for r in roots):
        raise TypeError("unroll: expected a Value or a non-empty list of Values, got "
                        f"{type(root).__name__}")
    builder = _Builder(max_nodes)
    with enable_grad():  # building under no_grad would record no graph at all
        for v in _forward_order(roots):
            builder.visit(v)
    return ScalarGraph(roots, builder.scalars, builder.count)


def drawable_outputs(root, max_nodes=MAX_NODES):
    """What ``draw_graph(root, unroll=True)`` draws: the scalar outputs, with the tensor
    graph's backward replayed on them when it has run (so both show the same gradients)."""
    graph = unroll(root, max_nodes)
    if any(r.grad is not None for r in graph.roots):
        graph.backward()
    return graph.outputs


def _is_leaf(v):
    # A non-differentiable op (argmax, stop_gradient) passes no gradient: its result is
    # a constant to the scalar graph, as it is to backward.
    return v.op is None or not v.op.differentiable


def _forward_order(roots):
    """Every Value the roots depend on, inputs first: depth first with an explicit stack."""
    order, seen = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                if not _is_leaf(v):
                    stack.extend((x, False) for x in reversed(v.inputs) if id(x) not in seen)
    return order


class _Builder:
    """Makes the scalar Values, counting nodes so that a big graph fails early."""

    def __init__(self, max_nodes):
        self.max_nodes = max_nodes
        self.count = 0
        self.scalars = {}
        self.unnamed = 0
        self.current = None     # the tensor Value being unrolled, for error messages

    def visit(self, v):
        self.current = v
        if _is_leaf(v):
            out = self.leaf(v)
        else:
            rule = _RULES.get(type(v.op))
            if rule is None:
                raise NotImplementedError(
                    f"unroll: {v.op!r} has no scalar form here; it unrolls "
                    f"{', '.join(sorted(t.__name__ for t in _RULES))}")
            inputs = [self.scalars[id(x)][1] for x in v.inputs]
            scope = getattr(v.op, "scope", None)   # so a drawing boxes each layer's scalars
            with name_scope(scope) if scope else contextlib.nullcontext():
                out = _objects(rule(self, v, *inputs))
        self.scalars[id(v)] = (v, out)

    def leaf(self, v):
        name = v.name
        if name is None and v.ndim:
            name, self.unnamed = f"t{self.unnamed}", self.unnamed + 1
        out = np.empty(v.shape, object)
        for idx in np.ndindex(v.shape):
            self.grow(1)
            label = name if name is None or not idx else f"{name}[{','.join(map(str, idx))}]"
            out[idx] = Value(v.data[idx], requires_grad=v.requires_grad, name=label,
                             dtype=v.dtype)
        return out

    def grow(self, n):
        self.count += n
        if self.max_nodes is not None and self.count > self.max_nodes:
            v = self.current
            made = f"{v.op!r} of inputs {[x.shape for x in v.inputs]}" if v.op else \
                f"the leaf {v.name or ''} of shape {v.shape}"
            raise ValueError(f"unroll: the scalar graph grows past max_nodes={self.max_nodes} "
                             f"(a Value and its op count two) at {made}; unroll is for "
                             "tiny shapes, a few numbers per tensor")

    def make(self, fn, *args, **settings):
        """One scalar op: ``fn`` is one of the library's functions, applied to scalars;
        ``settings`` are its parameters (alpha, dtype), which make no node."""
        numbers = sum(isinstance(a, (int, float, np.number)) and not isinstance(a, bool)
                      for a in args)   # a number operand becomes a constant node
        self.grow(2 + numbers)
        return fn(*args, **settings)

    def chain(self, fn, scalars):
        """fn(fn(fn(s0, s1), s2), ...): a sum as micrograd's ``sum()`` builds it."""
        acc = scalars[0]
        for s in scalars[1:]:
            acc = self.make(fn, acc, s)
        return acc


def _objects(x):
    """A rule's result as an object array (indexing an object array with integers gives
    the element itself)."""
    if isinstance(x, np.ndarray):
        return x
    out = np.empty((), object)
    out[()] = x
    return out


# --- the rules: one per op class, from its inputs' scalars to its output's ---------------


def _each(fn):
    """An elementwise op: ``fn(builder, op, *scalars)`` at each position of the broadcast
    shape (numpy's broadcasting picks each position's partners)."""
    def rule(b, v, *inputs):
        inputs = np.broadcast_arrays(*inputs)
        out = np.empty(inputs[0].shape, object)
        for idx in np.ndindex(out.shape):
            out[idx] = fn(b, v.op, *(x[idx] for x in inputs))
        return out
    return rule


def _library(fn):
    """An elementwise op that is the library function ``fn`` applied to each element."""
    return _each(lambda b, op, *xs: b.make(fn, *xs))


def _where(b, v, a, c):
    # The condition is data, not a Value: it broadcasts with the scalars and picks.
    return _each(lambda b, op, k, x, y: b.make(where, k, x, y))(b, v, v.op.cond, a, c)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a + ndim if a < 0 else a for a in axes))


def _groups(x, axis):
    """x's elements grouped along ``axis``: (groups array shaped like the kept axes, with
    the grouped elements last; the grouped axes; the permutation used)."""
    axes = _axes(axis, x.ndim)
    kept = [i for i in range(x.ndim) if i not in axes]
    order = kept + list(axes)
    moved = np.transpose(x, order)
    return moved.reshape(moved.shape[:len(kept)] + (-1,)), axes, order


def _reduce(fold):
    """A reduction over ``op.axis``: ``fold(b, list of scalars)`` for each output."""
    def rule(b, v, x):
        groups, axes, _ = _groups(x, v.op.axis)
        out = np.empty(groups.shape[:-1], object)
        for idx in np.ndindex(out.shape):
            out[idx] = fold(b, list(groups[idx]))
        return out.reshape(v.shape)   # keepdims puts the reduced axes back as ones
    return rule


def _along(fn):
    """An op on whole groups along ``op.axis`` (softmax): ``fn(b, list) -> list``."""
    def rule(b, v, x):
        groups, _, order = _groups(x, v.op.axis)
        out = np.empty(groups.shape, object)
        for idx in np.ndindex(groups.shape[:-1]):
            for k, s in enumerate(fn(b, list(groups[idx]))):
                out[idx + (k,)] = s
        moved = out.reshape([x.shape[i] for i in order])
        return np.transpose(moved, np.argsort(order))
    return rule


def _sum(b, xs):
    return b.chain(add, xs)


def _mean(b, xs):
    return b.make(divide, _sum(b, xs), len(xs))


def _logsumexp(b, xs):
    # Without softmax's shift by the max: the maths as written, for the small numbers
    # a scalar graph is drawn for.
    return b.make(log, _sum(b, [b.make(exp, x) for x in xs]))


def _softmax(b, xs):
    es = [b.make(exp, x) for x in xs]
    total = _sum(b, es)
    return [b.make(divide, e, total) for e in es]


def _log_softmax(b, xs):
    lse = _logsumexp(b, xs)
    return [b.make(subtract, x, lse) for x in xs]


def _dot(b, row, col):
    """sum_k row[k] * col[k]: the products first, then a chain of adds."""
    return _sum(b, [b.make(multiply, r, c) for r, c in zip(row, col)])


def _matmul(b, v, a, w):
    """numpy's matmul rules: a 1-D operand is a row (left) or a column (right), whose
    axis is dropped again; batch axes broadcast."""
    a2 = a[None, :] if a.ndim == 1 else a
    w2 = w[:, None] if w.ndim == 1 else w
    batch = np.broadcast_shapes(a2.shape[:-2], w2.shape[:-2])
    a2 = np.broadcast_to(a2, batch + a2.shape[-2:])
    w2 = np.broadcast_to(w2, batch + w2.shape[-2:])
    out = np.empty(batch + (a2.shape[-2], w2.shape[-1]), object)
    for idx in np.ndindex(out.shape):
        *at, i, j = idx
        out[idx] = _dot(b, a2[(*at, i)], w2[(*at, slice(None), j)])
    if a.ndim == 1:
        out = out[..., 0, :]
    if w.ndim == 1:
        out = out[..., 0]
    return out


def _linear(b, v, x, W, bias):
    """x @ W + b, the dense layer: its sums of products, then one add of the bias each."""
    return _library(add)(b, v, _objects(_matmul(b, v, x, W)), bias)


def _softmax_cross_entropy(b, v, z):
    """L_n = log(sum_i exp z_ni) - z_n,label, or sum_i t_ni (logsumexp - z_ni) for rows t."""
    labels, reduction = v.op.labels, v.op.reduction
    losses = np.empty(z.shape[:-1], object)
    for idx in np.ndindex(losses.shape):
        row = list(z[idx])
        lse = _logsumexp(b, row)
        if labels.dtype.kind in "iu":
            losses[idx] = b.make(subtract, lse, row[labels[idx]])
            continue
        t = labels[idx]
        # A zero weight adds nothing, to the loss or to a gradient: a one-hot row keeps
        # one term, and its weight 1 needs no multiplication either.
        keep = [i for i in range(len(row)) if t[i] != 0] or list(range(len(row)))
        terms = [b.make(subtract, lse, row[i]) for i in keep]
        losses[idx] = _sum(b, [d if t[i] == 1 else b.make(multiply, t[i], d)
                               for i, d in zip(keep, terms)])
    if reduction == "none":
        return losses
    total = _sum(b, list(losses.flat))
    return total if reduction == "sum" else b.make(divide, total, losses.size)


_RULES = {
    ops.Add: _library(add), ops.Sub: _library(subtract), ops.Mul: _library(multiply),
    ops.Div: _library(divide), ops.Pow: _library(power), ops.Neg: _library(negative),
    ops.Maximum: _library(maximum), ops.Minimum: _library(minimum), ops.Where: _where,
    ops.Exp: _library(exp), ops.Log: _library(log), ops.Sqrt: _library(sqrt),
    ops.Square: _library(square), ops.Abs: _library(abs), ops.Tanh: _library(tanh),
    ops.Sigmoid: _library(sigmoid), ops.Relu: _library(relu),
    ops.LeakyRelu: _each(lambda b, op, x: b.make(leaky_relu, x, alpha=op.alpha)),
    ops.Clip: _each(lambda b, op, x: b.make(clip, x, lo=op.lo, hi=op.hi)),
    ops.Cast: _each(lambda b, op, x: b.make(cast, x, dtype=op.dtype)),
    ops.SigmoidCrossEntropy: _library(sigmoid_cross_entropy),
    # Reductions. Max and Min chain maximum/minimum: equal values share a gradient
    # pairwise there, where the tensor ops share it equally among all the ties.
    ops.Sum: _reduce(_sum), ops.Mean: _reduce(_mean),
    ops.Max: _reduce(lambda b, xs: b.chain(maximum, xs)),
    ops.Min: _reduce(lambda b, xs: b.chain(minimum, xs)),
    ops.LogSumExp: _reduce(_logsumexp),
    ops.Softmax: _along(_softmax), ops.LogSoftmax: _along(_log_softmax),
    ops.SoftmaxCrossEntropy: _softmax_cross_entropy,
    # Moving numbers around makes no scalar op: the result re-points to the same scalars.
    ops.Reshape: lambda b, v, x: x.reshape(v.shape),
    ops.Transpose: lambda b, v, x: np.transpose(x, v.op.axes),
    ops.GetItem: lambda b, v, x: x[v.op.index],
    ops.Concat: lambda b, v, *xs: np.concatenate(xs, axis=v.op.axis),
    ops.Stack: lambda b, v, *xs: np.stack(xs, axis=v.op.axis),
    ops.MatMul: _matmul, ops.Linear: _linear,
}
