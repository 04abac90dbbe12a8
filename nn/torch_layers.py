"""PyTorch's ``Parameter`` and its linear layers, ``Linear`` and ``LazyLinear``, with the
argument checks every PyTorch layer here shares (positive sizes, 1-D sizes, images,
the ``device``/``dtype`` factory keywords) and PyTorch's default initialisation.

The layers hold ``weight`` and ``bias`` in PyTorch's shapes, so ``state_dict()`` has
PyTorch's keys ("0.weight", "fc1.bias") and a PyTorch model's weights load by name.
Images are channels_first, (N, C, H, W), as in PyTorch. The same sums as Keras's
``Dense`` and ``Conv2D`` underneath; only the layouts and the initialisation differ.

>>> import nn
>>> model = nn.Sequential([nn.Linear(3, 1), nn.Flatten(0, 1)])
>>> [(name, p.shape) for name, p in model.named_parameters()]
[('0.weight', (1, 3)), ('0.bias', (1,))]

The other PyTorch layers, by family: convolutions (``Conv1d``, ``Conv2d``,
``ConvTranspose1d``, ``ConvTranspose2d``) in ``torch_conv``; average and power-average
pooling (``AvgPool1d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, ``LPPool1d``, ``LPPool2d``)
in ``torch_avg_pooling``, the max pools in ``torch_pooling``; ``Unflatten`` and the
upsampling layers in ``torch_resizing``; ``Dropout1d`` and ``Dropout2d`` in
``torch_dropout``; the padding layers in ``torch_padding``; loss modules in
``torch_losses`` and ``torch_distance_losses``, normalization layers in ``torch_norm``,
``ModuleList`` and ``ModuleDict`` in ``torch_containers``, activation modules (``GELU``,
``SiLU``...) in ``torch_activations``.

Names shared with Keras: ``nn.Flatten`` is one layer that takes both's arguments
(``Flatten(0, 1)``, ``Flatten(data_format=...)``); ``nn.ReLU`` takes PyTorch's
``inplace``; ``nn.Sequential`` takes Keras's list or PyTorch's modules as arguments.
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from .keras_module import float_dtype, with_dtype as _with_dtype
from .basic_layers import _as_input, _flag
from .module import Module

__all__ = ["Parameter", "Linear", "LazyLinear"]


class Parameter(ag.Variable):
    """PyTorch's ``nn.Parameter(data, requires_grad=True)``: a Variable a Module finds.

    ``requires_grad=False`` makes it a non-trainable Variable. Setting ``p.requires_grad
    = False`` later freezes it as in PyTorch: no gradient is computed for it, so an
    optimizer skips it (its ``grad`` stays None).
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:  # PyTorch's Parameter() is an empty tensor
            data = np.zeros((0,), ag.get_default_dtype())
        if isinstance(data, ag.Value):
            data = data.numpy()
        super().__init__(data, trainable=requires_grad)

    # Value keeps requires_grad in a slot; this property reads and writes that slot and
    # keeps ``trainable`` in step, so a frozen Parameter also leaves trainable_variables.
    _requires_grad_slot = ag.Value.requires_grad

    @property
    def requires_grad(self):
        return Parameter._requires_grad_slot.__get__(self)

    @requires_grad.setter
    def requires_grad(self, flag):
        Parameter._requires_grad_slot.__set__(self, bool(flag))
        self.trainable = bool(flag)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _size(n, what, where):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{where}: {what} must be a positive integer, got {n!r}")
    return int(n)


def _single(value, what, where, minimum=1):
    """PyTorch's 1-D size arguments: an int >= minimum, or a tuple of one."""
    items = (value,) if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    n = items[0] if len(items) == 1 else None
    if not isinstance(n, numbers.Integral) or isinstance(n, (bool, np.bool_)) or n < minimum:
        raise ValueError(f"{where}: {what} must be an int >= {minimum} or a tuple of one, "
                         f"got {value!r}")
    return (int(n),)


def _check_images(x, channels, where):
    if np.ndim(x) != 4:
        raise ValueError(f"{where}: expected images (N, C, H, W), got shape {np.shape(x)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{where}: expected {channels} channels, (N, {channels}, H, W), got "
                         f"shape {x.shape}")


def _factory_dtype(device, dtype, layer, name):
    """PyTorch's factory keywords of a layer that makes weights, checked before the layer
    makes anything (its name included): ``device``, the CPU only here (None, "cpu",
    "cpu:0"); ``dtype``, a float dtype, or None for the default one (``float_dtype``,
    shared with Keras's layers). Returns the dtype, None for None."""
    where = layer if name is None else f"{layer} {name!r}"
    try:
        ag.device("cpu" if device is None else device)
    except ValueError:
        raise ValueError(f"{where}: device must be the CPU, 'cpu' (autograd_core runs on the "
                         f"CPU only), got device={device!r}") from None
    return float_dtype(dtype, layer, name)


