"""PyTorch's normalizations as functions: ``layer_norm``, ``rms_norm``, ``batch_norm``,
``instance_norm`` and ``group_norm`` (``torch.nn.functional``'s names and arguments).

The maths of the layers in ``torch_norm`` (LayerNorm, BatchNorm, GroupNorm, InstanceNorm,
RMSNorm), with the statistics and weights passed in, as PyTorch's functions take them;
running statistics given are updated in place, outside the graph. Built on
``autograd_core``'s public API only, and apart from the layers so that ``nn.functional``,
which ``torch_norm`` imports, can re-export them without an import cycle.

>>> import numpy as np
>>> layer_norm(np.array([[1.0, 3.0]]), 2).numpy().round(4).tolist()
[[-1.0, 1.0]]
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from ._torch_arguments import _float_value, _number

__all__ = ["layer_norm", "rms_norm", "batch_norm", "instance_norm", "group_norm"]


def _optional(x, what, shape, where):
    """None, or a Value of ``shape`` (arrays become constants); the shape is checked."""
    if x is None:
        return None
    x = x if isinstance(x, ag.Value) else ag.constant(x)
    if x.shape != tuple(shape):
        raise ValueError(f"{where}: {what} must have shape {tuple(shape)}, got {x.shape}")
    return x


def _eps(eps, where):
    eps = _number(eps, "eps", where)
    if not 0 <= eps < math.inf:
        raise ValueError(f"{where}: eps must be a finite number >= 0, got {eps}")
    return eps


def _momentum(momentum, where):
    if momentum is None:
        raise ValueError(f"{where}: momentum must be a number in [0, 1]; None (a plain "
                         "average) needs the batch count, which only the layers keep")
    momentum = _number(momentum, "momentum", where)
    if not 0 <= momentum <= 1:
        raise ValueError(f"{where}: momentum must lie in [0, 1], got {momentum}")
    return momentum


def _shape_argument(normalized_shape, where):
    """normalized_shape, an int or a sequence of them, as a tuple of positive ints."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) \
        else normalized_shape
    try:
        shape = tuple(shape)
    except TypeError:
        shape = ()
    if not shape or isinstance(normalized_shape, (bool, np.bool_)) or any(
            isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1
            for n in shape):
        raise ValueError(f"{where}: normalized_shape must be a positive int or a non-empty "
                         f"tuple of them, got {normalized_shape!r}")
    return tuple(int(n) for n in shape)


def _normalized_shape(normalized_shape, x, where):
    """normalized_shape as a tuple of positive ints that ends x's shape."""
    shape = _shape_argument(normalized_shape, where)
    if x.ndim < len(shape) or x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"{where}: expected input of shape (*, {', '.join(map(str, shape))}) "
                         f"(normalized_shape={shape}), got {x.shape}")
    return shape


def _running(stat, what, channels, where):
    """A running statistic that is written in place: None, a Value, or a writable float
    array, of shape (C,). Checked before anything is computed or written."""
    if stat is None:
        return None
    if isinstance(stat, ag.Value):
        shape, kind = stat.shape, stat.dtype.kind
    elif isinstance(stat, np.ndarray) and stat.flags.writeable:
        shape, kind = stat.shape, stat.dtype.kind
    else:
        raise TypeError(f"{where}: {what} is updated in place: give a Value or a writable "
                        f"numpy array, got {type(stat).__name__}")
    if shape != (channels,) or kind != "f":
        raise ValueError(f"{where}: {what} must be a float vector of shape ({channels},), one "
                         f"per channel, got shape {shape}")
    return stat


def _write_running(stat, new, momentum):
    """stat <- (1 - momentum) * stat + momentum * new, in place and outside the graph."""
    if stat is None:
        return
    old = stat.numpy() if isinstance(stat, ag.Value) else stat
    m = old.dtype.type(momentum)
    updated = ((1 - m) * old + m * new.astype(old.dtype)).astype(old.dtype)
    if isinstance(stat, ag.Value):
        with ag.no_grad():
            stat.copy_(updated)
    else:
        np.copyto(stat, updated)


def _per_channel(v, shape):
    return None if v is None else ag.reshape(v, shape)


