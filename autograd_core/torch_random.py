"""PyTorch's top-level sampling and generator state: ``normal`` (its four overloads),
``bernoulli``, ``multinomial``, ``poisson``, ``seed``, ``initial_seed``, ``get_rng_state``
and ``set_rng_state``.

They draw from the generator of ``autograd_core.random``, which ``ag.manual_seed``
reseeds, so one seed makes a whole run reproducible (the numbers are numpy's, not
PyTorch's). Samples are constants, with no gradient, as PyTorch's are (its ``normal``
sends zeros to mean and std). Each takes PyTorch's ``generator=``: an ``ag.Generator``,
whose stream is then used instead of the global one.

The generator's state (``get_rng_state``) is a uint8 Value, as PyTorch's ByteTensor: the
37 bytes of numpy's PCG64 state (128-bit state, 128-bit increment, the buffered 32-bit
half), little-endian. ``set_rng_state`` takes such a Value back, and the numbers after it
repeat exactly. Only states made by ``get_rng_state`` are meaningful.

>>> import autograd_core as ag
>>> state = ag.get_rng_state()
>>> a = ag.normal(0.0, 1.0, (3,))
>>> ag.set_rng_state(state)
>>> bool((ag.normal(0.0, 1.0, (3,)).numpy() == a.numpy()).all())
True
"""

from __future__ import annotations

import numbers

import numpy as np

from . import random
from .engine import Value, _node, get_default_dtype
from .generator import pcg64_state, state_bytes

__all__ = ["normal", "bernoulli", "multinomial", "poisson", "seed", "initial_seed",
           "get_rng_state", "set_rng_state"]


def _sample(samples, dtype):
    return _node(np.asarray(samples, dtype))


def _data(x):
    return x.data if isinstance(x, Value) else x


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False,
           device=None):
    """Normal samples (``torch.normal``): ``normal(mean, std)`` with Values (broadcast,
    or one a number) gives one sample per element, in the Value's dtype;
    ``normal(mean, std, size)`` with two numbers gives ``size`` samples of the default
    dtype (or ``dtype``). A constant unless ``requires_grad``."""
    rng = random._stream(generator, "normal")
    tensors = [x for x in (mean, std) if isinstance(x, Value)]
    if tensors:
        if size is not None:
            raise TypeError("normal: size is only taken with a number mean and std")
        if np.any(_data(std) < 0):
            raise ValueError("normal: std must be >= 0")
        shape = np.broadcast_shapes(*(np.shape(_data(x)) for x in (mean, std)))
        dtype = dtype or np.result_type(*(x.dtype for x in tensors))
        out = _sample(rng.normal(_data(mean), _data(std), shape), dtype)
    else:
        if size is None:
            raise TypeError("normal: with a number mean and std, give the size")
        if std < 0:
            raise ValueError(f"normal: std must be >= 0, got {std}")
        out = _sample(rng.normal(mean, std, random._size((size,), "normal")),
                      dtype or get_default_dtype())
    out.requires_grad = bool(requires_grad)
    return out


def bernoulli(input, p=None, *, generator=None):  # noqa: A002 (PyTorch's argument names)
    """Ones with probability input (or ``p``, one number for all), zeros otherwise, in
    input's dtype (``torch.bernoulli``). A constant."""
    rng = random._stream(generator, "bernoulli")
    x = input if isinstance(input, Value) else Value(input)
    prob = x.data if p is None else p
    if np.any(prob < 0) or np.any(prob > 1):
        raise ValueError("bernoulli: probabilities must lie in [0, 1]")
    return _sample(rng.random(x.shape) < prob, x.dtype)


def multinomial(input, num_samples, replacement=False, *, generator=None):  # noqa: A002
    """Category indices drawn with probabilities proportional to the non-negative weights of
    each row of input (n,) or (m, n) (``torch.multinomial``): int64 (num_samples,) or
    (m, num_samples). Without ``replacement`` no index repeats in a row, so a row needs at
    least num_samples positive weights."""
    rng = random._stream(generator, "multinomial")
    w = np.asarray(_data(input), np.float64)
    if w.ndim not in (1, 2) or np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError(f"multinomial: input must be finite non-negative weights (n,) or "
                         f"(m, n), got shape {w.shape}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) or \
            num_samples < 1:
        raise ValueError(f"multinomial: num_samples must be a whole number >= 1, got "
                         f"{num_samples!r}")
    rows = w.reshape(-1, w.shape[-1])
    drawn = []
    for row in rows:
        if row.sum() <= 0:
            raise ValueError("multinomial: a row of weights sums to 0")
        if not replacement and num_samples > np.count_nonzero(row):
            raise ValueError(f"multinomial: cannot draw {num_samples} samples without "
                             f"replacement from {np.count_nonzero(row)} positive weights")
        drawn.append(rng.choice(row.size, num_samples, replace=replacement,
                                        p=row / row.sum()))
    samples = np.stack(drawn)
    return _sample(samples if w.ndim == 2 else samples[0], np.int64)


def poisson(input, generator=None):  # noqa: A002
    """Poisson samples with the rates of input, in input's dtype (``torch.poisson``)."""
    rng = random._stream(generator, "poisson")
    x = input if isinstance(input, Value) else Value(input)
    if np.any(x.data < 0):
        raise ValueError("poisson: rates must be >= 0")
    return _sample(rng.poisson(x.data), x.dtype)


def seed():
    """Reseed the generator with a fresh non-deterministic seed and return it
    (``torch.seed``)."""
    new = int(np.random.SeedSequence().entropy % 2**63)
    random.set_seed(new)
    return new


def initial_seed():
    """The seed the generator was last seeded with (``torch.initial_seed``)."""
    return random._seed


def get_rng_state():
    """The generator's state as a uint8 Value (``torch.get_rng_state``); see the module's
    note for its 37 bytes."""
    return state_bytes(random._rng, "get_rng_state")


def set_rng_state(new_state):
    """Put back a state ``get_rng_state`` gave (``torch.set_rng_state``): the draws after
    it repeat the draws that followed it."""
    random._rng.bit_generator.state = pcg64_state(new_state, "set_rng_state")
