"""Keras's small layers without weights, and its wrapper of a layer over time: ``Lambda``,
``Rescaling``, ``Permute``, ``RepeatVector`` and ``TimeDistributed``.

Each is a short formula on Values, so its gradient is that of the ops it uses:
``Rescaling``'s is g * scale, ``Permute``'s moves g's axes back, ``RepeatVector``'s sums
g over the copies. ``TimeDistributed(layer)`` runs one layer on every time step at once by
folding the steps into the batch axis, (batch, steps, ...) -> (batch * steps, ...), so the
layer's weights are shared by all steps and collect the gradients of every step.
Each takes Keras's ``dtype=None`` keyword: floating inputs are cast to the dtype given
(``nn.keras_module``).

>>> import nn
>>> model = nn.Sequential([nn.Input((10, 16)), TimeDistributed(nn.Dense(8))])
>>> model.layers[0].output_shape, model.count_params()
((None, 10, 8), 136)
"""

import inspect
import numbers

import numpy as np

import autograd_core as ag

from .keras_module import KerasModule
from .basic_layers import _as_input, _batch_shape
from .module import Module

__all__ = ["Lambda", "Rescaling", "Permute", "RepeatVector", "TimeDistributed"]


class Lambda(KerasModule):
    """y = function(x, **arguments): any function of Values as a layer.

    Args (Keras's):
        function: a callable taking the input (and ``training``, if it has that argument).
        output_shape=None: the output shape without the batch axis, or a function of the
            input shape (batch axis included) returning the output's; when given, each
            output is checked against it (Keras only uses it to infer shapes).
        arguments=None: a dict of keyword arguments for ``function``.
        dtype=None: Keras's, a keyword: floating inputs are cast to it before ``function``
            sees them (``nn.keras_module``).

    A function is code, not data: ``get_config`` refuses, so ``model.save`` of a model
    holding a Lambda raises, naming it (Keras refuses to load one unless told its code is
    safe). Save the weights with ``save_weights`` and rebuild the model in code.
    """

    def __init__(self, function, output_shape=None, arguments=None, input_shape=None,
                 name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        self.where = f"Lambda {self.name!r}"
        if not callable(function):
            raise TypeError(f"{self.where}: function must be callable, got "
                            f"{type(function).__name__} {function!r}")
        if output_shape is not None and not callable(output_shape):
            shape = _shape_tuple(output_shape)
            if shape is None:
                raise ValueError(f"{self.where}: output_shape must be sizes without the batch "
                                 f"axis (None for any), or a function, got {output_shape!r}")
            output_shape = shape
        if arguments is not None and not (isinstance(arguments, dict) and
                                          all(isinstance(k, str) for k in arguments)):
            raise TypeError(f"{self.where}: arguments must be a dict of keyword arguments, "
                            f"got {arguments!r}")
        self.input_shape = _batch_shape(input_shape, None, self.where)
        self.function = function
        self.declared_shape = output_shape
        self.arguments = dict(arguments or {})
        try:
            self._takes_training = "training" in inspect.signature(function).parameters
        except (TypeError, ValueError):  # some builtins have no signature
            self._takes_training = False

    def forward(self, x):
        if not isinstance(x, (ag.Value, list, tuple, dict)):  # a list is several inputs
            x = ag.constant(_as_input(x, self._float_dtype()))  # as Keras, a tensor
        kwargs = dict(self.arguments)
        if self._takes_training:
            kwargs["training"] = self.training
        y = self.function(x, **kwargs)
        if self.declared_shape is not None:
            self._check_shape(x, y)
        return y

    def _check_shape(self, x, y):
        if callable(self.declared_shape):
            expected = _shape_tuple(self.declared_shape((None,) + tuple(np.shape(x)[1:])))
            expected = None if expected is None else expected[1:]
        else:
            expected = self.declared_shape
        got = tuple(np.shape(y))[1:]
        if expected is None or len(got) != len(expected) or any(
                e is not None and e != g for e, g in zip(expected, got)):
            raise ValueError(f"{self.where}: declared output_shape {expected}, but the function "
                             f"returned shape {np.shape(y)} for an input of shape "
                             f"{np.shape(x)}")

    def get_config(self):
        raise ValueError(f"{self.where}: its function "
                         f"{getattr(self.function, '__qualname__', self.function)!r} is Python "
                         "code, not data, so a model holding a Lambda cannot be saved whole "
                         "(Keras too refuses to load one unless told the code is safe); save "
                         "the weights with save_weights and rebuild the model in code, or "
                         "write a layer class with a get_config()")

    def extra_repr(self):
        return getattr(self.function, "__qualname__", repr(self.function))


def _shape_tuple(shape):
    """``shape`` as a tuple of positive ints and Nones, or None if it is not one."""
    try:
        shape = tuple(shape)
    except TypeError:
        return None
    if not all(n is None or (isinstance(n, numbers.Integral) and
                             not isinstance(n, (bool, np.bool_)) and n > 0) for n in shape):
        return None
    return tuple(None if n is None else int(n) for n in shape)


def _numbers(value, what, where):
    """A real number (a float) or an array of them (a numpy array); anything else raises."""
    array = np.asarray(value)
    if array.dtype.kind not in "iuf" or not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: {what} must be a finite number or an array of them, got "
                         f"{value!r}")
    return float(array) if array.ndim == 0 else array.astype(np.float64)


