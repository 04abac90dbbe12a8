"""Keras's ``EinsumDense``: a Dense layer whose product is any einsum of the input with
the kernel, y = activation(einsum(equation, x, W) + b).

The equation names the input's axes, the kernel's and the output's:
"ab,bc->ac" is Dense; "abc,cd->abd" a Dense on each step of a sequence; "...b,bc->...c"
the same, the leading axes elided. The kernel's shape comes from the input's axes and
``output_shape`` (the output's shape without the batch axis, None where the input gives
it); ``bias_axes`` names the output axes the bias varies along (broadcast over the rest).
The gradient is einsum's: dL/dW = einsum of x and dL/dy over the axes W lacks.

>>> import numpy as np
>>> layer = EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
>>> layer(np.ones((2, 32, 128))).shape, layer.kernel.shape, layer.bias.shape
((2, 32, 64), (128, 64), (64,))
"""

import re

import autograd_core as ag

from . import activations, initializers, regularizers
from .basic_layers import _activation, _as_input, _constraint_configs, _constraints
from .keras_module import KerasModule

__all__ = ["EinsumDense"]

_FORMS = (  # (pattern, elided side)
    (r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", None),
    (r"^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$", "left"),
    (r"^([a-zA-Z]+)\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.$", "right"),
)


def _split(equation, where):
    for pattern, elided in _FORMS:
        match = re.match(pattern, equation.replace(" ", ""))
        if match:
            return match.groups(), elided
    raise ValueError(f"{where}: equation must be of the form 'ab,bc->ac', '...b,bc->...c' or "
                     f"'ab...,bc->ac...', one input and one kernel, got {equation!r}")


def analyze(equation, bias_axes, input_shape, output_shape, where):
    """Keras's ``_analyze_einsum_string``: (kernel shape, bias shape or None, full output
    shape with the batch axis) for an input of ``input_shape`` (batch axis first)."""
    (input_spec, weight_spec, output_spec), elided_side = _split(equation, where)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided > 0 and elided_side is None):
        raise ValueError(f"{where}: the equation's input {input_spec!r} has {len(input_spec)}"
                         f" axes, the input has shape {tuple(input_shape)}")
    output = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output.insert(0, input_shape[0])
    if elided_side == "left":
        for i in range(1, elided):
            output.insert(1, input_shape[i])
    elif elided_side == "right":
        output += input_shape[len(input_shape) - elided:]
    if elided_side == "left":
        in_axis = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        out_axis = {d: i + elided - len(output) for i, d in enumerate(output_spec)}
    else:
        in_axis = {d: i for i, d in enumerate(input_spec)}
        out_axis = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in out_axis and output[out_axis[d]] is not None \
                and output[out_axis[d]] != input_shape[in_axis[d]]:
            raise ValueError(f"{where}: output_shape {tuple(output[1:])} has "
                             f"{output[out_axis[d]]} for axis {d!r}, the input "
                             f"{tuple(input_shape)} has {input_shape[in_axis[d]]}")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"{where}: axis {d!r} of the output {output_spec!r} is in neither "
                             f"the input {input_spec!r} nor the kernel {weight_spec!r}")
    kernel_shape = []
    for d in weight_spec:
        if d in in_axis:
            kernel_shape.append(input_shape[in_axis[d]])
        elif d in out_axis:
            kernel_shape.append(output[out_axis[d]])
        else:
            raise ValueError(f"{where}: kernel axis {d!r} is in neither the input "
                             f"{input_spec!r} nor the output {output_spec!r}")
    if any(n is None for n in kernel_shape):
        raise ValueError(f"{where}: the kernel's shape {kernel_shape} needs every axis known")
    bias_shape = None
    if bias_axes is not None:
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"{where}: bias_axes {bias_axes!r} names {d!r}, not an axis "
                                 f"of the output {output_spec!r}")
        first = min(output_spec.find(d) for d in bias_axes)
        bias_shape = [output[out_axis[d]] if d in bias_axes else 1
                      for d in output_spec[first:]]
        if elided_side == "right":
            bias_shape += [1] * elided
    return kernel_shape, bias_shape, output


