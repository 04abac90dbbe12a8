"""Tensor contractions: ``einsum`` (numpy's subscripts) and ``tensordot`` written as one.

y = einsum("ij,jk->ik", a, b) multiplies the operands along shared labels and sums the
labels missing from the output. Its gradient for one operand is the same kind of sum: g
(labelled like the output) times the other operands, summed down to that operand's labels,
so it is computed with einsum itself and can be differentiated again. Two details complete
it: a label repeated within an operand ("ii") reads a diagonal, so its gradient is put back
on the diagonal (a product with the identity); a label summed within one operand alone
("ij->i") spreads its gradient along the axis (a product with ones).
"""

from __future__ import annotations

import string
from collections import Counter

import numpy as np

from ..engine import Op, apply
from ..worked import Terms
from . import xp
from ._operands import axis_arg, operand, pair

__all__ = ["einsum", "tensordot"]

_LETTERS = string.ascii_letters


def _labels_error(subscripts, shapes, why):
    return ValueError(f"einsum: subscripts {subscripts!r} do not fit operands of shapes "
                      f"{', '.join(str(s) for s in shapes)}: {why}")


def _parse(subscripts, shapes):
    """numpy's subscripts made explicit: (labels of each operand, labels of the output,
    size of each label), with "..." spelt out as letters of its own. Sizes must agree
    between operands or be 1 (broadcast), as numpy's einsum allows."""
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string such as 'ij,jk->ik' (numpy's "
                        f"interleaved operand-list form is not supported), got {subscripts!r}")
    text = subscripts.replace(" ", "")
    lhs, arrow, out = text.partition("->")
    specs = lhs.split(",")
    if len(specs) != len(shapes):
        raise _labels_error(subscripts, shapes,
                            f"they name {len(specs)} operand(s), {len(shapes)} given")
    for part in specs + [out]:
        bad = set(part.replace("...", "", 1)) - set(_LETTERS)
        if bad:
            raise _labels_error(subscripts, shapes, f"invalid character(s) {sorted(bad)}: "
                                "labels are letters, with at most one '...' per operand")
    spare = [c for c in _LETTERS if c not in text]
    broadcast_ndim = 0  # the number of axes "..." stands for: the most any operand gives it
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        named = len(spec.replace("...", ""))
        if len(shape) != named and ("..." not in spec or len(shape) < named):
            raise _labels_error(subscripts, shapes, f"operand {i} has {len(shape)} axes, "
                                f"its subscripts {spec!r} name {named}")
        if "..." in spec:
            broadcast_ndim = max(broadcast_ndim, len(shape) - named)
    if broadcast_ndim > len(spare):
        raise _labels_error(subscripts, shapes, "too many axes for the 52 letters")
    dots, spare = "".join(spare[:broadcast_ndim]), spare[broadcast_ndim:]
    # "..." stands for an operand's last axes of the broadcast ones, as numpy aligns them.
    inputs = [spec.replace("...", dots[broadcast_ndim - (len(shape) - len(spec) + 3):])
              if "..." in spec else spec for spec, shape in zip(specs, shapes)]
    if not arrow:  # numpy's implicit output: "...", then the labels used once, sorted
        counts = Counter("".join(specs).replace(".", ""))
        out = dots + "".join(sorted(c for c, k in counts.items() if k == 1))
    elif "..." in out:
        out = out.replace("...", dots)
    elif dots:
        raise _labels_error(subscripts, shapes, "the output needs '...' for the axes that "
                            "'...' stands for in the inputs")
    for label in out:
        if out.count(label) > 1 or label not in "".join(inputs):
            raise _labels_error(subscripts, shapes, f"output label {label!r} is repeated or "
                                "appears in no input")
    sizes = {}
    for i, (spec, shape) in enumerate(zip(inputs, shapes)):
        for label, n in zip(spec, shape):
            here = shape[spec.index(label)]
            if n != here:
                raise _labels_error(subscripts, shapes, f"label {label!r} is repeated in "
                                    f"operand {i} over axes of sizes {here} and {n}")
            m = sizes.get(label, 1)
            if n != m and 1 not in (n, m):
                raise _labels_error(subscripts, shapes, f"label {label!r} has size {m} in one "
                                    f"operand and {n} in operand {i}")
            sizes[label] = n if m == 1 else m
    return inputs, out, sizes, "".join(spare)


