"""PyTorch's recurrent layers: ``RNNBase``, and on it ``RNN``, ``TorchLSTM`` and
``TorchGRU`` (which ``nn.LSTM`` and ``nn.GRU`` make from PyTorch's arguments, see
``nn.recurrent``). The cells they run, one time step each, are in ``torch_cells``.

A recurrent layer runs one small cell along the sequence, with the same weights at every
step; the state h carries what it has seen so far:

    h_t = tanh(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh)                      (RNN)

The loop over time is plain Python, each step a few of the engine's ops, so
backpropagation through time is the engine's ordinary backward pass over the unrolled
graph, and derivatives of any order come with it.

Everything is PyTorch's: the parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}`` (``_reverse`` for the backward direction), so a torch
model's ``state_dict`` loads by name; the gate order (LSTM i, f, g, o; GRU r, z, n); every
weight from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)); the layout, input (L, N, H_in)
(``batch_first``: (N, L, H_in); unbatched: (L, H_in)), output (L, N, D * H) with D = 2
when bidirectional, and the final states (num_layers * D, N, H), layer by layer, the
forward direction first.

A ``PackedSequence`` input (``nn.utils.rnn.pack_padded_sequence``) runs each sequence over
its own length only: the step loop goes over the padded batch, and at step t the rows of
the sequences already over (t >= length) keep their state, ``where(t < length, new, old)``.
So h_n is each sequence's state at its last real step, and the reverse direction starts
at each sequence's own last step. The output is packed like the input.

>>> import nn.torch_recurrent as tr
>>> lstm = tr.TorchLSTM(10, 20, num_layers=2)
>>> output, (h_n, c_n) = lstm(np.zeros((5, 3, 10)))
>>> output.shape, h_n.shape, list(lstm.state_dict())[:4]
((5, 3, 20), (2, 3, 20), ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'])
>>> isinstance(lstm, tr.RNNBase), tr.RNNBase("GRU", 10, 20).weight_ih_l0.shape
(True, (60, 10))
"""

import functools
import math
import numbers
import warnings

import numpy as np

import autograd_core as ag

from .basic_layers import _as_input, _flag, _is_size
from .module import Module, unique_name
from .rnn_utils import PackedSequence, _ints, _lengths_of, _pack_time_major, pad_packed_sequence
from .torch_cells import _gru_step, _lstm_step, _rnn_step, _size
from .torch_layers import Parameter, _factory_dtype, _with_dtype

__all__ = ["RNNBase", "RNN", "TorchLSTM", "TorchGRU"]

# PyTorch's modes: the blocks of rows (gates) in weight_ih and weight_hh, the states
# carried (h; the LSTM's h and c), and the cell's one time step.
_MODES = {"RNN_TANH": (1, 1, functools.partial(_rnn_step, nonlinearity="tanh")),
          "RNN_RELU": (1, 1, functools.partial(_rnn_step, nonlinearity="relu")),
          "LSTM": (4, 2, _lstm_step),
          "GRU": (3, 1, _gru_step)}


