"""Statistics over axes: variance, standard deviation, and Keras's mean squared error.

The variance divides by ``n - ddof`` (numpy's ``ddof``; PyTorch calls it ``correction``):
``ddof=0`` (the default, as numpy and TensorFlow) gives the population variance,
``ddof=1`` the unbiased estimate (PyTorch's default). Each library keeps its default: a call
with one of PyTorch's keywords (``dim``, ``keepdim``, ``correction``, ``unbiased``)
divides by n - 1 unless told otherwise, any other (numpy's ``axis``, ``keepdims``,
``ddof``, positions, nothing) by n; ``ddof`` with PyTorch's keywords raises. Where
``n - ddof <= 0`` it divides by 0, as numpy and PyTorch do: the result is inf or NaN, with
numpy's RuntimeWarning.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply
from ..labels import number, over
from ..worked import Terms, reduced_index
from . import indexing, joining, selection, shape, xp
from ._operands import axis_arg, axis_or_dim, operand, pair
from .reductions import _expand, copied, mean

__all__ = ["var", "std", "var_mean", "std_mean", "median", "quantile", "reduce_variance",
           "reduce_std", "mean_squared_error"]


def _centered(x, axis, n):
    """x minus its mean over ``axis`` (n elements each), written for arrays and Values."""
    return x - x.sum(axis=axis, keepdims=True) / n


def _dof(n, ddof):
    """The divisor n - ddof as the maths shows it: "(4 - 1)", or "max(1 - 2, 0)" where
    ddof is larger than n (numpy and the backward then divide by 0)."""
    text = f"{n} - {number(ddof)}"
    return f"({text})" if n >= ddof else f"max({text}, 0)"


class Var(Op):
    """y = sum((x - mean(x))**2) / (n - ddof)     dL/dx = g * 2 (x - mean(x)) / (n - ddof)"""

    __slots__ = ("axis", "keepdims", "ddof", "n")

    def __init__(self, axis, keepdims, ddof, n):
        self.axis, self.keepdims, self.ddof, self.n = axis, keepdims, ddof, n

    def forward(self, x):
        return np.var(x, axis=self.axis, ddof=self.ddof, keepdims=self.keepdims)

    def backward(self, g, y, x):
        if x.size == 0:
            return (xp.zeros_like(x),)
        dof = self.n - self.ddof
        scale = 2.0 / dof if dof > 0 else float("inf")  # a Python float keeps float32
        g = _expand(g, self.axis, self.keepdims, x.ndim)
        return (g * scale * _centered(x, self.axis, self.n),)

    def formula(self, y, x):
        dof = _dof(self.n, self.ddof)
        return (f"y = sum((x - mean(x))**2) / {dof} {over(self.axis, x.ndim, self.keepdims)}",
                f"dL/dx = g * 2 * (x - mean(x)) / {dof}, g copied {copied(self.axis, x.ndim)}")

    def element(self, i, at, g, y, x):
        dof = _dof(self.n, self.ddof)
        return Terms(f"g * 2 * (x - mean(x)) / {dof}",
                     ({"g": reduced_index(at, self.axis, self.keepdims)},),
                     {"mean(x)": np.mean(x, axis=self.axis, keepdims=True)})


class Std(Op):
    """y = sqrt(var(x))     dL/dx = g * (x - mean(x)) / ((n - ddof) y)   (0 where y = 0)"""

    __slots__ = ("axis", "keepdims", "ddof", "n")

    def __init__(self, axis, keepdims, ddof, n):
        self.axis, self.keepdims, self.ddof, self.n = axis, keepdims, ddof, n

    def forward(self, x):
        return np.std(x, axis=self.axis, ddof=self.ddof, keepdims=self.keepdims)

    def backward(self, g, y, x):
        if x.size == 0:
            return (xp.zeros_like(x),)
        g = _expand(g, self.axis, self.keepdims, x.ndim)
        y = _expand(y, self.axis, self.keepdims, x.ndim)
        # All elements equal: y = 0, and PyTorch takes the gradient 0 there (x - mean is
        # 0 too). Dividing by 1 instead of 0 keeps the unused branch finite.
        flat = xp.equal(y, 0)
        dof = max(self.n - self.ddof, 0)
        scale = xp.where(flat, 0, g / (dof * xp.where(flat, 1, y)))
        return (scale * _centered(x, self.axis, self.n),)

    def formula(self, y, x):
        dof = _dof(self.n, self.ddof)
        return (f"y = sqrt(sum((x - mean(x))**2) / {dof}) "
                f"{over(self.axis, x.ndim, self.keepdims)}",
                f"dL/dx = g * (x - mean(x)) / ({dof} * y), g and y copied "
                f"{copied(self.axis, x.ndim)}   (0 where y = 0)")

    def element(self, i, at, g, y, x):
        j = reduced_index(at, self.axis, self.keepdims)
        dof = _dof(self.n, self.ddof)
        return Terms(f"g * (x - mean(x)) / ({dof} * y)", ({"g": j, "y": j},),
                     {"mean(x)": np.mean(x, axis=self.axis, keepdims=True)})


def _moments_args(x, axis, keepdims, dim, keepdim, ddof, correction, unbiased, op_name):
    """The axis (checked) and keepdims, the divisor's ``ddof`` from numpy's, PyTorch's or
    the legacy ``unbiased`` argument, and n, the number of elements reduced into each
    result. Without any of the three, ddof is 1 if PyTorch's keywords were used, else 0."""
    given = [name for name, v in (("ddof", ddof), ("correction", correction),
                                  ("unbiased", unbiased)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{op_name}: give at most one of ddof, correction and unbiased, "
                        f"got {' and '.join(given)}")
    axis, keepdims, torch = axis_or_dim(op_name, axis, dim, keepdims, keepdim,
                                        numpy_only=[g for g in given if g == "ddof"],
                                        torch_only=[g for g in given if g != "ddof"])
    axis = axis_arg(axis, x.shape, op_name)
    if unbiased is not None:
        ddof = 1 if unbiased else 0
    elif correction is not None:
        ddof = correction
    elif ddof is None:
        ddof = 1 if torch else 0
    if isinstance(ddof, bool) or not isinstance(ddof, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op_name}: ddof must be a number, got {ddof!r}")
    axes = range(x.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    n = int(np.prod([x.shape[a] for a in axes]))
    return axis, keepdims, ddof, n


def var(x, axis=None, keepdims=False, *, ddof=None, dim=None, keepdim=None, correction=None,
        unbiased=None):
    """Variance over ``axis`` (None: all, an int or a tuple), dividing by n - ddof.

    Args:
        x: a Value or array.
        axis, keepdims: as ``sum``; or PyTorch's ``dim``, ``keepdim``.
        ddof: numpy's "delta degrees of freedom", 0 by default (population variance).
        correction: PyTorch's name for ddof; 1 by default in a call with PyTorch's
            keywords (the unbiased estimate), as PyTorch's default is.
        unbiased: PyTorch's older flag, ddof = 1 if true else 0.
    Returns:
        The variance, of x's dtype.

    >>> float(var([1.0, 2.0, 3.0, 4.0])), float(var([1.0, 2.0, 3.0, 4.0], ddof=1))
    (1.25, 1.6666666269302368)
    >>> float(var([1.0, 2.0, 3.0, 4.0], dim=0))   # PyTorch's keyword, PyTorch's default
    1.6666666269302368
    """
    x = operand(x, Var)
    axis, keepdims, ddof, n = _moments_args(x, axis, keepdims, dim, keepdim, ddof, correction,
                                            unbiased, "var")
    return apply(Var(axis, keepdims, ddof, n), x)


def std(x, axis=None, keepdims=False, *, ddof=None, dim=None, keepdim=None, correction=None,
        unbiased=None):
    """Standard deviation over ``axis``: sqrt(var(x, axis, ddof=ddof)), same arguments (and
    the same defaults: ddof 0 unless PyTorch's keywords are used, then 1).

    Where all elements are equal the gradient is 0, as PyTorch takes it (the derivative of
    sqrt at 0 does not exist).
    """
    x = operand(x, Std)
    axis, keepdims, ddof, n = _moments_args(x, axis, keepdims, dim, keepdim, ddof, correction,
                                            unbiased, "std")
    return apply(Std(axis, keepdims, ddof, n), x)


def var_mean(x, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """PyTorch's ``var_mean``: ``(var, mean)`` over ``dim`` (None: all), the variance
    divided by n - correction (1 by default, PyTorch's unbiased estimate)."""
    if correction is None and unbiased is None:
        correction = 1
    return (var(x, dim=dim, keepdim=keepdim, correction=correction, unbiased=unbiased),
            mean(x, axis=dim, keepdims=keepdim))


def std_mean(x, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """PyTorch's ``std_mean``: ``(std, mean)`` over ``dim``, as ``var_mean``."""
    if correction is None and unbiased is None:
        correction = 1
    return (std(x, dim=dim, keepdim=keepdim, correction=correction, unbiased=unbiased),
            mean(x, axis=dim, keepdims=keepdim))


def reduce_variance(x, axis=None, keepdims=False):
    """TensorFlow's ``reduce_variance``: the population variance (ddof 0)."""
    return var(x, axis, keepdims)


def reduce_std(x, axis=None, keepdims=False):
    """TensorFlow's ``reduce_std``: the population standard deviation (ddof 0)."""
    return std(x, axis, keepdims)


class MeanSquaredError(Op):
    """y = mean((y_pred - y_true)**2) over the last axis
    dL/dy_pred = g * 2 * (y_pred - y_true) / n,  dL/dy_true = -g * 2 * (y_pred - y_true) / n"""

    __slots__ = ()

    def forward(self, y_true, y_pred):
        d = y_pred - y_true
        return np.mean(d * d, axis=-1)

    def backward(self, g, y, y_true, y_pred):
        d = y_pred - y_true
        grad = xp.expand_dims(g, -1) * (2.0 / max(d.shape[-1], 1)) * d  # max: an empty axis
        need_true, need_pred = self.needs_grad
        return (-grad if need_true else None), (grad if need_pred else None)

    def formula(self, y, y_true, y_pred):
        n = np.broadcast_shapes(np.shape(y_true), np.shape(y_pred))[-1]
        grad = f"g * 2 * (y_pred - y_true) / {n}"
        return (f"y = mean((y_pred - y_true)**2) over the last axis (n = {n})",
                f"dL/dy_true = -{grad},  dL/dy_pred = {grad}")

    def element(self, i, at, g, y, y_true, y_pred):
        return Terms(indices=({"g": at[:-1]},))


def mean_squared_error(y_true, y_pred):
    """Keras's ``mean_squared_error`` (also ``tf.keras.losses.mse``): the mean of the squared
    differences over the last axis, one value per sample; y_true and y_pred broadcast.

    Args:
        y_true: (..., d) targets.  y_pred: (..., d) predictions.
    Returns:
        (...,): the loss of each sample (``nn.losses.mean_squared_error`` also averages
        over the samples).

    >>> mean_squared_error([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    y_true, y_pred = pair(y_true, y_pred, MeanSquaredError)
    try:
        shape = np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(f"mean_squared_error: y_true of shape {y_true.shape} and y_pred of "
                         f"shape {y_pred.shape} do not broadcast") from None
    if not shape:
        raise ValueError("mean_squared_error: y_true and y_pred are scalars: there is no last "
                         "axis to average over")
    return apply(MeanSquaredError(), y_true, y_pred)


def _sorted_along(x, axis, where):
    """x sorted along ``axis`` (None: flattened, then axis 0), and that axis: recorded, so
    gradients flow back to where each element came from."""
    x = operand(x, Var)
    if axis is None:
        x, axis = shape.reshape(x, (-1,)), 0
    axis = axis_arg(axis, x.shape, where, allow_none=False)
    if x.shape[axis] == 0:
        raise ValueError(f"{where}: cannot take it over an empty axis (input shape {x.shape})")
    return selection.sort_pairs(x, axis).values, axis


def quantile(x, q, axis=None, keepdims=False, *, dim=None, keepdim=None,
             interpolation="linear", method=None):
    """The q-th quantile of x over ``axis`` (PyTorch's ``dim``; None: all of x), with q in
    [0, 1] a number or a sequence (a leading axis of the result, as numpy's and PyTorch's).

    Between the two sorted values around the position q (n - 1), ``interpolation``
    (PyTorch's name; numpy's ``method``) picks: "linear" (numpy's and PyTorch's default),
    "lower", "higher", "nearest" (halves to the even position, as both round) or
    "midpoint". The gradient goes to the values picked, in their shares.
    """
    axis, keepdims, _ = axis_or_dim("quantile", axis, dim, keepdims, keepdim)
    how = method or interpolation
    if how not in _PICKS:
        raise ValueError(f"quantile: interpolation must be one of {', '.join(_PICKS)}, got "
                         f"{how!r}")
    qs = np.asarray(q.data if isinstance(q, Value) else q, dtype=np.float64)
    if ((qs < 0) | (qs > 1)).any() or qs.ndim > 1:
        raise ValueError(f"quantile: q must be a number or a sequence in [0, 1], got {q!r}")
    flat = axis is None
    ordered, along = _sorted_along(x, axis, "quantile")
    n = ordered.shape[along]
    results = []
    for qi in np.atleast_1d(qs):
        lo, hi, share = _PICKS[how](qi * (n - 1))  # value = low + (high - low) * share
        before = (slice(None),) * along
        low = indexing.getitem(ordered, before + (slice(lo, lo + 1),))
        value = low if hi == lo or share == 0 else low + (indexing.getitem(
            ordered, before + (slice(hi, hi + 1),)) - low) * share
        if flat:
            value = shape.reshape(value, (1,) * operand(x, Var).ndim if keepdims else ())
        elif not keepdims:
            value = shape.squeeze(value, along)
        results.append(value)
    return results[0] if qs.ndim == 0 else joining.stack(results)


def _around(position):
    """The sorted values below and above ``position`` and the share of the upper one."""
    lo, hi = int(np.floor(position)), int(np.ceil(position))
    return lo, hi, position - lo


# quantile's interpolations: position -> (lower index, upper index, share of the upper).
_PICKS = {
    "linear": _around,
    "lower": lambda position: (int(np.floor(position)),) * 2 + (0.0,),
    "higher": lambda position: (int(np.ceil(position)),) * 2 + (0.0,),
    "nearest": lambda position: (int(np.rint(position)),) * 2 + (0.0,),
    "midpoint": lambda position: _around(position)[:2] + (0.5,),
}


def median(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The median of x over ``axis``: numpy's, the mean of the two middle values when
    there are two (the gradient split between them). With PyTorch's ``dim``/``keepdim``,
    PyTorch's ``median(x, dim)``: the lower of the two middle values and its index, a
    named pair ``(values, indices)``. Without an axis, ``median(x)`` is numpy's
    (PyTorch's ``median(x)`` gives the lower middle value instead).
    """
    axis, keepdims, pytorch = axis_or_dim("median", axis, dim, keepdims, keepdim)
    if not pytorch:
        return quantile(x, 0.5, axis, keepdims)
    x = operand(x, Var)
    if axis is None:
        raise TypeError("median: PyTorch's median with keepdim needs a dim")
    order = selection.sort_pairs(x, axis)
    axis = axis_arg(axis, x.shape, "median", allow_none=False)
    middle = (x.shape[axis] - 1) // 2
    before = (slice(None),) * axis
    pick = before + (slice(middle, middle + 1) if keepdims else middle,)
    return selection.ValuesIndices(indexing.getitem(order.values, pick),
                                   indexing.getitem(order.indices, pick))
