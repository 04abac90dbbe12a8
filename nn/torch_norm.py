"""PyTorch's normalization layers: ``LayerNorm``, ``BatchNorm1d``, ``BatchNorm2d``,
``GroupNorm``, ``InstanceNorm1d``, ``InstanceNorm2d``, ``InstanceNorm3d``, ``RMSNorm`` and
``LocalResponseNorm`` (with its function ``local_response_norm``), ``CrossMapLRN2d`` (Lua
Torch's, whose windows differ; the functions of the
others, ``layer_norm``, ``batch_norm``... are in ``torch_norm_functions``).

The maths of Keras's ``LayerNormalization`` and ``BatchNormalization`` (``normalization``),
with PyTorch's arguments, defaults, names and bookkeeping, so that ``state_dict()`` has
PyTorch's keys ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
and a PyTorch model's state_dict loads. Where the two libraries differ:

==========================  ==================================  ==========================
                            PyTorch (here)                      Keras (``normalization``)
==========================  ==================================  ==========================
epsilon                     eps=1e-5                            epsilon=1e-3
momentum                    0.1, the weight of the new batch    0.99, the weight of the old
running variance            the batch's unbiased variance       the biased one
feature axis                1, channels first                   -1 by default
==========================  ==================================  ==========================

Both normalize in training with the biased batch variance (divided by the count).

>>> import numpy as np, nn
>>> bn = nn.BatchNorm1d(2)
>>> _ = bn(np.array([[1.0, 0.0], [3.0, 0.0]]))
>>> bn.running_mean.numpy(), bn.running_var.numpy()  # var: 0.9 * 1 + 0.1 * unbiased
(array([0.2, 0. ], dtype=float32), array([1.1, 0.9], dtype=float32))
>>> list(bn.state_dict())
['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
"""

import numbers
import warnings

import numpy as np

import autograd_core as ag

from .basic_layers import _as_input, _flag, _real
from .module import Module
from .normalization import _moments, _scale_shift
from .functional import _lrn_args, local_response_norm
from .torch_norm_functions import _shape_argument, instance_norm, rms_norm
from .torch_layers import Parameter, _factory_dtype, _size, _with_dtype

__all__ = ["LayerNorm", "BatchNorm1d", "BatchNorm2d", "GroupNorm", "InstanceNorm1d",
           "InstanceNorm2d", "InstanceNorm3d", "RMSNorm", "LocalResponseNorm",
           "local_response_norm", "CrossMapLRN2d"]


