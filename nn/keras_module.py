"""KerasModule: the base of nn's Keras-style layers, a Module with Keras's ``dtype=``.

Keras gives every layer ``dtype=None``, "the dtype of the layer's computations and
weights". Here it is a float dtype or None (the default float dtype, read when the weights
are made): the weights are made in it, and each call casts its floating inputs to it, as
Keras's autocast does, so the output is in it too; integer inputs (an Embedding's ids) are
left alone. A layer without weights casts only when a dtype was given, and passes its
inputs through unchanged otherwise.

>>> import numpy as np, nn
>>> layer = nn.Dense(2, dtype="float64")
>>> layer.dtype, layer(np.ones((1, 3), np.float32)).dtype, layer.W.dtype
('float64', dtype('float64'), dtype('float64'))

The checks of the dtype and the config entry are shared with PyTorch's layers, whose
``dtype=`` is a factory keyword (``nn.torch_layers``).
"""

import numpy as np

import autograd_core as ag

from .module import Module

__all__ = ["KerasModule", "float_dtype", "with_dtype"]


def float_dtype(dtype, layer, name=None):
    """A layer's ``dtype`` argument as a numpy float dtype, or None for None.

    Checked before the layer makes anything, its name included, so a refusal changes
    nothing. Anything but a float dtype (a name such as "float64", a numpy dtype or type)
    raises TypeError naming the layer (``layer``, and ``name`` when given) and the value.
    """
    if dtype is None:
        return None
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError):
        resolved = None
    if resolved is None or resolved.kind != "f":
        where = layer if name is None else f"{layer} {name!r}"
        got = repr(dtype) if resolved is None else resolved
        policy = isinstance(dtype, str) and dtype.startswith("mixed_")
        raise TypeError(f"{where}: dtype must be a floating dtype (float32, float64, ...), "
                        f"got dtype={got}" + ("; Keras's mixed precision policies are not "
                                              "supported" if policy else ""))
    return resolved


def with_dtype(config, dtype):
    """``config`` with the layer's ``dtype`` when it is not float32, so that float32
    layers' configs read as they always have."""
    if dtype is not None and dtype != np.float32:
        config["dtype"] = np.dtype(dtype).name
    return config


def built_size(size_or_shape, channels_first=False):
    """What a layer's ``build`` was given, as the size it makes its weights for: the size
    itself (as the layers call it), or, as Keras calls ``layer.build(input_shape)``, the
    input's shape with the batch axis first, whose last axis (the channels' axis, 1, for
    channels_first images) is the size."""
    if isinstance(size_or_shape, (tuple, list)):
        return int(size_or_shape[1 if channels_first else -1])
    return int(size_or_shape)


def _cast_floats(x, dtype):
    """``x`` with every floating array, Value and number in it (through lists, tuples and
    dicts) cast to ``dtype``; integers and anything else as they are."""
    if isinstance(x, ag.Value):
        return ag.cast(x, dtype) if x.dtype.kind == "f" and x.dtype != dtype else x
    if isinstance(x, np.ndarray):
        return x.astype(dtype) if x.dtype.kind == "f" and x.dtype != dtype else x
    if isinstance(x, (float, np.floating)):
        return dtype.type(x)
    if type(x) in (list, tuple):
        return type(x)(_cast_floats(item, dtype) for item in x)
    if isinstance(x, dict):
        return {key: _cast_floats(item, dtype) for key, item in x.items()}
    return x


class KerasModule(Module):
    """A Module with Keras's ``dtype`` argument: the base of nn's Keras-style layers.

    Args:
        name: as ``Module``'s.
        dtype: the float dtype of the layer's weights and computations ("float64",
            ``np.float64``...); None (the default): the default float dtype,
            ``ag.get_default_dtype()``, when the weights are made, and no cast.

    A subclass calls ``super().__init__(name, dtype=dtype)`` first, makes its weights in
    ``self._float_dtype()``, and records ``dtype`` through ``super().get_config()``.
    """

    _given_dtype = None  # the numpy dtype given, None for dtype=None
    _autocasts = True    # False: the inputs are never cast (an Embedding's ids)

    def __init__(self, name=None, dtype=None):
        # Checked before Module takes a name: a refused dtype changes nothing.
        self._given_dtype = float_dtype(dtype, type(self).__name__, name)
        super().__init__(name)

    @property
    def dtype(self):
        """The dtype's name, as Keras's ``layer.dtype``: "float64"; for dtype=None, the
        default float dtype's name."""
        return self._float_dtype().name

    def _float_dtype(self):
        """The numpy dtype to make weights in and to give data that is not yet floats."""
        return ag.get_default_dtype() if self._given_dtype is None else self._given_dtype

    def _autocast(self, x):
        """``x`` (an input, or a structure of them) with its floats cast to the dtype given;
        unchanged for dtype=None."""
        if self._given_dtype is None or not self._autocasts:
            return x
        return _cast_floats(x, self._given_dtype)

    def __call__(self, *args, **kwargs):
        """``Module.__call__``, the floating inputs first cast to the dtype given, if any."""
        return super().__call__(*self._autocast(args), **self._autocast(kwargs))

    def get_config(self):
        return with_dtype(super().get_config(), self._given_dtype)
