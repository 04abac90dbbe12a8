"""PyTorch's functions that draw random numbers: the dropouts ``dropout1d``,
``dropout2d``, ``dropout3d``, ``alpha_dropout`` and ``feature_alpha_dropout``, and
``gumbel_softmax`` (``torch.nn.functional``'s names and arguments).

Every draw comes from ``ag.random``'s generator, so ``ag.manual_seed`` makes them
repeatable. Built on ``autograd_core``'s public API only, and apart from the layers
(``Dropout1d``, ``Dropout2d``...) so that ``nn.functional`` can re-export them without an
import cycle.

>>> import numpy as np, autograd_core as ag
>>> _ = ag.manual_seed(0)
>>> y = dropout1d(np.ones((2, 4, 3)), p=0.5).numpy()   # whole channels: 0, or 1 / (1 - p)
>>> bool((y == y[:, :, :1]).all()), set(y.ravel().tolist()) <= {0.0, 2.0}
(True, True)
"""

import math
import numbers
import warnings

import numpy as np

import autograd_core as ag

from ._torch_arguments import _dim, _float_value, _number

__all__ = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout", "gumbel_softmax"]


def _probability(p, where):
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{where}: p must be a probability in [0, 1], got {p!r}")
    return float(p)


def _keep_mask(shape, p, dtype):
    """m ~ Bernoulli(1 - p) of ``shape``, drawn from ``ag.random`` (``ag.manual_seed``)."""
    return (ag.random.uniform(shape, dtype=ag.float64).numpy() >= p).astype(dtype)


def _channel_dropout(input, p, training, where, ranks):
    """x * m / (1 - p), m ~ Bernoulli(1 - p) per sample and channel, one draw for every
    position of the channel: (N, C, *) with the mask (N, C, 1, ...), or an unbatched
    (C, *) with (C, 1, ...)."""
    p = _probability(p, where)
    x = _float_value(input, where)
    if x.ndim not in ranks:
        raise ValueError(f"{where}: expected a {ranks[1]}-D batched or {ranks[0]}-D "
                         f"unbatched input, got shape {x.shape}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * np.zeros((), x.dtype)
    batched = x.ndim == ranks[1]
    mask = x.shape[:2 if batched else 1] + (1,) * (x.ndim - (2 if batched else 1))
    return x * (_keep_mask(mask, p, x.dtype) / x.dtype.type(1 - p))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Each channel of each (C, L) sequence zeroed whole with probability p, the others
    scaled by 1 / (1 - p), when ``training``: (N, C, L) or (C, L) -> the same."""
    return _channel_dropout(input, p, training, "dropout1d", (2, 3))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Each channel (feature map) of each image zeroed whole with probability p, the
    others scaled by 1 / (1 - p), when ``training``: (N, C, H, W) -> the same.

    A 3-D input is taken as (N, C, L) and its channels dropped, with PyTorch's warning
    (PyTorch's present rule; ``dropout1d`` says so without one)."""
    x = _float_value(input, "dropout2d")
    if x.ndim == 3:
        warnings.warn("dropout2d: a 3-D input is taken as (N, C, L), PyTorch's present rule: "
                      "use dropout1d for channel-wise 1-D dropout", UserWarning, stacklevel=2)
        return _channel_dropout(x, p, training, "dropout2d", (2, 3))
    return _channel_dropout(x, p, training, "dropout2d", (3, 4))


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Each channel (feature volume) of each sample zeroed whole with probability p, the
    others scaled by 1 / (1 - p), when ``training``: (N, C, D, H, W) or (C, D, H, W) -> the
    same."""
    return _channel_dropout(input, p, training, "dropout3d", (4, 5))


_SELU_ALPHA_P = 1.7580993408473766  # -SELU(-inf) = scale * alpha


def _alpha_dropout(input, p, training, where, feature):
    """y = a * (x * m + alpha' * (m - 1)) + a * alpha' * p, m ~ Bernoulli(1 - p) and
    a = ((alpha'**2 * p + 1) * (1 - p)) ** -0.5: a dropped x becomes SELU's lower bound
    -alpha', and a and the shift keep zero mean and unit variance; dy/dx = a * m."""
    p = _probability(p, where)
    x = _float_value(input, where)
    if feature and x.ndim < 2:
        raise ValueError(f"{where}: expected input (N, C, *), got shape {x.shape}")
    if not training or p == 0 or x.size == 0:
        return x
    if p == 1:
        return x * np.zeros((), x.dtype)
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    m = _keep_mask(shape, p, np.float64)
    a = 1.0 / math.sqrt((_SELU_ALPHA_P ** 2 * p + 1) * (1 - p))
    shift = (m - 1) * (_SELU_ALPHA_P * a) + _SELU_ALPHA_P * a * p
    return x * (m * a).astype(x.dtype) + shift.astype(x.dtype)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """SELU's dropout, each element on its own (see ``_alpha_dropout``); ``training`` is
    False by default, PyTorch's. input's shape -> the same."""
    return _alpha_dropout(input, p, training, "alpha_dropout", feature=False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """SELU's dropout of whole channels, one draw per sample and channel of (N, C, *);
    ``training`` is False by default, PyTorch's."""
    return _alpha_dropout(input, p, training, "feature_alpha_dropout", feature=True)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """y = softmax((logits + g) / tau) along ``dim``, g ~ Gumbel(0, 1) = -log(E), E ~
    Exp(1) drawn from ``ag.random`` (``ag.manual_seed`` seeds it): a differentiable sample
    of the categorical distribution softmax(logits).

    With ``hard``, y is the one-hot of that sample's argmax, with the straight-through
    gradient: y = one_hot - stop_gradient(y_soft) + y_soft, so dy/dlogits is y_soft's.
    ``eps`` is PyTorch's deprecated argument, unused (as there).

    Args: logits (*, num_classes, *); tau > 0; hard=False; dim=-1.  Returns: logits' shape.
    """
    where = "gumbel_softmax"
    x = _float_value(logits, where)
    tau = _number(tau, "tau", where)
    if not 0 < tau < math.inf:
        raise ValueError(f"{where}: tau must be a finite number > 0, got {tau}")
    dim = _dim(dim, where)
    if x.ndim == 0 or not -x.ndim <= dim < x.ndim:
        raise ValueError(f"{where}: dim {dim} is out of range for logits of shape {x.shape}")
    u = ag.random.uniform(x.shape, dtype=ag.float64).numpy()
    exponential = np.maximum(-np.log1p(-u), np.finfo(np.float64).tiny)  # E > 0
    gumbels = (-np.log(exponential)).astype(x.dtype)
    y_soft = ag.softmax((x + gumbels) / x.dtype.type(tau), axis=dim)
    if not hard:
        return y_soft
    index = np.expand_dims(np.argmax(y_soft.numpy(), axis=dim), dim)
    y_hard = np.zeros(x.shape, x.dtype)
    np.put_along_axis(y_hard, index, 1, axis=dim)
    return y_hard - ag.stop_gradient(y_soft) + y_soft
