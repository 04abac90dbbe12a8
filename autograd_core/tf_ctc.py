"""TensorFlow's CTC (Connectionist Temporal Classification) names for ``ag.nn``:
``ctc_loss`` (TensorFlow 2's, with dense padded labels) and ``ctc_greedy_decoder``.

The loss is -log p(labels | logits), the probability of the label sequence summed over
every alignment of it to the T frames (blanks between and around the labels, each label
repeated), by the forward recursion over the extended labels l' = (blank, l1, blank, l2,
..., blank) on the log-softmax of the logits:

    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s is
                 not blank and differs from l'_{s-2}) + log_softmax(logits)[t, l'_s]

and loss = -logsumexp(alpha_{T-1}(last two states)): the recursion of PyTorch's
``ctc_loss`` (``autograd_core.ctc``), on the library's ops, so its gradient in the logits
is exact and differentiable again.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import ctc, ops
from ._tf_operands import data as _data, value as _value
from .engine import constant

def _blank(blank_index, classes, default, where):
    if blank_index is None:
        return default
    if isinstance(blank_index, (bool, np.bool_)) or not isinstance(blank_index,
                                                                   numbers.Integral) \
            or not -classes <= blank_index < classes:
        raise ValueError(f"{where}: blank_index must be an integer in [-{classes}, {classes}) "
                         f"for {classes} classes, got {blank_index!r}")
    return int(blank_index) % classes


def ctc_loss(labels, logits, label_length, logit_length, logits_time_major=True,
             unique=None, blank_index=None):
    """``tf.nn.ctc_loss`` (TensorFlow 2): per batch entry, -log p(labels | logits) over every
    alignment, the logits normalized by a softmax over the classes first.

    Args:
        labels: (N, L) integers, zero-padded past each label_length (dense labels only:
            SparseTensors do not exist here). No label may be the blank.
        logits: (T, N, C) unnormalized, or (N, T, C) with ``logits_time_major=False``.
        label_length, logit_length: (N,) integers (logit_length at most T).
        unique: TensorFlow's speed-up from ``ctc_unique_labels``; refused (not needed).
        blank_index: the blank class, 0 by default (TensorFlow 2's); negative counts
            from C.
    Returns:
        (N,) losses; inf where the labels cannot fit their frames (repeats need a blank
        between them), as PyTorch's ``ctc_loss`` without zero_infinity.
    """
    where = "ctc_loss"
    if unique is not None:
        raise NotImplementedError(f"{where}: unique (ctc_unique_labels' speed-up) is not "
                                  "supported; the loss is the same without it")
    if label_length is None:
        raise ValueError(f"{where}: label_length is required (dense labels; SparseTensor "
                         "labels are not supported)")
    x = _value(logits)
    if x.ndim != 3:
        raise ValueError(f"{where}: logits must be 3-D (frames, batch, classes), got shape "
                         f"{x.shape}")
    if not logits_time_major:
        x = ops.transpose(x, (1, 0, 2))
    steps, n, classes = x.shape
    blank = _blank(blank_index, classes, 0, where)
    labels = _data(labels)
    if labels.dtype.kind not in "iu" or labels.ndim != 2 or labels.shape[0] != n:
        raise ValueError(f"{where}: labels must be (batch={n}, max_label_length) integers, "
                         f"got shape {labels.shape} and dtype {labels.dtype}")
    t_in = ctc.lengths(logit_length, n, "logit_length", where)
    t_len = ctc.lengths(label_length, n, "label_length", where)
    if np.any(t_in > steps) or np.any(t_len > labels.shape[1]):
        raise ValueError(f"{where}: logit_length (max {t_in.max()}) must be at most the "
                         f"{steps} frames and label_length (max {t_len.max()}) at most the "
                         f"labels' {labels.shape[1]} columns")
    labels = labels.astype(np.int64)
    used = np.arange(labels.shape[1]) < t_len[:, None]
    if np.any(used & ((labels < 0) | (labels >= classes) | (labels == blank))):
        raise ValueError(f"{where}: labels must be classes in [0, {classes}) other than the "
                         f"blank {blank}, got {labels[used].tolist()}")
    labels = np.where(used, labels, 0 if blank != 0 else 1 % classes)
    if labels.shape[1] == 0:
        labels = np.zeros((n, 1), np.int64)
    loss = ctc.nll(ops.log_softmax(x, axis=-1), labels, t_in, t_len, blank)
    return ops.where(ctc.feasible(labels, t_in, t_len), loss, np.inf)


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """``tf.nn.ctc_greedy_decoder``: the best path, the most likely class at each frame,
    with repeats merged (``merge_repeated``: a class that is the frame before's is not
    emitted again) and blanks dropped.

    Args:
        inputs: (T, N, C) logits. sequence_length: (N,) frames per entry.
        blank_index: the blank class, C - 1 by default (TensorFlow's, unlike ctc_loss's
            0); negative counts from C.
    Returns:
        ``([decoded], neg_sum_logits)``: where TensorFlow's decoded[0] is a SparseTensor,
        here it is a dense (N, max decoded length) int64 constant padded with -1;
        neg_sum_logits (N, 1) is minus the sum over each entry's frames of the largest
        logit, a constant (TensorFlow's has no gradient either).
    """
    where = "ctc_greedy_decoder"
    x = _data(inputs)
    if x.ndim != 3:
        raise ValueError(f"{where}: inputs must be 3-D (frames, batch, classes), got shape "
                         f"{x.shape}")
    steps, n, classes = x.shape
    blank = _blank(blank_index, classes, classes - 1, where)
    lengths = ctc.lengths(sequence_length, n, "sequence_length", where)
    if np.any(lengths > steps):
        raise ValueError(f"{where}: sequence_length (max {lengths.max()}) must be at most "
                         f"the {steps} frames")
    best = np.argmax(x, axis=2)                     # (T, N): the first maximum, as TensorFlow
    decoded, scores = [], np.zeros((n, 1), x.dtype)
    for b in range(n):
        path = best[:lengths[b], b]
        scores[b, 0] = -np.sum(x[np.arange(lengths[b]), b, path])
        keep = path != blank
        if merge_repeated and path.size:
            keep &= np.concatenate([[True], path[1:] != path[:-1]])
        decoded.append(path[keep])
    width = max((len(d) for d in decoded), default=0)
    dense = np.full((n, width), -1, np.int64)
    for b, d in enumerate(decoded):
        dense[b, :len(d)] = d
    return [constant(dense, dtype=np.int64)], constant(scores, dtype=x.dtype)
