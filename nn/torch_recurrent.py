"""PyTorch's recurrent layers: ``RNN``, and ``TorchLSTM`` and ``TorchGRU`` (which
``nn.LSTM`` and ``nn.GRU`` make from PyTorch's arguments, see ``nn.recurrent``).

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
"""

import math
import numbers
import warnings

import numpy as np

import autograd_core as ag

from .layers import _as_input, _flag, _is_size
from .module import Module, unique_name
from .rnn_utils import PackedSequence, _ints, _lengths_of, _pack_time_major, pad_packed_sequence
from .torch_layers import Parameter, _factory_dtype, _with_dtype

__all__ = ["RNN", "TorchLSTM", "TorchGRU", "RNNCell", "LSTMCell", "GRUCell"]


def _size(n, what, where):
    if not _is_size(n):
        raise ValueError(f"{where}: {what} must be a positive integer, got {n!r}")
    return int(n)


# --- one time step, shared by the layers and the cells ---------------------------------
# xw = x_t @ W_ih.T + b_ih, U = W_hh.T; each returns the new state tuple.
def _rnn_step(xw, state, U, b_hh, nonlinearity):
    (h,) = state
    z = xw + ag.linear(h, U, b_hh)
    return (ag.tanh(z) if nonlinearity == "tanh" else ag.relu(z),)


def _lstm_step(xw, state, U, b_hh):
    # i, f, g, o = split(xw + h @ U + b_hh, 4);  c = sigmoid(f) * c + sigmoid(i) * tanh(g);
    # h = sigmoid(o) * tanh(c): one op, ag.lstm_cell, which returns h and c side by side.
    h, c = state
    h_and_c = ag.lstm_cell(xw + ag.linear(h, U, b_hh), c)
    units = h.shape[-1]
    return h_and_c[..., :units], h_and_c[..., units:]


def _gru_step(xw, state, U, b_hh):
    # r, z, n: sigmoid(x_r + h_r), sigmoid(x_z + h_z), tanh(x_n + r * h_n) from the thirds
    # of xw and h @ U + b_hh;  h' = (1 - z) * n + z * h: one op, ag.gru_cell.
    (h,) = state
    return (ag.gru_cell(xw, ag.linear(h, U, b_hh), h, order="rzn"),)


class _TorchRecurrent(Module):
    """What RNN, LSTM and GRU share: the parameters, the layout, the layers and
    directions. A subclass gives ``gates`` (k: weight_ih is (k * hidden_size, input_size))
    and ``cell``, one time step. Every one takes PyTorch's keywords device=None ("cpu",
    the only device) and dtype=None (the weights' float dtype; None: the default)."""

    gates = 1
    torch_name = "RNN"
    n_states = 1      # h; the LSTM also carries c

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, name=None, *, device=None, dtype=None):
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
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, \
            num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.dropout = float(dropout)
        # PyTorch's order: for each layer, each direction: W_ih, W_hh, b_ih, b_hh.
        bound = 1.0 / math.sqrt(hidden_size)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        k = self.gates
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

    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer, suffix):
        """(W_ih, W_hh, b_ih, b_hh) of one layer and direction; the biases None without."""
        return tuple(getattr(self, f"{what}_l{layer}{suffix}", None)
                     for what in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def flatten_parameters(self):
        """PyTorch's cuDNN memory layout call; nothing to do here."""

    def cell(self, xw_t, state, U, b_hh):
        """One step: xw_t = x_t @ W_ih.T + b_ih, state a tuple (h,) or (h, c), U = W_hh.T.
        Returns the new state tuple."""
        raise NotImplementedError

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
        return _with_dtype({"name": self.name, "input_size": self.input_size,
                            "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                            "bias": self.bias, "batch_first": self.batch_first,
                            "dropout": self.dropout, "bidirectional": self.bidirectional},
                           self.weight_ih_l0.dtype)

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


class RNN(_TorchRecurrent):
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
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, name, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def cell(self, xw_t, state, U, b_hh):
        return _rnn_step(xw_t, state, U, b_hh, self.nonlinearity)

    def get_config(self):
        return {**super().get_config(), "nonlinearity": self.nonlinearity}

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else f"{text}, nonlinearity=relu"


class TorchLSTM(_TorchRecurrent):
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

    gates = 4
    torch_name = "LSTM"
    n_states = 2

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, name=None, *, device=None,
                 dtype=None):
        if proj_size != 0:
            raise NotImplementedError(f"LSTM: proj_size={proj_size!r} is not supported (only "
                                      "proj_size=0)")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, name, device=device, dtype=dtype)
        self.proj_size = 0

    def cell(self, xw_t, state, U, b_hh):
        return _lstm_step(xw_t, state, U, b_hh)


class TorchGRU(_TorchRecurrent):
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

    gates = 3
    torch_name = "GRU"

    def cell(self, xw_t, state, U, b_hh):
        return _gru_step(xw_t, state, U, b_hh)