def _affine(y, weight, bias, shape):
    """y * weight + bias, each (C,) reshaped to broadcast along axis 1 (absent when None)."""
    weight, bias = _per_channel(weight, shape), _per_channel(bias, shape)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def _moments(x, axes):
    """mean, x - mean and the biased variance over ``axes``, kept as axes of size 1."""
    mean = ag.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    return mean, centered, ag.mean(centered * centered, axis=axes, keepdims=True)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and var (biased) of each
    sample over its last len(normalized_shape) axes.

    Args (PyTorch's):
        input: (*, *normalized_shape).  normalized_shape: an int or a tuple.
        weight, bias: of normalized_shape, or None.  eps=1e-5.
    Returns:
        input's shape.
    """
    where = "layer_norm"
    x = _float_value(input, where)
    shape = _normalized_shape(normalized_shape, x, where)
    weight = _optional(weight, "weight", shape, where)
    bias = _optional(bias, "bias", shape, where)
    eps = _eps(eps, where)
    _, centered, var = _moments(x, tuple(range(x.ndim - len(shape), x.ndim)))
    y = centered * ag.rsqrt(var + eps)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """y = x / sqrt(mean(x**2) + eps) * weight, the mean over the last
    len(normalized_shape) axes of each sample (no centring, no bias).

    Args (PyTorch's):
        input: (*, *normalized_shape).  normalized_shape: an int or a tuple.
        weight: of normalized_shape, or None.  eps=None: the input dtype's machine epsilon.
    Returns:
        input's shape.
    """
    where = "rms_norm"
    x = _float_value(input, where)
    shape = _normalized_shape(normalized_shape, x, where)
    weight = _optional(weight, "weight", shape, where)
    eps = float(np.finfo(x.dtype).eps) if eps is None else _eps(eps, where)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    y = x * ag.rsqrt(ag.mean(x * x, axis=axes, keepdims=True) + eps)
    return y if weight is None else y * weight


def _channels_first(input, where, least=2):
    x = _float_value(input, where)
    if x.ndim < least:
        layout = "(N, C, *)" if least == 2 else "(N, C, L, *)"
        raise ValueError(f"{where}: expected input {layout}, at least {least}-D, got shape "
                         f"{x.shape}")
    return x, x.shape[1], (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (axis 1).

    With ``training``, mean and var (biased) are the batch's, over every axis but 1, and
    the running statistics given are updated in place, as PyTorch does:

        running_mean <- (1 - momentum) * running_mean + momentum * mean
        running_var  <- (1 - momentum) * running_var  + momentum * var * n / (n - 1)

    (n the values per channel); without it, running_mean and running_var are used.

    Args (PyTorch's):
        input: (N, C, *).  running_mean, running_var: (C,) Values or numpy arrays (None
        allowed when training).  weight, bias: (C,) or None.  training=False (PyTorch's
        default).  momentum=0.1, a number in [0, 1].  eps=1e-5.
    Returns:
        input's shape.
    """
    where = "batch_norm"
    x, channels, shape = _channels_first(input, where)
    training = bool(training)
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{where}: running_mean and running_var are needed when not "
                         "training (training=False is PyTorch's default)")
    weight = _optional(weight, "weight", (channels,), where)
    bias = _optional(bias, "bias", (channels,), where)
    momentum, eps = _momentum(momentum, where), _eps(eps, where)
    if training:
        running_mean = _running(running_mean, "running_mean", channels, where)
        running_var = _running(running_var, "running_var", channels, where)
        count = x.size // channels
        if count <= 1:
            raise ValueError(f"{where}: expected more than 1 value per channel when training "
                             f"(as PyTorch), got input of shape {x.shape}")
        mean, centered, var = _moments(x, (0,) + tuple(range(2, x.ndim)))
        _write_running(running_mean, mean.numpy().reshape(-1), momentum)
        _write_running(running_var, var.numpy().reshape(-1) * (count / (count - 1)), momentum)
    else:
        mean = _optional(running_mean, "running_mean", (channels,), where)
        var = _optional(running_var, "running_var", (channels,), where)
        centered, var = x - ag.reshape(mean, shape), ag.reshape(var, shape)
    return _affine(centered * ag.rsqrt(var + eps), weight, bias, shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and var (biased) of each
    sample's each channel over its positions (axes 2 and after).

    With ``use_input_stats`` (the default) the running statistics given are updated in
    place with the batch's average of the instances' statistics (the variance unbiased,
    n / (n - 1) with n the positions), as ``batch_norm``'s; without it, they are used.

    Args (PyTorch's):
        input: (N, C, L, *).  running_mean, running_var: (C,) or None.  weight, bias: (C,)
        or None.  use_input_stats=True.  momentum=0.1.  eps=1e-5.
    Returns:
        input's shape.
    """
    where = "instance_norm"
    x, channels, shape = _channels_first(input, where, least=3)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise ValueError(f"{where}: running_mean and running_var are needed with "
                         "use_input_stats=False")
    weight = _optional(weight, "weight", (channels,), where)
    bias = _optional(bias, "bias", (channels,), where)
    momentum, eps = _momentum(momentum, where), _eps(eps, where)
    if use_input_stats:
        running_mean = _running(running_mean, "running_mean", channels, where)
        running_var = _running(running_var, "running_var", channels, where)
        count = math.prod(x.shape[2:])
        if count <= 1:
            raise ValueError(f"{where}: expected more than 1 position per channel (as "
                             f"PyTorch), got input of shape {x.shape}")
        mean, centered, var = _moments(x, tuple(range(2, x.ndim)))
        _write_running(running_mean, mean.numpy().reshape(x.shape[:2]).mean(0), momentum)
        _write_running(running_var, var.numpy().reshape(x.shape[:2]).mean(0)
                       * (count / (count - 1)), momentum)
    else:
        mean = _optional(running_mean, "running_mean", (channels,), where)
        var = _optional(running_var, "running_var", (channels,), where)
        centered, var = x - ag.reshape(mean, shape), ag.reshape(var, shape)
    return _affine(centered * ag.rsqrt(var + eps), weight, bias, shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and var (biased) of each
    sample over each group of C / num_groups channels and all their positions.

    Args (PyTorch's):
        input: (N, C, *).  num_groups: dividing C.  weight, bias: (C,) or None.  eps=1e-5.
    Returns:
        input's shape.
    """
    where = "group_norm"
    x, channels, shape = _channels_first(input, where)
    if isinstance(num_groups, (bool, np.bool_)) or not isinstance(num_groups, numbers.Integral) \
            or num_groups < 1 or channels % num_groups:
        raise ValueError(f"{where}: num_groups must be a positive int dividing the {channels} "
                         f"channels of input of shape {x.shape}, got {num_groups!r}")
    weight = _optional(weight, "weight", (channels,), where)
    bias = _optional(bias, "bias", (channels,), where)
    eps = _eps(eps, where)
    grouped = ag.reshape(x, (x.shape[0], int(num_groups), -1))
    _, centered, var = _moments(grouped, (2,))
    y = ag.reshape(centered * ag.rsqrt(var + eps), x.shape)
    return _affine(y, weight, bias, shape)