class RNNBase(Module):
    """PyTorch's ``nn.RNNBase(mode, input_size, hidden_size, ...)``, what RNN, LSTM and
    GRU share: the parameters, the layout, the layers and directions, the run. ``mode``
    names the cell, "RNN_TANH", "RNN_RELU", "LSTM" or "GRU"; RNN, LSTM and GRU give
    theirs. ``RNNBase("LSTM", 4, 8)`` makes an LSTM's parameters, as PyTorch's does, and
    runs as ``nn.LSTM(4, 8)`` (PyTorch's RNNBase itself has no forward).

    Args (PyTorch's): mode, input_size, hidden_size, num_layers=1, bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, proj_size=0 (only 0: the
    projection of h raises NotImplementedError); keywords device=None ("cpu", the only device)
    and dtype=None (the weights' float dtype; None: the default).
    """

    torch_name = "RNNBase"

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0, name=None,
                 *, device=None, dtype=None):
        if not isinstance(mode, str) or mode not in _MODES:
            raise ValueError(f"{self.torch_name}: mode must be one of {list(_MODES)} (as "
                             f"PyTorch), got {mode!r}")
        if proj_size != 0:
            raise NotImplementedError(f"{self.torch_name}: proj_size={proj_size!r} is not "
                                      "supported (only proj_size=0)")
        dtype = _factory_dtype(device, dtype, self.torch_name, name)
        super().__init__(name if name is not None else unique_name(self.torch_name.lower()))
        where = f"{self.torch_name} {self.name!r}"
        input_size = _size(input_size, "input_size", where)
        hidden_size = _size(hidden_size, "hidden_size", where)
        num_layers = _size(num_layers, "num_layers", where)
        bias = _flag(bias, "bias", where)
        batch_first = _flag(batch_first, "batch_first", where)
        bidirectional = _flag(bidirectional, "bidirectional", where)
        if isinstance(dropout, (bool, np.bool_)) or not isinstance(dropout, numbers.Real) \
                or not 0 <= dropout <= 1:
            raise ValueError(f"{where}: dropout must be a number in [0, 1], the probability "
                             f"of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{where}: dropout acts between recurrent layers only, so "
                          f"dropout={dropout} with num_layers=1 does nothing (as in "
                          "PyTorch)", UserWarning, stacklevel=3)
        self.mode, self.proj_size = mode, 0
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, \
            num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.dropout = float(dropout)
        # PyTorch's order: for each layer, each direction: W_ih, W_hh, b_ih, b_hh.
        bound = 1.0 / math.sqrt(hidden_size)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        k = _MODES[mode][0]
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes():
                shapes = [("weight_ih", (k * hidden_size, n_in)),
                          ("weight_hh", (k * hidden_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (k * hidden_size,)), ("bias_hh", (k * hidden_size,))]
                for what, shape in shapes:
                    w = ag.random.uniform(shape, -bound, bound, dtype=dtype).numpy()
                    setattr(self, f"{what}_l{layer}{suffix}", Parameter(w))

    def reset_parameters(self):
        """Draw every parameter again from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            p.assign(ag.random.uniform(p.shape, -bound, bound, dtype=p.dtype).numpy())

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def n_states(self):
        return _MODES[self.mode][1]

    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer, suffix):
        """(W_ih, W_hh, b_ih, b_hh) of one layer and direction; the biases None without."""
        return tuple(getattr(self, f"{what}_l{layer}{suffix}", None)
                     for what in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def flatten_parameters(self):
        """PyTorch's cuDNN memory layout call; nothing to do here."""

    def cell(self, xw_t, state, U, b_hh):
        """One step of the mode's cell (``torch_cells``): xw_t = x_t @ W_ih.T + b_ih, state
        a tuple (h,) or (h, c), U = W_hh.T. Returns the new state tuple."""
        return _MODES[self.mode][2](xw_t, state, U, b_hh)

    # --- the run -----------------------------------------------------------------------
    def forward(self, input, hx=None):
        """Args:
            input: (L, N, input_size), (N, L, input_size) with ``batch_first``, or
                (L, input_size) unbatched; or a ``PackedSequence`` (then the output is
                one, packed the same way, and ``batch_first`` plays no part).
            hx: the initial state(s), (num_layers * D, N, hidden_size) ((num_layers * D,
                hidden_size) unbatched), zeros if None; the LSTM takes a pair (h_0, c_0).
        Returns:
            output (L, N, D * hidden_size) (batch_first: (N, L, ...)), and h_n, or
            (h_n, c_n) for the LSTM, each (num_layers * D, N, hidden_size).
        """
        where = f"{self.torch_name} {self.name!r}"
        dtype = self.weight_ih_l0.dtype
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx, dtype, where)
        x = _as_input(input, dtype)
        batched = x.ndim == 3
        if not batched and x.ndim == 2:
            x = ag.expand_dims(x, 1)
        elif batched and self.batch_first:
            x = ag.swapaxes(x, 0, 1)
        if x.ndim != 3 or x.shape[0] == 0 or x.shape[-1] != self.input_size:
            layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
            raise ValueError(f"{where}: expected input of shape {layout} or unbatched (L, "
                             f"H_in), with L > 0 and H_in = input_size = {self.input_size}, "
                             f"got {np.shape(input)}")
        states = self._initial_states(hx, batched, x.shape[1], dtype, where)
        output, finals = self._layers(x, states)
        if not batched:
            output, finals = output[:, 0], [s[:, 0] for s in finals]
        elif self.batch_first:
            output = ag.swapaxes(output, 0, 1)
        return output, (tuple(finals) if self.n_states > 1 else finals[0])

    def _forward_packed(self, input, hx, dtype, where):
        """A PackedSequence through the layers: its padded batch (T, N, H_in), in the
        original order (as hx), run with masks; the output packed again like the input."""
        data = input.data
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise ValueError(f"{where}: expected a PackedSequence whose data is (sum of "
                             f"lengths, input_size = {self.input_size}), got data of shape "
                             f"{data.shape}")
        x, lengths = pad_packed_sequence(input)
        lengths = lengths.numpy()
        running = [lengths[:, None] > t for t in range(x.shape[0])]   # (N, 1) each step
        states = self._initial_states(hx, True, x.shape[1], dtype, where)
        output, finals = self._layers(x, states, running)
        batch_sizes = _ints(input.batch_sizes)
        order = np.arange(x.shape[1]) if input.sorted_indices is None else \
            _ints(input.sorted_indices)
        out_data, _ = _pack_time_major(output, _lengths_of(batch_sizes), order)
        output = PackedSequence(out_data, input.batch_sizes, input.sorted_indices,
                                input.unsorted_indices)
        return output, (tuple(finals) if self.n_states > 1 else finals[0])

    def _layers(self, x, states, running=None):
        """Every layer and direction over x (L, N, H_in): the last layer's output (L, N,
        D * H) and the final states, a list of n_states (num_layers * D, N, H)."""
        finals, layer_input = [], x
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self._suffixes()):
                k = layer * self.num_directions + direction
                state = tuple(s[k] for s in states)
                out, state = self._run(layer_input, layer, suffix, state, running)
                outputs.append(out)
                finals.append(state)
            layer_input = outputs[0] if len(outputs) == 1 else ag.concatenate(outputs, axis=-1)
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                layer_input = self._dropout(layer_input)
        finals = [ag.stack([state[i] for state in finals], axis=0)
                  for i in range(self.n_states)]
        return layer_input, finals

    def _run(self, x, layer, suffix, state, running=None):
        """One layer in one direction over x (L, N, n_in): the outputs (L, N, H) in
        time order, and the final state. With ``running`` (a boolean (N, 1) per step), a
        row whose sequence is not running at a step keeps its state."""
        W_ih, W_hh, b_ih, b_hh = self._weights(layer, suffix)
        xw = ag.linear(x, ag.transpose(W_ih), b_ih)   # every step's input part at once
        U = ag.transpose(W_hh)
        steps = range(x.shape[0])
        outputs = [None] * x.shape[0]
        for t in (reversed(steps) if suffix == "_reverse" else steps):
            new = self.cell(xw[t], state, U, b_hh)
            if running is not None and not running[t].all():
                new = tuple(ag.where(running[t], n, s) for n, s in zip(new, state))
            state = new
            outputs[t] = state[0]
        return ag.stack(outputs, axis=0), state

    def _initial_states(self, hx, batched, batch, dtype, where):
        """hx as a list of n_states Values or arrays (num_layers * D, N, H), zeros if None."""
        shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if hx is None:
            return [np.zeros(shape, dtype)] * self.n_states
        if self.n_states > 1:
            if not isinstance(hx, (tuple, list)) or len(hx) != self.n_states:
                raise ValueError(f"{where}: hx must be a pair (h_0, c_0), got "
                                 f"{type(hx).__name__}")
        else:
            hx = (hx,)
        states = [_as_input(h, dtype) for h in hx]
        want = shape if batched else (shape[0], shape[2])
        for what, h in zip(("h_0", "c_0"), states):
            if h.shape != want:
                raise ValueError(f"{where}: expected {what} of shape {want} for an input "
                                 f"of {'' if batched else 'un'}batched shape, got {h.shape}")
        return states if batched else [ag.expand_dims(h, 1) for h in states]

    def _dropout(self, x):
        """PyTorch's dropout between layers: x * keep / (1 - p), keep ~ Bernoulli(1 - p)."""
        u = ag.random.uniform(x.shape, dtype=ag.float64).numpy()
        keep = (u >= self.dropout).astype(x.dtype)
        scale = 0.0 if self.dropout == 1 else 1.0 / (1.0 - self.dropout)
        return x * (keep * x.dtype.type(scale))

    # --- description -------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "input_size": self.input_size,
                  "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                  "bias": self.bias, "batch_first": self.batch_first,
                  "dropout": self.dropout, "bidirectional": self.bidirectional}
        if type(self).__init__ is RNNBase.__init__:  # RNN, LSTM and GRU fix their mode
            config = {"mode": self.mode, **config}
        return _with_dtype(config, self.weight_ih_l0.dtype)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0,
                    "bidirectional": False}
        for key, default in defaults.items():
            if getattr(self, key) != default:
                text += f", {key}={getattr(self, key)}"
        return text

    def __repr__(self):
        return f"{self.torch_name}({self.extra_repr()})"