def _eps(eps, where):
    """PyTorch's eps: a finite number >= 0 (0 is allowed there, though a constant input
    then divides by zero)."""
    return _real(eps, "eps", where, 0.0, float("inf"))


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and var (biased) of each
    sample over its last len(normalized_shape) axes: (*, *normalized_shape) -> the same.

    Args (PyTorch's):
        normalized_shape: an int or a tuple, the trailing shape normalized over; the input
            must end with it.
        eps=1e-5.  elementwise_affine=True: learn weight (and bias).  bias=True: learn bias
        (with elementwise_affine only, as PyTorch).  Keywords: device=None ("cpu", the
        only device), dtype=None (the weights' float dtype, and the input's without
        weights; None: the default).

    Attributes:
        weight: ones of ``normalized_shape``.  bias: zeros of it.  Either may be None.
    The statistics are each sample's own: training and eval modes compute the same.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 name=None, *, device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "LayerNorm", name)
        super().__init__(name)
        where = f"LayerNorm {self.name!r}"
        shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) \
            else normalized_shape
        try:
            shape = tuple(shape)
        except TypeError:
            shape = ()
        if not shape or isinstance(normalized_shape, (bool, np.bool_)):
            raise ValueError(f"{where}: normalized_shape must be a positive int or a non-empty "
                             f"tuple of them, got {normalized_shape!r}")
        shape = tuple(_size(n, "normalized_shape", where) for n in shape)
        eps = _eps(eps, where)
        affine = _flag(elementwise_affine, "elementwise_affine", where)
        use_bias = _flag(bias, "bias", where)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, affine
        self._dtype = dtype  # what a LayerNorm without weights computes in (None: the default)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.ones(shape, dtype)) if affine else None
        self.bias = Parameter(np.zeros(shape, dtype)) if affine and use_bias else None

    def forward(self, x):
        where = f"LayerNorm {self.name!r}"
        dtype = self._weights_dtype()
        x = _as_input(x, ag.get_default_dtype() if dtype is None else dtype)
        n = len(self.normalized_shape)
        if np.ndim(x) < n or x.shape[x.ndim - n:] != self.normalized_shape:
            raise ValueError(f"{where}: expected input of shape (*, "
                             f"{', '.join(map(str, self.normalized_shape))}) (normalized_shape="
                             f"{self.normalized_shape}), got {np.shape(x)}")
        _, centered, var = _moments(x, tuple(range(x.ndim - n, x.ndim)))
        y = centered * ag.rsqrt(var + self.eps)
        if self.weight is not None:  # of the trailing shape: they broadcast as they are
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def _weights_dtype(self):
        """The weights' dtype; without weights, the dtype given (None if none was)."""
        held = self.weight if self.weight is not None else self.bias
        return self._dtype if held is None else held.dtype

    def get_config(self):
        return _with_dtype({"name": self.name, "normalized_shape": self.normalized_shape,
                            "eps": self.eps, "elementwise_affine": self.elementwise_affine,
                            "bias": self.bias is not None}, self._weights_dtype())

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _BatchNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (axis 1): the body of
    BatchNorm1d and BatchNorm2d, which differ only in the input ranks they take.

    In training (the default mode), mean and var are the batch's, over every axis but the
    channels (var biased), and, with ``track_running_stats``, the running statistics are
    updated as PyTorch does, outside the graph:

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)

    the variance unbiased there (n the values per channel); ``num_batches_tracked`` counts
    the updates, and ``momentum=None`` makes the running statistics plain averages of every
    batch so far (momentum = 1 / num_batches_tracked). In eval mode, the running
    statistics are used; without ``track_running_stats`` there are none, and the batch's
    are used in both modes. Training on one value per channel (a batch of one (N, C) row)
    is refused, as PyTorch does: its variance is 0 and its unbiased variance undefined.
    (PyTorch refuses it in eval mode without running statistics too; here it gives bias,
    so that a Sequential can build such a layer with its one-sample pass.)

    Args (PyTorch's):
        num_features: C, the channels.  eps=1e-5.  momentum=0.1 (a number in [0, 1], or
        None).  affine=True: learn weight and bias.  track_running_stats=True.  Keywords:
        device=None ("cpu", the only device), dtype=None (the float dtype of the weights
        and the running statistics; None: the default).

    Attributes:
        weight: ones (C,), bias: zeros (C,), None without ``affine``.
        running_mean: zeros (C,), running_var: ones (C,), num_batches_tracked: 0; not
        trainable; None without ``track_running_stats``. ``num_batches_tracked`` is a
        float of the weights' dtype here (PyTorch's is int64): a Variable holds floats.
    """

    ranks = ()
    layout = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, name=None, *, device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, type(self).__name__, name)
        super().__init__(name)
        where = f"{type(self).__name__} {self.name!r}"
        num_features = _size(num_features, "num_features", where)
        eps = _eps(eps, where)
        if momentum is not None:
            momentum = _real(momentum, "momentum", where, 0.0, float("inf"))
            if momentum > 1:
                raise ValueError(f"{where}: momentum must lie in [0, 1] (or be None), got "
                                 f"{momentum}")
        affine = _flag(affine, "affine", where)
        track = _flag(track_running_stats, "track_running_stats", where)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track
        self._dtype = dtype  # what a layer holding nothing computes in (None: the default)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        # PyTorch's order in the state_dict: parameters, then buffers.
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine else None
        # buffers, PyTorch's: in the state_dict and buffers(), not in parameters()
        if track:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x):
        where = f"{type(self).__name__} {self.name!r}"
        dtype = self._weights_dtype()
        x = _as_input(x, ag.get_default_dtype() if dtype is None else dtype)
        if np.ndim(x) not in self.ranks:
            raise ValueError(f"{where}: expected input {self.layout}, got shape {np.shape(x)}")
        channels = self.num_features
        if x.shape[1] != channels:
            raise ValueError(f"{where}: expected {channels} channels on axis 1, got input of "
                             f"shape {x.shape}")
        # (C,) vectors shaped to broadcast along axis 1: (1, C) or (1, C, 1) or (1, C, 1, 1)
        shape = (1, channels) + (1,) * (x.ndim - 2)
        if self.training or self.running_mean is None:
            count = x.size // channels
            if self.training and count <= 1:
                raise ValueError(f"{where}: expected more than 1 value per channel when "
                                 f"training (as PyTorch), got input of shape {x.shape}")
            mean, centered, var = _moments(x, (0,) + tuple(range(2, x.ndim)))
            if self.training and self.running_mean is not None:
                self._update_running(mean.numpy().reshape(-1), var.numpy().reshape(-1), count)
        else:
            centered = x - ag.reshape(self.running_mean, shape)
            var = ag.reshape(self.running_var, shape)
        return _scale_shift(centered * ag.rsqrt(var + self.eps), self.weight, self.bias,
                            shape)

    def _update_running(self, mean, var, count):
        """PyTorch's running averages, written in place: numpy arrays, so no graph sees it."""
        self.num_batches_tracked.assign(self.num_batches_tracked.data + 1)
        momentum = 1.0 / float(self.num_batches_tracked.data) if self.momentum is None \
            else self.momentum
        m = self.running_mean.dtype.type(momentum)
        unbiased = var * (count / (count - 1))
        self.running_mean.assign((1 - m) * self.running_mean.data + m * mean)
        self.running_var.assign((1 - m) * self.running_var.data + m * unbiased)

    def _weights_dtype(self):
        """The weights' (or running statistics') dtype; with neither, the dtype given (None
        if none was)."""
        held = self.weight if self.weight is not None else self.running_mean
        return self._dtype if held is None else held.dtype

    def get_config(self):
        return _with_dtype({"name": self.name, "num_features": self.num_features,
                            "eps": self.eps, "momentum": self.momentum, "affine": self.affine,
                            "track_running_stats": self.track_running_stats},
                           self._weights_dtype())

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, each of the C channels of (N, C)
    or (N, C, L) standardised over the batch (and the length L).

    PyTorch's: BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True, device=None, dtype=None); the running statistics, the modes
    and the arguments are described in ``_BatchNorm``.
    """

    ranks = (2, 3)
    layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, each of the C channels of images
    (N, C, H, W) standardised over the batch and the pixels.

    PyTorch's: BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True, device=None, dtype=None); the running statistics, the modes
    and the arguments are described in ``_BatchNorm``.
    """

    ranks = (4,)
    layout = "(N, C, H, W)"


class GroupNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and var (biased) of each sample
    over each group of num_channels / num_groups channels and every position: (N, C, *) ->
    the same. The same in training and in eval; num_groups = 1 is a LayerNorm over (C, *),
    num_groups = C an InstanceNorm.

    Args (PyTorch's): num_groups, num_channels (num_groups must divide it), eps=1e-5,
    affine=True (weight ones, bias zeros, one per channel); device and dtype keywords.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, name=None, *,
                 device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "GroupNorm", name)
        where = "GroupNorm" if name is None else f"GroupNorm {name!r}"
        num_groups = _size(num_groups, "num_groups", where)
        num_channels = _size(num_channels, "num_channels", where)
        if num_channels % num_groups:
            raise ValueError(f"{where}: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups}), as in PyTorch")
        eps, affine = _eps(eps, where), _flag(affine, "affine", where)
        super().__init__(name)
        self.num_groups, self.num_channels, self.eps, self.affine = \
            num_groups, num_channels, eps, affine
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.ones(num_channels, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_channels, dtype)) if affine else None

    def forward(self, x):
        where = f"GroupNorm {self.name!r}"
        x = _as_input(x, ag.get_default_dtype() if self.weight is None else self.weight.dtype)
        if np.ndim(x) < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"{where}: expected input of shape (N, {self.num_channels}, *), "
                             f"got {np.shape(x)}")
        n, shape = x.shape[0], x.shape
        grouped = ag.reshape(x, (n, self.num_groups, -1))  # each group's channels, flat
        _, centered, var = _moments(grouped, (2,))
        y = ag.reshape(centered * ag.rsqrt(var + self.eps), shape)
        if self.affine:  # per channel: (C, 1, 1, ...) against (N, C, *)
            per_channel = (self.num_channels,) + (1,) * (x.ndim - 2)
            y = y * ag.reshape(self.weight, per_channel) + ag.reshape(self.bias, per_channel)
        return y

    def get_config(self):
        return _with_dtype({"name": self.name, "num_groups": self.num_groups,
                            "num_channels": self.num_channels, "eps": self.eps,
                            "affine": self.affine},
                           None if self.weight is None else self.weight.dtype)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and var (biased) of each
    sample's each channel over its positions: the body of InstanceNorm1d, InstanceNorm2d
    and InstanceNorm3d, which differ only in the input ranks they take (``instance_norm``).

    With ``track_running_stats``, training updates running_mean and running_var (the
    batch's average of the instances' statistics, the variance unbiased) as BatchNorm
    does, and eval mode normalizes with them; without it (PyTorch's default) both modes
    use each instance's own statistics. An unbatched input (one rank less) is one sample.

    Args (PyTorch's):
        num_features: C.  eps=1e-5.  momentum=0.1 (None counts as 0, as PyTorch).
        affine=False: learn weight (ones) and bias (zeros), (C,) each.
        track_running_stats=False.  Keywords: device=None ("cpu"), dtype=None, bias=True
        (with affine only).

    Attributes:
        weight, bias: (C,) or None.  running_mean (zeros), running_var (ones) and
        num_batches_tracked (0, kept for PyTorch's state_dict; InstanceNorm never counts):
        buffers, None without ``track_running_stats``.
    """

    ranks = ()
    layout = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, name=None, *, device=None, dtype=None,
                 bias=True):
        dtype = _factory_dtype(device, dtype, type(self).__name__, name)
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        num_features = _size(num_features, "num_features", where)
        eps = _eps(eps, where)
        if momentum is not None:
            momentum = _real(momentum, "momentum", where, 0.0, float("inf"))
            if momentum > 1:
                raise ValueError(f"{where}: momentum must lie in [0, 1] (or be None), got "
                                 f"{momentum}")
        affine = _flag(affine, "affine", where)
        track = _flag(track_running_stats, "track_running_stats", where)
        use_bias = _flag(bias, "bias", where) and affine
        super().__init__(name)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track
        self._dtype = dtype
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if use_bias else None
        if track:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x):
        where = f"{type(self).__name__} {self.name!r}"
        held = self.weight if self.weight is not None else self.running_mean
        dtype = self._dtype if held is None else held.dtype
        x = _as_input(x, ag.get_default_dtype() if dtype is None else dtype)
        if np.ndim(x) not in self.ranks:
            raise ValueError(f"{where}: expected input {self.layout}, got shape {np.shape(x)}")
        batched = x.ndim == self.ranks[1]
        channels = x.shape[1 if batched else 0]
        if channels != self.num_features:
            if self.affine or self.track_running_stats:
                raise ValueError(f"{where}: expected {self.num_features} channels (axis "
                                 f"{1 if batched else 0}), got input of shape {x.shape}")
            warnings.warn(f"{where}: num_features={self.num_features} differs from the input's "
                          f"{channels} channels, unused without affine or running statistics",
                          UserWarning, stacklevel=2)
        if not batched:
            x = ag.expand_dims(x, 0)
        momentum = 0.0 if self.momentum is None else self.momentum
        try:
            y = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats, momentum,
                              self.eps)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e
        return y if batched else ag.squeeze(y, 0)

    def get_config(self):
        held = self.weight if self.weight is not None else self.running_mean
        return _with_dtype({"name": self.name, "num_features": self.num_features,
                            "eps": self.eps, "momentum": self.momentum, "affine": self.affine,
                            "track_running_stats": self.track_running_stats,
                            "bias": self.bias is not None or not self.affine},
                           self._dtype if held is None else held.dtype)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, each channel of each sequence
    standardised over its length: (N, C, L) or (C, L) -> the same.

    PyTorch's: InstanceNorm1d(num_features, eps=1e-5, momentum=0.1, affine=False,
    track_running_stats=False, device=None, dtype=None, *, bias=True); see
    ``_InstanceNorm``.
    """

    ranks = (2, 3)
    layout = "(N, C, L) or (C, L)"


class InstanceNorm2d(_InstanceNorm):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, each channel of each image
    standardised over its pixels: (N, C, H, W) or (C, H, W) -> the same.

    PyTorch's: InstanceNorm2d(num_features, eps=1e-5, momentum=0.1, affine=False,
    track_running_stats=False, device=None, dtype=None, *, bias=True); see
    ``_InstanceNorm``.
    """

    ranks = (3, 4)
    layout = "(N, C, H, W) or (C, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, each channel of each volume
    standardised over its voxels: (N, C, D, H, W) or (C, D, H, W) -> the same.

    PyTorch's: InstanceNorm3d(num_features, eps=1e-5, momentum=0.1, affine=False,
    track_running_stats=False, device=None, dtype=None, *, bias=True); see
    ``_InstanceNorm``.
    """

    ranks = (4, 5)
    layout = "(N, C, D, H, W) or (C, D, H, W)"


class RMSNorm(Module):
    """y = x / sqrt(mean(x**2) + eps) * weight, the mean over each sample's last
    len(normalized_shape) axes: (*, *normalized_shape) -> the same (``rms_norm``). No
    centring and no bias; the same in training and in eval.

    Args (PyTorch's):
        normalized_shape: an int or a tuple.  eps=None: the input dtype's machine epsilon.
        elementwise_affine=True: learn weight (ones of normalized_shape).  Keywords:
        device=None ("cpu"), dtype=None.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, name=None, *,
                 device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "RMSNorm", name)
        where = "RMSNorm" if name is None else f"RMSNorm {name!r}"
        shape = _shape_argument(normalized_shape, where)
        eps = None if eps is None else _eps(eps, where)
        affine = _flag(elementwise_affine, "elementwise_affine", where)
        super().__init__(name)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, affine
        self._dtype = dtype
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.ones(shape, dtype)) if affine else None

    def forward(self, x):
        where = f"RMSNorm {self.name!r}"
        dtype = self._dtype if self.weight is None else self.weight.dtype
        x = _as_input(x, ag.get_default_dtype() if dtype is None else dtype)
        try:
            return rms_norm(x, self.normalized_shape, self.weight, self.eps)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e

    def get_config(self):
        return _with_dtype({"name": self.name, "normalized_shape": self.normalized_shape,
                            "eps": self.eps, "elementwise_affine": self.elementwise_affine},
                           self._dtype if self.weight is None else self.weight.dtype)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """y = x / (k + alpha / size * sum of x**2 over the ``size`` neighbouring channels)**beta
    (AlexNet's normalization, ``local_response_norm``): (N, C, *) -> the same.

    Args (PyTorch's): size (the channels summed over), alpha=1e-4, beta=0.75, k=1.0.
    No parameters.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0, name=None):
        where = "LocalResponseNorm" if name is None else f"LocalResponseNorm {name!r}"
        size, alpha, beta, k = _lrn_args(size, alpha, beta, k, where)
        super().__init__(name)
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        try:
            x = _as_input(x, ag.get_default_dtype())
            return local_response_norm(x, self.size, self.alpha, self.beta, self.k)
        except ValueError as e:
            raise ValueError(f"LocalResponseNorm {self.name!r}: {e}") from e

    def get_config(self):
        return {"name": self.name, "size": self.size, "alpha": self.alpha, "beta": self.beta,
                "k": self.k}

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _cross_map_windows(channels, size):
    """The (C, C) matrix of 0s and 1s whose row c marks the channels CrossMapLRN2d sums the
    squares of for channel c: built as PyTorch's loop builds its running sum (channel 0's
    window is the first (size - 1) // 2 + 1 channels; each next adds the channel entering
    at its far end and removes the one leaving only once c passes that count), so the
    windows are Lua Torch's, not LocalResponseNorm's: channel 0 stays in the first ones."""
    pre_pad = int((size - 1) / 2 + 1)
    windows = np.zeros((channels, channels))
    windows[0, :min(pre_pad, channels)] = 1
    for c in range(1, channels):
        windows[c] = windows[c - 1]
        if c < channels - pre_pad + 1:
            windows[c, c + pre_pad - 1] += 1
        if c > pre_pad:
            windows[c, c - pre_pad] -= 1
    return windows


class CrossMapLRN2d(Module):
    """y = x / (k + alpha / size * s)**beta, s of channel c the sum of x**2 over its window
    of channels (``_cross_map_windows``: PyTorch's, inherited from Lua Torch, which is not
    ``LocalResponseNorm``'s centred window): images (N, C, H, W) -> the same.

    Args (PyTorch's): size, alpha=1e-4, beta=0.75, k=1. No parameters.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1, name=None):
        where = "CrossMapLRN2d" if name is None else f"CrossMapLRN2d {name!r}"
        _lrn_args(size, alpha, beta, k, where)
        super().__init__(name)
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        x = _as_input(x, ag.get_default_dtype())
        if x.ndim != 4:
            raise ValueError(f"CrossMapLRN2d {self.name!r}: expected input to be 4D (N, C, H, "
                             f"W), got {x.ndim}D, shape {x.shape}")
        windows = ag.constant(_cross_map_windows(x.shape[1], self.size).astype(x.dtype))
        s = ag.einsum("dc,nchw->ndhw", windows, ag.square(x))
        return x * (s * (self.alpha / self.size) + self.k) ** -self.beta

    def get_config(self):
        return {"name": self.name, "size": self.size, "alpha": self.alpha, "beta": self.beta,
                "k": self.k}

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
