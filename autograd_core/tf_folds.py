"""TensorFlow's folds and scans, run eagerly (imported by ``tf_names``, which has the rest
of TensorFlow's control flow: ``cond``, ``while_loop``, ``map_fn``).

``foldl``/``foldr`` carry an accumulator over the slices of a tensor along its first axis,
acc = fn(acc, x); ``scan`` keeps every accumulator, stacked. A Python loop over the library's
ops, as TensorFlow's eager mode runs them, so the gradient flows through each call of fn.
"""

from __future__ import annotations

from . import ops
from ._tf_operands import value as _value

__all__ = ["foldl", "foldr", "scan"]


def _slices(elems, where):
    """The slices of elems along its first axis; a tuple of Values is sliced together."""
    if isinstance(elems, (tuple, list)):
        parts = [_value(e) for e in elems]
        n = {p.shape[0] if p.ndim else None for p in parts}
        if len(n) != 1 or None in n:
            raise ValueError(f"{where}: the elems must share their first axis, got shapes "
                             f"{[p.shape for p in parts]}")
        return [type(elems)(p[i] for p in parts) for i in range(n.pop())]
    elems = _value(elems)
    if elems.ndim == 0:
        raise ValueError(f"{where}: elems must have a first axis to run over, got a scalar")
    return [elems[i] for i in range(elems.shape[0])]


def _fold(fn, items, initializer, where):
    if initializer is None:
        if not items:
            raise ValueError(f"{where}: elems is empty and there is no initializer")
        acc, items = items[0], items[1:]
    else:
        acc = initializer
    for x in items:
        acc = fn(acc, x)
    return acc


def foldl(fn, elems, initializer=None, **unused):
    """``tf.foldl``, eagerly: acc = fn(acc, x) for each slice x of elems, first to last;
    acc starts at ``initializer`` (by default the first slice)."""
    return _fold(fn, _slices(elems, "foldl"), initializer, "foldl")


def foldr(fn, elems, initializer=None, **unused):
    """``tf.foldr``, eagerly: ``foldl`` from the last slice to the first."""
    return _fold(fn, _slices(elems, "foldr")[::-1], initializer, "foldr")


def scan(fn, elems, initializer=None, reverse=False, **unused):
    """``tf.scan``, eagerly: the accumulators acc_i = fn(acc_{i-1}, x_i), stacked along a
    new first axis (a tuple of accumulators gives a tuple of stacks)."""
    items = _slices(elems, "scan")[::-1 if reverse else 1]
    if initializer is None:
        if not items:
            raise ValueError("scan: elems is empty and there is no initializer")
        acc, items, out = items[0], items[1:], [items[0]]
    else:
        acc, out = initializer, []
    for x in items:
        acc = fn(acc, x)
        out.append(acc)
    if reverse:
        out = out[::-1]
    if out and isinstance(out[0], (tuple, list)):
        return type(out[0])(ops.stack([o[k] for o in out]) for k in range(len(out[0])))
    return ops.stack(out)
