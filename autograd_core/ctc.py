"""CTC (Connectionist Temporal Classification): -log p(labels | log_probs), the probability
of a label sequence summed over every alignment of it to the T frames (blanks between and
around the labels, each label repeated), by the forward recursion over the extended labels
l' = (blank, l1, blank, l2, ..., blank):

    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s is
                 not blank and differs from l'_{s-2}) + log_probs[t, l'_s]

and the loss is -logsumexp(alpha_{T-1}(last two states)). The recursion is the library's
ops step by step (``logsumexp``, ``where``, ``take_along_axis``), so its gradient is exact
and differentiable again: the true derivative in log_probs (PyTorch's kernel returns that
plus exp(log_probs): the same once back through the log_softmax that makes log_probs,
which is how it is used).

``ctc_loss`` is PyTorch's (``torch.ctc_loss``, which ``nn.CTCLoss`` and
``nn.functional.ctc_loss`` run); TensorFlow's ``ag.nn.ctc_loss`` (``tf_ctc``) runs the
same recursion on its logits' log-softmax.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import ops
from .engine import Value, constant

__all__ = ["ctc_loss"]

# log 0 as a finite number: exp(_LOG_ZERO - m) is exactly 0 beside any real log
# probability m, and a logsumexp of only these stays finite, with finite gradients (an
# all -inf logsumexp would give NaN gradients, even multiplied by 0)
_LOG_ZERO = -1e30


def nll(lp, labels, t_in, t_len, blank):
    """-log p(labels | lp) per batch entry, (N,), by the alpha recursion: lp (T, N, C) log
    probabilities (a Value), labels (N, S) integers (padding past each length any class),
    t_in and t_len (N,) frame and label counts, blank the blank class."""
    steps, n, _ = lp.shape
    states = 2 * labels.shape[1] + 1
    extended = np.full((n, states), blank, np.int64)
    extended[:, 1::2] = labels
    skip = np.zeros((n, states), bool)   # s - 2 -> s allowed: a label unlike the one before
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    # (T, N, S'): lp[t, n, l'_s]
    emit = ops.take_along_axis(lp, np.broadcast_to(extended, (steps, n, states)), axis=2)
    dtype = lp.dtype.type
    floor = np.full((n, states), _LOG_ZERO, lp.dtype)
    # states past an entry's 2 * t_len + 1 hold padding; the recursion only climbs, so
    # they never reach the states the loss reads
    alpha = ops.where(np.arange(states) < 2, emit[0], floor)
    # no frames at all: probability 1 of the empty sequence, in state 0
    empty = np.where(np.arange(states) == 0, 0.0, _LOG_ZERO).astype(lp.dtype)
    alpha = ops.where((t_in == 0)[:, None], empty, alpha)
    pad1, pad2 = floor[:, :1], floor[:, :2]
    for t in range(1, steps):
        step = ops.concat([pad1, alpha[:, :-1]], axis=1)
        jump = ops.where(skip, ops.concat([pad2, alpha[:, :-2]], axis=1), dtype(_LOG_ZERO))
        new = ops.logsumexp(ops.stack([alpha, step, jump]), axis=0) + emit[t]
        alpha = ops.where((t < t_in)[:, None], new, alpha)   # frozen after its last frame
    last = np.stack([2 * t_len, np.maximum(2 * t_len - 1, 0)], axis=1)
    ends = ops.take_along_axis(alpha, last, axis=1)
    ends = ops.where(np.stack([np.ones(n, bool), t_len > 0], axis=1), ends, dtype(_LOG_ZERO))
    return -ops.logsumexp(ends, axis=1)


def feasible(labels, t_in, t_len):
    """Whether each entry's labels fit its frames: a repeated label needs a blank between
    its copies, so len + repeats frames at least."""
    used = np.arange(labels.shape[1]) < t_len[:, None]
    repeats = np.sum((labels[:, 1:] == labels[:, :-1]) & used[:, 1:], axis=1)
    return t_in >= t_len + repeats


def lengths(values, n, what, where):
    """(N,) integer lengths >= 0 from an array, a Value, a sequence or one number."""
    values = np.asarray(values.data if isinstance(values, Value) else values)
    if values.dtype.kind not in "iu" or values.size != n or np.any(values < 0):
        raise ValueError(f"{where}: {what} must be {n} integers >= 0 (one per batch entry), "
                         f"got {values.tolist()}")
    return values.reshape(n).astype(np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """PyTorch's ``torch.ctc_loss`` (``nn.functional.ctc_loss``, ``nn.CTCLoss``): -log
    p(targets | log_probs) over every alignment (see the module's text).

    Args (PyTorch's):
        log_probs: (T, N, C) (log_softmax's output) or (T, C).
        targets: (N, S) padded, or 1-D, all targets one after another (integers).
        input_lengths, target_lengths: (N,) integers.
        blank: the blank class, an int in [0, C).
        reduction: "mean" (each loss divided by its target length, then the mean over the
            batch), "sum" or "none".
        zero_infinity: the infinite losses of targets too long for their inputs count 0,
            with no gradient.
    """
    where = "ctc_loss"
    if isinstance(blank, (bool, np.bool_)) or not isinstance(blank, numbers.Integral) \
            or blank < 0:
        raise ValueError(f"{where}: blank must be an int >= 0, got {blank!r}")
    if not isinstance(zero_infinity, (bool, np.bool_)):
        raise TypeError(f"{where}: zero_infinity must be True or False, got "
                        f"{zero_infinity!r}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    lp = log_probs if isinstance(log_probs, Value) else constant(log_probs)
    if lp.dtype.kind != "f":
        raise TypeError(f"{where}: log_probs must hold floats, got dtype {lp.dtype}")
    single = lp.ndim == 2
    if single:
        lp = ops.expand_dims(lp, 1)
    if lp.ndim != 3:
        raise ValueError(f"{where}: log_probs must be (T, N, C) or (T, C), got shape "
                         f"{lp.shape}")
    steps, n, classes = lp.shape
    if not blank < classes:
        raise ValueError(f"{where}: blank {blank} is not one of the {classes} classes")
    t_in = lengths(input_lengths, n, "input_lengths", where)
    t_len = lengths(target_lengths, n, "target_lengths", where)
    if np.any(t_in > steps):
        raise ValueError(f"{where}: input_lengths must be at most T = {steps}, got "
                         f"{t_in.max()}")
    labels = _padded(targets, t_len, n, classes, single, int(blank), where)
    loss = nll(lp, labels, t_in, t_len, int(blank))
    loss = ops.where(feasible(labels, t_in, t_len), loss, 0.0 if zero_infinity else np.inf)
    if single:
        loss = ops.squeeze(loss, 0)
    if reduction == "mean":
        return ops.mean(loss / np.maximum(t_len, 1).astype(lp.dtype))
    return ops.sum(loss) if reduction == "sum" else loss


def _padded(targets, t_len, n, classes, single, blank, where):
    """The targets as (N, S) rows, checked: S >= each length, labels in [0, C), no blank
    among a row's first target_length labels."""
    t = np.asarray(targets.data if isinstance(targets, Value) else targets)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{where}: targets must be integer labels, got dtype {t.dtype}")
    if single and t.ndim == 1 and t.size >= t_len[0]:
        t = t[None, :]
    if t.ndim == 1:  # all targets one after another
        if t.size != t_len.sum():
            raise ValueError(f"{where}: 1-D targets must hold sum(target_lengths) = "
                             f"{t_len.sum()} labels, got {t.size}")
        rows = np.zeros((n, max(int(t_len.max(initial=0)), 1)), np.int64)
        inside = np.arange(rows.shape[1]) < t_len[:, None]
        rows[inside] = t
        t = rows
    elif t.ndim != 2 or t.shape[0] != n or np.any(t_len > t.shape[1]):
        raise ValueError(f"{where}: targets must be (N, S) with S >= every target length "
                         f"(N = {n}), or 1-D, got shape {t.shape}")
    used = np.arange(t.shape[1]) < t_len[:, None]
    if np.any(used & ((t < 0) | (t >= classes) | (t == blank))):
        raise ValueError(f"{where}: targets must be labels in [0, {classes}) other than "
                         f"the blank {blank}")
    return np.where(used, t, 0).astype(np.int64)
