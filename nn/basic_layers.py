"""Layers: Dense and its relatives, each ``forward`` written as its formula.

(This module was ``nn.layers``; that name is now Keras 3's ``keras.layers`` namespace,
every Keras layer class nn has, in ``nn/layers.py``.)

Shapes follow Keras: the batch comes first, a Dense kernel is (n_in, units), and a layer
given ``input_shape`` (without the batch axis) is built at once; otherwise it is built the
first time it sees data, as Keras does.

>>> layer = Dense(512, activation="relu", input_shape=(784,))
>>> layer.W.shape, layer.count_params()
((784, 512), 401920)

Stacks of layers (``Sequential``) and the models that train are in ``nn.models``; layers
know nothing of training.
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from . import activations, constraints, initializers, regularizers
from .keras_module import KerasModule, built_size
from .module import Module

__all__ = [
    "Dense", "Perceptron", "Neuron", "Flatten", "Dropout", "Activation", "ReLU", "Sigmoid",
    "Tanh", "Softmax", "LeakyReLU", "PReLU", "Residual",
]


def _is_size(n):
    """A whole number > 0: an int, not a bool, 2.5 or "784"."""
    return isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_)) and n > 0


def _batch_shape(input_shape, input_dim, where):
    """Keras's ``input_shape=(784,)`` / ``input_dim=784`` as ``(None, 784)``, or None."""
    if input_dim is not None:
        if input_shape is not None:
            raise ValueError(f"{where}: give input_shape or input_dim, not both")
        if not _is_size(input_dim):
            raise ValueError(f"{where}: input_dim must be a positive integer, like 784, got "
                             f"{input_dim!r}")
        input_shape = (input_dim,)
    if input_shape is None:
        return None
    shape = (input_shape,) if np.isscalar(input_shape) else tuple(input_shape)
    if not shape or not all(_is_size(n) for n in shape):
        raise ValueError(f"{where}: input_shape must be positive whole sizes without the "
                         f"batch axis, like (784,), got {input_shape!r}")
    return (None,) + tuple(int(n) for n in shape)


def _real(value, what, where, low, high):
    """A finite number in [low, high) as a float; text, a bool or NaN raise, naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {what} must be a number, got {type(value).__name__} "
                        f"{value!r}")
    if not (math.isfinite(value) and low <= value < high):
        raise ValueError(f"{where}: {what} must lie in [{low}, {high}), got {value}")
    return float(value)


def _pair(value, what, where, minimum=1):
    items = (value, value) if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if len(items) != 2 or not all(isinstance(n, numbers.Integral) and
                                   not isinstance(n, (bool, np.bool_)) and n >= minimum
                                   for n in items):
        raise ValueError(f"{where}: {what} must be an int >= {minimum} or a pair of them, "
                         f"got {value!r}")
    return tuple(int(n) for n in items)


def _flag(value, what, where):
    """A yes/no argument as a bool: True, False (numpy's too), 1 or 0; "False" or None raise,
    naming it, rather than being read as their truth value."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral)
                                               and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{where}: {what} must be True or False, got {type(value).__name__} "
                    f"{value!r}")


def _batched(x, where):
    """A layer's input must have a batch axis: a scalar is refused, naming the layer."""
    if np.ndim(x) == 0:
        raise ValueError(f"{where}: expected input with a batch axis, (batch, ...), got a "
                         "scalar")


def _regularizer_configs(layer):
    """The layer's ``*_regularizer`` attributes in Keras's config form (None when unset)."""
    return {name: regularizers.serialize(value) for name, value in vars(layer).items()
            if name.endswith("_regularizer")}


def _constraints(layer, name, **given):
    """The layer's ``*_constraint`` arguments, each checked (``constraints.for_layer``), in
    order; called before the layer takes a name, so a refused one changes nothing."""
    where = layer if name is None else f"{layer} {name!r}"
    return [constraints.for_layer(c, what, where) for what, c in given.items()]


def _constraint_configs(layer):
    """The layer's ``*_constraint`` attributes in Keras's config form (None when unset)."""
    return {name: constraints.serialize(value) for name, value in vars(layer).items()
            if name.endswith("_constraint")}


def _activation(identifier, layer):
    """``activations.get(identifier)``; a layer it makes for a name ("prelu") is this
    layer's own, so it takes this layer's dtype."""
    activation = activations.get(identifier)
    if isinstance(identifier, str) and isinstance(activation, KerasModule):
        activation._given_dtype = layer._given_dtype
    return activation


