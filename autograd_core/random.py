"""Seeded random tensors with TensorFlow's names (``tf.random.normal`` and friends) and
PyTorch's (``randn``, ``rand``, ``randint``, ``randperm``, ``manual_seed``; top-level
names, as in torch).

With ``seed=`` a call always returns the same numbers; without, numbers come from one
module generator that ``set_seed`` (``manual_seed``) resets. The numbers differ from
TensorFlow's and PyTorch's: their generators are not numpy's. The ``stateless_*``
functions take a seed pair (a, b) and no state: the same pair always gives the same
numbers (numpy's generator seeded from the pair, so again not TensorFlow's numbers).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .engine import _node, _numeric_dtype, _to_array, get_default_dtype
from .generator import Generator

# The seed is kept so that PyTorch's ``initial_seed`` can report it (see torch_random).
_seed = int(np.random.SeedSequence().entropy % 2**63)
_rng = np.random.default_rng(_seed)


def set_seed(seed):
    """Reset the generator behind calls made without ``seed=`` (``tf.random.set_seed``)."""
    global _rng, _seed
    _rng, _seed = np.random.default_rng(seed), seed


def _gen(seed):
    return _rng if seed is None else np.random.default_rng(seed)


def _stream(generator, where):
    """PyTorch's ``generator=``: draw from that ``ag.Generator``, or from the global
    stream if None."""
    if generator is None:
        return _rng
    if not isinstance(generator, Generator):
        raise TypeError(f"{where}: generator must be an ag.Generator or None, got "
                        f"{type(generator).__name__}")
    return generator._rng


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
    from .ops._operands import plain_dims  # the ops package is built on this module

    shape = plain_dims(shape)  # TensorFlow code's Values among the sizes: [n, 2]
    dims = (shape,) if np.ndim(shape) == 0 else tuple(shape)
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


# --- PyTorch's names: randn(2, 3), rand((2, 3)), randint(0, 10, (4,)) ----------------------


def manual_seed(seed):
    """PyTorch's ``torch.manual_seed``: ``set_seed``."""
    set_seed(seed)


def _size(size, where):
    """PyTorch's sizes: ``randn(2, 3)``, ``randn((2, 3))`` or ``randn(())``."""
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = size[0]
    return _shape(size, where)


def _sampled(samples, dtype, requires_grad, device, where):
    from .ops.factories import _check_device  # the factories know the one device there is

    _check_device(device, where)
    v = _constant(samples, dtype)
    v.requires_grad = bool(requires_grad)
    return v


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None):
    """PyTorch's ``torch.randn``: standard normal samples of ``size``, a constant unless
    ``requires_grad``; drawn from ``generator`` (an ``ag.Generator``) if given."""
    shape, dtype = _size(size, "randn"), _float_dtype(dtype, "randn")
    rng = _stream(generator, "randn")
    return _sampled(rng.standard_normal(shape), dtype, requires_grad, device, "randn")


def rand(*size, generator=None, dtype=None, requires_grad=False, device=None):
    """PyTorch's ``torch.rand``: samples uniform on [0, 1) of ``size``."""
    shape, dtype = _size(size, "rand"), _float_dtype(dtype, "rand")
    rng = _stream(generator, "rand")
    return _sampled(rng.random(shape), dtype, requires_grad, device, "rand")


def _like(x, dtype, where):
    """x's shape, and the dtype asked for or x's (PyTorch's ``*_like``)."""
    data = x.data if hasattr(x, "data") and not isinstance(x, np.ndarray) else np.asarray(x)
    return data.shape, (data.dtype if dtype is None else dtype)


def randn_like(x, dtype=None, requires_grad=False, device=None):
    """PyTorch's ``torch.randn_like``: ``randn`` of x's shape, in x's (float) dtype."""
    shape, dtype = _like(x, dtype, "randn_like")
    return randn(*shape, dtype=_float_dtype(dtype, "randn_like"), requires_grad=requires_grad,
                 device=device)


