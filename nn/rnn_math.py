"""One time step of Keras's SimpleRNN, LSTM and GRU, written once for the layers that
loop over time (``nn.recurrent``) and for the cells that take one step
(``nn.rnn_cells``).

Each class here is a mixin for a class that holds ``units``, ``kernel`` (W),
``recurrent_kernel`` (U), ``bias`` (b or None), ``activation`` and, for the LSTM and GRU,
``recurrent_activation``; the gates are Keras's column blocks, in Keras's order:

    SimpleRNN   h_t = act(x_t @ W + b + h_{t-1} @ U)
    LSTM        z = x_t @ W + b + h_{t-1} @ U;  i, f, c~, o = split(z, 4)
    GRU         z, r, h~ (reset_after: r multiplies h_{t-1} @ U_h + b_rec)

``_project(x)`` is the input's part x @ W + b (for a whole sequence at once in a layer,
one step in a cell); ``step(xw_t, states, rec_mask)`` adds the state's part and returns
the new states, (h,) or (h, c).
"""

import numpy as np

import autograd_core as ag

from . import activations

__all__ = []


def _masked(h, mask):
    return h if mask is None else h * mask


class _Projection:
    def _project(self, x):
        """x @ W + b: (..., k * units)."""
        return ag.linear(x, self.kernel, self.bias)

    def _bias_values(self, dtype):
        return self.bias_initializer((self.gates * self.units,), dtype)


class SimpleRNNMath(_Projection):
    gates = 1
    n_states = 1

    def step(self, xw_t, states, rec_mask):
        (h,) = states
        return (self.activation(xw_t + ag.matmul(_masked(h, rec_mask), self.recurrent_kernel)),)


class LSTMMath(_Projection):
    gates = 4
    n_states = 2

    def _bias_values(self, dtype):
        """unit_forget_bias: the forget gate's block starts at 1."""
        if not self.unit_forget_bias:
            return super()._bias_values(dtype)
        units = self.units
        return np.concatenate([self.bias_initializer((units,), dtype), np.ones(units, dtype),
                               self.bias_initializer((2 * units,), dtype)])

    def step(self, xw_t, states, rec_mask):
        h, c = states
        z = xw_t + ag.matmul(_masked(h, rec_mask), self.recurrent_kernel)
        sigma, act = self.recurrent_activation, self.activation
        if sigma is activations.sigmoid and act is activations.tanh:
            # Keras's activations, the lines below as one op (ag.lstm_cell): half the time
            h_and_c = ag.lstm_cell(z, c)
            return h_and_c[..., :self.units], h_and_c[..., self.units:]
        z_i, z_f, z_c, z_o = ag.split(z, 4, axis=-1)
        c = sigma(z_f) * c + sigma(z_i) * act(z_c)
        return sigma(z_o) * act(c), c


class GRUMath(_Projection):
    gates = 3
    n_states = 1

    def _bias_values(self, dtype):
        """reset_after: two rows, b_in (added to x @ W) and b_rec (to h @ U)."""
        if not self.reset_after:
            return super()._bias_values(dtype)
        return self.bias_initializer((2, 3 * self.units), dtype)

    def _project(self, x):
        b = self.bias
        if b is not None and self.reset_after:
            b = b[0]
        return ag.linear(x, self.kernel, b)

    def step(self, xw_t, states, rec_mask):
        (h,) = states
        h_masked = _masked(h, rec_mask)
        U, units = self.recurrent_kernel, self.units
        sigma, act = self.recurrent_activation, self.activation
        if self.reset_after and sigma is activations.sigmoid and act is activations.tanh:
            # Keras's activations, the lines below as one op (ag.gru_cell)
            b_rec = None if self.bias is None else self.bias[1]
            return (ag.gru_cell(xw_t, ag.linear(h_masked, U, b_rec), h, order="zrn"),)
        x_z, x_r, x_h = ag.split(xw_t, 3, axis=-1)
        if self.reset_after:
            b_rec = None if self.bias is None else self.bias[1]
            u_z, u_r, u_h = ag.split(ag.linear(h_masked, U, b_rec), 3, axis=-1)
            z, r = sigma(x_z + u_z), sigma(x_r + u_r)
            hh = act(x_h + r * u_h)
        else:
            u_z, u_r = ag.split(ag.matmul(h_masked, U[:, :2 * units]), 2, axis=-1)
            z, r = sigma(x_z + u_z), sigma(x_r + u_r)
            hh = act(x_h + ag.matmul(r * h_masked, U[:, 2 * units:]))
        return (z * h + (1 - z) * hh,)