class RNN(RNNBase):
    """h_t = nonlinearity(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh), PyTorch's
    ``nn.RNN``.

    Args (PyTorch's, in its order): input_size, hidden_size, num_layers=1,
    nonlinearity="tanh" (or "relu"), bias=True, batch_first=False, dropout=0.0 (between
    layers, in training mode), bidirectional=False; keywords device=None, dtype=None.

    Parameters: weight_ih_l{k} (hidden_size, n_in), weight_hh_l{k} (hidden_size,
    hidden_size), bias_ih_l{k} and bias_hh_l{k} (hidden_size,); n_in is input_size for
    layer 0, D * hidden_size above it.

    Keras's ``RNN(cell)`` wrapper is not this layer: Keras's recurrent layers are
    ``SimpleRNN``, ``nn.LSTM(units)`` and ``nn.GRU(units)``.
    """

    torch_name = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, name=None, *,
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        if not _is_size(input_size) and not isinstance(input_size, numbers.Number):
            raise TypeError(f"RNN: input_size must be a positive integer, got "
                            f"{type(input_size).__name__} (Keras's RNN(cell) wrapper is not "
                            "provided: use SimpleRNN, LSTM(units) or GRU(units))")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, name, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def get_config(self):
        return {**super().get_config(), "nonlinearity": self.nonlinearity}

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else f"{text}, nonlinearity=relu"