class EinsumDense(KerasModule):
    """y = activation(einsum(equation, x, kernel) + bias).

    Args (Keras's defaults):
        equation: "ab,bc->ac" and the like (the module docstring).
        output_shape: the output's shape without the batch axis, an int or a tuple, None
            for an axis of the input's length.
        activation=None, bias_axes=None (no bias), kernel_initializer="glorot_uniform",
        bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
        activity_regularizer=None, kernel_constraint=None, bias_constraint=None, name;
        dtype=None, a keyword.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, name=None, *, dtype=None):
        where = "EinsumDense" if name is None else f"EinsumDense {name!r}"
        if not isinstance(equation, str):
            raise TypeError(f"{where}: equation must be a string, got {equation!r}")
        _split(equation, where)
        if not (isinstance(output_shape, int) or (
                isinstance(output_shape, (tuple, list))
                and all(n is None or isinstance(n, int) for n in output_shape))):
            raise TypeError(f"{where}: output_shape must be an int or a tuple of ints and None, "
                            f"got {output_shape!r}")
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise TypeError(f"{where}: bias_axes must be a string of output axes, like 'c', "
                            f"got {bias_axes!r}")
        penalties = [regularizers.for_layer(r, what, where) for what, r in (
            ("kernel_regularizer", kernel_regularizer), ("bias_regularizer", bias_regularizer),
            ("activity_regularizer", activity_regularizer))]
        projections = _constraints("EinsumDense", name, kernel_constraint=kernel_constraint,
                                   bias_constraint=bias_constraint)
        activations.get(activation)   # a bad one raises before a name is taken
        kernel_init = initializers.get(kernel_initializer)
        bias_init = initializers.get(bias_initializer)
        super().__init__(name, dtype=dtype)
        self.equation, self.bias_axes = equation, bias_axes
        self.output_shape_arg = output_shape if isinstance(output_shape, int) \
            else tuple(output_shape)
        self.activation = _activation(activation, self)
        self.kernel_initializer, self.bias_initializer = kernel_init, bias_init
        self.kernel_regularizer, self.bias_regularizer, self.activity_regularizer = penalties
        self.kernel_constraint, self.bias_constraint = projections
        self.kernel = self.bias = None

    @property
    def _where(self):
        return f"EinsumDense {self.name!r}"

    def build(self, input_shape):
        kernel_shape, bias_shape, _ = analyze(self.equation, self.bias_axes, input_shape,
                                              self.output_shape_arg, self._where)
        dtype = self._float_dtype()
        self.kernel = ag.Variable(self.kernel_initializer(tuple(kernel_shape), dtype),
                                  name=f"{self.name}/kernel", constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = ag.Variable(self.bias_initializer(tuple(bias_shape), dtype),
                                    name=f"{self.name}/bias", constraint=self.bias_constraint)

    def forward(self, x):
        x = _as_input(x, self._float_dtype() if self.kernel is None else self.kernel.dtype)
        # Checked against the equation before anything is built: a bad call changes nothing.
        kernel_shape, _, _ = analyze(self.equation, self.bias_axes, x.shape,
                                     self.output_shape_arg, self._where)
        if self.kernel is None:
            self.build(x.shape)
        elif tuple(kernel_shape) != self.kernel.shape:
            raise ValueError(f"{self._where}: built for a kernel {self.kernel.shape}, the input"
                             f" of shape {x.shape} needs {tuple(kernel_shape)}")
        y = ag.einsum(self.equation, x, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def _regularized_weights(self):
        return (("kernel_regularizer", self.kernel_regularizer, self.kernel),
                ("bias_regularizer", self.bias_regularizer, self.bias))

    def get_config(self):
        config = super().get_config()
        config.pop("input_shape", None)   # not an argument of Keras's EinsumDense
        config.update(equation=self.equation, output_shape=self.output_shape_arg,
                      activation=activations.name_of(self.activation), bias_axes=self.bias_axes,
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer),
                      kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                      bias_regularizer=regularizers.serialize(self.bias_regularizer),
                      activity_regularizer=regularizers.serialize(self.activity_regularizer),
                      **_constraint_configs(self))
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def extra_repr(self):
        return f"{self.equation!r}, output_shape={self.output_shape_arg}"