def rand_like(x, dtype=None, requires_grad=False, device=None):
    """PyTorch's ``torch.rand_like``: ``rand`` of x's shape, in x's (float) dtype."""
    shape, dtype = _like(x, dtype, "rand_like")
    return rand(*shape, dtype=_float_dtype(dtype, "rand_like"), requires_grad=requires_grad,
                device=device)


def randint_like(x, low=0, high=None, dtype=None, device=None):
    """PyTorch's ``torch.randint_like(x, low=0, high)``: integers of x's shape, x's dtype."""
    shape, dtype = _like(x, dtype, "randint_like")
    if high is None:
        low, high = 0, low
    samples = randint(low, high, shape, device=device)
    return samples if samples.dtype == dtype else _sampled(
        samples.data.astype(dtype), np.dtype(dtype), False, device, "randint_like")


def randint(low=0, high=None, size=(), *, generator=None, dtype=np.int64, device=None):
    """PyTorch's ``torch.randint(low=0, high, size)``: integers uniform on [low, high)
    (``randint(10, (3,))`` and ``randint(high=10, size=(3,))`` mean low = 0)."""
    if isinstance(high, (tuple, list)) and size == ():  # PyTorch's randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    for what, n in (("low", low), ("high", high)):
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise TypeError(f"randint: {what} must be an integer, got {n!r}")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    dtype = _numeric_dtype(dtype, "randint")
    if dtype.kind not in "iu":
        raise TypeError(f"randint: dtype must be an integer dtype, got {dtype}")
    shape, rng = _shape(size, "randint"), _stream(generator, "randint")
    samples = rng.integers(low, high, shape).astype(dtype)
    return _sampled(samples, dtype, False, device, "randint")


