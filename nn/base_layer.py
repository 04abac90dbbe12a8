"""Layer: Keras's way to write a layer of your own, with ``build``, ``call``, ``add_weight``
and ``add_loss``.

A subclass creates its weights in ``build(input_shape)``, which runs once, at the first
call, when the input's shape is known (or in ``__init__`` when the sizes are given), and
writes the maths in ``call``. This is the subclassing guide's first example:

>>> import numpy as np, autograd_core as ag
>>> class Linear(Layer):
...     def __init__(self, units=32):
...         super().__init__()
...         self.units = units
...     def build(self, input_shape):
...         self.w = self.add_weight(shape=(input_shape[-1], self.units),
...                                  initializer="random_normal")
...         self.b = self.add_weight(shape=(self.units,), initializer="zeros")
...     def call(self, inputs):
...         return ag.matmul(inputs, self.w) + self.b
>>> layer = Linear(4)
>>> layer(np.ones((2, 2))).shape, [w.shape for w in layer.weights]
((2, 4), [(2, 4), (4,)])

``add_loss(value)`` inside ``call`` adds a term to the training loss: ``fit`` adds
``sum(model.losses)`` to the loss it minimises. ``add_weight(..., regularizer=L2(0.01))``
and ``activity_regularizer=`` add Keras's penalties of a weight and of the output
(``nn.regularizers``); ``add_weight(..., constraint=MaxNorm(3))`` projects the weight after
each optimizer update (``nn.constraints``). The losses are those of the latest outermost
call: each call of a layer that is not inside another layer's call starts afresh
(``Module.losses``).
"""

import inspect

import numpy as np

import autograd_core as ag

from . import constraints, initializers, regularizers
from .keras_module import KerasModule

__all__ = ["Layer"]


