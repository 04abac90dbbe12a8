"""Network functions PyTorch also keeps at its top level, with its signatures there:
``threshold``, ``celu``, ``hardshrink``, ``prelu``, ``rrelu``, ``dropout(input, p,
train)``, ``pdist``, ``pixel_shuffle``/``pixel_unshuffle``, ``channel_shuffle`` and
``renorm``. (``nn.functional`` has the layers' versions; the engine never imports ``nn``.)

Nothing here is a new op: each is a ``where``, a product or a rearrangement of the axes,
so its derivatives are those of the ops it is written with. ``rrelu`` in training and
``dropout`` draw from the generator ``ag.manual_seed`` seeds; the draws are constants.
"""

from __future__ import annotations

import numpy as np

from ..engine import constant
from . import arithmetic, elementwise, indexing, norms, shape
from ._composing import _dim, _number, _value

__all__ = ["threshold", "celu", "hardshrink", "prelu", "rrelu", "dropout", "pdist",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "renorm"]


def _rng():
    from .. import random  # the package's generator, which ag.manual_seed reseeds
    return random._rng


def threshold(input, threshold, value):  # noqa: A002 (PyTorch's argument names)
    """y = x where x > threshold, else value (``torch.threshold``); dy/dx = 1 where kept."""
    x = _value(input, "threshold")
    _number(threshold, "threshold", "threshold")
    return arithmetic.where(np.asarray(x.data > threshold), x,
                            constant(np.asarray(_number(value, "threshold", "value"), x.dtype)))


def celu(input, alpha=1.0):  # noqa: A002
    """y = max(0, x) + min(0, alpha (exp(x / alpha) - 1)) (``torch.celu``);
    dy/dx = 1 for x > 0, exp(x / alpha) below."""
    x = _value(input, "celu")
    if _number(alpha, "celu", "alpha") == 0:
        raise ValueError("celu: alpha must not be 0")
    # exp of the negative part only: a large x's exp would overflow in the branch not taken,
    # and its infinite derivative times the zero gradient there would give NaN.
    negative = alpha * elementwise.expm1(arithmetic.minimum(x, 0) / alpha)
    return arithmetic.where(np.asarray(x.data > 0), x, negative)


def hardshrink(input, lambd=0.5):  # noqa: A002
    """y = x where |x| > lambd, else 0 (``torch.hardshrink``)."""
    x = _value(input, "hardshrink")
    _number(lambd, "hardshrink", "lambd")
    return arithmetic.where(np.asarray(np.abs(x.data) > lambd), x,
                            constant(np.zeros((), x.dtype)))


def _leaky(x, slope):
    return arithmetic.where(np.asarray(x.data >= 0), x, slope * x)


def prelu(input, weight):  # noqa: A002
    """y = x for x >= 0, else weight * x, one weight per channel (axis 1) or one for all
    (``torch.prelu``); dL/dweight = sum of g * x over the negative x of its channel."""
    x, w = _value(input, "prelu"), _value(weight, "prelu", like=input)
    if w.ndim != 1 or (w.shape[0] != 1 and (x.ndim < 2 or w.shape[0] != x.shape[1])):
        raise ValueError(f"prelu: weight must have 1 element or one per channel (axis 1 of "
                         f"input of shape {x.shape}), got shape {w.shape}")
    if w.shape[0] != 1:
        w = shape.reshape(w, (-1,) + (1,) * (x.ndim - 2))
    return _leaky(x, w)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False):  # noqa: A002
    """y = x for x >= 0, else a * x (``torch.rrelu``): a = (lower + upper) / 2 in
    evaluation, drawn uniformly from [lower, upper] for each element in training (a
    constant, as PyTorch's noise)."""
    x = _value(input, "rrelu")
    if not 0 <= _number(lower, "rrelu", "lower") <= _number(upper, "rrelu", "upper"):
        raise ValueError(f"rrelu: needs 0 <= lower <= upper, got {lower}, {upper}")
    if not training:
        return _leaky(x, (lower + upper) / 2)
    slope = constant(_rng().uniform(lower, upper, x.shape).astype(x.dtype))
    return _leaky(x, slope)


def dropout(input, p, train):  # noqa: A002
    """``torch.dropout(input, p, train)``: in training each element zeroed with probability
    p and the others scaled by 1 / (1 - p); the input itself otherwise."""
    x = _value(input, "dropout")
    if not 0 <= _number(p, "dropout", "p") <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not train or p == 0:
        return x
    if p == 1:
        return x * constant(np.zeros((), x.dtype))
    keep = _rng().random(x.shape) >= p
    return x * constant((keep / (1 - p)).astype(x.dtype))


