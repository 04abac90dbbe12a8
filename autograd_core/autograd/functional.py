"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp and vhp of a function
of Values, with PyTorch's arguments and results.

``inputs`` is a Value or a tuple of them; ``func(*inputs)`` returns a Value or a tuple of
them. Each result keeps that structure (a tuple per input, per output, or both, as
PyTorch's), and is a constant unless ``create_graph=True``, which records it so that it
can be differentiated again. An output that does not depend on an input gives zeros, or
with ``strict=True`` an error, as in PyTorch. Each runs ``func`` and its backward passes
with recording on (``enable_grad`` as a decorator), under ``no_grad`` too, as PyTorch's
do: recording nothing would make every derivative zero.

(``ag.jacobian(f)``, ``ag.vjp`` and friends are the same maths as function transforms,
in the style of HIPS autograd and JAX.)
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..deferred import deferring
from ..engine import Value, _node, constant, enable_grad, gradients

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _as_tuple(x, what, where):
    """(tuple of Values, whether x was a tuple), with PyTorch's check of the type."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, item in enumerate(items):
        if not isinstance(item, Value):
            raise TypeError(f"{where}: the {what} must be a Value or a tuple of Values, but "
                            f"the value at index {i} has type {type(item).__name__}")
    return items, is_tuple


def _leaves(inputs, create_graph):
    """The Values to differentiate with respect to: the inputs themselves when recording
    for a caller whose inputs require grad (so the result stays linked to them), else
    fresh leaves over the same data (PyTorch detaches them too)."""
    return tuple(x if create_graph and x.requires_grad else Value(x.data, requires_grad=True)
                 for x in inputs)


def _finish(values, create_graph):
    """A result as PyTorch gives it: recorded Values under create_graph, else constants
    (over the same data, as PyTorch's detach: each is an array this call made)."""
    return tuple(v if create_graph else _node(v.data) for v in values)


def _untuple(values, is_tuple):
    return values if is_tuple else values[0]


def _grads(outputs, leaves, seeds, create_graph, strict, where, index="input"):
    """d<outputs, seeds>/d leaf for each leaf: zeros where unused, or an error if strict."""
    used = [(y, s) for y, s in zip(outputs, seeds) if y.requires_grad]
    found = gradients([y for y, _ in used], list(leaves), [s for _, s in used],
                      create_graph=create_graph, allow_unused=True) if used \
        else (None,) * len(leaves)
    result = []
    for i, (x, g) in enumerate(zip(leaves, found)):
        if g is None:
            if strict:
                raise RuntimeError(f"{where}: the output of the function does not depend on "
                                   f"{index} {i}, which strict=True does not allow")
            g = constant(np.zeros_like(x.data))
        result.append(g)
    return tuple(result)


def _seeds(v, outputs, where, what="v"):
    """One seed per output: ``v`` (a Value, array or tuple of them) or, when None, ones
    for one-element outputs."""
    if v is None:
        for y in outputs:
            if y.size != 1:
                raise RuntimeError(f"{where}: {what} can be left out only when the function "
                                   f"returns one-element Values, got shape {y.shape}")
        return [constant(np.ones_like(y.data)) for y in outputs]
    items = v if isinstance(v, tuple) else (v,)
    if len(items) != len(outputs):
        raise RuntimeError(f"{where}: {len(items)} entries in {what} for {len(outputs)} "
                           "tensors")
    seeds = []
    for i, (s, y) in enumerate(zip(items, outputs)):
        s = s if isinstance(s, Value) else constant(np.asarray(s, dtype=y.dtype))
        if s.shape != y.shape:
            raise RuntimeError(f"{where}: mismatch in shape: {what}[{i}] has shape "
                               f"{s.shape} and the tensor it goes with has shape {y.shape}")
        seeds.append(s)
    return seeds


def _run(func, inputs, create_graph, where):
    inputs, is_inputs_tuple = _as_tuple(inputs, "inputs", where)
    leaves = _leaves(inputs, create_graph)
    outputs, is_outputs_tuple = _as_tuple(func(*leaves), "outputs of the function", where)
    return leaves, is_inputs_tuple, outputs, is_outputs_tuple


@enable_grad()
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), v^T J)``: the vector-Jacobian product, one entry per input."""
    where = "vjp"
    leaves, is_inputs_tuple, outputs, is_outputs_tuple = _run(func, inputs, create_graph,
                                                              where)
    seeds = _seeds(v, outputs, where)
    found = _grads(outputs, leaves, seeds, create_graph, strict, where)
    return (_untuple(_finish(outputs, create_graph), is_outputs_tuple),
            _untuple(_finish(found, create_graph), is_inputs_tuple))


@enable_grad()
def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), J v)``: the Jacobian-vector product, one entry per output.

    Reverse mode gives u^T J; J v is the gradient of u -> <u^T J, v> with respect to u, a
    linear function of u: two backward passes (the "double backward trick", as PyTorch)."""
    where = "jvp"
    leaves, is_inputs_tuple, outputs, is_outputs_tuple = _run(func, inputs, create_graph,
                                                              where)
    vs = _seeds(v, leaves, where)
    us = [Value(np.zeros_like(y.data), requires_grad=True) for y in outputs]
    # u^T J's values are never read unless the caller records J v (see deferred.py)
    with contextlib.nullcontext() if create_graph else deferring():
        back = _grads(outputs, leaves, us, True, strict, where)
    pairs = [(g, t) for g, t in zip(back, vs) if g.requires_grad]
    if pairs:  # the gradient of <u^T J, v>: u^T J's backward seeded with v (see ag.hvp)
        found = gradients([g for g, _ in pairs], us, [t for _, t in pairs],
                          create_graph=create_graph, allow_unused=True)
    else:
        found = (None,) * len(us)
    found = tuple(constant(np.zeros_like(u.data)) if g is None else g
                  for u, g in zip(us, found))
    return (_untuple(_finish(outputs, create_graph), is_outputs_tuple),
            _untuple(_finish(found, create_graph), is_outputs_tuple))


