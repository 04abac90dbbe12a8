"""More of numpy's functions of arrays: 1-D convolve and correlate, unwrap, the running
sums and products cumulative_sum, cumulative_prod, nancumsum, nancumprod, the ufuncs
modf, divmod, matvec, vecmat and vecdot, rollaxis, and the complex-number views real,
imag, conj and angle of real data.

One op, ``Convolve``: numpy's full convolution y[k] = sum_j a[k - j] v[j], whose
derivatives are correlations of g with v and with a, written as convolutions with the
other reversed so that they differentiate again. (Gathering a's windows and multiplying
them by v would hold an n x m matrix: 800 MB for a signal of 10^5 and a filter of 10^3;
numpy's convolve needs none.) ``correlate`` is a convolution with v reversed, each mode a
slice of the full result. Nothing else here is a new op. ``unwrap`` adds constant
multiples of the period, so its gradient is the identity. The quotient of ``divmod``, the
integral part of ``modf``, ``imag`` and ``angle`` of real data are step functions or
constants: no gradient.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply, constant
from . import arithmetic, cumulative, joining, linalg, reductions, shape
from ._composing import _unsupported, _value, _values, without_out
from ._operands import axis_arg, pair

__all__ = ["convolve", "correlate", "unwrap", "cumulative_sum", "cumulative_prod",
           "nancumsum", "nancumprod", "modf", "divmod", "rollaxis", "real", "imag", "conj",
           "conjugate", "angle", "matvec", "vecmat", "vecdot"]


# --- convolution and correlation --------------------------------------------------------


class Convolve(Op):
    """y = a * v, y[k] = sum_j a[k - j] v[j] (numpy's full convolution of vectors)
    dL/da[i] = sum_k g[k] v[k - i],  dL/dv[j] = sum_k g[k] a[k - j]"""

    __slots__ = ()

    def forward(self, a, v):
        return np.convolve(a, v)

    def backward(self, g, y, a, v):
        # g correlated with v (and with a): the full convolution of g with v reversed, from
        # where v (a) lies wholly inside g.
        n, m = a.shape[0], v.shape[0]
        need_a, need_v = self.needs_grad
        return (_full_convolution(g, v[::-1])[m - 1: m - 1 + n] if need_a else None,
                _full_convolution(g, a[::-1])[n - 1: n - 1 + m] if need_v else None)


def _full_convolution(a, v):
    """The op on Values (the recorded path), else numpy's."""
    if isinstance(a, Value) or isinstance(v, Value):
        return apply(Convolve(), *pair(a, v, Convolve))
    return np.convolve(a, v)


def _vectors(a, v, where):
    a, v = _values(where, a, v)
    for name, x in (("a", a), ("v", v)):
        if x.ndim != 1:
            raise ValueError(f"{where}: {name} must be 1-D, got shape {x.shape}")
        if x.shape[0] == 0:
            raise ValueError(f"{where}: {name} cannot be empty")
    return a, v


def _check_mode(mode, where):
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{where}: mode must be 'full', 'same' or 'valid', got {mode!r}")


def _mode(full, n, m, mode, same_start):
    """numpy's slice of the full result: 'valid' where the shorter one lies wholly inside
    the longer, 'same' the longer one's length."""
    if mode == "full":
        return full
    if mode == "valid":
        return full[min(n, m) - 1: max(n, m)]
    return full[same_start: same_start + max(n, m)]


def convolve(a, v, mode="full"):
    """The discrete convolution of two vectors, y[k] = sum_j a[k - j] v[j] (numpy's
    ``convolve``; 'full' has n + m - 1 elements, 'same' max(n, m), 'valid' max - min + 1).
    Differentiable in both."""
    a, v = _vectors(a, v, "convolve")
    _check_mode(mode, "convolve")
    n, m = a.shape[0], v.shape[0]
    return _mode(apply(Convolve(), a, v), n, m, mode, (min(n, m) - 1) // 2)


def correlate(a, v, mode="valid"):
    """The cross-correlation of two vectors, y[k] = sum_n a[n + k] v[n] (numpy's
    ``correlate`` of real data, where conj(v) is v; 'valid' by default): convolve(a,
    v[::-1]), with numpy's centring of 'same' when v is the longer. Differentiable in
    both."""
    a, v = _vectors(a, v, "correlate")
    _check_mode(mode, "correlate")
    n, m = a.shape[0], v.shape[0]
    k = min(n, m)
    return _mode(apply(Convolve(), a, v[::-1]), n, m, mode,
                 (k - 1) // 2 if n >= m else k // 2)


# --- phase, running sums and products --------------------------------------------------


def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """p with multiples of ``period`` added where a jump between neighbours along
    ``axis`` exceeds ``discont`` (period / 2 by default), so the jumps are at most half a
    period (numpy's ``unwrap``). The added multiples are constants: dL/dp = g."""
    p = _value(p, "unwrap")
    axis = axis_arg(axis, p.shape, "unwrap", allow_none=False)
    data = p.data
    dd = np.diff(data, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(dd, period)
    if np.issubdtype(dtype, np.integer):
        interval_high, boundary_ambiguous = period // 2, period % 2 == 0
    else:
        interval_high = period / 2
        boundary_ambiguous = True
    interval_low = -interval_high
    ddmod = np.mod(dd - interval_low, period) + interval_low
    if boundary_ambiguous:
        ddmod[(ddmod == interval_low) & (dd > 0)] = interval_high  # numpy's choice
    correction = ddmod - dd
    correction[np.abs(dd) < discont] = 0
    added = np.zeros_like(data, dtype=np.result_type(data, correction))
    later = [slice(None)] * p.ndim
    later[axis] = slice(1, None)
    added[tuple(later)] = np.cumsum(correction, axis=axis)
    first = [slice(None)] * p.ndim
    first[axis] = slice(0, 1)
    # numpy writes p[0] unchanged and p[1:] + correction: the same numbers here.
    return joining.concat([p[tuple(first)], p[tuple(later)] + constant(added[tuple(later)])],
                          axis) if p.shape[axis] > 1 else p


def _scan(x, axis, include_initial, where, total, start):
    x = _value(x, where)
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{where}: axis must be given for arrays of more than one "
                             f"dimension (shape {x.shape})")
        axis = 0
    x = shape.reshape(x, (1,)) if x.ndim == 0 else x
    axis = axis_arg(axis, x.shape, where, allow_none=False)
    y = total(x, axis)
    if include_initial:
        first = list(y.shape)
        first[axis] = 1
        y = joining.concat([constant(np.full(first, start, y.dtype), dtype=y.dtype), y], axis)
    return y


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """numpy 2.1's ``cumulative_sum``: the running sum along ``axis`` (needed beyond 1-D),
    with a leading 0 when ``include_initial``."""
    _unsupported("cumulative_sum", dict(dtype=dtype), dtype=None)
    return _scan(x, axis, include_initial, "cumulative_sum", cumulative.cumsum, 0)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """numpy 2.1's ``cumulative_prod``: the running product along ``axis``, with a
    leading 1 when ``include_initial``."""
    _unsupported("cumulative_prod", dict(dtype=dtype), dtype=None)
    return _scan(x, axis, include_initial, "cumulative_prod", cumulative.cumprod, 1)


def nancumsum(a, axis=None, dtype=None):
    """The running sum with NaNs taken as 0 (numpy's ``nancumsum``); a NaN gets no
    gradient."""
    _unsupported("nancumsum", dict(dtype=dtype), dtype=None)
    a = _value(a, "nancumsum")
    return cumulative.cumsum(arithmetic.where(np.isnan(a.data), _zero(a, 0), a), axis)


def nancumprod(a, axis=None, dtype=None):
    """The running product with NaNs taken as 1 (numpy's ``nancumprod``); a NaN gets no
    gradient."""
    _unsupported("nancumprod", dict(dtype=dtype), dtype=None)
    a = _value(a, "nancumprod")
    return cumulative.cumprod(arithmetic.where(np.isnan(a.data), _zero(a, 1), a), axis)


def _zero(a, fill):
    return constant(np.asarray(fill, a.dtype), dtype=a.dtype)


# --- ufuncs with two results, and the gufuncs of numpy 2.2 --------------------------------


def modf(x):
    """(x - trunc(x), trunc(x)): the fractional part, slope 1, and the integral part, a
    constant (numpy's ``modf``; inf gives (0, inf), as numpy's)."""
    x = _value(x, "modf")
    fractional, integral = np.modf(x.data)
    finite = np.isfinite(x.data)
    frac = arithmetic.where(finite, x - constant(np.where(finite, integral, 0)),
                            constant(fractional, dtype=x.dtype))
    return frac, constant(integral, dtype=x.dtype)


def divmod(x1, x2):  # noqa: A001 (numpy's name)
    """(floor(x1 / x2), remainder(x1, x2)) (numpy's ``divmod``): the quotient a constant,
    the remainder as ``remainder`` (dL/dx1 = g, dL/dx2 = -g * floor(x1 / x2))."""
    x1, x2 = _values("divmod", x1, x2)
    r = arithmetic.remainder(x1, x2)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.floor_divide(x1.data, x2.data)
    return constant(np.asarray(q, r.dtype), dtype=r.dtype), r


def _gufunc_operands(where, x1, x2, need1, need2):
    x1, x2 = _values(where, x1, x2)
    for name, x, need in (("x1", x1, need1), ("x2", x2, need2)):
        if x.ndim < need:
            raise ValueError(f"{where}: {name} needs at least {need} dimension(s), got shape "
                             f"{x.shape}")
    return x1, x2


def matvec(x1, x2):
    """y[..., i] = sum_j x1[..., i, j] x2[..., j] (numpy 2.2's ``matvec``, (m, n), (n) ->
    (m), the batch axes broadcast)."""
    x1, x2 = _gufunc_operands("matvec", x1, x2, 2, 1)
    return linalg.matmul(x1, shape.expand_dims(x2, -1))[..., 0]


def vecmat(x1, x2):
    """y[..., j] = sum_i x1[..., i] x2[..., i, j] (numpy 2.2's ``vecmat``, (n), (n, m) ->
    (m); conj(x1) is x1 for real data)."""
    x1, x2 = _gufunc_operands("vecmat", x1, x2, 1, 2)
    return linalg.matmul(shape.expand_dims(x1, -2), x2)[..., 0, :]


def vecdot(x1, x2, axis=-1):
    """y = sum(x1 * x2) along ``axis``, the other axes broadcast (numpy 2's ``vecdot``;
    conj(x1) is x1 for real data)."""
    x1, x2 = _gufunc_operands("vecdot", x1, x2, 1, 1)
    product = x1 * x2
    return reductions.sum(product, axis_arg(axis, product.shape, "vecdot", allow_none=False))


def rollaxis(a, axis, start=0):
    """numpy's ``rollaxis``: ``axis`` moved to stand before position ``start`` (use
    ``moveaxis``, which numpy prefers)."""
    a = _value(a, "rollaxis")
    n = a.ndim
    axis = axis_arg(axis, a.shape, "rollaxis", allow_none=False)
    start = start + n if start < 0 else start
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of range for an "
                                      f"array of {n} dimensions (0 <= start < {n + 1})")
    if axis < start:
        start -= 1
    axes = [d for d in range(n) if d != axis]
    axes.insert(start, axis)
    return shape.transpose(a, tuple(axes))


# --- complex views of real data ----------------------------------------------------------


def _real_value(x, where):
    x = _value(x, where)
    if x.dtype.kind == "c":
        raise TypeError(f"{where}: complex data (dtype {x.dtype}) is not supported for "
                        "Values; the library differentiates real numbers")
    return x


def real(val):
    """numpy's ``real`` of real data: val itself (dL/dval = g)."""
    return _real_value(val, "real")


def imag(val):
    """numpy's ``imag`` of real data: zeros of val's shape and dtype, a constant."""
    x = _real_value(val, "imag")
    return constant(np.zeros(x.shape, x.dtype), dtype=x.dtype)


def conj(x):
    """numpy's ``conj`` of real data: x itself (dL/dx = g)."""
    return _real_value(x, "conj")


def conjugate(x):
    """numpy's ``conjugate``, the same as ``conj``."""
    return _real_value(x, "conjugate")


def angle(z, deg=False):
    """numpy's ``angle`` of real data: pi where z < 0 (and at -0.0), else 0 (in degrees
    with ``deg``); NaN stays NaN. A constant: its gradient is 0."""
    z = _real_value(z, "angle")
    found = np.angle(z.data, deg=deg)
    return constant(found, dtype=np.asarray(found).dtype)


# --- the tables ----------------------------------------------------------------------

METHODS = {}  # Value has numpy's real, imag, conj and angle already

NUMPY_FUNCTIONS = {getattr(np, name): globals()[name] for name in (
    "convolve", "correlate", "unwrap", "rollaxis", "real", "imag", "angle")}
NUMPY_FUNCTIONS.update({np.nancumsum: without_out(nancumsum, "nancumsum"),
                        np.nancumprod: without_out(nancumprod, "nancumprod")})
if hasattr(np, "cumulative_sum"):  # numpy 2.1 and later
    NUMPY_FUNCTIONS[np.cumulative_sum] = without_out(cumulative_sum, "cumulative_sum")
    NUMPY_FUNCTIONS[np.cumulative_prod] = without_out(cumulative_prod, "cumulative_prod")

# np.conj is np.conjugate, a ufunc, as modf and divmod (each with two results).
NUMPY_UFUNCS = {np.conjugate: conjugate, np.modf: modf, np.divmod: divmod}
if hasattr(np, "matvec"):  # numpy 2.2 and later
    NUMPY_UFUNCS.update({np.matvec: matvec, np.vecmat: vecmat})
if isinstance(getattr(np, "vecdot", None), np.ufunc):
    NUMPY_UFUNCS[np.vecdot] = vecdot
