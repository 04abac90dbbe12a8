"""Keras's cell API: a cell takes one time step, ``RNN(cell)`` loops it over a sequence.

A cell is any layer with ``call(inputs, states) -> (output, new_states)`` and a
``state_size`` (an int, or a list of ints for several states): inputs (batch, features)
at one step, states a list of (batch, size) arrays. ``RNN`` reads (batch, timesteps,
features) one step at a time, passing each step's new states to the next, and
backpropagation through time is the engine's ordinary backward pass over the steps.

The built-in cells, ``SimpleRNNCell``, ``LSTMCell`` and ``GRUCell``, hold Keras's weights
(kernel, recurrent_kernel, bias) and take their step from ``nn.rnn_math``, the same code
as the ``SimpleRNN``, ``LSTM`` and ``GRU`` layers, so ``RNN(LSTMCell(8))`` computes what
``LSTM(8)`` does from the same weights. A cell of one's own, Keras's example:

>>> import numpy as np, autograd_core as ag
>>> from nn.base_layer import Layer
>>> class MinimalRNNCell(Layer):
...     def __init__(self, units, **kwargs):
...         super().__init__(**kwargs)
...         self.units = units
...         self.state_size = units
...     def build(self, input_shape):
...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
...                                       initializer="uniform", name="kernel")
...         self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
...                                                 initializer="uniform",
...                                                 name="recurrent_kernel")
...     def call(self, inputs, states):
...         prev_output = states[0]
...         output = ag.matmul(inputs, self.kernel) + ag.matmul(prev_output,
...                                                             self.recurrent_kernel)
...         return output, [output]
>>> KerasRNN(MinimalRNNCell(32))(np.ones((2, 7, 5))).shape
(2, 32)
>>> KerasRNN([MinimalRNNCell(32), MinimalRNNCell(64)])(np.ones((2, 7, 5))).shape
(2, 64)

Keras's ``RNN``, ``LSTMCell`` and ``GRUCell`` are named ``KerasRNN``, ``KerasLSTMCell`` and
``KerasGRUCell`` here, and ``nn.layers`` gives them Keras's names: nn's top-level
``nn.RNN``, ``nn.LSTMCell`` and ``nn.GRUCell`` are PyTorch's (as ``KerasLSTM`` and
``TorchLSTM`` in ``nn.recurrent``), and a saved model names each class apart.
"""

import inspect
import numbers

import numpy as np

import autograd_core as ag

from . import constraints, regularizers
from .base_layer import Layer
from .basic_layers import _as_input, _is_size, _real, dropout_mask
from .keras_module import KerasModule, with_dtype
from .module import Module, _snake_case, unique_name
from .recurrent import _activation, _initializer, _serialized
from .rnn_math import GRUMath, LSTMMath, SimpleRNNMath
from .torch_recurrent import _flag

__all__ = ["SimpleRNNCell", "KerasLSTMCell", "KerasGRUCell", "StackedRNNCells", "KerasRNN"]


