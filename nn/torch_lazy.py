"""PyTorch's lazy modules beyond ``LazyLinear``: ``LazyConv1d/2d/3d``,
``LazyConvTranspose1d/2d/3d``, ``LazyBatchNorm1d/2d/3d`` and ``LazyInstanceNorm1d/2d/3d``,
whose in_channels (num_features) is read from the first input's channel axis.

Each takes its regular class's arguments but that one, and checks them when made, as the
regular class does (drawing no random numbers). Until the first call it holds no weights:
``weight``, ``bias`` (and the running statistics) are None, ``in_channels`` (or
``num_features``) is 0, and ``parameters()`` and ``state_dict()`` hold nothing, as
``LazyLinear`` here (PyTorch holds uninitialized parameters there): make the optimizer,
and load a state_dict, after one call. The first call makes the regular layer's weights,
drawn from the seeded stream as that layer would draw them, and turns the module into the
regular class, its class included, as PyTorch's ``cls_to_become`` does. A first call that
raises leaves the module lazy, as it was.

>>> import numpy as np, nn
>>> conv = nn.LazyConv2d(4, 3)
>>> conv.parameters(), conv.in_channels
([], 0)
>>> conv(np.zeros((1, 2, 5, 5), np.float32)).shape, type(conv).__name__, conv.weight.shape
((1, 4, 3, 3), 'Conv2d', (4, 2, 3, 3))
"""

import numpy as np

import autograd_core as ag

from .module import Module
from .torch_conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .torch_norm import BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d, \
    InstanceNorm3d
from .volumetric import BatchNorm3d, Conv3d, ConvTranspose3d

__all__ = ["LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class _LazyModule(Module):
    """The regular class ``cls_to_become`` with its first argument (``inferred``) read from
    the first input: axis 1 of a batched input of ``spatial`` + 2 axes, axis 0 of an
    unbatched one (``spatial`` + 1 axes)."""

    cls_to_become = None
    inferred = "in_channels"
    spatial = 2

    def __init__(self, arguments, name):
        super().__init__(name)
        self._arguments = arguments
        stand_in = arguments.get("groups", 1)
        stand_in = stand_in if isinstance(stand_in, int) and stand_in > 0 else 1
        state = ag.get_rng_state()
        try:  # every argument checked now, by the regular class itself
            made = self._made(stand_in)
        finally:
            ag.set_rng_state(state)
        for key, value in made.__dict__.items():
            if key not in self.__dict__ and key != "_buffers":
                object.__setattr__(self, key, None if isinstance(value, ag.Variable)
                                   else value)
        object.__setattr__(self, self.inferred, 0)

    def _made(self, n):
        """The regular layer with ``n`` as its first argument; its errors name this one."""
        regular = self.cls_to_become.__name__
        try:
            return self.cls_to_become(n, **self._arguments, name=self.name)
        except (TypeError, ValueError) as e:
            message = str(e)
            if message.startswith(regular):
                message = type(self).__name__ + message[len(regular):]
            raise type(e)(message) from None

    def has_uninitialized_params(self):
        """PyTorch's: True until the first call makes the weights."""
        return True

    def initialize_parameters(self, x):
        """PyTorch's: make the weights for an input like ``x`` (read only for its shape) and
        become the regular class, without computing anything."""
        self._materialize(x)

    def _channel_axis(self, shape):
        """The axis of C in an input of this shape, or None if it has no place for one."""
        if len(shape) not in (self.spatial + 1, self.spatial + 2):
            return None
        return len(shape) - self.spatial - 1

    def _materialize(self, x):
        shape = tuple(getattr(x, "shape", None) or np.shape(x))
        axis = self._channel_axis(shape)
        if axis is None or shape[axis] < 1:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected an input of "
                             f"{self.spatial + 2} axes (N, C, ...) or {self.spatial + 1} (C, "
                             f"...) with C >= 1, got shape {shape}")
        made = self._made(int(shape[axis]))
        own = {key: self.__dict__[key] for key in ("name", "training")}
        own.update((key, value) for key, value in made.__dict__.items()
                   if key not in own and key != "_losses")
        own.update((key, value) for key, value in self.__dict__.items()
                   if key not in own and key != "_arguments")
        self.__dict__.clear()
        self.__dict__.update(own)
        self.__class__ = self.cls_to_become

    def forward(self, x, *args, **kwargs):
        before, cls, state = dict(self.__dict__), type(self), ag.get_rng_state()
        try:
            self._materialize(x)
            return self.forward(x, *args, **kwargs)
        except Exception:  # a first call that raises changes nothing
            self.__dict__.clear()
            self.__dict__.update(before)
            self.__class__ = cls
            ag.set_rng_state(state)
            raise

    def get_config(self):
        return {"name": self.name, **self._arguments}

    def extra_repr(self):
        return ", ".join(f"{key}={value!r}" for key, value in self._arguments.items())


class _LazyConv(_LazyModule):
    """The lazy convolutions' arguments, PyTorch's (one signature for 1-, 2- and 3-d)."""

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", name=None, *, device=None, dtype=None):
        super().__init__(dict(out_channels=out_channels, kernel_size=kernel_size,
                              stride=stride, padding=padding, dilation=dilation, groups=groups,
                              bias=bias, padding_mode=padding_mode, device=device,
                              dtype=dtype), name)