# --- cells: one step, the loop written by the caller ------------------------------------
class _TorchCell(Module):
    """What RNNCell, LSTMCell and GRUCell share: PyTorch's parameters weight_ih (gates *
    hidden_size, input_size), weight_hh (gates * hidden_size, hidden_size), bias_ih and
    bias_hh (gates * hidden_size,) (None with bias=False), all from U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)); input (N, input_size) or unbatched (input_size,); the state zeros
    when not given. A subclass gives ``gates``, ``n_states`` and ``step``."""

    gates, n_states = 1, 1

    def __init__(self, input_size, hidden_size, bias=True, name=None, *, device=None,
                 dtype=None):
        torch_name = type(self).__name__
        dtype = _factory_dtype(device, dtype, torch_name, name)
        where = torch_name if name is None else f"{torch_name} {name!r}"
        input_size = _size(input_size, "input_size", where)
        hidden_size = _size(hidden_size, "hidden_size", where)
        bias = _flag(bias, "bias", where)
        super().__init__(name if name is not None else unique_name(torch_name.lower()))
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = ag.get_default_dtype() if dtype is None else dtype
        k, bound = self.gates * hidden_size, 1.0 / math.sqrt(hidden_size)
        shapes = [("weight_ih", (k, input_size)), ("weight_hh", (k, hidden_size))]
        shapes += [("bias_ih", (k,)), ("bias_hh", (k,))] if bias else []
        for what, shape in shapes:
            setattr(self, what, Parameter(
                ag.random.uniform(shape, -bound, bound, dtype=dtype).numpy()))
        if not bias:
            self.bias_ih = self.bias_hh = None

    def reset_parameters(self):
        """Draw every parameter again from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            p.assign(ag.random.uniform(p.shape, -bound, bound, dtype=p.dtype).numpy())

    def forward(self, input, hx=None):
        where = f"{type(self).__name__} {self.name!r}"
        dtype = self.weight_ih.dtype
        x = _as_input(input, dtype)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{where}: expected input of shape (N, {self.input_size}) or "
                             f"unbatched ({self.input_size},), got {np.shape(input)}")
        batched = x.ndim == 2
        x = x if batched else ag.expand_dims(x, 0)
        state = self._state(hx, batched, x.shape[0], dtype, where)
        xw = ag.linear(x, ag.transpose(self.weight_ih), self.bias_ih)
        state = self.step(xw, state, ag.transpose(self.weight_hh), self.bias_hh)
        state = state if batched else tuple(s[0] for s in state)
        return state if self.n_states > 1 else state[0]

    def _state(self, hx, batched, batch, dtype, where):
        """hx as a tuple of n_states (N, hidden_size), zeros if None."""
        shape = (batch, self.hidden_size)
        if hx is None:
            return (np.zeros(shape, dtype),) * self.n_states
        if self.n_states > 1:
            if not isinstance(hx, (tuple, list)) or len(hx) != self.n_states:
                raise ValueError(f"{where}: hx must be a pair (h_0, c_0), got "
                                 f"{type(hx).__name__}")
        else:
            hx = (hx,)
        states = tuple(_as_input(h, dtype) for h in hx)
        want = shape if batched else shape[1:]
        for what, h in zip(("h", "c"), states):
            if h.shape != want:
                raise ValueError(f"{where}: expected {what} of shape {want} for an input of "
                                 f"{'' if batched else 'un'}batched shape, got {h.shape}")
        return states if batched else tuple(ag.expand_dims(h, 0) for h in states)

    def get_config(self):
        return _with_dtype({"name": self.name, "input_size": self.input_size,
                            "hidden_size": self.hidden_size, "bias": self.bias},
                           self.weight_ih.dtype)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class RNNCell(_TorchCell):
    """h' = nonlinearity(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh), one step of ``RNN``.

    Args (PyTorch's): input_size, hidden_size, bias=True, nonlinearity="tanh" (or "relu");
    keywords device=None, dtype=None. Called as ``cell(input, hx=None)``: input (N,
    input_size) or (input_size,), hx (N, hidden_size) (zeros if None); returns h'.

    >>> cell = RNNCell(3, 2)
    >>> [(k, v.shape) for k, v in cell.state_dict().items()]
    [('weight_ih', (2, 3)), ('weight_hh', (2, 2)), ('bias_ih', (2,)), ('bias_hh', (2,))]
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", name=None, *,
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, name, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def step(self, xw, state, U, b_hh):
        return _rnn_step(xw, state, U, b_hh, self.nonlinearity)

    def get_config(self):
        return {**super().get_config(), "nonlinearity": self.nonlinearity}

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else f"{text}, nonlinearity=relu"


class LSTMCell(_TorchCell):
    """One step of ``nn.LSTM``: i, f, g, o = split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh);
    c' = sigmoid(f) * c + sigmoid(i) * tanh(g);  h' = sigmoid(o) * tanh(c').

    Args (PyTorch's): input_size, hidden_size, bias=True; keywords device, dtype. Called as
    ``cell(input, hx=None)``, hx a pair (h, c) (zeros if None); returns (h', c').
    Parameters (4 * hidden_size, ...), the gates in the order i, f, g, o.
    """

    gates, n_states = 4, 2
    step = staticmethod(_lstm_step)


class GRUCell(_TorchCell):
    """One step of ``nn.GRU``: r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z likewise, n =
    tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.

    Args (PyTorch's): input_size, hidden_size, bias=True; keywords device, dtype. Called as
    ``cell(input, hx=None)``; returns h'. Parameters (3 * hidden_size, ...), rows r, z, n.
    """

    gates = 3
    step = staticmethod(_gru_step)