def pdist(input, p=2.0):  # noqa: A002
    """The p-norm distances ||x_i - x_j|| between the rows of input (n, m), for i < j in
    row-major order: n (n - 1) / 2 of them (``torch.pdist``, scipy's ``pdist``)."""
    x = _value(input, "pdist")
    if x.ndim != 2:
        raise ValueError(f"pdist: expects a 2-D input (n, m), got shape {x.shape}")
    if _number(p, "pdist", "p") < 0:
        raise ValueError(f"pdist: p must be >= 0, got {p}")
    i, j = np.triu_indices(x.shape[0], 1)
    difference = indexing.take(x, i, axis=0) - indexing.take(x, j, axis=0)
    return norms.vector_norm(difference, ord=p, axis=1)


def _factor(r, where, name):
    if isinstance(r, (bool, np.bool_)) or not isinstance(r, (int, np.integer)) or r < 1:
        raise ValueError(f"{where}: {name} must be a whole number >= 1, got {r!r}")
    return int(r)


def pixel_shuffle(input, upscale_factor):  # noqa: A002
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels laid out as an
    r x r block of pixels (``torch.pixel_shuffle``)."""
    x = _value(input, "pixel_shuffle")
    r = _factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expected (*, C * {r * r}, H, W), channels "
                         f"divisible by upscale_factor² = {r * r}, got shape {x.shape}")
    *batch, c, h, w = x.shape
    n = len(batch)
    x = shape.reshape(x, (*batch, c // (r * r), r, r, h, w))
    x = shape.transpose(x, *range(n), n, n + 3, n + 1, n + 4, n + 2)
    return shape.reshape(x, (*batch, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    """(*, C, H r, W r) -> (*, C r^2, H, W), ``pixel_shuffle`` undone
    (``torch.pixel_unshuffle``)."""
    x = _value(input, "pixel_unshuffle")
    r = _factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if x.ndim < 3 or x.shape[-1] % r or x.shape[-2] % r:
        raise ValueError(f"pixel_unshuffle: expected (*, C, H, W) with H and W divisible "
                         f"by downscale_factor = {r}, got shape {x.shape}")
    *batch, c, h, w = x.shape
    n = len(batch)
    x = shape.reshape(x, (*batch, c, h // r, r, w // r, r))
    x = shape.transpose(x, *range(n), n, n + 2, n + 4, n + 1, n + 3)
    return shape.reshape(x, (*batch, c * r * r, h // r, w // r))


def channel_shuffle(input, groups):  # noqa: A002
    """(N, C, *) with the channels of ``groups`` groups interleaved: (N, g, C/g, *) with
    its axes 1 and 2 swapped (``torch.channel_shuffle``, ShuffleNet's)."""
    x = _value(input, "channel_shuffle")
    g = _factor(groups, "channel_shuffle", "groups")
    if x.ndim < 3 or x.shape[1] % g:
        raise ValueError(f"channel_shuffle: expected (N, C, *) with more than 2 axes and C "
                         f"divisible by groups = {g}, got shape {x.shape}")
    n, c, *rest = x.shape
    x = shape.swapaxes(shape.reshape(x, (n, g, c // g, *rest)), 1, 2)
    return shape.reshape(x, (n, c, *rest))


def renorm(input, p, dim, maxnorm):  # noqa: A002
    """Each slice x.select(dim, i) whose p-norm exceeds maxnorm scaled down to maxnorm
    (``torch.renorm``): y_i = x_i * maxnorm / (||x_i|| + 1e-7) there, x_i elsewhere; the
    gradient goes through the norm, as PyTorch's."""
    x = _value(input, "renorm")
    dim = _dim(x, dim, "renorm")
    if _number(p, "renorm", "p") <= 0 or _number(maxnorm, "renorm", "maxnorm") < 0:
        raise ValueError(f"renorm: needs p > 0 and maxnorm >= 0, got p={p}, maxnorm={maxnorm}")
    others = tuple(a for a in range(x.ndim) if a != dim)
    norm = norms.vector_norm(x, ord=p, axis=others, keepdims=True)
    scale = arithmetic.where(np.asarray(norm.data > maxnorm), maxnorm / (norm + 1e-7),
                             constant(np.ones((), x.dtype)))
    return x * scale


METHODS = {name: globals()[name] for name in ("celu", "hardshrink", "prelu", "renorm")}
NUMPY_FUNCTIONS = {}
NUMPY_UFUNCS = {}
