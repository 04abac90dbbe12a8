"""Recurrent layers, Keras's: ``SimpleRNN``, ``LSTM``, ``GRU`` and ``Bidirectional``; and
the two names, ``LSTM`` and ``GRU``, that Keras and PyTorch share.

A recurrent layer reads a sequence one step at a time with the same weights at every
step, carrying a state h (the LSTM also a cell state c) from each step to the next:

    h_t = activation(x_t @ W + h_{t-1} @ U + b)                             (SimpleRNN)

W is the ``kernel`` (features, k * units), U the ``recurrent_kernel`` (units, k * units)
and b the ``bias`` (k * units,), k = 1, 4 or 3 for SimpleRNN, LSTM and GRU: one block of
columns per gate. The loop over time is plain Python, each step a few of the engine's
ops, so backpropagation through time is the engine's ordinary backward pass over the
unrolled steps, and derivatives of any order come with it.

Keras's layout: inputs (batch, timesteps, features); the output is the last h (batch,
units), or every h (batch, timesteps, units) with ``return_sequences=True``;
``return_state=True`` adds the final states: ``output, h, c = LSTM(8, return_state=True)(x)``.
The text examples' classifier, 4 * 32 * (16 + 32 + 1) LSTM weights:

>>> import nn
>>> model = nn.Sequential([nn.Embedding(1000, 16, input_length=20), LSTM(32),
...                        nn.Dense(1, activation="sigmoid")])
>>> [layer.count_params() for layer in model.layers], model.output_shape
([16000, 6272, 33], (None, 1))

One name, two libraries. Keras and PyTorch both call a layer ``LSTM`` (and ``GRU``), with
different arguments, weights and outputs. The classes stay apart, one per library, each
reading like its own documentation: ``KerasLSTM`` and ``KerasGRU`` here, ``TorchLSTM``
and ``TorchGRU`` in ``nn.torch_recurrent``. ``LSTM`` and ``GRU`` choose between them by
the arguments, which never overlap, as each library's first ones differ:

- ``LSTM(64, ...)``, one positional argument, or ``units=``: Keras's;
- ``LSTM(10, 20, ...)``, two integers (``input_size, hidden_size``), or ``input_size=`` /
  ``hidden_size=``: PyTorch's.

``isinstance(layer, LSTM)`` holds for both; a keyword of the other library
(``LSTM(10, 20, return_sequences=True)``) is refused, naming it. To subclass, subclass
``KerasLSTM`` or ``TorchLSTM``. Keras's ``SimpleRNN`` and PyTorch's ``RNN`` have their
own names; Keras's ``RNN(cell)`` and its cells are ``nn.layers.RNN``, ``nn.layers.LSTMCell``,
... (``nn.rnn_cells``), their step this module's (``nn.rnn_math``).
"""

import abc
import inspect
import numbers

import numpy as np

import autograd_core as ag

from . import activations, constraints, initializers, regularizers
from .keras_module import KerasModule, built_size, float_dtype, with_dtype
from .basic_layers import _as_input, _constraints, _is_size, _real
from .module import _snake_case, unique_name
from .rnn_math import GRUMath, LSTMMath, SimpleRNNMath
from .torch_recurrent import RNN, TorchGRU, TorchLSTM, _flag

__all__ = ["SimpleRNN", "LSTM", "GRU", "Bidirectional", "KerasLSTM", "KerasGRU", "RNN",
           "TorchLSTM", "TorchGRU"]


def _activation(identifier, what, where):
    """An activation by name or function; "hard_sigmoid" (Keras 2's recurrent default) too."""
    if isinstance(identifier, str) and identifier.lower() == "hard_sigmoid":
        return ag.hard_sigmoid
    try:
        return activations.get(identifier)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where}: {what}: {err}") from None