def _kaiming_uniform(shape, fan_in, dtype):
    """PyTorch's default init of Linear and Conv2d: kaiming_uniform_(a=sqrt(5)) for the
    weight, which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias:
    gain sqrt(2 / (1 + 5)) times sqrt(3 / fan_in) is 1/sqrt(fan_in)."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return ag.random.uniform(shape, -bound, bound, dtype=dtype).numpy()


def _weight_and_bias(weight_shape, bias_size, bias, dtype):
    """PyTorch's default parameters of a Linear or convolution layer: a weight of
    ``weight_shape`` (PyTorch's layout) and, if ``bias``, a bias of ``bias_size``, both
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)). fan_in is PyTorch's, read off the weight: all its
    axes but the first (in_features; in_channels / groups, or for a transposed
    convolution out_channels / groups, times the kernel). The weight is drawn first."""
    dtype = ag.get_default_dtype() if dtype is None else dtype
    fan_in = math.prod(weight_shape[1:])
    weight = Parameter(_kaiming_uniform(weight_shape, fan_in, dtype))
    return weight, Parameter(_kaiming_uniform((bias_size,), fan_in, dtype)) if bias else None


class Linear(Module):
    """y = x @ weight.T + bias: (..., in_features) -> (..., out_features)

    Args (PyTorch's):
        in_features, out_features: the sizes.  bias=True: add the bias.  Keywords:
        device=None ("cpu", the only device), dtype=None (the weights' float dtype; None:
        the default).

    Attributes:
        weight: (out_features, in_features), PyTorch's layout (Keras's Dense keeps the
            transpose, (n_in, units)).  bias: (out_features,) or None.
    Both start from U(-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's default.
    """

    def __init__(self, in_features, out_features, bias=True, name=None, *, device=None,
                 dtype=None):
        dtype = _factory_dtype(device, dtype, "Linear", name)
        super().__init__(name)
        where = f"Linear {self.name!r}"
        self.in_features = _size(in_features, "in_features", where)
        self.out_features = _size(out_features, "out_features", where)
        self.weight, self.bias = _weight_and_bias((self.out_features, self.in_features),
                                                  self.out_features, bias, dtype)
        self.input_shape = (None, self.in_features)

    def forward(self, x):
        x = _as_input(x, self.weight.dtype)
        if np.ndim(x) < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear {self.name!r}: expected input of shape (..., "
                             f"{self.in_features}), got {np.shape(x)} (weight shape "
                             f"{self.weight.shape})")
        return ag.linear(x, ag.transpose(self.weight), self.bias)

    def get_config(self):
        return _with_dtype({"name": self.name, "in_features": self.in_features,
                            "out_features": self.out_features, "bias": self.bias is not None},
                           self.weight.dtype)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class LazyLinear(Linear):
    """y = x @ weight.T + bias, ``Linear`` with in_features read from the first input's
    last axis: (..., in_features) -> (..., out_features).

    Until that first call ``in_features`` is 0 and ``weight`` and ``bias`` are None, so
    ``parameters()`` and ``state_dict()`` hold nothing (PyTorch holds uninitialized
    parameters there): make the optimizer, and load a state_dict, after one call. The call
    makes the weights as Linear's (U(-1/sqrt(in_features), 1/sqrt(in_features))) and turns
    the layer into a Linear, its class included, as PyTorch's does.

    Args (PyTorch's): out_features, bias=True; keywords device=None ("cpu"), dtype=None.
    """

    def __init__(self, out_features, bias=True, name=None, *, device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "LazyLinear", name)
        where = "LazyLinear" if name is None else f"LazyLinear {name!r}"
        out_features = _size(out_features, "out_features", where)
        use_bias = _flag(bias, "bias", where)
        Module.__init__(self, name)
        self.in_features, self.out_features = 0, out_features
        self.weight = self.bias = None
        self._use_bias = use_bias
        self._dtype = ag.get_default_dtype() if dtype is None else dtype

    def forward(self, x):
        x = _as_input(x, self._dtype)
        if np.ndim(x) < 1 or x.shape[-1] < 1:
            raise ValueError(f"LazyLinear {self.name!r}: expected input of shape (..., "
                             f"in_features) with in_features >= 1, got {np.shape(x)}")
        n = int(x.shape[-1])
        self.weight, self.bias = _weight_and_bias((self.out_features, n), self.out_features,
                                                  self._use_bias, self._dtype)
        self.in_features, self.input_shape = n, (None, n)
        del self._use_bias, self._dtype
        self.__class__ = Linear  # PyTorch's cls_to_become
        return Linear.forward(self, x)

    def get_config(self):
        return _with_dtype({"name": self.name, "out_features": self.out_features,
                            "bias": self._use_bias}, self._dtype)

    def extra_repr(self):
        return (f"in_features=0, out_features={self.out_features}, "
                f"bias={self._use_bias}")