def einsum_array(subscripts, *arrays):
    """``np.einsum`` on numpy arrays (a numpy scalar for a 0-d result)."""
    # optimize: pairwise contractions through BLAS instead of one loop over every label.
    y = np.einsum(subscripts, *arrays, optimize=len(arrays) > 1)
    return y[()] if np.ndim(y) == 0 else y


class Einsum(Op):
    """y = einsum(subscripts, x1, x2, ...)
    dL/dx_i = einsum(g with the other operands -> x_i's labels)"""

    __slots__ = ("inputs", "output", "sizes", "spare")

    def __init__(self, inputs, output, sizes, spare):
        self.inputs, self.output, self.sizes, self.spare = inputs, output, sizes, spare

    @property
    def subscripts(self):
        return ",".join(self.inputs) + "->" + self.output

    def __repr__(self):
        return f"Einsum({self.subscripts!r})"

    def forward(self, *xs):
        return einsum_array(self.subscripts, *xs)

    def backward(self, g, y, *xs):
        return tuple(self._gradient(i, g, xs) if needed else None
                     for i, needed in enumerate(self.needs_grad))

    def _gradient(self, i, g, xs):
        specs = [self.output] + [s for j, s in enumerate(self.inputs) if j != i]
        operands = [g] + [x for j, x in enumerate(xs) if j != i]
        spare = iter(self.spare)
        out = ""
        for label, n in zip(self.inputs[i], xs[i].shape):
            if n == 1 and self.sizes[label] != 1:
                continue  # x_i was broadcast along this axis: the sum over it is its gradient
            if label in out:  # a repeated label (a diagonal): the identity puts g back on it
                new = next(spare)
                specs.append(label + new)
                operands.append(np.eye(n, dtype=g.dtype))
                label = new
            out += label
        # A label no operand gives at its full size was summed in x_i alone: g spreads along it.
        full = {label for spec, x in zip(specs, operands)
                for label, n in zip(spec, x.shape) if n == self.sizes.get(label, n)}
        for label in out:
            if label not in full:
                specs.append(label)
                operands.append(np.ones(self.sizes[label], g.dtype))
        grad = xp.einsum(",".join(specs) + "->" + out, *operands)
        return grad.reshape(xs[i].shape) if len(out) != xs[i].ndim else grad

    def formula(self, y, *xs):
        names = [f"x{i + 1}" for i in range(len(xs))]
        parts = []
        for i, name in enumerate(names):
            if self._plain(i, xs):
                others = [s for j, s in enumerate(self.inputs) if j != i]
                subscripts = ",".join([self.output] + others) + "->" + self.inputs[i]
                operands = ", ".join(["g"] + [n for j, n in enumerate(names) if j != i])
                parts.append(f"dL/d{name} = einsum('{subscripts}', {operands})")
            else:
                parts.append(f"dL/d{name} = einsum(g with the other operands -> "
                             f"{name}'s labels '{self.inputs[i]}')")
        return f"y = einsum('{self.subscripts}', {', '.join(names)})", ",  ".join(parts)

    def element(self, i, at, g, y, *xs):
        """dL/dx_i at ``at``: over every value of the labels x_i lacks, g times the other
        operands (for an input without a repeated, broadcast or lone summed label)."""
        if not self._plain(i, xs):
            return None
        names = ["g"] + [f"x{j + 1}" for j in range(len(xs)) if j != i]
        specs = [self.output] + [s for j, s in enumerate(self.inputs) if j != i]
        fixed = dict(zip(self.inputs[i], at))
        free = [label for label in dict.fromkeys("".join(specs)) if label not in fixed]
        shapes = [np.shape(g)] + [np.shape(x) for j, x in enumerate(xs) if j != i]
        terms = []
        for values in np.ndindex(*(self.sizes[label] for label in free)):
            where = dict(fixed, **dict(zip(free, values)))
            terms.append({name: tuple(0 if n == 1 else where[label]
                                      for label, n in zip(spec, shape))
                          for name, spec, shape in zip(names, specs, shapes)})
        return Terms("*".join(names), tuple(terms))

    def _plain(self, i, xs):
        """Whether input i's gradient is one einsum of g and the other operands: its labels
        are distinct, at full size, and each in the output or another operand."""
        labels = self.inputs[i]
        elsewhere = self.output + "".join(s for j, s in enumerate(self.inputs) if j != i)
        return (len(set(labels)) == len(labels) and all(label in elsewhere for label in labels)
                and all(n == self.sizes[label] for label, n in zip(labels, np.shape(xs[i]))))