class LazyConv1d(_LazyConv):
    """``Conv1d`` with in_channels read from the first input (N, C, L): (N, C, L) -> (N,
    out_channels, OL). PyTorch's arguments: out_channels, kernel_size, stride=1, padding=0,
    dilation=1, groups=1, bias=True, padding_mode="zeros"; device=None, dtype=None."""

    cls_to_become, spatial = Conv1d, 1


class LazyConv2d(_LazyConv):
    """``Conv2d`` with in_channels read from the first input (N, C, H, W). PyTorch's
    arguments: out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode="zeros"; device=None, dtype=None."""

    cls_to_become, spatial = Conv2d, 2


class LazyConv3d(_LazyConv):
    """``Conv3d`` with in_channels read from the first input (N, C, D, H, W). PyTorch's
    arguments: out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode="zeros"; device=None, dtype=None."""

    cls_to_become, spatial = Conv3d, 3


class _LazyConvTranspose(_LazyModule):
    """The lazy transposed convolutions' arguments, PyTorch's (one signature for 1-, 2- and
    3-d)."""

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", name=None, *,
                 device=None, dtype=None):
        super().__init__(dict(out_channels=out_channels, kernel_size=kernel_size,
                              stride=stride, padding=padding, output_padding=output_padding,
                              groups=groups, bias=bias, dilation=dilation,
                              padding_mode=padding_mode, device=device, dtype=dtype), name)


class LazyConvTranspose1d(_LazyConvTranspose):
    """``ConvTranspose1d`` with in_channels read from the first input (N, C, L). PyTorch's
    arguments: out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
    bias=True, dilation=1, padding_mode="zeros"; device=None, dtype=None."""

    cls_to_become, spatial = ConvTranspose1d, 1


class LazyConvTranspose2d(_LazyConvTranspose):
    """``ConvTranspose2d`` with in_channels read from the first input (N, C, H, W).
    PyTorch's arguments: out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode="zeros"; device=None, dtype=None."""

    cls_to_become, spatial = ConvTranspose2d, 2


class LazyConvTranspose3d(_LazyConvTranspose):
    """``ConvTranspose3d`` with in_channels read from the first input (N, C, D, H, W).
    PyTorch's arguments: out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode="zeros"; device=None, dtype=None."""

    cls_to_become, spatial = ConvTranspose3d, 3


class _LazyBatchNorm(_LazyModule):
    """BatchNorm with num_features read from axis 1 of the first input. PyTorch's
    arguments: eps=1e-5, momentum=0.1, affine=True, track_running_stats=True; device=None,
    dtype=None; bias=True (keyword: the regular BatchNorm here always has its bias with
    affine, so bias=False is refused)."""

    inferred = "num_features"

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 name=None, *, device=None, dtype=None, bias=True):
        if bias is not True:
            raise ValueError(f"{type(self).__name__}: bias={bias!r} is not supported (this "
                             "library's BatchNorm has no bias= option: affine gives weight "
                             "and bias)")
        super().__init__(dict(eps=eps, momentum=momentum, affine=affine,
                              track_running_stats=track_running_stats, device=device,
                              dtype=dtype), name)

    def _channel_axis(self, shape):
        return 1 if len(shape) >= 2 else None  # (N, C) too: axis 1 always


class LazyBatchNorm1d(_LazyBatchNorm):
    """``BatchNorm1d`` with num_features read from the first input, (N, C) or (N, C, L)."""

    cls_to_become, spatial = BatchNorm1d, 1


class LazyBatchNorm2d(_LazyBatchNorm):
    """``BatchNorm2d`` with num_features read from the first input, (N, C, H, W)."""

    cls_to_become, spatial = BatchNorm2d, 2


class LazyBatchNorm3d(_LazyBatchNorm):
    """``BatchNorm3d`` with num_features read from the first input, (N, C, D, H, W)."""

    cls_to_become, spatial = BatchNorm3d, 3


class _LazyInstanceNorm(_LazyModule):
    """InstanceNorm with num_features read from the first input's channel axis (axis 0 of
    an unbatched input). PyTorch's arguments, whose defaults differ from InstanceNorm's:
    eps=1e-5, momentum=0.1, affine=True, track_running_stats=True; device=None,
    dtype=None; bias=True (keyword)."""

    inferred = "num_features"

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 name=None, *, device=None, dtype=None, bias=True):
        super().__init__(dict(eps=eps, momentum=momentum, affine=affine,
                              track_running_stats=track_running_stats, device=device,
                              dtype=dtype, bias=bias), name)


class LazyInstanceNorm1d(_LazyInstanceNorm):
    """``InstanceNorm1d`` with num_features read from the first input, (N, C, L) or
    (C, L)."""

    cls_to_become, spatial = InstanceNorm1d, 1


class LazyInstanceNorm2d(_LazyInstanceNorm):
    """``InstanceNorm2d`` with num_features read from the first input, (N, C, H, W) or
    (C, H, W)."""

    cls_to_become, spatial = InstanceNorm2d, 2


class LazyInstanceNorm3d(_LazyInstanceNorm):
    """``InstanceNorm3d`` with num_features read from the first input, (N, C, D, H, W) or
    (C, D, H, W)."""

    cls_to_become, spatial = InstanceNorm3d, 3