class TorchLSTM(RNNBase):
    """PyTorch's ``nn.LSTM`` (``nn.LSTM(input_size, hidden_size, ...)`` makes it):

        i, f, g, o = split(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh)   (that order)
        c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
        h_t = sigmoid(o) * tanh(c_t)

    Args (PyTorch's): input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, proj_size=0 (only 0: other sizes raise
    NotImplementedError); keywords device=None, dtype=None.

    Parameters: weight_ih_l{k} (4 * hidden_size, n_in), weight_hh_l{k} (4 * hidden_size,
    hidden_size), bias_ih_l{k} and bias_hh_l{k} (4 * hidden_size,).
    Returns ``output, (h_n, c_n)``; ``hx=(h_0, c_0)``.
    """

    torch_name = "LSTM"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, name=None, *, device=None,
                 dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, name, device=device, dtype=dtype)


class TorchGRU(RNNBase):
    """PyTorch's ``nn.GRU`` (``nn.GRU(input_size, hidden_size, ...)`` makes it):

        r = sigmoid(W_ir x_t + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x_t + b_iz + W_hz h + b_hz)
        n = tanh(W_in x_t + b_in + r * (W_hn h + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    with the rows of weight_ih and weight_hh in the order r, z, n. The reset gate r
    scales the recurrent part after its product (Keras's ``reset_after=True``).

    Args (PyTorch's): input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False; keywords device=None, dtype=None.
    """

    torch_name = "GRU"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, name=None, *, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, name, device=device, dtype=dtype)