class _Cell(Layer):
    """What the three cells share: the arguments, the weights and one step.

    ``call(inputs, states, training=False)``: inputs (batch, features), states [h] (or h
    alone) for SimpleRNNCell and GRUCell, [h, c] for LSTMCell, each (batch, units).
    Returns (h, new_states), new_states as the states came: a list, or h alone.
    """

    keras_name = "SimpleRNNCell"

    def __init__(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                 bias_initializer, kernel_regularizer, recurrent_regularizer,
                 bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint,
                 dropout, recurrent_dropout, seed, name, dtype, trainable):
        # Every argument is checked before the layer takes a name: a refusal changes nothing.
        where = self.keras_name if name is None else f"{self.keras_name} {name!r}"
        if not _is_size(units):
            raise ValueError(f"{where}: units must be a positive integer, got {units!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"{where}: seed must be an integer or None, got {seed!r}")
        checked = dict(
            activation=_activation(activation, "activation", where),
            use_bias=_flag(use_bias, "use_bias", where),
            kernel_initializer=_initializer(kernel_initializer, "kernel_initializer", where),
            recurrent_initializer=_initializer(recurrent_initializer, "recurrent_initializer",
                                               where),
            bias_initializer=_initializer(bias_initializer, "bias_initializer", where),
            kernel_regularizer=regularizers.for_layer(kernel_regularizer,
                                                      "kernel_regularizer", where),
            recurrent_regularizer=regularizers.for_layer(recurrent_regularizer,
                                                         "recurrent_regularizer", where),
            bias_regularizer=regularizers.for_layer(bias_regularizer, "bias_regularizer",
                                                    where),
            kernel_constraint=constraints.for_layer(kernel_constraint, "kernel_constraint",
                                                    where),
            recurrent_constraint=constraints.for_layer(recurrent_constraint,
                                                       "recurrent_constraint", where),
            bias_constraint=constraints.for_layer(bias_constraint, "bias_constraint", where),
            dropout=_real(dropout, "dropout", where, 0.0, 1.0),
            recurrent_dropout=_real(recurrent_dropout, "recurrent_dropout", where, 0.0, 1.0))
        super().__init__(name=name if name is not None else
                         unique_name(_snake_case(self.keras_name)),
                         trainable=trainable, dtype=dtype)
        self.units = int(units)
        for key, value in checked.items():
            setattr(self, key, value)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._dropout_masks = {}   # one mask per sequence, kept until RNN resets them
        # Keras's order of the weights: kernel, recurrent_kernel, bias.
        self.kernel = self.recurrent_kernel = self.bias = None

    @property
    def _where(self):
        return f"{self.keras_name} {self.name!r}"

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def get_initial_state(self, batch_size=None):
        """Zeros, one (batch_size, units) array per state: [h], or [h, c] for LSTMCell."""
        return [ag.zeros((batch_size, self.units), dtype=self._float_dtype())
                for _ in range(self.n_states)]

    def build(self, input_shape):
        """kernel (features, k * units), recurrent_kernel (units, k * units), bias."""
        features = int(input_shape[-1])
        k, units, dtype = self.gates, self.units, self._float_dtype()
        self.kernel = self.add_weight((features, k * units), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            (units, k * units), self.recurrent_initializer, name="recurrent_kernel",
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            values = np.asarray(self._bias_values(dtype), dtype)
            self.bias = self.add_weight(values.shape, lambda shape, dtype=None: values,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def forward(self, inputs, states):
        # The shapes are checked before the first call builds: a bad call changes nothing.
        dtype = self._float_dtype() if self.kernel is None else self.kernel.dtype
        x = _as_input(inputs, dtype)
        features = "features" if self.kernel is None else self.kernel.shape[0]
        if x.ndim != 2 or (self.kernel is not None and x.shape[1] != features):
            raise ValueError(f"{self._where}: inputs must be one time step, (batch, "
                             f"{features}), got shape {x.shape}")
        listed = isinstance(states, (list, tuple))
        if not listed and self.n_states == 2:
            raise ValueError(f"{self._where}: states must be a list [h, c]")
        states = [_as_input(s, dtype) for s in (states if listed else [states])]
        want = (x.shape[0], self.units)
        if len(states) != self.n_states or any(s.shape != want for s in states):
            names = "[h, c]" if self.n_states == 2 else "[h]"
            raise ValueError(f"{self._where}: states must be {names}, each of shape (batch, "
                             f"units) = {want} for inputs of shape {x.shape}, got "
                             f"{[s.shape for s in states]}")
        return super().forward(x, states if listed else states[0])

    def call(self, inputs, states, training=False):
        listed = isinstance(states, (list, tuple))
        x, rec_mask = inputs, None
        if training and self.dropout > 0:
            x = x * self._mask("dropout", x.shape, self.dropout)
        if training and self.recurrent_dropout > 0:
            rec_mask = self._mask("recurrent", (x.shape[0], self.units), self.recurrent_dropout)
        new = self.step(self._project(x), tuple(states) if listed else (states,), rec_mask)
        return new[0], list(new) if listed else new[0]

    def _mask(self, kind, shape, rate):
        """Keras's: the same mask at every step of a sequence, until RNN resets it."""
        mask = self._dropout_masks.get(kind)
        if mask is None or mask.shape != tuple(shape):
            mask = dropout_mask(tuple(shape), rate, self._rng, self.kernel.dtype)
            self._dropout_masks[kind] = mask
        return mask

    def reset_dropout_mask(self):
        self._dropout_masks.pop("dropout", None)

    def reset_recurrent_dropout_mask(self):
        self._dropout_masks.pop("recurrent", None)

    def _arguments(self):
        return dict(units=self.units, activation=self.activation, use_bias=self.use_bias,
                    kernel_initializer=self.kernel_initializer,
                    recurrent_initializer=self.recurrent_initializer,
                    bias_initializer=self.bias_initializer,
                    kernel_regularizer=self.kernel_regularizer,
                    recurrent_regularizer=self.recurrent_regularizer,
                    bias_regularizer=self.bias_regularizer,
                    kernel_constraint=self.kernel_constraint,
                    recurrent_constraint=self.recurrent_constraint,
                    bias_constraint=self.bias_constraint, dropout=self.dropout,
                    recurrent_dropout=self.recurrent_dropout, seed=self.seed)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        for key, value in self._arguments().items():
            config[key] = _serialized(key, value)
        return with_dtype(config, self._given_dtype)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def extra_repr(self):
        return str(self.units)


class SimpleRNNCell(SimpleRNNMath, _Cell):
    """h_t = activation(x_t @ W + h_{t-1} @ U + b), one step: (batch, features) -> (batch,
    units).

    Args (Keras's defaults): units, activation="tanh", use_bias=True,
    kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
    bias_initializer="zeros", the regularizers and constraints of the three weights
    (None), dropout=0.0, recurrent_dropout=0.0 (in training: one mask of x_t's features,
    one of h_{t-1}, kept for a whole sequence), seed=None; name, dtype, trainable.
    """

    keras_name = "SimpleRNNCell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 name=None, dtype=None, trainable=True):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, name, dtype, trainable)


class KerasLSTMCell(LSTMMath, _Cell):
    """One LSTM step, Keras's gates i, f, c, o (``nn.rnn_math``): states [h, c] ->
    (h, [h, c]).

    Args (Keras's defaults): as SimpleRNNCell's, and recurrent_activation="sigmoid",
    unit_forget_bias=True (the forget gate's bias starts at 1).
    Weights: kernel (features, 4 units), recurrent_kernel (units, 4 units), bias (4 units,).
    """

    keras_name = "LSTMCell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 name=None, dtype=None, trainable=True):
        where = self.keras_name if name is None else f"{self.keras_name} {name!r}"
        sigma = _activation(recurrent_activation, "recurrent_activation", where)
        unit_forget_bias = _flag(unit_forget_bias, "unit_forget_bias", where)
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, name, dtype, trainable)
        self.recurrent_activation = sigma
        self.unit_forget_bias = unit_forget_bias

    @property
    def state_size(self):
        return [self.units, self.units]

    def _arguments(self):
        return {**super()._arguments(), "recurrent_activation": self.recurrent_activation,
                "unit_forget_bias": self.unit_forget_bias}


class KerasGRUCell(GRUMath, _Cell):
    """One GRU step, Keras's gates z, r, h (``nn.rnn_math``): states [h] -> (h, [h]).

    Args (Keras's defaults): as SimpleRNNCell's, and recurrent_activation="sigmoid",
    reset_after=True (the reset gate multiplies h_{t-1} @ U + b_rec; the bias is then two
    rows, (2, 3 units): b_in and b_rec).
    """

    keras_name = "GRUCell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None,
                 name=None, dtype=None, trainable=True):
        where = self.keras_name if name is None else f"{self.keras_name} {name!r}"
        sigma = _activation(recurrent_activation, "recurrent_activation", where)
        reset_after = _flag(reset_after, "reset_after", where)
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, name, dtype, trainable)
        self.recurrent_activation = sigma
        self.reset_after = reset_after

    def _arguments(self):
        return {**super()._arguments(), "recurrent_activation": self.recurrent_activation,
                "reset_after": self.reset_after}


