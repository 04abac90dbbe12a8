"""Neural-network ops: softmax, log-softmax, the fused, stable cross-entropy losses and the
fused LSTM and GRU cells."""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply
from ..labels import all_axes, array_text, over
from ..worked import Terms
from . import xp
from . import activations
from ._operands import axis_arg, axis_or_dim, operand, pair
from .reductions import max_along, shifted_exp

__all__ = ["softmax", "log_softmax", "softmax_cross_entropy", "sigmoid_cross_entropy",
           "lstm_cell", "gru_cell"]


def softmax_array(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis`` on a numpy array, without overflow."""
    _, e, s = shifted_exp(x, axis)
    return e / s


class Softmax(Op):
    """y_i = exp(x_i) / sum_j exp(x_j)     dL/dx = y * (g - sum(g * y))"""

    __slots__ = ("axis",)

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        # Shifting by the max changes nothing (softmax is shift invariant) but keeps exp finite.
        return softmax_array(x, self.axis)

    def backward(self, g, y, x):
        return (y * (g - (g * y).sum(axis=self.axis, keepdims=True)),)

    def formula(self, y, x):
        return (f"y = exp(x) / sum(exp(x)) {over(self.axis, np.ndim(x))}",
                f"dL/dx = y * (g - {_sum('g * y', self.axis, np.ndim(x))})")

    def element(self, i, at, g, y, x):
        total = _sum("g * y", self.axis, np.ndim(x))
        return Terms(arrays={total: np.sum(g * y, axis=self.axis, keepdims=True)})


def softmax(x, axis=-1, *, dim=None):
    """exp(x) / sum(exp(x)) along ``axis`` (an int, a tuple, or None for all axes; or
    PyTorch's ``dim``)."""
    axis, _, _ = axis_or_dim("softmax", axis, dim, default=-1)
    x = operand(x, Softmax)
    return apply(Softmax(axis_arg(axis, x.shape, "softmax")), x)


def _sum(what, axis, ndim):
    """ "sum(g * y, axis=1)", or "sum(g * y)" over every axis (kept, so it broadcasts)."""
    if all_axes(axis, ndim):
        return f"sum({what})"
    return f"sum({what}, axis={axis})"


class LogSoftmax(Op):
    """y = x - logsumexp(x)        dL/dx = g - exp(y) * sum(g)"""

    __slots__ = ("axis",)

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        m, _, s = shifted_exp(x, self.axis)
        with np.errstate(divide="ignore"):  # an empty axis sums to 0 (and gives no output)
            return (x - m) - np.log(s)

    def backward(self, g, y, x):
        return (g - xp.exp(y) * g.sum(axis=self.axis, keepdims=True),)

    def formula(self, y, x):
        return (f"y = x - log(sum(exp(x))) {over(self.axis, np.ndim(x))}",
                f"dL/dx = g - exp(y) * {_sum('g', self.axis, np.ndim(x))}")

    def element(self, i, at, g, y, x):
        total = _sum("g", self.axis, np.ndim(x))
        return Terms(arrays={total: np.sum(g, axis=self.axis, keepdims=True)})


def log_softmax(x, axis=-1, *, dim=None):
    """x - logsumexp(x) along ``axis`` (or PyTorch's ``dim``), stable for large logits."""
    axis, _, _ = axis_or_dim("log_softmax", axis, dim, default=-1)
    x = operand(x, LogSoftmax)
    return apply(LogSoftmax(axis_arg(axis, x.shape, "log_softmax")), x)


class SoftmaxCrossEntropy(Op):
    """L_n = -sum_i t_ni log softmax(z_n)_i     dL/dz = g * (softmax(z) - t)

    Fused, so it never takes the log of a probability that underflowed to 0. ``labels``
    are integer classes or one-hot (or any probability) rows; ``reduction`` is "none" (one
    loss per row, as ``tf.nn.softmax_cross_entropy_with_logits``), "mean" (then
    dL/dz = g * (softmax(z) - t) / N over the N rows) or "sum".
    """

    __slots__ = ("labels", "reduction", "kept")

    def __init__(self, labels, reduction="none"):
        self.labels, self.reduction = labels, reduction
        self.kept = None  # (exp(z - max), its row sums) for the backward: see _KEPT_NUMBERS

    @property
    def probabilities(self):
        """softmax(z) from what the forward kept, or None if it kept nothing."""
        if self.kept is None:
            return None
        e, s = self.kept
        return e / s[..., None]

    # The ufuncs' own reduce: numpy's np.max/np.sum/np.mean wrappers cost more than the
    # reductions themselves on a (batch, 10) array, and this op runs every training step.
    def forward(self, z):
        shifted = z - max_along(z, -1)  # exp never overflows
        e = np.exp(shifted)
        s = np.add.reduce(e, axis=-1)
        log_s = np.log(s)     # -log p_i = log_s - shifted_i
        if z.size <= _KEPT_NUMBERS:  # see there
            self.kept = e, s
        t = self.labels
        if t.dtype.kind in "iu":
            losses = log_s - _at_labels(shifted, t)
        else:
            losses = np.add.reduce(t * (log_s[..., None] - shifted), axis=-1)
        if self.reduction == "mean":
            return (np.add.reduce(losses, axis=None) / losses.size).astype(z.dtype)
        if self.reduction == "sum":
            return np.add.reduce(losses, axis=None)[()]
        return losses

    def backward(self, g, y, z):
        t = self.labels
        p = self.probabilities if type(z) is np.ndarray else None  # a Value: recorded
        if p is None:
            p = xp.softmax(z)
        if t.dtype.kind in "iu":
            grad = p - _one_hot(t, z.shape[-1], z.dtype)
        else:
            # p - t for one-hot rows; the factor sum(t) keeps it exact for unnormalised t.
            grad = p * t.sum(axis=-1, keepdims=True) - t
        if self.reduction == "mean":
            rows = z.size // z.shape[-1] if z.shape[-1] else 0
            return (grad * (g / rows),)
        if self.reduction == "sum":
            return (grad * g,)
        return (grad * xp.expand_dims(g, -1),)

    def formula(self, y, z):
        loss = "-sum(t * log(softmax(z)))"
        rows = z.size // z.shape[-1] if z.shape[-1] else 0
        forward = {"none": f"y = {loss} over the last axis, one per row",
                   "mean": f"y = mean over the {rows} rows of {loss}",
                   "sum": f"y = sum over the {rows} rows of {loss}"}[self.reduction]
        derivative = f"dL/dz = g * ({self._probabilities()} - t)"
        if self.reduction == "mean":
            derivative += f" / {rows}"
        if self.labels.dtype.kind in "iu":
            labels = f"the labels {array_text(self.labels)}" if self.labels.size <= 8 else \
                f"the {self.labels.size} labels"
            derivative += f"   (t: one-hot rows of {labels})"
        return forward, derivative

    def element(self, i, at, g, y, z):
        t = self.labels
        if t.dtype.kind in "iu":
            t = _one_hot(t, z.shape[-1], z.dtype)
        arrays = {"softmax(z)": softmax_array(z), "t": t}
        arrays["sum(t)"] = t.sum(axis=-1, keepdims=True)
        expression = f"g * ({self._probabilities()} - t)"
        if self.reduction == "mean":
            expression += f" / {z.size // z.shape[-1]}"
        j = at[:-1] if self.reduction == "none" else ()
        return Terms(expression, ({"g": j},), arrays)

    def _probabilities(self):
        """softmax(z), or softmax(z) * sum(t) for label rows that do not add up to 1 (the
        backward's factor keeps their gradient exact)."""
        t = self.labels
        if t.dtype.kind in "iu" or np.all(t.sum(axis=-1) == 1):
            return "softmax(z)"
        return "softmax(z) * sum(t)"


# Speed, fenced here: the forward keeps exp(z - max) and its sums, from which the backward
# divides out softmax(z), when z has at most this many numbers (a classifier's batch of
# logits). Made again, softmax cost the backward 35 us of its 55 for (128, 10) logits, in
# a 784-512-10 training step of 4 ms. Larger logits (a language model's vocabulary) are
# made again rather than doubling the memory the graph holds.
_KEPT_NUMBERS = 1 << 16


def _one_hot(labels, classes, dtype):
    rows = np.zeros(labels.shape + (classes,), dtype)
    if labels.ndim == 1:  # a batch of labels: fancy indexing (see _at_labels)
        rows[np.arange(len(labels)), labels] = 1
    else:
        np.put_along_axis(rows, labels[..., None], 1, axis=-1)
    return rows


def _at_labels(a, labels):
    """a[..., labels[...]]: each row's entry at its label.

    Speed, fenced here: for a batch of labels, fancy indexing takes 0.9 us where
    np.take_along_axis, which builds its index arrays in Python, takes 3 (a (32, 10)
    batch; both run once per training step)."""
    if labels.ndim == 1:
        return a[np.arange(len(labels)), labels]
    return np.take_along_axis(a, labels[..., None], axis=-1)[..., 0]


def _labels(labels, logits):
    """Labels checked against the logits: integer classes in range, or rows of their shape."""
    t = np.asarray(labels.data if isinstance(labels, Value) else labels)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"softmax_cross_entropy: labels must be integer classes or float rows, "
                        f"got dtype {t.dtype} (shape {t.shape})")
    if t.dtype.kind == "b":
        t = t.astype(np.int64)
    z_shape = logits.shape
    if t.dtype.kind in "iu":
        if t.shape != z_shape[:-1]:
            raise ValueError(f"softmax_cross_entropy: integer labels of shape {t.shape} do not "
                             f"match logits of shape {z_shape} (expected labels of shape "
                             f"{z_shape[:-1]})")
        classes = z_shape[-1]
        # Read as unsigned, a negative label is huge: one reduction checks both ends.
        if t.size and np.maximum.reduce(t.view(f"u{t.itemsize}"), axis=None) >= classes:
            raise ValueError(f"softmax_cross_entropy: labels must lie in [0, {classes}), got "
                             f"{t.min()}..{t.max()}")
        return t
    if t.shape != z_shape:
        raise ValueError(f"softmax_cross_entropy: one-hot labels of shape {t.shape} do not "
                         f"match logits of shape {z_shape}")
    return t.astype(logits.dtype, copy=False)


def softmax_cross_entropy(logits, labels, reduction="none"):
    """Cross-entropy of softmax(logits) against labels, fused and stable.

    Args:
        logits: (..., classes) Value.
        labels: integer classes of shape (...) or one-hot (probability) rows (..., classes).
        reduction: "none" (a loss per row, shape (...)), "mean" or "sum".
    Returns:
        A Value; the labels are not differentiated.

    >>> float(softmax_cross_entropy([[0.0, 0.0]], [1], reduction="mean"))  # log 2
    0.6931471824645996
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"softmax_cross_entropy: reduction must be 'none', 'mean' or 'sum', "
                         f"got {reduction!r}")
    logits = operand(logits, SoftmaxCrossEntropy)
    if logits.ndim == 0:
        raise ValueError("softmax_cross_entropy: logits must have a class axis, got a scalar")
    return apply(SoftmaxCrossEntropy(_labels(labels, logits), reduction), logits)


class SigmoidCrossEntropy(Op):
    """L = -t log s(z) - (1-t) log(1-s(z)) = max(z,0) - z t + log(1 + exp(-|z|))
    dL/dz = g * (sigmoid(z) - t),   dL/dt = -g * z

    At z = ±inf the loss is its limit: 0 when t is the label the logit is sure of (t = 1
    at +inf, t = 0 at -inf), +inf otherwise, where the formula would give inf - inf.
    """

    __slots__ = ()

    def forward(self, z, t):
        with np.errstate(invalid="ignore"):  # at infinite z: inf * 0 and inf - inf, see below
            loss = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
            infinite = np.isinf(z)
            if infinite.any():
                # There the loss is its limit |z| * (how far t is from the label z is sure
                # of), with 0 * inf taken as 0.
                miss = np.where(z > 0, 1 - t, t)
                limit = np.where(miss == 0, 0, np.abs(z) * miss)
                loss = np.where(infinite, limit, loss).astype(loss.dtype, copy=False)[()]
        return loss

    def backward(self, g, y, z, t):
        need_z, need_t = self.needs_grad
        return (g * (xp.sigmoid(z) - t) if need_z else None), (-g * z if need_t else None)

    def element(self, i, at, g, y, z, t):
        return Terms()


def sigmoid_cross_entropy(logits, targets):
    """Elementwise binary cross-entropy of sigmoid(logits) against targets in [0, 1], stable.

    Same as ``tf.nn.sigmoid_cross_entropy_with_logits`` and PyTorch's
    ``binary_cross_entropy_with_logits(reduction="none")``: one loss per element. Exact
    at infinite logits too: the loss is 0 for the label the logit is sure of and inf
    otherwise (both libraries give NaN for some of these), and the gradient with respect
    to the logits is sigmoid(z) - t (1 - t at +inf, -t at -inf), as PyTorch gives it.
    """
    return apply(SigmoidCrossEntropy(), *pair(logits, targets, SigmoidCrossEntropy))


class LSTMCell(Op):
    """y = [o * tanh(c') | c'],  c' = f * c + i * u;  i, f, o = sigmoid, u = tanh of z's quarters
    dL/dz = [d u i(1-i) | d c f(1-f) | d i (1-u**2) | g_h tanh(c') o(1-o)],  dL/dc = d * f

    with d = g_c + g_h * o * (1 - tanh(c')**2), the gradient reaching c', and g = [g_h | g_c]
    the output's. One step of an LSTM, fused: z = x_t @ W + h @ U + b holds the four gates'
    inputs in Keras's and PyTorch's order (input i, forget f, cell u, output o), c is the
    cell state, and the output holds h' and c' side by side. The ten elementwise ops this
    replaces would each be a node of the graph; fused, a training step of an LSTM (batch
    32, 64 units) took 0.29-0.33 ms a time step instead of 0.40-0.44 in the same session
    (``benchmarks/recurrent.py``; PyTorch's: 0.08-0.13 ms).
    """

    __slots__ = ("gates",)

    def forward(self, z, c):
        # The gates are kept for the backward on arrays: recomputing them would cost as much
        # as the forward again.
        units = c.shape[-1]
        s = activations.sigmoid_array(z)  # one call: the cell quarter's is not used
        i, f, o = s[..., :units], s[..., units:2 * units], s[..., 3 * units:]
        u = np.tanh(z[..., 2 * units:3 * units])
        out = np.empty(c.shape[:-1] + (2 * units,), np.result_type(z, c))
        h_new, c_new = out[..., :units], out[..., units:]
        np.multiply(f, c, out=c_new)
        c_new += i * u
        tanh_c = np.tanh(c_new)
        np.multiply(o, tanh_c, out=h_new)
        self.gates = i, f, u, o, tanh_c
        return out

    def backward(self, g, y, z, c):
        units = c.shape[-1]
        if type(z) is Value:  # recorded: the gates again, as ops, to differentiate them
            s = xp.sigmoid(z)
            i, f, o = s[..., :units], s[..., units:2 * units], s[..., 3 * units:]
            u, tanh_c = xp.tanh(z[..., 2 * units:3 * units]), xp.tanh(y[..., units:])
        else:
            i, f, u, o, tanh_c = self.gates
        g_h, g_c = g[..., :units], g[..., units:]
        d_c = g_c + g_h * o * (1 - tanh_c * tanh_c)
        d_z = xp.concatenate([d_c * u * i * (1 - i), d_c * c * f * (1 - f),
                              d_c * i * (1 - u * u), g_h * tanh_c * o * (1 - o)], axis=-1)
        return d_z, d_c * f


def lstm_cell(z, c):
    """One LSTM step from the gates' inputs: [h' | c'] side by side (``LSTMCell``).

    Args:
        z: (..., 4 * units), x_t @ W + h @ U + b, the gates in the order input, forget,
            cell, output (Keras's and PyTorch's).
        c: (..., units), the cell state.
    Returns:
        (..., 2 * units): h' = o * tanh(c') and c' = f * c + i * tanh(z_c) side by side.
    """
    z, c = pair(z, c, LSTMCell)
    units = c.shape[-1] if c.ndim else 0
    if c.ndim == 0 or z.shape[-1:] != (4 * units,) or z.shape[:-1] != c.shape[:-1]:
        raise ValueError(f"lstm_cell: z must have shape {c.shape[:-1] + (4 * units,)} (4 * "
                         f"units gates' inputs for c of shape {c.shape}), got {z.shape}")
    return apply(LSTMCell(), z, c)


class GRUCell(Op):
    """y = z * h + (1 - z) * n,  n = tanh(x_n + r * u_n);  z, r = sigmoid(x_z + u_z, x_r + u_r)
    dL/dx = [d_z | d_r | d_n],  dL/du = [d_z | d_r | d_n * r],  dL/dh = g * z

    with d_n = g * (1 - z) * (1 - n**2), d_z = g * (h - n) * z (1 - z) and
    d_r = d_n * u_n * r (1 - r), in the gates' order. One step of a GRU whose reset gate r
    scales the recurrent part after its product (Keras's ``reset_after=True``, PyTorch's
    GRU), fused: x = x_t @ W + b_in and u = h @ U + b_rec hold the three gates' inputs,
    in Keras's order z, r, n (``order="zrn"``) or PyTorch's r, z, n (``order="rzn"``).
    Fused, a training step of a GRU (batch 32, 16 -> 64 units, 100 steps) took 0.24-0.25 ms
    a time step instead of 0.42-0.44 in the same session.
    """

    __slots__ = ("order", "gates")

    def __init__(self, order):
        self.order = order

    def _thirds(self, a):
        """a's (z, r, n) thirds along the last axis, in the op's order."""
        units = a.shape[-1] // 3
        third = {gate: a[..., k * units:(k + 1) * units] for k, gate in enumerate(self.order)}
        return third["z"], third["r"], third["n"]

    def forward(self, x, u, h):
        # The gates are kept for the backward on arrays (the forward's work again, else).
        (x_z, x_r, x_n), (u_z, u_r, u_n) = self._thirds(x), self._thirds(u)
        z = activations.sigmoid_array(x_z + u_z)
        r = activations.sigmoid_array(x_r + u_r)
        n = np.tanh(x_n + r * u_n)
        self.gates = z, r, n
        return z * h + (1 - z) * n

    def backward(self, g, y, x, u, h):
        (x_z, x_r, x_n), (u_z, u_r, u_n) = self._thirds(x), self._thirds(u)
        if type(x) is Value:  # recorded: the gates again, as ops, to differentiate them
            z, r = xp.sigmoid(x_z + u_z), xp.sigmoid(x_r + u_r)
            n = xp.tanh(x_n + r * u_n)
        else:
            z, r, n = self.gates
        d_n = g * (1 - z) * (1 - n * n)
        d_z = g * (h - n) * z * (1 - z)
        d_r = d_n * u_n * r * (1 - r)
        third = {"z": d_z, "r": d_r, "n": d_n}
        d_x = xp.concatenate([third[gate] for gate in self.order], axis=-1)
        third["n"] = d_n * r
        d_u = xp.concatenate([third[gate] for gate in self.order], axis=-1)
        return d_x, d_u, g * z


def gru_cell(x, u, h, order="zrn"):
    """One GRU step from the gates' inputs: the new h (``GRUCell``).

    Args:
        x: (..., 3 * units), x_t @ W + b_in, the input's part of the three gates.
        u: (..., 3 * units), h @ U + b_rec, the recurrent part.
        h: (..., units), the state.
        order: the gates' order in x and u: "zrn" (Keras: update, reset, new) or "rzn"
            (PyTorch: reset, update, new).
    """
    if order not in ("zrn", "rzn"):
        raise ValueError(f"gru_cell: order must be 'zrn' (Keras's) or 'rzn' (PyTorch's), "
                         f"got {order!r}")
    x, u, h = (operand(a, GRUCell) for a in (x, u, h))
    units = h.shape[-1] if h.ndim else 0
    gates = h.shape[:-1] + (3 * units,)
    if h.ndim == 0 or x.shape != gates or u.shape != gates:
        raise ValueError(f"gru_cell: x and u must have shape {gates} (3 * units gates' inputs "
                         f"for h of shape {h.shape}), got {x.shape} and {u.shape}")
    return apply(GRUCell(order), x, u, h)
