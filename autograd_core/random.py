"""Seeded random tensors with TensorFlow's names (``tf.random.normal`` and friends).

With ``seed=`` a call always returns the same numbers; without, numbers come from one
module generator that ``set_seed`` resets. The numbers differ from TensorFlow's: its
generator is not numpy's.
"""

from __future__ import annotations

import numpy as np

from .engine import _node, _to_array, get_default_dtype

_rng = np.random.default_rng()


def set_seed(seed):
    """Reset the generator behind calls made without ``seed=`` (``tf.random.set_seed``)."""
    global _rng
    _rng = np.random.default_rng(seed)


def _gen(seed):
    return _rng if seed is None else np.random.default_rng(seed)


def _constant(samples, dtype):
    """Fresh samples as a constant Value, without the copy ``constant`` makes of user data."""
    return _node(_to_array(samples, dtype or get_default_dtype()))


def _shape(shape):
    return (int(shape),) if np.isscalar(shape) else tuple(int(n) for n in shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A constant of normal samples. Returns a Value of ``shape``."""
    return _constant(_gen(seed).normal(mean, stddev, _shape(shape)), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """A constant of samples uniform on [minval, maxval). Returns a Value of ``shape``."""
    return _constant(_gen(seed).uniform(minval, maxval, _shape(shape)), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples, redrawn until within two standard deviations of the mean."""
    rng = _gen(seed)
    shape = _shape(shape)
    x = rng.standard_normal(shape)
    bad = np.abs(x) > 2
    while bad.any():
        x[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2
    return _constant(mean + stddev * x, dtype)
