"""PyTorch's recurrent cells: ``RNNCell``, ``LSTMCell`` and ``GRUCell`` on their base
``RNNCellBase``, and the one time step each computes, which the layers of
``torch_recurrent`` (``RNN``, ``LSTM``, ``GRU``) run along a sequence.

A cell is one step of its layer, the loop over time written by the caller:

    h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)                           (RNNCell)

Its parameters are PyTorch's: ``weight_ih`` (num_chunks * hidden_size, input_size),
``weight_hh`` (num_chunks * hidden_size, hidden_size), ``bias_ih`` and ``bias_hh``
(num_chunks * hidden_size,), one block of rows per gate: num_chunks is 1 for RNNCell, 4
for LSTMCell (i, f, g, o) and 3 for GRUCell (r, z, n); each drawn from
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

>>> cell = LSTMCell(3, 2)
>>> isinstance(cell, RNNCellBase), [(k, v.shape) for k, v in cell.state_dict().items()]
(True, [('weight_ih', (8, 3)), ('weight_hh', (8, 2)), ('bias_ih', (8,)), ('bias_hh', (8,))])
"""

import math

import numpy as np

import autograd_core as ag

from .basic_layers import _as_input, _flag, _is_size
from .module import Module, unique_name
from .torch_layers import Parameter, _factory_dtype, _with_dtype

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


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


# --- cells: one step, the loop written by the caller ------------------------------------
class RNNCellBase(Module):
    """PyTorch's ``nn.RNNCellBase(input_size, hidden_size, bias, num_chunks)``, what
    RNNCell, LSTMCell and GRUCell share: the parameters weight_ih (num_chunks *
    hidden_size, input_size), weight_hh (num_chunks * hidden_size, hidden_size), bias_ih
    and bias_hh (num_chunks * hidden_size,) (None with bias=False), all from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)); input (N, input_size) or unbatched
    (input_size,); the state zeros when not given. Keywords device=None ("cpu", the only
    device) and dtype=None (the weights' float dtype; None: the default).

    As PyTorch's, the base makes the parameters and computes no step of its own
    (num_chunks does not say which cell): a subclass gives ``n_states`` and ``step``.
    """

    n_states = 1

    def __init__(self, input_size, hidden_size, bias, num_chunks, name=None, *, device=None,
                 dtype=None):
        torch_name = type(self).__name__
        dtype = _factory_dtype(device, dtype, torch_name, name)
        where = torch_name if name is None else f"{torch_name} {name!r}"
        input_size = _size(input_size, "input_size", where)
        hidden_size = _size(hidden_size, "hidden_size", where)
        num_chunks = _size(num_chunks, "num_chunks", where)
        bias = _flag(bias, "bias", where)
        super().__init__(name if name is not None else unique_name(torch_name.lower()))
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.num_chunks = num_chunks
        dtype = ag.get_default_dtype() if dtype is None else dtype
        k, bound = num_chunks * hidden_size, 1.0 / math.sqrt(hidden_size)
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

    def step(self, xw, state, U, b_hh):
        """One step: xw = x @ W_ih.T + b_ih, state a tuple (h,) or (h, c), U = W_hh.T.
        Returns the new state tuple."""
        raise NotImplementedError(f"{type(self).__name__} {self.name!r}: RNNCellBase "
                                  "computes no step of its own (as PyTorch's, which has no "
                                  "forward): use RNNCell, LSTMCell or GRUCell")

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
        config = {"name": self.name, "input_size": self.input_size,
                  "hidden_size": self.hidden_size, "bias": self.bias}
        if type(self).__init__ is RNNCellBase.__init__:  # its subclasses fix num_chunks
            config["num_chunks"] = self.num_chunks
        return _with_dtype(config, self.weight_ih.dtype)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class RNNCell(RNNCellBase):
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
        super().__init__(input_size, hidden_size, bias, 1, name, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def step(self, xw, state, U, b_hh):
        return _rnn_step(xw, state, U, b_hh, self.nonlinearity)

    def get_config(self):
        return {**super().get_config(), "nonlinearity": self.nonlinearity}

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else f"{text}, nonlinearity=relu"


class LSTMCell(RNNCellBase):
    """One step of ``nn.LSTM``: i, f, g, o = split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh);
    c' = sigmoid(f) * c + sigmoid(i) * tanh(g);  h' = sigmoid(o) * tanh(c').

    Args (PyTorch's): input_size, hidden_size, bias=True; keywords device, dtype. Called as
    ``cell(input, hx=None)``, hx a pair (h, c) (zeros if None); returns (h', c').
    Parameters (4 * hidden_size, ...), the gates in the order i, f, g, o.
    """

    n_states = 2
    step = staticmethod(_lstm_step)

    def __init__(self, input_size, hidden_size, bias=True, name=None, *, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, name, device=device, dtype=dtype)


class GRUCell(RNNCellBase):
    """One step of ``nn.GRU``: r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z likewise, n =
    tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.

    Args (PyTorch's): input_size, hidden_size, bias=True; keywords device, dtype. Called as
    ``cell(input, hx=None)``; returns h'. Parameters (3 * hidden_size, ...), rows r, z, n.
    """

    step = staticmethod(_gru_step)

    def __init__(self, input_size, hidden_size, bias=True, name=None, *, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, name, device=device, dtype=dtype)