# --- any cell ------------------------------------------------------------------------------
def _call_cell(cell, inputs, states, training):
    """``cell(inputs, states)``, in training mode or not: a Module through its __call__
    (which sets the mode), any other object through its ``call``."""
    if isinstance(cell, Module):
        return cell(inputs, states, training=bool(training))
    call = cell.call
    if "training" in inspect.signature(call).parameters:
        return call(inputs, states, training=bool(training))
    return call(inputs, states)


def _zeros_for(state_size, batch_size, dtype):
    if isinstance(state_size, (list, tuple)):
        return [_zeros_for(size, batch_size, dtype) for size in state_size]
    return ag.zeros((batch_size, int(state_size)), dtype=dtype)


def _initial_state(cell, batch_size, dtype):
    """The cell's ``get_initial_state(batch_size)``, or zeros from its ``state_size``."""
    make = getattr(cell, "get_initial_state", None)
    if make is not None:
        return make(batch_size=batch_size)
    return _zeros_for(cell.state_size, batch_size, dtype)


def _is_nested(x):
    return isinstance(x, (list, tuple))


def _where_states(keep, new, old):
    """new where keep (batch, 1) holds, else old, through nested lists of states."""
    if _is_nested(new):
        return [_where_states(keep, n, o) for n, o in zip(new, old)]
    return ag.where(keep, new, old)