def _serialized(key, value):
    """A recurrent layer's or cell's argument as its config holds it: activations by name,
    initializers, regularizers and constraints as Keras serializes them."""
    if key.endswith("activation"):
        return activations.name_of(value)
    if key.endswith("initializer"):
        return initializers.serialize(value)
    if key.endswith("regularizer"):
        return regularizers.serialize(value)
    if key.endswith("constraint"):
        return constraints.serialize(value)
    return value


def _initializer(identifier, what, where):
    try:
        return initializers.get(identifier)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where}: {what}: {err}") from None


def _sequence_shape(input_shape, where):
    """Keras's input_shape=(timesteps, features) as (None, timesteps, features); timesteps
    may be None (any length)."""
    if input_shape is None:
        return None
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else ()
    if len(shape) != 2 or not _is_size(shape[1]) or not (shape[0] is None
                                                         or _is_size(shape[0])):
        raise ValueError(f"{where}: input_shape must be (timesteps, features) without the "
                         f"batch axis, timesteps None for any length, like (20, 8), got "
                         f"{input_shape!r}")
    return (None, None if shape[0] is None else int(shape[0]), int(shape[1]))


def _step_mask(mask, input_shape, where):
    """Keras's mask of the time steps as booleans (batch, timesteps), or None."""
    if mask is None:
        return None
    if isinstance(mask, (list, tuple)):   # Keras gives a list for several inputs
        mask = mask[0]
        if mask is None:
            return None
    mask = mask.numpy() if isinstance(mask, ag.Value) else np.asarray(mask)
    if mask.shape != tuple(input_shape[:2]) or mask.dtype.kind not in "biuf":
        raise ValueError(f"{where}: mask must be booleans of shape (batch, timesteps) = "
                         f"{tuple(input_shape[:2])} for an input of shape "
                         f"{tuple(input_shape)}, got shape {mask.shape} and dtype {mask.dtype}")
    return mask.astype(bool)