def einsum(subscripts, *operands):
    """Einstein summation with numpy's subscripts (``np.einsum``, ``tf.einsum``,
    ``torch.einsum``): explicit ("ij,jk->ik") or implicit ("ij,jk") output, "..." for
    broadcast axes, any number of operands.

    Args:
        subscripts: the labels of each operand's axes, comma-separated, and optionally
            "->" and the output's labels.
        *operands: Values or arrays, one per comma-separated group.
    Returns:
        A Value with the output's axes.

    >>> einsum("ij,jk->ik", [[1.0, 2.0]], [[3.0], [4.0]]).numpy()
    array([[11.]], dtype=float32)
    >>> einsum("ii", [[1.0, 2.0], [3.0, 4.0]]).numpy()   # the trace
    np.float32(5.0)
    """
    operands = [operand(x, Einsum) for x in operands]
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    return apply(Einsum(*_parse(subscripts, [x.shape for x in operands])), *operands)


def tensordot(a, b, axes=2):
    """Sum of products over axes of a and b (``np.tensordot``, ``tf.tensordot``).

    Args:
        a, b: Values or arrays.
        axes: an int N (the last N axes of a with the first N of b), or a pair of axis
            lists (or ints) of the same length, matched in order.
    Returns:
        a's remaining axes, then b's.
    """
    a, b = pair(a, b, Einsum)
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} is out of range for shapes {a.shape} "
                             f"and {b.shape}")
        axes_a, axes_b = tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes))
    else:
        try:
            axes_a, axes_b = axes
        except (TypeError, ValueError):
            raise TypeError(f"tensordot: axes must be an int or a pair of axis lists, got "
                            f"{axes!r}") from None
        axes_a = axis_arg(tuple(np.atleast_1d(axes_a).tolist()), a.shape, "tensordot")
        axes_b = axis_arg(tuple(np.atleast_1d(axes_b).tolist()), b.shape, "tensordot")
        if len(axes_a) != len(axes_b):
            raise ValueError(f"tensordot: {len(axes_a)} axes of a and {len(axes_b)} axes of "
                             f"b given; they are matched in pairs")
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: axis {i} of a (size {a.shape[i]}) does not match "
                             f"axis {j} of b (size {b.shape[j]}), shapes {a.shape} and "
                             f"{b.shape}")
    if a.ndim + b.ndim > len(_LETTERS):
        raise ValueError(f"tensordot: too many axes ({a.shape} and {b.shape})")
    labels_a = _LETTERS[:a.ndim]
    labels_b = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(axes_a, axes_b):
        labels_b[j] = labels_a[i]
    out = ([labels_a[k] for k in range(a.ndim) if k not in axes_a]
           + [labels_b[k] for k in range(b.ndim) if k not in axes_b])
    return einsum(f"{labels_a},{''.join(labels_b)}->{''.join(out)}", a, b)
