"""numpy's functions on Values: ``np.exp(v)``, ``np.mean(v, axis=0)``, ``array * v``.

numpy lets a type take over its functions (NEP 13 for ufuncs, NEP 18 for the others).
A Value answers with this library's differentiable op where one exists, computes on its
data where the result has no gradient anyway (``np.shape``, ``np.argmax``, comparisons),
and otherwise raises a ``TypeError`` that says what to call instead: never a wrong answer,
never numpy's internal error about unexpected keywords.
"""

from __future__ import annotations

import numpy as np

from ..engine import Value, _data
from . import arithmetic, contractions, cumulative, elementwise, indexing, joining
from . import linalg, reductions, selection, shape, statistics, trig
from . import arrangement, bessel, building, counting, distances, elementwise_more, nan_reductions
from . import numpy_picking, numpy_reductions, numpy_signals, ordering, products
from . import scatters, torch_arithmetic, torch_linalg, torch_nn_functions
from ._composing import _unsupported

# numpy ufunc -> the library's function of the same maths.
UFUNCS = {
    np.add: arithmetic.add, np.subtract: arithmetic.subtract,
    np.multiply: arithmetic.multiply, np.true_divide: arithmetic.divide,
    np.power: arithmetic.power, np.negative: arithmetic.negative,
    np.positive: lambda x: x, np.maximum: arithmetic.maximum,
    np.minimum: arithmetic.minimum, np.absolute: arithmetic.abs,
    np.exp: elementwise.exp, np.log: elementwise.log, np.sqrt: elementwise.sqrt,
    np.square: elementwise.square, np.tanh: elementwise.tanh, np.matmul: linalg.matmul,
    np.remainder: arithmetic.remainder, np.fmod: arithmetic.fmod,
    np.floor_divide: arithmetic.floor_divide, np.logaddexp: arithmetic.logaddexp,
    np.hypot: arithmetic.hypot, np.log1p: elementwise.log1p, np.expm1: elementwise.expm1,
    np.log2: elementwise.log2, np.log10: elementwise.log10, np.exp2: elementwise.exp2,
    np.reciprocal: elementwise.reciprocal, np.sign: elementwise.sign,
    np.floor: elementwise.floor, np.ceil: elementwise.ceil, np.rint: elementwise.round,
    np.sin: trig.sin, np.cos: trig.cos, np.tan: trig.tan, np.arcsin: trig.arcsin,
    np.arccos: trig.arccos, np.arctan: trig.arctan, np.arctan2: trig.arctan2,
    np.sinh: trig.sinh, np.cosh: trig.cosh, np.arcsinh: trig.arcsinh,
    np.arccosh: trig.arccosh, np.arctanh: trig.arctanh,
}
# ufuncs whose result has no gradient: computed on the data.
CONSTANT_UFUNCS = {
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.isfinite, np.isnan, np.isinf, np.signbit, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor,
}