def _as_input(x, dtype):
    """Data for a layer: Values pass; numpy data and lists become arrays of the weights'
    dtype (float64 data would otherwise turn every later result float64)."""
    if isinstance(x, ag.Value):
        return x
    return np.asarray(x, dtype=dtype)


class Dense(KerasModule):
    """y = activation(x @ W + b);  x: (batch, n_in) -> y: (batch, units)

    Args:
        units: the number of outputs.
        activation: a name ("relu", "sigmoid", "softmax", "step", "prelu", ...), a function,
            or None for none (see ``nn.activations``).
        use_bias: add the bias b.
        kernel_initializer: for W, "glorot_uniform" by default (``nn.initializers``).
        bias_initializer: for b, "zeros" by default.
        kernel_regularizer, bias_regularizer: penalties of W and b added to ``losses``
            (``nn.regularizers``: "l2", ``regularizers.l2(0.001)``...); None by default.
        activity_regularizer: a penalty of the output y, divided by the batch size.
        kernel_constraint, bias_constraint: projections of W and b applied after each
            optimizer update (``nn.constraints``: ``constraints.MaxNorm(3)``, "non_neg"...);
            None by default.
        input_shape: ``(n_in,)``: build now. Without it (or ``input_dim``), W is created at
            the first call, from the data's last axis.
        input_dim: n_in, another way to say ``input_shape=(n_in,)``.
        name: unique by default: "dense", "dense_1", ...
        seed: seed for the random initializers, for reproducible weights.
        dtype: the float dtype of W, b and the computation, a keyword (None: the default
            float dtype; ``nn.keras_module``).

    Attributes:
        W: the kernel (n_in, units), Keras's ``kernel``.  b: the bias (units,), ``bias``.
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, input_shape=None,
                 input_dim=None, name=None, seed=None, *, dtype=None):
        kernel_constraint, bias_constraint = _constraints(
            "Dense", name, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        super().__init__(name, dtype=dtype)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        where = f"Dense {self.name!r}"
        self.kernel_regularizer = regularizers.for_layer(kernel_regularizer,
                                                         "kernel_regularizer", where)
        self.bias_regularizer = regularizers.for_layer(bias_regularizer, "bias_regularizer",
                                                       where)
        self.activity_regularizer = regularizers.for_layer(activity_regularizer,
                                                           "activity_regularizer", where)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.units = int(units)
        self.use_bias = bool(use_bias)
        self.W = None
        self.b = None
        self.activation = _activation(activation, self)
        self.kernel_initializer = initializers.get(kernel_initializer, seed)
        self.bias_initializer = initializers.get(
            bias_initializer, None if seed is None else seed + 1)
        self.input_shape = _batch_shape(input_shape, input_dim, f"Dense {self.name!r}")
        if self.input_shape is not None:
            self.build(self.input_shape[-1])

    @property
    def kernel(self):
        return self.W

    @property
    def bias(self):
        return self.b

    @property
    def n_in(self):
        """The input size, None until built."""
        return None if self.W is None else self.W.shape[0]

    def build(self, n_in):
        """Create W (n_in, units) and b (units,) from the initializers. ``n_in`` may also
        be the input's shape, as Keras's ``layer.build((None, 784))``."""
        n_in = built_size(n_in)
        dtype = self._float_dtype()
        self.W = ag.Variable(self.kernel_initializer((n_in, self.units), dtype),
                             name=f"{self.name}/W", constraint=self.kernel_constraint)
        if self.use_bias:
            self.b = ag.Variable(self.bias_initializer((self.units,), dtype),
                                 name=f"{self.name}/b", constraint=self.bias_constraint)
        if isinstance(self.activation, Module):  # a layer with weights (PReLU): build it
            with ag.no_grad():                     # too, so all weights exist once Dense is
                self.activation(np.zeros((1, self.units), dtype))  # built

    def logits(self, x):
        """z = x @ W + b, before the activation (the fused losses start from it)."""
        x = _as_input(self._autocast(x), self._float_dtype() if self.W is None
                      else self.W.dtype)
        if self.W is None:
            if x.ndim < 1:
                raise ValueError(f"Dense {self.name!r}: expected input of shape (batch, "
                                 f"n_in), got a scalar")
            self.build(x.shape[-1])
        if x.ndim < 1 or x.shape[-1] != self.n_in:
            raise ValueError(f"Dense {self.name!r}: expected input of shape (batch, "
                             f"{self.n_in}), got {x.shape}")
        # ag.linear is x @ W + b in one op, adding b in place: one array less per step.
        return ag.linear(x, self.W, self.b)  # b is None without a bias: x @ W

    def forward(self, x):
        return self.activation(self.logits(x))

    def _regularized_weights(self):
        return (("kernel_regularizer", self.kernel_regularizer, self.W),
                ("bias_regularizer", self.bias_regularizer, self.b))

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=activations.name_of(self.activation),
                      use_bias=self.use_bias,
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer),
                      **_regularizer_configs(self), **_constraint_configs(self))
        return config

    def extra_repr(self):
        n_in = "?" if self.W is None else self.n_in
        bias = "" if self.use_bias else ", use_bias=False"
        return f"{n_in} -> {self.units}, activation={activations.name_of(self.activation)}{bias}"


class Perceptron(Dense):
    """One unit: y = activation(x @ w + b), (batch, n_in) -> (batch, 1); ``Neuron`` too.

    The default activation is the classic threshold ``step(z) = 1 if z > 0 else 0``. Its
    gradient is zero everywhere, so gradient descent cannot train it: give it
    ``activation="sigmoid"`` to learn by backprop (lecture 2's reason for the sigmoid).

    Args:
        n_in: the number of inputs (None: learnt from the first call).
        activation: "step" by default; any activation of ``Dense``.
        Other arguments as ``Dense``.
    """

    def __init__(self, n_in=None, activation="step", use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", name=None,
                 seed=None, *, dtype=None):
        super().__init__(1, activation, use_bias, kernel_initializer, bias_initializer,
                         input_dim=n_in, name=name, seed=seed, dtype=dtype)

    def get_config(self):
        """Dense's config in Perceptron's arguments: n_in for input_shape, no units (one)
        and no regularizers or constraints (it takes none)."""
        config = super().get_config()
        input_shape = config.pop("input_shape", None)
        for dense_only in ("units", "kernel_regularizer", "bias_regularizer",
                           "activity_regularizer", "kernel_constraint", "bias_constraint"):
            del config[dense_only]
        config["n_in"] = None if input_shape is None else input_shape[-1]
        return config


Neuron = Perceptron


class Flatten(KerasModule):
    """y = x reshaped to (batch, everything else): (batch, 28, 28) -> (batch, 784)

    Keras's Flatten and PyTorch's in one, as their defaults agree (every axis but the
    batch). PyTorch's ``Flatten(start_dim, end_dim)`` merges the axes start..end, e.g.
    ``Flatten(0, 1)``: (n, 1) -> (n,). Keras's ``data_format="channels_first"`` moves the
    channels last before flattening, so the features keep channels_last order. Keras's
    ``dtype`` (a keyword) casts floating inputs to it (``nn.keras_module``).
    """

    def __init__(self, start_dim=1, end_dim=-1, *, data_format=None, input_shape=None,
                 name=None, dtype=None):
        super().__init__(name, dtype=dtype)
        where = f"Flatten {self.name!r}"
        for what, dim in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
                raise TypeError(f"{where}: {what} must be an int (PyTorch's axis), got "
                                f"{dim!r}; Keras's options are keywords (data_format=...)")
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"{where}: data_format must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)
        self.data_format = data_format
        self.input_shape = _batch_shape(input_shape, None, where)

    def forward(self, x):
        where = f"Flatten {self.name!r}"
        _batched(x, where)
        if not isinstance(x, ag.Value):
            x = np.asarray(x)
        if self.data_format == "channels_first" and x.ndim > 2:
            x = ag.transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))
        if (self.start_dim, self.end_dim) == (1, -1):
            shape = (x.shape[0], -1)
        else:
            start, end = (d + x.ndim if d < 0 else d for d in (self.start_dim, self.end_dim))
            if not 0 <= start <= end < x.ndim:
                raise ValueError(f"{where}: cannot merge axes {self.start_dim}..{self.end_dim} "
                                 f"of an input of shape {x.shape}")
            shape = x.shape[:start] + (-1,) + x.shape[end + 1:]
        if isinstance(x, ag.Value):
            return ag.reshape(x, shape)
        return x.reshape(shape)

    def get_config(self):
        config = super().get_config()
        config.update(start_dim=self.start_dim, end_dim=self.end_dim,
                      data_format=self.data_format or "channels_last")
        return config


def dropout_mask(shape, rate, rng, dtype):
    """Inverted dropout's mask of ``shape``: 1 / (1 - rate) where a uniform draw u >= rate,
    else 0; u from ``rng`` (a layer's seeded generator) or, if None, ``ag.random``'s."""
    u = rng.random(shape) if rng is not None else \
        ag.random.uniform(shape, dtype=ag.float64).numpy()
    return (u >= rate).astype(dtype) / dtype.type(1 - rate)


class _RateConfig:
    """A mixin: the config and printed form of a layer with a drop ``rate`` and a ``seed``
    (Dropout, and nn.noise's GaussianDropout and spatial dropouts)."""

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config

    def extra_repr(self):
        return f"rate={self.rate}"


class Dropout(_RateConfig, KerasModule):
    """y = x * mask / (1 - rate) in training mode, mask_i ~ Bernoulli(1 - rate); y = x in
    inference mode.

    Dividing by 1 - rate during training ("inverted dropout") keeps each output's expected
    value equal to x, so nothing needs rescaling at inference. ``fit`` trains with it;
    ``evaluate``, ``predict`` and ``model.eval()`` switch it off.

    Args:
        rate: the fraction of inputs dropped, in [0, 1). Keras requires it; PyTorch's
            ``nn.Dropout(p=0.5)`` names it ``p``, with 0.5 by default, as here.
        seed: seed of this layer's own generator (else ``ag.random``'s is used).
        p: PyTorch's name for ``rate``. (PyTorch's ``inplace`` is accepted and changes
            nothing: results here are new Values.)
        dtype: Keras's, a keyword: floating inputs are cast to it (``nn.keras_module``).
    """

    def __init__(self, rate=None, seed=None, name=None, *, p=None, inplace=False, dtype=None):
        super().__init__(name, dtype=dtype)
        where = f"Dropout {self.name!r}"
        if rate is not None and p is not None:
            raise TypeError(f"{where}: give rate (Keras) or p (PyTorch), not both")
        rate = p if rate is None else rate
        self.rate = _real(0.5 if rate is None else rate, "rate", where, 0.0, 1.0)
        _flag(inplace, "inplace", where)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, x):
        if not self.training or self.rate == 0:
            return x
        dtype = x.dtype if isinstance(x, ag.Value) else self._float_dtype()
        return ag.multiply(x, dropout_mask(np.shape(x), self.rate, self._rng, dtype))


class Activation(KerasModule):
    """y = activation(x), as a layer: ``Activation("relu")``.

    Args:
        activation: a name or a function, as ``Dense``'s.
        dtype: a keyword, Keras's: floating inputs are cast to it (``nn.keras_module``);
            also taken by ReLU, Sigmoid, Tanh, Softmax and LeakyReLU.
    """

    def __init__(self, activation, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        self.activation = _activation(activation, self)

    def forward(self, x):
        return self.activation(x)

    def get_config(self):
        config = super().get_config()
        if type(self) is Activation:  # ReLU, Sigmoid, Tanh fix their activation
            config["activation"] = activations.name_of(self.activation)
        return config

    def extra_repr(self):
        return activations.name_of(self.activation)


class ReLU(Activation):
    """y = max(x, 0)

    ``inplace`` is PyTorch's argument, accepted so ``nn.ReLU(inplace=True)`` ports: the
    engine never overwrites an input, so the result is the same either way.
    """

    def __init__(self, name=None, *, inplace=False, dtype=None):
        super().__init__("relu", name, dtype=dtype)
        self.inplace = bool(inplace)


class Sigmoid(Activation):
    """y = 1 / (1 + exp(-x))"""

    def __init__(self, name=None, *, dtype=None):
        super().__init__("sigmoid", name, dtype=dtype)


class Tanh(Activation):
    """y = tanh(x)"""

    def __init__(self, name=None, *, dtype=None):
        super().__init__("tanh", name, dtype=dtype)


class Softmax(KerasModule):
    """y = exp(x) / sum(exp(x)) along ``axis`` (the last by default; PyTorch's
    ``nn.Softmax(dim=1)`` names it ``dim``)"""

    def __init__(self, axis=-1, name=None, *, dim=None, dtype=None):
        super().__init__(name, dtype=dtype)
        if dim is not None:
            if axis != -1:
                raise TypeError(f"Softmax {self.name!r}: give axis (Keras) or dim (PyTorch), "
                                "not both")
            axis = dim
        self.axis = axis

    def forward(self, x):
        return ag.softmax(x, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config

    def extra_repr(self):
        return f"axis={self.axis}"


class LeakyReLU(KerasModule):
    """y = x if x > 0 else alpha * x.  Keras's layer default alpha is 0.3 (PyTorch: 0.01).

    ``negative_slope=`` (Keras 3's and PyTorch's name) sets ``alpha``; the default stays
    Keras's, so PyTorch's ``nn.LeakyReLU()`` ports as ``LeakyReLU(negative_slope=0.01)``.
    PyTorch's ``inplace`` is accepted and changes nothing."""

    def __init__(self, alpha=0.3, name=None, *, negative_slope=None, inplace=False,
                 dtype=None):
        super().__init__(name, dtype=dtype)
        where = f"LeakyReLU {self.name!r}"
        if negative_slope is not None:
            if alpha != 0.3:
                raise TypeError(f"{where}: give alpha or negative_slope, not both")
            alpha = negative_slope
        self.alpha = _real(alpha, "alpha", where, 0.0, math.inf)
        _flag(inplace, "inplace", where)

    def forward(self, x):
        return ag.leaky_relu(x, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config

    def extra_repr(self):
        return f"alpha={self.alpha}"


class PReLU(KerasModule):
    """y = x if x > 0 else alpha * x, with a trainable slope alpha per unit (last axis).

        y = relu(x) - alpha * relu(-x)      dL/dalpha = -g * relu(-x) = g * min(x, 0)

    alpha starts at 0.25 as in PyTorch (He et al. 2015), so the layer begins leaky and can
    learn any slope; Keras starts from 0, a plain relu. Built at the first call (or from
    ``input_shape``), with one alpha per feature of the last axis.

    Args:
        alpha_initializer: 0.25 (a number), or any initializer name or callable.
        input_shape: build now, alpha of shape input_shape[-1:].
        dtype: of alpha and the computation, a keyword (None: the default float dtype;
            ``nn.keras_module``).
    """

    def __init__(self, alpha_initializer=0.25, input_shape=None, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        self.alpha = None
        self.alpha_initializer = (initializers.Constant(alpha_initializer)
                                  if isinstance(alpha_initializer, (int, float))
                                  else initializers.get(alpha_initializer))
        self.input_shape = _batch_shape(input_shape, None, f"PReLU {self.name!r}")
        if self.input_shape is not None:
            self.build(self.input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config["alpha_initializer"] = initializers.serialize(self.alpha_initializer)
        return config

    def build(self, units):
        units = built_size(units)  # or the input's shape, as Keras's build
        self.alpha = ag.Variable(self.alpha_initializer((units,), self._float_dtype()),
                                 name=f"{self.name}/alpha")

    def forward(self, x):
        x = _as_input(x, self._float_dtype() if self.alpha is None else self.alpha.dtype)
        _batched(x, f"PReLU {self.name!r}")
        if self.alpha is None:
            self.build(x.shape[-1])
        if x.shape[-1:] != self.alpha.shape:
            raise ValueError(f"PReLU {self.name!r}: built for {self.alpha.shape[0]} units, "
                             f"got input of shape {x.shape}")
        return ag.relu(x) - self.alpha * ag.relu(-x)


# activations.get("prelu") makes one; activations cannot import this module (it imports
# activations), so the layer is registered here.
activations.register_layer("prelu", PReLU)


class Residual(KerasModule):
    """y = x + inner(x): a skip connection around ``inner`` (any Module of matching shape).

    The identity path carries the gradient straight back (dy/dx = 1 + d inner/dx), which
    is why very deep residual networks still train. ``dtype``, a keyword, casts floating
    inputs to it (``nn.keras_module``); ``inner`` keeps its own.
    """

    def __init__(self, inner, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        if not callable(inner):
            raise TypeError(f"Residual: inner must be a Module, got {type(inner).__name__}")
        self.inner = inner

    def forward(self, x):
        fx = self.inner(x)
        if np.shape(fx) != np.shape(x):
            raise ValueError(f"Residual {self.name!r}: inner maps shape {np.shape(x)} to "
                             f"{np.shape(fx)}; y = x + inner(x) needs them equal")
        return ag.add(x, fx)