class StackedRNNCells(Layer):
    """Cells one above the other as one cell: each step's output of a cell is the input of
    the next. ``states`` is one entry per cell (that cell's states); the output is the last
    cell's.

    Args: cells, a list of cells; name, dtype, trainable.
    """

    def __init__(self, cells, name=None, dtype=None, trainable=True):
        if not isinstance(cells, (list, tuple)) or not cells:
            raise TypeError(f"StackedRNNCells: cells must be a non-empty list of cells, got "
                            f"{type(cells).__name__}")
        for cell in cells:
            _check_cell(cell, "StackedRNNCells")
        super().__init__(name=name, trainable=trainable, dtype=dtype)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        size = last.state_size
        return size[0] if _is_nested(size) else size

    def get_initial_state(self, batch_size=None):
        return [_initial_state(cell, batch_size, self._float_dtype()) for cell in self.cells]

    def call(self, inputs, states, training=False):
        if not _is_nested(states) or len(states) != len(self.cells):
            raise ValueError(f"StackedRNNCells {self.name!r}: states must be a list of "
                             f"{len(self.cells)} entries, one per cell")
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            listed = _is_nested(cell_states)
            inputs, cell_states = _call_cell(
                cell, inputs, list(cell_states) if listed else [cell_states], training)
            if not listed and _is_nested(cell_states) and len(cell_states) == 1:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    def get_config(self):
        return with_dtype({"name": self.name, "trainable": self.trainable,
                           "cells": [_cell_spec(cell) for cell in self.cells]},
                          self._given_dtype)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cells"] = [_cell_from_spec(spec, "StackedRNNCells.from_config")
                           for spec in config["cells"]]
        return cls(**config)


def _check_cell(cell, where):
    if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
        raise TypeError(f"{where}: a cell must have call(inputs, states) and state_size, as "
                        f"Keras's SimpleRNNCell, LSTMCell, GRUCell; got "
                        f"{type(cell).__name__}")


def _cell_spec(cell):
    return {"class_name": type(cell).__name__, "config": cell.get_config()}


def _cell_from_spec(spec, where):
    if not isinstance(spec, dict):
        return spec    # a cell already
    classes = {cls.__name__: cls for cls in (SimpleRNNCell, KerasLSTMCell, KerasGRUCell,
                                             StackedRNNCells)}
    if spec.get("class_name") not in classes:
        raise ValueError(f"{where}: unknown cell class {spec.get('class_name')!r}; a cell of "
                         f"one's own must be given as the cell itself")
    return classes[spec["class_name"]].from_config(spec.get("config", {}))