def _reduction(fn, name):
    def call(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        _unsupported(name, dict(dtype=dtype, out=out, **kwargs), dtype=None, out=None,
                     initial=np._NoValue, where=True)
        return fn(a, axis=axis, keepdims=bool(keepdims))
    return call


def _join(fn, name):
    def call(arrays, axis=0, out=None, **kwargs):
        _unsupported(name, dict(out=out, **kwargs), out=None, dtype=None, casting="same_kind")
        return fn(list(arrays), axis=axis)
    return call


def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    _unsupported("clip", dict(out=out, **kwargs), out=None)
    return arithmetic.clip(a, a_min, a_max)


def _reshape(a, *args, **kwargs):
    shape_ = kwargs.pop("shape", kwargs.pop("newshape", None))
    if shape_ is None:
        shape_, *rest = args
        args = tuple(rest)
    order = kwargs.pop("order", args[0] if args else "C")
    _unsupported("reshape", kwargs)
    if order != "C":
        raise TypeError(f"np.reshape: order={order!r} is not supported for Values")
    return shape.reshape(a, shape_)


def _transpose(a, axes=None):
    return shape.transpose(a, axes)


def _where(condition, *xy):
    if len(xy) == 1:
        raise TypeError("np.where takes a condition alone, or with both x and y")
    return arithmetic.where(condition, *xy)


def _moments(fn, name):
    def call(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        _unsupported(name, dict(dtype=dtype, out=out, **kwargs), dtype=None, out=None,
                     where=True, mean=np._NoValue, correction=np._NoValue)
        return fn(a, axis, bool(keepdims), ddof=ddof)
    return call


def _cumulative(fn, name):
    def call(a, axis=None, dtype=None, out=None):
        _unsupported(name, dict(dtype=dtype, out=out), dtype=None, out=None)
        return fn(a, axis)
    return call


def _copy(a, order="K", subok=False):
    _unsupported("copy", dict(order=order, subok=subok), order="K", subok=False)
    return arithmetic.clone(a)


def _dot(a, b, out=None):
    _unsupported("dot", dict(out=out), out=None)
    return linalg.dot(a, b)


def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is None:
        if not axisa == axisb == axisc:
            raise TypeError("np.cross: different axisa, axisb and axisc are not supported for "
                            "Values; give one axis=")
        axis = axisa
    return linalg.cross(a, b, axis)


def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    _unsupported("nan_to_num", dict(copy=copy), copy=True)  # copy=False changes x in place
    return arithmetic.nan_to_num(x, nan, posinf, neginf)


def _broadcast_arrays(*args, subok=False):
    _unsupported("broadcast_arrays", dict(subok=subok), subok=False)
    return shape.broadcast_arrays(*args)


def _unstack(x, *, axis=0):
    return tuple(joining.unstack(x, axis=axis))


def _gradient(f, *varargs, axis=None, edge_order=1):
    """numpy's spacings (none, one for every axis, or one per axis) and its result: one
    array for one axis, else a tuple."""
    spacing = 1 if not varargs else varargs[0] if len(varargs) == 1 and np.ndim(
        _data(varargs[0])) == 0 else list(varargs)
    found = numpy_reductions.gradient(f, spacing=spacing, dim=axis, edge_order=edge_order)
    return found[0] if len(found) == 1 else found


FUNCTIONS = {
    np.sum: _reduction(reductions.sum, "sum"),
    np.mean: _reduction(reductions.mean, "mean"),
    np.max: _reduction(reductions.max, "max"),
    np.min: _reduction(reductions.min, "min"),
    np.amax: _reduction(reductions.amax, "amax"),
    np.amin: _reduction(reductions.amin, "amin"),
    np.concatenate: _join(joining.concat, "concatenate"),
    np.stack: _join(joining.stack, "stack"),
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.swapaxes: shape.swapaxes,
    np.expand_dims: shape.expand_dims,
    np.broadcast_to: lambda array, shape_, subok=False: shape.broadcast_to(array, shape_),
    np.where: _where,
    np.clip: _clip,
    np.dot: _dot,
    np.tril: lambda m, k=0: linalg.tril(m, k),
    np.triu: lambda m, k=0: linalg.triu(m, k),
    np.abs: arithmetic.abs,
    np.copy: _copy,
    np.prod: _reduction(reductions.prod, "prod"),
    np.var: _moments(statistics.var, "var"),
    np.std: _moments(statistics.std, "std"),
    np.cumsum: _cumulative(cumulative.cumsum, "cumsum"),
    np.cumprod: _cumulative(cumulative.cumprod, "cumprod"),
    np.squeeze: shape.squeeze,
    np.moveaxis: shape.moveaxis,
    np.flip: shape.flip,
    np.roll: shape.roll,
    np.ravel: lambda a, order="C": shape.ravel(a) if order == "C" else _refuse("ravel"),
    np.meshgrid: lambda *xi, indexing="xy": shape.meshgrid(*xi, indexing=indexing),
    np.tile: joining.tile,
    np.repeat: joining.repeat,
    np.split: joining.split,
    np.array_split: joining.array_split,
    np.pad: joining.pad,
    np.diff: cumulative.diff,
    np.outer: lambda a, b, out=None: linalg.outer(a, b) if out is None else _refuse("outer"),
    np.trace: lambda a, offset=0, axis1=0, axis2=1: linalg.trace(a, offset, axis1, axis2),
    np.diagonal: linalg.diagonal,
    np.diag: linalg.diag,
    np.einsum: contractions.einsum,
    np.tensordot: contractions.tensordot,
    np.take: lambda a, indices, axis=None: indexing.take(a, indices, axis),
    np.take_along_axis: indexing.take_along_axis,
    np.sort: lambda a, axis=-1, kind=None: selection.sort(a, axis, kind),
    np.linalg.norm: lambda x, ord=None, axis=None, keepdims=False: _linalg().norm(
        x, ord, axis, keepdims),
    np.linalg.inv: lambda a: _linalg().inv(a),
    np.linalg.det: lambda a: _linalg().det(a),
    np.linalg.solve: lambda a, b: _linalg().solve(a, b),
    np.cross: _cross,
    np.kron: linalg.kron,
    np.rot90: shape.rot90,
    np.nan_to_num: _nan_to_num,
    np.broadcast_arrays: _broadcast_arrays,
    np.gradient: _gradient,
}


if hasattr(np, "unstack"):  # numpy 2.1 and later
    FUNCTIONS[np.unstack] = _unstack

# The families of ported names add their numpy functions and ufuncs.
for _family in (arrangement, building, counting, elementwise_more, products, nan_reductions,
                numpy_reductions, numpy_picking, numpy_signals, ordering, distances, bessel,
                torch_arithmetic, torch_linalg, torch_nn_functions, scatters):
    UFUNCS.update(_family.NUMPY_UFUNCS)
    FUNCTIONS.update(_family.NUMPY_FUNCTIONS)


def _refuse(name):
    raise TypeError(f"np.{name}: only numpy's default layout is supported for Values")


def _linalg():
    from .. import linalg as ag_linalg  # the package's linalg names, built on the ops
    return ag_linalg
# Functions whose result has no gradient: computed on the data.
CONSTANT_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.argpartition,
    np.allclose, np.isclose,
    np.array_equal, np.count_nonzero, np.nonzero, np.any, np.all, np.unique, np.argwhere,
    np.round, np.around, np.result_type, np.may_share_memory, np.shares_memory,
    # New arrays of a Value's shape: numpy's, as numpy gives them for a PyTorch tensor.
    np.zeros_like, np.ones_like, np.full_like, np.empty_like,
}



# numpy's in-place writers on a Value run its in-place methods, under their rules: the data
# changes under ``no_grad`` or when no gradient is needed (and a backward through ops that
# read the old data refuses to run); a Value that requires grad refuses while recording.
def _fill_diagonal(a, val, wrap=False):
    a.fill_diagonal_(val, wrap=wrap)


def _put(a, ind, v, mode="raise"):
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"np.put: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    flat = np.asarray(_data(ind)).reshape(-1)
    if flat.dtype.kind not in "iu":
        raise TypeError(f"np.put: ind must hold integers, got dtype {flat.dtype}")
    values = np.asarray(_data(v)).reshape(-1)
    if flat.size == 0 or a.size == 0:
        return
    if values.size == 0:
        raise ValueError("np.put: v is empty but ind is not")
    if mode == "wrap":
        flat = flat % a.size
    elif mode == "clip":
        flat = np.clip(flat, 0, a.size - 1)
    elif flat.min() < -a.size or flat.max() >= a.size:
        raise IndexError(f"np.put: index {flat[(flat < -a.size) | (flat >= a.size)][0]} is "
                         f"out of bounds for a Value of size {a.size}")
    a.index_put_(np.unravel_index(flat % a.size, a.shape), np.resize(values, flat.size))


def _putmask(a, mask, values):
    mask = np.asarray(_data(mask))
    if mask.size != a.size:
        raise ValueError(f"np.putmask: mask and data must be the same size ({mask.size} and "
                         f"{a.size})")
    values = np.asarray(_data(values))
    if values.size == 0:
        if mask.any():
            raise ValueError("np.putmask: values is empty but the mask is not all false")
        return
    a.masked_fill_(mask.reshape(a.shape).astype(bool), np.resize(values, a.shape))


def _place(arr, mask, vals):
    mask = np.asarray(_data(mask)).astype(bool)
    if mask.size != arr.size:
        raise ValueError(f"np.place: mask and data must be the same size ({mask.size} and "
                         f"{arr.size})")
    vals = np.asarray(_data(vals)).reshape(-1)
    count = int(mask.sum())
    if count and vals.size == 0:
        raise ValueError("np.place: cannot insert from an empty array")
    if count:
        arr.index_put_(np.nonzero(mask.reshape(arr.shape)), np.resize(vals, count))


def _writer(fn):
    """The in-place writer for a Value target; an array target written by numpy itself,
    with the Value arguments' data."""
    def call(target, *args, **kwargs):
        if not isinstance(target, Value):
            return getattr(np, fn.__name__[1:])(target, *_to_data(args), **_to_data(kwargs))
        return fn(target, *args, **kwargs)
    return call


WRITERS = {np.fill_diagonal: _writer(_fill_diagonal), np.put: _writer(_put),
           np.putmask: _writer(_putmask), np.place: _writer(_place)}
FUNCTIONS.update(WRITERS)


def _hint(name):
    own = f"ag.{name}(...)" if name in _own_names() else "the library's ops"
    return (f"use {own} for a differentiable result, or np.{name}(value.numpy()) to compute "
            "on the data without a gradient")


def _own_names():
    from . import __all__ as names
    return set(names)


# A ufunc's methods: its reduction, running total and outer form (np.add.reduce is sum,
# np.maximum.accumulate a running maximum, np.multiply.outer the outer product).
REDUCE = {np.add: reductions.sum, np.multiply: reductions.prod,
          np.maximum: reductions.amax, np.minimum: reductions.amin}
ACCUMULATE = {np.add: cumulative.cumsum, np.multiply: cumulative.cumprod,
              np.maximum: lambda x, axis: ordering.cummax(x, axis).values,
              np.minimum: lambda x, axis: ordering.cummin(x, axis).values}


def _ufunc_method(ufunc, method, inputs, kwargs):
    """``ufunc.reduce``, ``.accumulate`` and ``.outer`` on Values, or None for the others."""
    where = f"{ufunc.__name__}.{method}"
    if method == "reduce" and ufunc in REDUCE:
        axis, keepdims = kwargs.pop("axis", 0), kwargs.pop("keepdims", False)  # numpy's
        _unsupported(where, kwargs, dtype=None, out=None, initial=np._NoValue, where=True)
        return REDUCE[ufunc](inputs[0], axis=axis, keepdims=bool(keepdims))
    if method == "accumulate" and ufunc in ACCUMULATE:
        axis = kwargs.pop("axis", 0)
        _unsupported(where, kwargs, dtype=None, out=None)
        return ACCUMULATE[ufunc](inputs[0], axis)
    if method == "outer" and ufunc in UFUNCS and ufunc.nin == 2:
        _unsupported(where, kwargs)
        a, b = inputs
        a = a if isinstance(a, Value) else np.asarray(a)
        return UFUNCS[ufunc](shape.reshape(a, a.shape + (1,) * np.ndim(_data(b))), b)
    return None


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """``np.exp(v)``, ``array * v``: the library's op for numpy's ufunc (NEP 13)."""
    name = ufunc.__name__
    if ufunc in CONSTANT_UFUNCS and method == "__call__" and not kwargs:
        return getattr(np, name)(*[_data(x) for x in inputs])
    if method in ("reduce", "accumulate", "outer"):
        found = _ufunc_method(ufunc, method, inputs, kwargs)
        if found is not None:
            return found
    fn = UFUNCS.get(ufunc)
    if fn is None or method != "__call__" or kwargs:
        what = f"np.{name}" if method == "__call__" else f"np.{name}.{method}"
        extra = f" with {', '.join(kwargs)}=" if kwargs and fn is not None else ""
        raise TypeError(f"{what}{extra} on a Value has no differentiable counterpart here: "
                        f"{_hint(name)}")
    return fn(*inputs)


def array_function(self, func, types, args, kwargs):
    """``np.mean(v)``, ``np.concatenate([v, w])``: the library's op for numpy's function
    (NEP 18), or its result on the data where it has no gradient."""
    if func in CONSTANT_FUNCTIONS:
        return func(*_to_data(args), **_to_data(kwargs))
    fn = FUNCTIONS.get(func)
    if fn is None:
        raise TypeError(f"np.{func.__name__} on a Value has no differentiable counterpart "
                        f"here: {_hint(func.__name__)}")
    return fn(*args, **kwargs)


def _to_data(x):
    if isinstance(x, Value):
        return x.data
    if isinstance(x, dict):
        return {k: _to_data(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_to_data(v) for v in x)
    return x


Value.__array_ufunc__ = array_ufunc
Value.__array_function__ = array_function