class Rescaling(KerasModule):
    """y = x * scale + offset, in float: Keras's way to bring pixels to [0, 1]
    (``Rescaling(1 / 255)``) or [-1, 1] (``Rescaling(1 / 127.5, offset=-1)``).
    dL/dx = g * scale.

    Args (Keras's): scale, offset=0.0: numbers, or arrays that broadcast against the
        input's last axes (one per channel, say).
    """

    def __init__(self, scale, offset=0.0, input_shape=None, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        self.where = f"Rescaling {self.name!r}"
        scale = _numbers(scale, "scale", self.where)
        offset = _numbers(offset, "offset", self.where)
        self.input_shape = _batch_shape(input_shape, None, self.where)
        self.scale, self.offset = scale, offset

    def forward(self, x):
        x = _as_input(x, self._float_dtype())
        if x.dtype.kind != "f":  # uint8 pixels held in a Value
            x = ag.cast(x, self._float_dtype())
        dtype = x.dtype
        scale, offset = np.asarray(self.scale, dtype), np.asarray(self.offset, dtype)
        for what, array in (("scale", scale), ("offset", offset)):
            try:
                np.broadcast_shapes(x.shape, array.shape)
            except ValueError:
                raise ValueError(f"{self.where}: {what} of shape {array.shape} does not "
                                 f"broadcast against the input's shape {x.shape}") from None
        return ag.add(ag.multiply(x, scale), offset)

    def get_config(self):
        config = super().get_config()
        config.update(scale=np.asarray(self.scale).tolist(),
                      offset=np.asarray(self.offset).tolist())
        return config

    def extra_repr(self):
        return f"scale={self.scale}, offset={self.offset}"


class Permute(KerasModule):
    """y = x with its axes reordered, the batch axis staying first: ``Permute((2, 1))``
    turns (batch, steps, features) into (batch, features, steps). dL/dx = g with the
    inverse permutation.

    Args (Keras's): dims: the new order of axes 1..n (1-based: the batch axis is 0).
    """

    def __init__(self, dims, input_shape=None, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        self.where = f"Permute {self.name!r}"
        try:
            dims = tuple(dims)
        except TypeError:
            dims = None
        if not dims or not all(isinstance(d, numbers.Integral) and
                               not isinstance(d, (bool, np.bool_)) for d in dims) \
                or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"{self.where}: dims must reorder the axes 1..n, each once (the "
                             f"batch axis 0 stays first), like (2, 1), got {dims!r}")
        self.input_shape = _batch_shape(input_shape, None, self.where)
        self.dims = tuple(int(d) for d in dims)

    def forward(self, x):
        if np.ndim(x) != len(self.dims) + 1:
            raise ValueError(f"{self.where}: dims {self.dims} need inputs of rank "
                             f"{len(self.dims) + 1} (batch axis included), got shape "
                             f"{np.shape(x)}")
        return ag.transpose(x, (0,) + self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config

    def extra_repr(self):
        return f"dims={self.dims}"


class RepeatVector(KerasModule):
    """y[:, t] = x for t < n: (batch, features) -> (batch, n, features), a sequence of n
    copies (an encoder's summary fed to every step of a decoder). dL/dx = sum over t of
    g[:, t].

    Args (Keras's): n: the number of copies, a positive int.
    """

    def __init__(self, n, input_shape=None, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        self.where = f"RepeatVector {self.name!r}"
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{self.where}: n must be an int, got {type(n).__name__} {n!r}")
        if n <= 0:
            raise ValueError(f"{self.where}: n must be a positive int, got {n}")
        self.input_shape = _batch_shape(input_shape, None, self.where)
        self.n = int(n)

    def forward(self, x):
        if np.ndim(x) != 2:
            raise ValueError(f"{self.where}: expected input of rank 2, (batch, features), "
                             f"got shape {np.shape(x)}")
        return ag.repeat(ag.expand_dims(x, 1), self.n, axis=1)

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config

    def extra_repr(self):
        return f"n={self.n}"


class TimeDistributed(KerasModule):
    """y[:, t] = layer(x[:, t]) for every step t: (batch, steps, ...) -> (batch, steps,
    ...layer's output), computed as one call of ``layer`` on (batch * steps, ...).

    The one layer serves every step, so its weights are shared, and their gradient sums
    every step's. ``summary()`` counts them under this layer.

    Args (Keras's): layer: the layer to apply (any Module; to be saved with the model it
        needs a ``get_config``, as nn's Keras layers have). input_shape: (steps, ...) to
        build now. dtype=None: floating inputs are cast to it; ``layer`` keeps its own.
    """

    def __init__(self, layer, input_shape=None, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        self.where = f"TimeDistributed {self.name!r}"
        if not isinstance(layer, Module):
            raise TypeError(f"{self.where}: layer must be a layer (a Module), got "
                            f"{type(layer).__name__} {layer!r:.80}")
        self.input_shape = _batch_shape(input_shape, None, self.where)
        if self.input_shape is not None and len(self.input_shape) < 3:
            raise ValueError(f"{self.where}: input_shape must be (steps, ...) with at least "
                             f"one axis after the steps, got {self.input_shape[1:]}")
        self.layer = layer

    def forward(self, x):
        if np.ndim(x) < 3:
            raise ValueError(f"{self.where}: expected input of rank 3 or more, (batch, steps, "
                             f"...), got shape {np.shape(x)}")
        x = _as_input(x, self._float_dtype())
        batch, steps = x.shape[:2]
        y = self.layer(ag.reshape(x, (batch * steps,) + x.shape[2:]))
        if not isinstance(y, ag.Value) or y.ndim < 1 or y.shape[0] != batch * steps:
            raise ValueError(f"{self.where}: the layer {self.layer.name!r} must return one "
                             f"output per sample of the folded batch ({batch * steps}), got "
                             f"{type(y).__name__} of shape {np.shape(y)}")
        return ag.reshape(y, (batch, steps) + y.shape[1:])

    def get_config(self):
        config = super().get_config()
        # Keras's nested form; nn.load_model rebuilds the layer from it by class name.
        config["layer"] = {"class_name": type(self.layer).__name__,
                           "config": self.layer.get_config()}
        return config

    def extra_repr(self):
        return type(self.layer).__name__