class Layer(KerasModule):
    """Base class of layers written Keras's way: ``build``, ``call``, ``add_weight``.

    Args:
        name: the layer's name (unique by default, from the class name).
        trainable: False freezes the layer (``Module.trainable``: its weights leave
            ``trainable_variables``, until it is set True again).
        input_shape: without the batch axis, for the first layer of a ``Sequential``.
        activity_regularizer: a penalty of the layer's output, added to ``losses`` at each
            call divided by the batch size (``nn.regularizers``); None by default.
        dtype: the float dtype of ``add_weight``'s weights and of the computation: floating
            inputs are cast to it (None: the default float dtype; ``nn.keras_module``).

    Attributes:
        built: True once ``build`` has run.
        losses: the values passed to ``add_loss`` by this layer and the layers inside it
            during the latest call, their activity penalties, and the penalties of the
            weights, as in Keras (``Module.losses``).
    """

    def __init__(self, name=None, trainable=True, input_shape=None, activity_regularizer=None,
                 dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{', '.join(sorted(kwargs))}")
        super().__init__(name, dtype=dtype)
        where = f"{type(self).__name__} {self.name!r}"
        self.activity_regularizer = regularizers.for_layer(activity_regularizer,
                                                           "activity_regularizer", where)
        self.trainable = bool(trainable)
        self.built = False
        self._added = {}     # add_weight's Variables by name, also those not kept as attributes
        self._regularizers = {}  # add_weight's regularizers, by the weight's name
        if input_shape is not None:
            self.input_shape = (None,) + tuple(int(n) for n in np.atleast_1d(input_shape))

    # --- what a subclass writes -----------------------------------------------------------
    def build(self, input_shape):
        """Create the weights, knowing the input's shape (batch axis first). Default: none."""

    def call(self, *args, **kwargs):
        """The layer's computation on Values. A subclass must define it."""
        raise NotImplementedError(f"{type(self).__name__} must define call()")

    def add_weight(self, shape=(), initializer="glorot_uniform", trainable=True, name=None,
                   dtype=None, regularizer=None, constraint=None):
        """Create a Variable of ``shape`` from ``initializer`` (a name or a callable).

        Args:
            shape: the weight's shape.
            initializer: "glorot_uniform" (Keras's default), "zeros", "random_normal", ...
                or any ``init(shape, dtype)``.
            trainable: False for a weight updated by hand (a running total, a statistic).
            name: the weight's name inside the layer ("variable", "variable_1" by default).
            dtype: the layer's dtype unless given (the default float dtype for a layer
                made with dtype=None); an integer dtype for a weight with
                ``trainable=False`` (a counter).
            regularizer: a penalty of the weight that ``losses`` adds while it is
                trainable (``nn.regularizers``: "l2", ``L2(0.001)``, ...).
            constraint: a projection of the weight that the optimizer applies after each
                update (``nn.constraints``: "non_neg", ``MaxNorm(3)``, ...), kept on the
                Variable as ``constraint``.
        Returns:
            The ``ag.Variable``.
        """
        shape = tuple(int(n) for n in shape) if isinstance(shape, (tuple, list)) \
            else (int(shape),)
        dtype = np.dtype(dtype) if dtype is not None else self._float_dtype()
        if dtype.kind != "f" and trainable:
            raise ValueError(f"{type(self).__name__} {self.name!r}: add_weight: only float "
                             f"weights can be trained, got dtype {dtype}; pass "
                             "trainable=False for a weight kept by hand (a counter)")
        init = initializers.get(initializer)
        where = f"{type(self).__name__} {self.name!r}"
        regularizer = regularizers.for_layer(regularizer, "add_weight: regularizer", where)
        constraint = constraints.for_layer(constraint, "add_weight: constraint", where)
        name = name or ("variable" if not self._added else f"variable_{len(self._added)}")
        if name in self._added:
            raise ValueError(f"{type(self).__name__} {self.name!r}: add_weight: a weight "
                             f"named {name!r} exists already")
        value = np.asarray(init(shape, dtype), dtype=dtype)
        if value.shape != shape:
            raise ValueError(f"{type(self).__name__} {self.name!r}: add_weight: the "
                             f"initializer gave shape {value.shape}, not {shape}")
        # The weight's own flag; the layer's (``trainable``) freezes it while it is False.
        v = ag.Variable(value, name=f"{self.name}/{name}", dtype=dtype,
                        trainable=bool(trainable), constraint=constraint)
        self._added[name] = v
        if regularizer is not None:
            self._regularizers[name] = regularizer
        return v

    def _regularized_weights(self):
        return [(f"the regularizer of weight {name!r}", regularizer, self._added[name])
                for name, regularizer in self._regularizers.items()]

    def add_loss(self, value):
        """Add ``value`` (a scalar Value) to the loss that ``fit`` minimises."""
        if np.ndim(value) != 0:
            raise ValueError(f"{type(self).__name__} {self.name!r}: add_loss needs a scalar, "
                             f"got shape {np.shape(value)}")
        self._add_loss_value(value)

    # --- running it -------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        if not self.built:
            self.build(_shape_of(args[0]) if args else None)
            self.built = True
        if "training" in _parameters(type(self).call):
            kwargs.setdefault("training", self.training)
        return self.call(*args, **kwargs)

    # --- Keras's names for the Variables ----------------------------------------------------
    @property
    def weights(self):
        return self._variables()

    @property
    def trainable_weights(self):
        return self.trainable_variables

    @property
    def non_trainable_weights(self):
        return self.non_trainable_variables

    def _members(self):
        # Attribute names first (``self.w``), so a weight kept as an attribute is named
        # by it; then any weight add_weight made but no attribute holds.
        for name, member in super()._members():
            if not name.startswith("_added."):
                yield name, member
        yield from self._added.items()


def _shape_of(x):
    """The shape of a layer's first input (a list of shapes for a list of inputs)."""
    if isinstance(x, (list, tuple)):
        return [tuple(np.shape(item)) for item in x]
    return tuple(np.shape(x))


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