def randperm(n, *, generator=None, dtype=np.int64, device=None):
    """PyTorch's ``torch.randperm(n)``: the integers 0 .. n - 1 in a random order."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"randperm: n must be an integer >= 0, got {n!r}")
    dtype = _numeric_dtype(dtype, "randperm")
    if dtype.kind not in "iu":
        raise TypeError(f"randperm: dtype must be an integer dtype, got {dtype}")
    rng = _stream(generator, "randperm")
    return _sampled(rng.permutation(int(n)).astype(dtype), dtype, False, device, "randperm")


# --- more of TensorFlow's tf.random -------------------------------------------------------


def _data(x):
    return np.asarray(x.data if hasattr(x, "data") and not isinstance(x, np.ndarray) else x)


def _positive(values, what, where):
    values = _data(values).astype(np.float64)
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"{where}: {what} must be finite and > 0, got {values.tolist()}")
    return values


def shuffle(value, seed=None):
    """``tf.random.shuffle``: value's slices along its first axis in a random order, a
    constant."""
    data = _data(value)
    if data.ndim == 0:
        raise ValueError("random.shuffle: value must have a first axis, got a scalar")
    return _constant(data[_gen(seed).permutation(data.shape[0])], data.dtype)


def categorical(logits, num_samples, dtype=np.int64, seed=None):
    """``tf.random.categorical``: for each row of logits (batch, classes), ``num_samples``
    classes drawn with probabilities softmax(row). Returns (batch, num_samples) integers.

    Drawn as argmax(logits + Gumbel noise), which picks class c with probability
    softmax(logits)[c]; a -inf logit is never picked."""
    where = "random.categorical"
    logits = _data(logits).astype(np.float64)
    if logits.ndim != 2 or logits.shape[1] == 0:
        raise ValueError(f"{where}: logits must be (batch, classes) with classes >= 1, got "
                         f"shape {logits.shape}")
    if isinstance(num_samples, (bool, np.bool_)) or not isinstance(
            num_samples, numbers.Integral) or num_samples < 0:
        raise ValueError(f"{where}: num_samples must be an integer >= 0, got {num_samples!r}")
    dtype = _numeric_dtype(dtype, where)
    if dtype.kind not in "iu":
        raise TypeError(f"{where}: dtype must be an integer dtype, got {dtype}")
    noise = _gen(seed).gumbel(size=(logits.shape[0], num_samples, logits.shape[1]))
    return _constant(np.argmax(logits[:, None, :] + noise, axis=-1), dtype)


def gamma(shape, alpha, beta=None, dtype=None, seed=None):
    """``tf.random.gamma``: Gamma(alpha, rate beta) samples, density
    x**(alpha - 1) exp(-beta x) beta**alpha / Gamma(alpha). Returns shape +
    broadcast(alpha, beta).shape, as TensorFlow (each alpha gets ``shape`` samples)."""
    where = "random.gamma"
    shape, dtype = _shape(shape, where), _float_dtype(dtype, where)
    alpha = _positive(alpha, "alpha", where)
    beta = np.ones(()) if beta is None else _positive(beta, "beta", where)
    try:
        params = np.broadcast_shapes(alpha.shape, beta.shape)
    except ValueError:
        raise ValueError(f"{where}: alpha of shape {alpha.shape} and beta of shape "
                         f"{beta.shape} do not broadcast") from None
    return _constant(_gen(seed).gamma(alpha, 1.0 / beta, shape + params), dtype)


def poisson(shape, lam, dtype=np.float32, seed=None):
    """``tf.random.poisson``: Poisson(lam) counts, P(k) = lam**k exp(-lam) / k!. Returns
    shape + lam.shape, in ``dtype`` (float32 by default, as TensorFlow; integers allowed)."""
    where = "random.poisson"
    shape, dtype = _shape(shape, where), _numeric_dtype(dtype, where)
    lam = _data(lam).astype(np.float64)
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError(f"{where}: lam must be finite and >= 0, got {lam.tolist()}")
    return _constant(_gen(seed).poisson(lam, shape + lam.shape), dtype)


def _stateless(seed, where):
    """A generator fixed by the seed pair: the same pair, the same numbers."""
    pair = np.asarray(_data(seed))
    if pair.shape != (2,) or pair.dtype.kind not in "iu":
        raise ValueError(f"{where}: seed must be a pair of integers (a, b), got "
                         f"{seed!r}")
    return np.random.default_rng(np.random.SeedSequence(
        [int(a) & 0xFFFFFFFFFFFFFFFF for a in pair]))


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    """``tf.random.stateless_normal``: ``normal`` samples that depend only on the seed
    pair (a, b): the same pair gives the same numbers (not TensorFlow's numbers)."""
    where = "random.stateless_normal"
    shape, dtype = _shape(shape, where), _float_dtype(dtype, where)
    mean, stddev = _real(mean, "mean", where), _stddev(stddev, where)
    return _constant(_stateless(seed, where).normal(mean, stddev, shape), dtype)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=None):
    """``tf.random.stateless_uniform``: samples uniform on [minval, maxval) (maxval 1 for
    floats; integers need both bounds) that depend only on the seed pair (a, b)."""
    where = "random.stateless_uniform"
    shape = _shape(shape, where)
    dtype = get_default_dtype() if dtype is None else _numeric_dtype(dtype, where)
    rng = _stateless(seed, where)
    if dtype.kind in "iu":
        if maxval is None:
            raise ValueError(f"{where}: an integer dtype needs maxval")
        if not maxval > minval:
            raise ValueError(f"{where}: minval {minval} must be below maxval {maxval}")
        return _constant(rng.integers(int(minval), int(maxval), shape), dtype)
    maxval = 1.0 if maxval is None else maxval
    minval, maxval = _real(minval, "minval", where), _real(maxval, "maxval", where)
    if minval > maxval:
        raise ValueError(f"{where}: minval {minval} is greater than maxval {maxval}")
    return _constant(rng.uniform(minval, maxval, shape), _float_dtype(dtype, where))