@enable_grad()
def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d output / d input, of shape output.shape + input.shape: a Value for one input and
    one output, a tuple over the inputs (or outputs), or a tuple of tuples
    ``J[i][j] = d outputs[i] / d inputs[j]``. One backward pass per output element.

    ``vectorize`` is accepted and changes nothing here (PyTorch's batches the passes with
    vmap; the numbers are the same). ``strategy="forward-mode"`` needs ``vectorize=True``
    as in PyTorch, and gives the same numbers by the same reverse passes."""
    where = "jacobian"
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"{where}: strategy must be 'reverse-mode' or 'forward-mode', got "
                         f"{strategy!r}")
    if strategy == "forward-mode" and not vectorize:
        raise ValueError(f"{where}: strategy='forward-mode' needs vectorize=True, as in "
                         "PyTorch")
    leaves, is_inputs_tuple, outputs, is_outputs_tuple = _run(func, inputs, create_graph,
                                                              where)
    rows = [_jacobian_rows(y, i, outputs, leaves, create_graph, strict, where)
            for i, y in enumerate(outputs)]
    result = tuple(_untuple(row, is_inputs_tuple) for row in rows)
    return _untuple(result, is_outputs_tuple)


def _jacobian_rows(y, i, outputs, leaves, create_graph, strict, where):
    """d outputs[i] / d leaf for each leaf, each of shape y.shape + leaf.shape."""
    from ..ops import reshape, stack

    per_element = []
    for k in range(y.size):
        seed = np.zeros(y.shape, y.dtype)
        seed[np.unravel_index(k, y.shape)] = 1
        per_element.append(_grads([y], leaves, [constant(seed)], create_graph, strict,
                                  where, index=f"input (for output {i}), input"))
    blocks = []
    for j, x in enumerate(leaves):
        if not per_element:
            blocks.append(constant(np.zeros(y.shape + x.shape, x.dtype)))
            continue
        column = [found[j] for found in per_element]
        block = reshape(stack(column), y.shape + x.shape) if create_graph else constant(
            np.stack([g.data for g in column]).reshape(y.shape + x.shape))
        blocks.append(block)
    return tuple(blocks)


def _one_number(func, where):
    def checked(*xs):
        y = func(*xs)
        if not isinstance(y, Value) or y.size != 1:
            shape = y.shape if isinstance(y, Value) else type(y).__name__
            raise RuntimeError(f"{where}: the function must return a Value with a single "
                               f"element, got {shape}")
        return y
    return checked


@enable_grad()
def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a function returning one number: ``H[i][j]`` of shape
    inputs[i].shape + inputs[j].shape (a Value for one input), the jacobian of its
    gradient."""
    where = "hessian"
    inputs_t, is_inputs_tuple = _as_tuple(inputs, "inputs", where)
    one = _one_number(func, where)

    def gradient(*xs):
        return _grads([one(*xs)], xs, [None], True, strict, where)

    rows = jacobian(gradient, inputs_t, create_graph=create_graph, strict=strict,
                    vectorize=vectorize, strategy=outer_jacobian_strategy)
    rows = tuple(row if isinstance(row, tuple) else (row,) for row in rows)
    return _untuple(tuple(_untuple(row, is_inputs_tuple) for row in rows), is_inputs_tuple)


@enable_grad()
def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), v^T H)`` for a function returning one number."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


@enable_grad()
def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), H v)`` for a function returning one number.

    The Hessian of a twice continuously differentiable function is symmetric, so H v is
    v^T H, computed as ``vhp``'s two backward passes (PyTorch computes it with a third
    pass, which gives the same numbers)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, where):
    leaves, is_inputs_tuple, outputs, _ = _run(_one_number(func, where), inputs, True, where)
    (y,) = outputs
    vs = _seeds(v, leaves, where)
    # The gradient's own values are never read unless the caller records the product
    # (see deferred.py).
    with contextlib.nullcontext() if create_graph else deferring():
        first = _grads([y], leaves, [None], True, strict, where)
    pairs = [(g, s) for g, s in zip(first, vs) if g.requires_grad]
    if pairs:
        found = _grads([g for g, _ in pairs], leaves, [s for _, s in pairs], create_graph,
                       strict, where)
    else:  # at most linear: H = 0
        found = tuple(constant(np.zeros_like(x.data)) for x in leaves)
    value = _finish((y,), create_graph)[0]
    return value, _untuple(_finish(found, create_graph), is_inputs_tuple)
