"""Seeded random tensors with TensorFlow's names (``tf.random.normal`` and friends).

With ``seed=`` a call always returns the same numbers; without, numbers come from one
module generator that ``set_seed`` resets. The numbers differ from TensorFlow's: its
generator is not numpy's.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .engine import _node, _numeric_dtype, _to_array, get_default_dtype

_rng = np.random.default_rng()


def set_seed(seed):
    """Reset the generator behind calls made without ``seed=`` (``tf.random.set_seed``)."""
    global _rng
    _rng = np.random.default_rng(seed)


def _gen(seed):
    return _rng if seed is None else np.random.default_rng(seed)


def _constant(samples, dtype):
    """Fresh samples as a constant Value, without the copy ``constant`` makes of user data."""
    return _node(_to_array(samples, dtype))


def _float_dtype(dtype, where):
    """The samples' dtype: a float one (the default float dtype if None)."""
    dtype = get_default_dtype() if dtype is None else _numeric_dtype(dtype, where)
    if dtype.kind != "f":
        raise TypeError(f"{where}: dtype must be a float dtype, got {dtype}; the samples are "
                        "real numbers (round them for integers)")
    return dtype


def _shape(shape, where):
    dims = (shape,) if np.isscalar(shape) else tuple(shape)
    for n in dims:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"{where}: shape must be whole sizes >= 0, like [2, 3], got "
                             f"{shape!r}")
    return tuple(int(n) for n in dims)


def _real(value, what, where):
    """A finite real number as a float (text, a bool, NaN or an infinity raise)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {what} must be a number, got {type(value).__name__} "
                        f"{value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{where}: {what} must be finite, got {value!r}")
    return float(value)


def _stddev(stddev, where):
    stddev = _real(stddev, "stddev", where)
    if stddev < 0:
        raise ValueError(f"{where}: stddev must be >= 0, got {stddev}")
    return stddev


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A constant of normal samples. Returns a Value of ``shape``."""
    where = "random.normal"
    shape, dtype = _shape(shape, where), _float_dtype(dtype, where)
    mean, stddev = _real(mean, "mean", where), _stddev(stddev, where)
    return _constant(_gen(seed).normal(mean, stddev, shape), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """A constant of samples uniform on [minval, maxval). Returns a Value of ``shape``."""
    where = "random.uniform"
    shape, dtype = _shape(shape, where), _float_dtype(dtype, where)
    minval, maxval = _real(minval, "minval", where), _real(maxval, "maxval", where)
    if minval > maxval:
        raise ValueError(f"{where}: minval {minval} is greater than maxval {maxval}")
    return _constant(_gen(seed).uniform(minval, maxval, shape), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples, redrawn until within two standard deviations of the mean."""
    where = "random.truncated_normal"
    shape, dtype = _shape(shape, where), _float_dtype(dtype, where)
    mean, stddev = _real(mean, "mean", where), _stddev(stddev, where)
    rng = _gen(seed)
    x = rng.standard_normal(shape)
    bad = np.abs(x) > 2
    while bad.any():
        x[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2
    return _constant(mean + stddev * x, dtype)