class KerasRNN(KerasModule):
    """Keras's ``RNN(cell)``: the cell's step run over every time step.

    Args (Keras's defaults):
        cell: a cell (``call(inputs, states) -> (output, new_states)``, ``state_size``), or
            a list of cells (made a ``StackedRNNCells``).
        return_sequences=False: every step's output, (batch, timesteps, output_size),
            instead of the last one's.
        return_state=False: also the final states: ``output, *states``.
        go_backwards=False: read the sequence from its end (outputs in that order).
        stateful=False (only), unroll=False (either: the loop is always unrolled here).
        zero_output_for_mask=False: with a mask, a skipped step's output is zeros instead
            of the previous step's.
        name, dtype=None.

    Call: ``layer(inputs, initial_state=None, mask=None)``, inputs (batch, timesteps,
    features); initial_state the cell's states (zeros by default, from the cell's
    ``get_initial_state``); mask (batch, timesteps) booleans, False at the steps where the
    states are kept as they were.
    """

    supports_masking = True
    _call_has_mask_arg = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, name=None, *,
                 dtype=None):
        where = "RNN" if name is None else f"RNN {name!r}"
        if _is_nested(cell):
            cell = StackedRNNCells(list(cell))
        _check_cell(cell, where)
        flags = {key: _flag(value, key, where) for key, value in (
            ("return_sequences", return_sequences), ("return_state", return_state),
            ("go_backwards", go_backwards), ("stateful", stateful), ("unroll", unroll),
            ("zero_output_for_mask", zero_output_for_mask))}
        if flags["stateful"]:
            raise NotImplementedError(f"{where}: stateful=True is not supported (only "
                                      "stateful=False): pass the final states back as "
                                      "initial_state instead")
        super().__init__(name if name is not None else unique_name("rnn"), dtype=dtype)
        self.cell = cell
        for key, value in flags.items():
            setattr(self, key, value)

    @property
    def state_size(self):
        return self.cell.state_size

    def get_initial_state(self, batch_size):
        state = _initial_state(self.cell, batch_size, self._float_dtype())
        return list(state) if _is_nested(state) else [state]

    def forward(self, inputs, initial_state=None, mask=None):
        where = f"RNN {self.name!r}"
        x = _as_input(inputs, self._float_dtype())
        if x.ndim != 3 or x.shape[1] == 0:
            raise ValueError(f"{where}: expected input of shape (batch, timesteps, features) "
                             f"with timesteps > 0, got {x.shape}")
        batch, steps = x.shape[:2]
        if _is_nested(mask):
            mask = mask[0]
        if mask is not None:
            mask = mask.numpy() if isinstance(mask, ag.Value) else np.asarray(mask)
            if mask.shape != (batch, steps):
                raise ValueError(f"{where}: mask must be booleans of shape (batch, timesteps)"
                                 f" = {(batch, steps)}, got shape {mask.shape}")
            mask = mask.astype(bool)
        states = self.get_initial_state(batch) if initial_state is None else \
            list(initial_state) if _is_nested(initial_state) else [initial_state]
        for reset in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
            for cell in getattr(self.cell, "cells", [self.cell]):
                if hasattr(cell, reset):
                    getattr(cell, reset)()
        outputs = []
        for t in (reversed(range(steps)) if self.go_backwards else range(steps)):
            output, new_states = _call_cell(self.cell, x[:, t], states, self.training)
            new_states = list(new_states) if _is_nested(new_states) else [new_states]
            if mask is not None and not mask[:, t].all():
                keep = mask[:, t, None]
                before = outputs[-1] if outputs and not self.zero_output_for_mask else \
                    np.zeros(output.shape, output.dtype)
                output = ag.where(keep, output, before)
                new_states = _where_states(keep, new_states, states)
            outputs.append(output)
            states = new_states
        output = ag.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return (output, *states) if self.return_state else output

    def compute_mask(self, inputs, mask):
        if _is_nested(mask):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if not self.return_state:
            return output_mask
        return [output_mask] + [None] * len(self.get_initial_state(1))

    def get_config(self):
        config = {"name": self.name, "cell": _cell_spec(self.cell)}
        for key in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                    "zero_output_for_mask"):
            config[key] = getattr(self, key)
        return with_dtype(config, self._given_dtype)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cell"] = _cell_from_spec(config["cell"], "RNN.from_config")
        return cls(**config)

    def extra_repr(self):
        return type(self.cell).__name__