class _Recurrent(KerasModule):
    """What SimpleRNN, LSTM and GRU share: the arguments, the weights and the loop over
    time. A subclass takes ``gates`` (k), ``n_states``, ``_project``, ``_bias_values`` and
    ``step`` from its cell's maths (``nn.rnn_math``, shared with ``nn.rnn_cells``), and calls
    ``_build_if_shaped`` at the end of its ``__init__``."""

    keras_name = "SimpleRNN"
    # Keras's masking (nn.masking): the layer takes the mask of its input, and its
    # output keeps it with return_sequences (compute_mask).
    supports_masking = True
    _call_has_mask_arg = True

    def __init__(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                 bias_initializer, kernel_regularizer, recurrent_regularizer,
                 bias_regularizer, activity_regularizer, kernel_constraint,
                 recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                 return_sequences, return_state, go_backwards, stateful, unroll, seed,
                 input_shape, name, dtype):
        # Checked before a name is taken: a refused dtype or constraint changes nothing.
        dtype = float_dtype(dtype, self.keras_name, name)
        projections = _constraints(self.keras_name, name, kernel_constraint=kernel_constraint,
                                   recurrent_constraint=recurrent_constraint,
                                   bias_constraint=bias_constraint)
        super().__init__(name if name is not None else
                         unique_name(_snake_case(self.keras_name)), dtype=dtype)
        where = self._where
        if not _is_size(units):
            raise ValueError(f"{where}: units must be a positive integer, got {units!r}")
        if _flag(stateful, "stateful", where):
            raise NotImplementedError(f"{where}: stateful=True is not supported (only "
                                      "stateful=False): pass the final states back as "
                                      "initial_state instead")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"{where}: seed must be an integer or None, got {seed!r}")
        self.units = int(units)
        self.activation = _activation(activation, "activation", where)
        self.use_bias = _flag(use_bias, "use_bias", where)
        self.kernel_initializer = _initializer(kernel_initializer, "kernel_initializer", where)
        self.recurrent_initializer = _initializer(recurrent_initializer,
                                                  "recurrent_initializer", where)
        self.bias_initializer = _initializer(bias_initializer, "bias_initializer", where)
        for what, value in (("kernel_regularizer", kernel_regularizer),
                            ("recurrent_regularizer", recurrent_regularizer),
                            ("bias_regularizer", bias_regularizer),
                            ("activity_regularizer", activity_regularizer)):
            setattr(self, what, regularizers.for_layer(value, what, where))
        self.kernel_constraint, self.recurrent_constraint, self.bias_constraint = projections
        self.dropout = _real(dropout, "dropout", where, 0.0, 1.0)
        self.recurrent_dropout = _real(recurrent_dropout, "recurrent_dropout", where, 0.0, 1.0)
        self.return_sequences = _flag(return_sequences, "return_sequences", where)
        self.return_state = _flag(return_state, "return_state", where)
        self.go_backwards = _flag(go_backwards, "go_backwards", where)
        self.unroll = _flag(unroll, "unroll", where)  # the loop is always unrolled here
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._given_shape = _sequence_shape(input_shape, where)
        if self._given_shape is not None and self._given_shape[1] is not None:
            self.input_shape = self._given_shape   # else the model learns it from data
        # Set in this order, Keras's order of the weights: kernel, recurrent_kernel, bias.
        self.kernel = self.recurrent_kernel = self.bias = None

    @property
    def _where(self):
        return f"{self.keras_name} {self.name!r}"

    def _build_if_shaped(self):
        if self._given_shape is not None:
            self.build(self._given_shape[-1])

    # --- the weights ---------------------------------------------------------------------
    def build(self, features):
        """Create kernel (features, k * units), recurrent_kernel (units, k * units), and
        the bias, from the initializers. ``features`` may also be the input's shape
        (batch, steps, features), as Keras's ``layer.build(shape)``."""
        features = built_size(features)
        dtype = self._float_dtype()
        k, units = self.gates, self.units
        self.kernel = ag.Variable(self.kernel_initializer((features, k * units), dtype),
                                  name=f"{self.name}/kernel", constraint=self.kernel_constraint)
        self.recurrent_kernel = ag.Variable(
            self.recurrent_initializer((units, k * units), dtype),
            name=f"{self.name}/recurrent_kernel", constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = ag.Variable(np.asarray(self._bias_values(dtype), dtype),
                                    name=f"{self.name}/bias", constraint=self.bias_constraint)

    def _regularized_weights(self):
        return (("kernel_regularizer", self.kernel_regularizer, self.kernel),
                ("recurrent_regularizer", self.recurrent_regularizer, self.recurrent_kernel),
                ("bias_regularizer", self.bias_regularizer, self.bias))

    # --- the run -----------------------------------------------------------------------
    def forward(self, inputs, initial_state=None, mask=None):
        """Args:
            inputs: (batch, timesteps, features).
            initial_state: the states to start from, each (batch, units), zeros if None:
                [h] (or h alone) for SimpleRNN and GRU, [h, c] for the LSTM.
            mask: None, or (batch, timesteps) booleans, False at the steps to skip: there
                the states stay as they were, and the output is the previous step's (zeros
                with ``zero_output_for_mask``, and before the first step), as Keras's.
                In a model, the mask of ``Embedding(mask_zero=True)`` or ``Masking``.
        Returns:
            The last h (batch, units), or every h (batch, timesteps, units) with
            ``return_sequences`` (in the order read, so reversed with ``go_backwards``);
            with ``return_state``, a tuple (output, h) or (output, h, c).
        """
        x, states, mask = self._checked(inputs, initial_state, mask)
        if self.kernel is None:
            self.build(x.shape[-1])
        batch, steps, features = x.shape
        rec_mask = None
        if self.training and self.dropout > 0:   # one mask per sequence, the same each step
            x = x * self._dropout_mask((batch, 1, features), self.dropout)
        if self.training and self.recurrent_dropout > 0:
            rec_mask = self._dropout_mask((batch, self.units), self.recurrent_dropout)
        xw = self._project(x)
        order = reversed(range(steps)) if self.go_backwards else range(steps)
        outputs = []
        if mask is None:
            for t in order:
                states = self.step(xw[:, t], states, rec_mask)
                outputs.append(states[0])
        else:
            keep = mask[:, :, None]
            zeros = np.zeros((batch, self.units), xw.dtype)
            for t in order:
                new = self.step(xw[:, t], states, rec_mask)
                if keep[:, t].all():   # no sequence skips this step: nothing to select
                    states = new
                    outputs.append(new[0])
                    continue
                before = zeros if self.zero_output_for_mask or not outputs else outputs[-1]
                outputs.append(ag.where(keep[:, t], new[0], before))
                states = tuple(ag.where(keep[:, t], s_new, s)
                               for s_new, s in zip(new, states))
        output = ag.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return (output, *states) if self.return_state else output

    def compute_mask(self, inputs, mask):
        """The output's mask, Keras's: the input's with return_sequences, else None (and
        None for each state with return_state)."""
        output_mask = mask if self.return_sequences else None
        return [output_mask] + [None] * self.n_states if self.return_state else output_mask

    def _checked(self, inputs, initial_state, mask):
        """The input, the initial states and the mask, checked before anything is built:
        (x, states, mask), the mask None or booleans (batch, timesteps)."""
        where = self._where
        dtype = self._float_dtype() if self.kernel is None else self.kernel.dtype
        x = _as_input(inputs, dtype)
        features = "features" if self.kernel is None else self.kernel.shape[0]
        if x.ndim != 3 or x.shape[1] == 0 or (self.kernel is not None
                                              and x.shape[2] != features):
            raise ValueError(f"{where}: expected input of shape (batch, timesteps, "
                             f"{features}) with timesteps > 0, got {x.shape}")
        mask = _step_mask(mask, x.shape, where)
        if initial_state is None:
            return x, (np.zeros((x.shape[0], self.units), dtype),) * self.n_states, mask
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        states = [_as_input(s, dtype) for s in states]
        want = (x.shape[0], self.units)
        if len(states) != self.n_states or any(s.shape != want for s in states):
            names = "[h, c]" if self.n_states == 2 else "[h]"
            raise ValueError(f"{where}: initial_state must be {names}, each of shape (batch, "
                             f"units) = {want} for an input of shape {x.shape}, got "
                             f"{[s.shape for s in states]}")
        return x, tuple(states), mask

    def _dropout_mask(self, shape, rate):
        """keep / (1 - rate), keep ~ Bernoulli(1 - rate): Keras's inverted dropout mask."""
        dtype = self.kernel.dtype
        u = self._rng.random(shape) if self._rng is not None else \
            ag.random.uniform(shape, dtype=ag.float64).numpy()
        return (u >= rate).astype(dtype) / dtype.type(1 - rate)

    # --- description -------------------------------------------------------------------
    def _arguments(self):
        """The constructor's arguments as objects: ``Bidirectional`` copies the layer from
        them, ``get_config`` writes them as Keras's config."""
        args = dict(name=self.name, units=self.units, activation=self.activation,
                    use_bias=self.use_bias, kernel_initializer=self.kernel_initializer,
                    recurrent_initializer=self.recurrent_initializer,
                    bias_initializer=self.bias_initializer,
                    kernel_regularizer=self.kernel_regularizer,
                    recurrent_regularizer=self.recurrent_regularizer,
                    bias_regularizer=self.bias_regularizer,
                    activity_regularizer=self.activity_regularizer,
                    kernel_constraint=self.kernel_constraint,
                    recurrent_constraint=self.recurrent_constraint,
                    bias_constraint=self.bias_constraint, dropout=self.dropout,
                    recurrent_dropout=self.recurrent_dropout,
                    return_sequences=self.return_sequences, return_state=self.return_state,
                    go_backwards=self.go_backwards, stateful=False, unroll=self.unroll,
                    seed=self.seed, dtype=self._given_dtype,
                    zero_output_for_mask=self.zero_output_for_mask)
        if self._given_shape is not None:
            args["input_shape"] = self._given_shape[1:]
        return args

    def get_config(self):
        config = {}
        for key, value in self._arguments().items():
            if key == "dtype":
                with_dtype(config, value)
                continue
            config[key] = _serialized(key, value)
        return config

    @classmethod
    def from_config(cls, config):
        """The layer of ``get_config()``'s dict (Keras's name for ``cls(**config)``)."""
        return cls(**config)

    def extra_repr(self):
        flags = [key for key in ("return_sequences", "return_state", "go_backwards")
                 if getattr(self, key)]
        return ", ".join([str(self.units)] + [f"{key}=True" for key in flags])


class SimpleRNN(SimpleRNNMath, _Recurrent):
    """h_t = activation(x_t @ W + h_{t-1} @ U + b): (batch, timesteps, features) -> (batch,
    units), or (batch, timesteps, units) with return_sequences.

    Args (Keras's defaults):
        units: the size of h.
        activation="tanh", use_bias=True,
        kernel_initializer="glorot_uniform" (W), recurrent_initializer="orthogonal" (U),
        bias_initializer="zeros";
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            penalties added to ``losses`` (``nn.regularizers``), None by default;
        kernel_constraint, recurrent_constraint, bias_constraint: projections of W, U and b
            applied after each optimizer update (``nn.constraints``), None by default;
        dropout=0.0, recurrent_dropout=0.0: the fraction of x_t's features, and of h_{t-1}
            in its product with U, dropped in training mode, one mask per sequence;
        return_sequences=False, return_state=False, go_backwards=False (read the sequence
            from its end, and return the outputs in that order);
        stateful=False (only), unroll=False (either: the loop is always unrolled here);
        seed: for the dropout masks;
        input_shape: (timesteps, features), timesteps None for any length: build now.
        name: "simple_rnn", "simple_rnn_1", ...
        dtype=None: the float dtype of the weights and the computation, a keyword (None:
            the default float dtype; ``nn.keras_module``).
        zero_output_for_mask=False: a keyword, Keras's: with a mask, the output at a
            skipped step is zeros instead of the previous step's (``forward``).

    Attributes:
        kernel (features, units), recurrent_kernel (units, units), bias (units,).
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None,
                 input_shape=None, name=None, *, dtype=None,
                 zero_output_for_mask=False):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint,
                         dropout, recurrent_dropout, return_sequences, return_state,
                         go_backwards, stateful, unroll, seed, input_shape, name, dtype)
        self.zero_output_for_mask = _flag(zero_output_for_mask, "zero_output_for_mask",
                                          self._where)
        self._build_if_shaped()

class KerasLSTM(LSTMMath, _Recurrent):
    """Keras's LSTM (``nn.LSTM(units, ...)`` makes it), the gates in Keras's order i, f, c, o:

        z = x_t @ W + h_{t-1} @ U + b,   z_i, z_f, z_c, z_o = split(z, 4)
        c_t = sigma(z_f) * c_{t-1} + sigma(z_i) * act(z_c)
        h_t = sigma(z_o) * act(c_t)

    sigma is ``recurrent_activation``, act ``activation``.

    Args (Keras's defaults): units, activation="tanh", recurrent_activation="sigmoid"
    ("hard_sigmoid" too), use_bias=True, the initializers as SimpleRNN's,
    unit_forget_bias=True (the forget gate's bias starts at 1, the rest from
    bias_initializer), and the other arguments as SimpleRNN's; use_cudnn="auto" is
    accepted and changes nothing (there is no GPU here).

    Attributes:
        kernel (features, 4 units), recurrent_kernel (units, 4 units), bias (4 units,):
        4 * units * (features + units + 1) weights.
    """

    keras_name = "LSTM"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None,
                 use_cudnn="auto", input_shape=None, name=None, *, dtype=None,
                 zero_output_for_mask=False):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint,
                         dropout, recurrent_dropout, return_sequences, return_state,
                         go_backwards, stateful, unroll, seed, input_shape, name, dtype)
        self.zero_output_for_mask = _flag(zero_output_for_mask, "zero_output_for_mask",
                                          self._where)
        self.recurrent_activation = _activation(recurrent_activation, "recurrent_activation",
                                                self._where)
        self.unit_forget_bias = _flag(unit_forget_bias, "unit_forget_bias", self._where)
        self.use_cudnn = use_cudnn
        self._build_if_shaped()

    def _arguments(self):
        return {**super()._arguments(), "recurrent_activation": self.recurrent_activation,
                "unit_forget_bias": self.unit_forget_bias, "use_cudnn": self.use_cudnn}


class KerasGRU(GRUMath, _Recurrent):
    """Keras's GRU (``nn.GRU(units, ...)`` makes it), the gates in Keras's order z, r, h;
    with ``reset_after=True`` (Keras 3's default):

        x_z, x_r, x_h = split(x_t @ W + b_in, 3)   u_z, u_r, u_h = split(h_{t-1} @ U + b_rec, 3)
        z = sigma(x_z + u_z)   r = sigma(x_r + u_r)   hh = act(x_h + r * u_h)
        h_t = z * h_{t-1} + (1 - z) * hh

    with bias (2, 3 units): the rows are b_in and b_rec. With ``reset_after=False`` the
    reset gate acts before the product, hh = act(x_h + (r * h_{t-1}) @ U_h), and the bias
    is one row (3 units,), added to the input's part.

    Args (Keras's defaults): units, activation="tanh", recurrent_activation="sigmoid",
    use_bias=True, the initializers as SimpleRNN's, reset_after=True, and the other
    arguments as SimpleRNN's; use_cudnn="auto" is accepted and changes nothing.

    Attributes:
        kernel (features, 3 units), recurrent_kernel (units, 3 units), bias (2, 3 units):
        3 * units * (features + units + 2) weights (+ 1 instead of + 2 without
        reset_after).
    """

    keras_name = "GRU"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, seed=None, reset_after=True, use_cudnn="auto",
                 input_shape=None, name=None, *, dtype=None,
                 zero_output_for_mask=False):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint,
                         dropout, recurrent_dropout, return_sequences, return_state,
                         go_backwards, stateful, unroll, seed, input_shape, name, dtype)
        self.zero_output_for_mask = _flag(zero_output_for_mask, "zero_output_for_mask",
                                          self._where)
        self.recurrent_activation = _activation(recurrent_activation, "recurrent_activation",
                                                self._where)
        self.reset_after = _flag(reset_after, "reset_after", self._where)
        self.use_cudnn = use_cudnn
        self._build_if_shaped()

    def _arguments(self):
        return {**super()._arguments(), "recurrent_activation": self.recurrent_activation,
                "reset_after": self.reset_after, "use_cudnn": self.use_cudnn}


class Bidirectional(KerasModule):
    """y = merge(forward_layer(x), backward_layer(x) put back in time order): the sequence
    read both ways, so each step's output sees the steps before it and after it.

    Args (Keras's):
        layer: Keras's SimpleRNN, LSTM or GRU. Two copies are made from its arguments,
            "forward_<name>" and "backward_<name>" (reading the sequence from its end);
            the layer itself is not used.
        merge_mode="concat": "concat" (the last axis doubles), "sum", "mul", "ave", or
            None (the two outputs, as a tuple).
        backward_layer=None: a backward layer of one's own instead of the copy; its
            go_backwards must differ from layer's, and its return_sequences and
            return_state agree.
        input_shape: (timesteps, features) to build now (else layer's, if it has one).
        dtype=None: a keyword; given, floating inputs are cast to it and the two copies
            made in it (else in layer's dtype); a backward_layer given keeps its own.

    Returns the merged output; with return_state, (output, *forward states, *backward
    states), and ``initial_state`` takes the same states: the forward layer's, then the
    backward layer's.
    """

    def __init__(self, layer, merge_mode="concat", backward_layer=None, input_shape=None,
                 name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        where = f"Bidirectional {self.name!r}"
        for what, value in (("layer", layer), ("backward_layer", backward_layer)):
            if not isinstance(value, _Recurrent) and (what == "layer" or value is not None):
                raise TypeError(f"{where}: {what} must be Keras's SimpleRNN, LSTM or GRU "
                                f"(nn.LSTM(units), ...), got {type(value).__name__}")
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(f"{where}: merge_mode must be 'concat', 'sum', 'mul', 'ave' or "
                             f"None, got {merge_mode!r}")
        if backward_layer is not None:
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(f"{where}: the backward layer's go_backwards must differ "
                                 f"from the forward layer's; both are {layer.go_backwards}")
            for attr in ("return_sequences", "return_state"):
                if getattr(layer, attr) != getattr(backward_layer, attr):
                    raise ValueError(f"{where}: the forward and backward layers must agree "
                                     f"on {attr}, got {getattr(layer, attr)} and "
                                     f"{getattr(backward_layer, attr)}")
        given = _sequence_shape(input_shape, where)
        if given is None:
            given = layer._given_shape
        # The copies' arguments that differ from layer's: this layer's shape and dtype.
        changed = {} if given is None else {"input_shape": given[1:]}
        if self._given_dtype is not None:
            changed["dtype"] = self._given_dtype
        # Keras's: with return_sequences, the masked steps' outputs are zeros, both ways.
        changed["zero_output_for_mask"] = layer.return_sequences
        self.forward_layer = type(layer)(**{
            **layer._arguments(), **changed, "name": "forward_" + layer.name.removeprefix(
                "forward_")})
        if backward_layer is None:
            backward_layer = type(layer)(**{
                **layer._arguments(), **changed, "go_backwards": not layer.go_backwards,
                "name": "backward_" + layer.name.removeprefix("backward_")})
        else:
            backward_layer.zero_output_for_mask = backward_layer.return_sequences
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self._given_shape = given
        if given is not None and given[1] is not None:
            self.input_shape = given

    @property
    def return_sequences(self):
        return self.forward_layer.return_sequences

    @property
    def return_state(self):
        return self.forward_layer.return_state

    # Keras 3's: the mask goes to both layers, and the output has none
    # (supports_masking = False).
    supports_masking = False
    _call_has_mask_arg = True

    def forward(self, inputs, initial_state=None, mask=None):
        """The merged output; ``mask`` (batch, timesteps), False at the steps to skip, goes
        to both layers (the backward one skips them too, reading from the end)."""
        where = f"Bidirectional {self.name!r}"
        forward_state = backward_state = None
        if initial_state is not None:
            half = self.forward_layer.n_states
            n = half + self.backward_layer.n_states
            if not isinstance(initial_state, (list, tuple)) or len(initial_state) != n:
                raise ValueError(f"{where}: initial_state must be a list of {n} states, the "
                                 f"forward layer's then the backward layer's, got "
                                 f"{type(initial_state).__name__}")
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        # Both checked before either builds: a bad call changes nothing.
        self.forward_layer._checked(inputs, forward_state, mask)
        self.backward_layer._checked(inputs, backward_state, mask)
        y = self.forward_layer(inputs, initial_state=forward_state, mask=mask)
        y_rev = self.backward_layer(inputs, initial_state=backward_state, mask=mask)
        states = ()
        if self.return_state:
            states = (*y[1:], *y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ag.flip(y_rev, axis=1)
        if self.merge_mode is None:
            return (y, y_rev, *states)
        if self.merge_mode == "concat":
            output = ag.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y + y_rev) / 2
        return (output, *states) if self.return_state else output

    def get_config(self):
        def spec(layer):
            return {"class_name": type(layer).__name__, "config": layer.get_config()}

        config = {"name": self.name, "layer": spec(self.forward_layer),
                  "merge_mode": self.merge_mode, "backward_layer": spec(self.backward_layer)}
        if self._given_shape is not None:
            config["input_shape"] = self._given_shape[1:]
        return with_dtype(config, self._given_dtype)

    @classmethod
    def from_config(cls, config):
        """The layer of ``get_config()``'s dict; its layers may be given as Keras writes
        them, {"class_name": "LSTM", "config": {...}}, or as layers already."""
        classes = {"SimpleRNN": SimpleRNN, "LSTM": KerasLSTM, "KerasLSTM": KerasLSTM,
                   "GRU": KerasGRU, "KerasGRU": KerasGRU}
        config = dict(config)
        for key in ("layer", "backward_layer"):
            spec = config.get(key)
            if isinstance(spec, dict):
                if spec.get("class_name") not in classes:
                    raise ValueError(f"Bidirectional.from_config: {key} must be a SimpleRNN, "
                                     f"LSTM or GRU, got class {spec.get('class_name')!r}")
                config[key] = classes[spec["class_name"]](**spec.get("config", {}))
        return cls(**config)

    def extra_repr(self):
        return f"merge_mode={self.merge_mode}"


def _is_int(n):
    return isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_))


class _ByArguments(abc.ABC):
    """A name both libraries use: ``__new__`` makes Keras's layer or PyTorch's, chosen
    by the arguments (the module docstring says how)."""

    keras_class = torch_class = None

    def __new__(cls, *args, **kwargs):
        name = cls.__name__
        torch_keys = sorted({"input_size", "hidden_size"} & kwargs.keys())
        if torch_keys and "units" in kwargs:
            raise TypeError(f"{name}: give Keras's units or PyTorch's input_size and "
                            f"hidden_size, not both (got units= and {torch_keys[0]}=)")
        if torch_keys or (len(args) >= 2 and _is_int(args[1])):
            chosen, other = cls.torch_class, cls.keras_class
            why = (f"input_size and hidden_size make PyTorch's {name}, which does not take "
                   f"it (Keras's takes one positional units: {name}(64, ...))")
        elif args or "units" in kwargs:
            chosen, other = cls.keras_class, cls.torch_class
            why = (f"units makes Keras's {name}, which does not take it (PyTorch's takes "
                   f"input_size and hidden_size: {name}(10, 20, ...))")
        else:
            raise TypeError(f"{name}: give Keras's units, {name}(64), or PyTorch's "
                            f"input_size and hidden_size, {name}(10, 20)")
        own = inspect.signature(chosen).parameters
        foreign = [key for key in kwargs if key not in own
                   and key in inspect.signature(other).parameters]
        if foreign:
            library = "Keras's" if other is cls.keras_class else "PyTorch's"
            raise TypeError(f"{name}: {foreign[0]}= is an argument of {library} {name}, but "
                            + why)
        return chosen(*args, **kwargs)


class LSTM(_ByArguments):
    """``LSTM(units, ...)``: Keras's ``KerasLSTM``; ``LSTM(input_size, hidden_size, ...)``:
    PyTorch's ``TorchLSTM``. See the module docstring."""

    keras_class, torch_class = KerasLSTM, TorchLSTM


class GRU(_ByArguments):
    """``GRU(units, ...)``: Keras's ``KerasGRU``; ``GRU(input_size, hidden_size, ...)``:
    PyTorch's ``TorchGRU``. See the module docstring."""

    keras_class, torch_class = KerasGRU, TorchGRU


# isinstance(layer, LSTM) holds for both libraries' layers.
LSTM.register(KerasLSTM)
LSTM.register(TorchLSTM)
GRU.register(KerasGRU)
GRU.register(TorchGRU)
