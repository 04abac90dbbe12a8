"""PyTorch's loss modules: ``CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``, ``L1Loss``,
``BCELoss``, ``BCEWithLogitsLoss``, ``HuberLoss``, ``SmoothL1Loss`` and more, down to
``GaussianNLLLoss``, ``MultiLabelSoftMarginLoss``, ``MultiMarginLoss``,
``MultiLabelMarginLoss`` and ``CTCLoss``, whose ``torch.nn.functional`` functions
(``gaussian_nll_loss``, ``multilabel_soft_margin_loss``, ``multi_margin_loss``,
``multilabel_margin_loss``, ``ctc_loss``) are at the end of this file.

PyTorch's argument order, ``loss_fn(input, target)`` (Keras's losses take ``y_true``
first), its class axis 1 for ``(N, C, d1, ...)`` inputs, and its arguments (``weight``,
``ignore_index``, ``label_smoothing``, ``pos_weight``, ``reduction``), so that a training
loop from PyTorch's tutorials ports by renaming:

>>> import numpy as np, autograd_core as ag, nn
>>> loss_fn = nn.CrossEntropyLoss()
>>> logits = ag.Value(np.zeros((2, 3), np.float32))
>>> round(float(loss_fn(logits, np.array([0, 2]))), 4)        # log 3
1.0986

The maths is the engine's ops (the fused, stable ``softmax_cross_entropy`` and
``sigmoid_cross_entropy`` where PyTorch's arguments allow), so every loss is
differentiable to any order.
"""

import math
import numbers
import warnings

import numpy as np

import autograd_core as ag

from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "NLLLoss2d", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss",
           "HuberLoss", "SmoothL1Loss", "KLDivLoss", "SoftMarginLoss", "PoissonNLLLoss",
           "MarginRankingLoss", "CosineEmbeddingLoss", "HingeEmbeddingLoss",
           "TripletMarginLoss", "GaussianNLLLoss", "MultiLabelSoftMarginLoss",
           "MultiMarginLoss", "MultiLabelMarginLoss", "CTCLoss", "gaussian_nll_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
           "ctc_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction, where):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    return reduction


def _reduce(loss, reduction):
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _value(x, where, what="input"):
    """A float input as a Value (arrays become constants of their own dtype)."""
    x = x if isinstance(x, ag.Value) else ag.constant(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: {what} must hold floats, got dtype {x.dtype}")
    return x


def _array(x, dtype=np.float64):
    """A weight given as a Value or an array, as a numpy array."""
    return np.asarray(x.data if isinstance(x, ag.Value) else x, dtype)


def _same_shape(input, target, where):
    if tuple(np.shape(target)) != input.shape:
        raise ValueError(f"{where}: target of shape {tuple(np.shape(target))} does not match "
                         f"input of shape {input.shape} (PyTorch's order: input, then target)")


class _Loss(Module):
    """The shared body: ``reduction``, and ``forward(input, target)``."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = _reduction(reduction, type(self).__name__)

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class _ClassLoss(_Loss):
    """Losses over a class axis: ``weight`` and ``ignore_index``, as NLLLoss has them."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        where = type(self).__name__
        if isinstance(ignore_index, (bool, np.bool_)) \
                or not isinstance(ignore_index, numbers.Integral):
            raise TypeError(f"{where}: ignore_index must be an integer, got {ignore_index!r}")
        self.weight = None if weight is None else _array(weight)
        if self.weight is not None and self.weight.ndim != 1:
            raise ValueError(f"{where}: weight must be a 1-D array (one entry per class), got "
                             f"shape {self.weight.shape}")
        self.ignore_index = int(ignore_index)

    def _classes(self, input, target):
        """input as (N, C, d...) with C on axis 1, the integer targets (N, d...) checked, and
        the mask of the targets that count (not ``ignore_index``)."""
        where = type(self).__name__
        if input.ndim == 0:
            raise ValueError(f"{where}: input must have a class axis, got a scalar")
        target = np.asarray(target.data if isinstance(target, ag.Value) else target)
        if input.ndim == 1:  # one unbatched example: (C,) and a class number
            input, target = ag.expand_dims(input, 0), target.reshape(1, *target.shape)
        classes = input.shape[1]
        expected = (input.shape[0],) + input.shape[2:]
        if target.shape != expected:
            raise ValueError(f"{where}: class targets for input of shape {input.shape} (classes "
                             f"on axis 1) must have shape {expected}, got {target.shape}")
        if target.dtype.kind not in "iu":
            raise TypeError(f"{where}: class targets must be integers, got dtype "
                            f"{target.dtype}")
        if target.size and 0 <= target.min() and target.max() < classes \
                and not 0 <= self.ignore_index < classes:
            # the common case, in two reductions: every target a class, none ignored
            return self._checked_weight(input, classes), target, np.ones(target.shape, bool)
        counted = target != self.ignore_index
        bad = counted & ((target < 0) | (target >= classes))
        if bad.any():
            raise IndexError(f"{where}: target {int(target[bad][0])} is out of bounds for "
                             f"{classes} classes")
        return self._checked_weight(input, classes), np.where(counted, target, 0), counted

    def _checked_weight(self, input, classes):
        """input, once ``weight`` is known to have one entry per class."""
        if self.weight is not None and self.weight.shape != (classes,):
            raise ValueError(f"{type(self).__name__}: weight has {self.weight.shape[0]} "
                             f"entries for input with {classes} classes")
        return input

    def _nll(self, log_p, target, counted, smoothing=0.0):
        """-weight[t] * log_p[t] per element, ``smoothing`` of it spread over all classes,
        reduced as PyTorch reduces: the weighted mean divides by the counted weights."""
        classes = log_p.shape[1]
        w = np.ones(classes, log_p.dtype) if self.weight is None \
            else self.weight.astype(log_p.dtype)
        index = np.expand_dims(target, 1)
        picked = ag.squeeze(ag.take_along_axis(log_p, index, axis=1), axis=1)
        w_t = np.where(counted, w[target], 0).astype(log_p.dtype)
        loss = -(picked * w_t)
        if smoothing:
            shape = (1, classes) + (1,) * (log_p.ndim - 2)
            spread = -(log_p * w.reshape(shape)).sum(axis=1) * counted.astype(log_p.dtype)
            loss = loss * (1 - smoothing) + spread * (smoothing / classes)
        if self.reduction == "mean":
            return loss.sum() / w_t.sum()  # NaN when every target is ignored, as PyTorch
        return _reduce(loss, self.reduction)


class CrossEntropyLoss(_ClassLoss):
    """L = -weight[t] * log softmax(input)[t], over the class axis 1.

    Args (PyTorch's):
        weight: (C,) rescaling of each class, or None.
        ignore_index: targets equal to it count for nothing (-100).
        reduction: "mean" (divided by the counted targets' weights), "sum" or "none".
        label_smoothing: ε in [0, 1]: the target is (1 - ε) on the class and ε / C spread
            over all classes.

    ``forward(input, target)``: input logits (N, C), (N, C, d...) or (C,); target class
    numbers (N,), (N, d...) or a number, or class probabilities of input's shape.
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, ignore_index, reduction)
        if not isinstance(label_smoothing, numbers.Real) or not 0 <= label_smoothing <= 1:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got "
                             f"{label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    def forward(self, input, target):
        where = "CrossEntropyLoss"
        input = _value(input, where)
        probabilities = np.asarray(target.data if isinstance(target, ag.Value) else target)
        if probabilities.dtype.kind == "f":
            return self._soft(input, probabilities)
        plain = self.weight is None and not self.label_smoothing and input.ndim == 2
        x, t, counted = self._classes(input, target)
        if plain and counted.all():
            # the common case, fused: one op with a stable, exact gradient
            return ag.softmax_cross_entropy(x, t, reduction=self.reduction)
        loss = self._nll(ag.log_softmax(x, axis=1), t, counted, self.label_smoothing)
        return ag.squeeze(loss, 0) if input.ndim == 1 and self.reduction == "none" else loss

    def _soft(self, input, t):
        """Probability targets: L = -sum_c weight[c] * t_c * log softmax(input)_c, the mean
        over the examples (not their weights), as PyTorch."""
        _same_shape(input, t, "CrossEntropyLoss")
        x = ag.expand_dims(input, 0) if input.ndim == 1 else input
        t = t.reshape(x.shape).astype(x.dtype)
        classes = x.shape[1]
        if self.label_smoothing:
            t = t * (1 - self.label_smoothing) + self.label_smoothing / classes
        shape = (1, classes) + (1,) * (x.ndim - 2)
        if self.weight is not None:
            if self.weight.shape != (classes,):
                raise ValueError(f"CrossEntropyLoss: weight has {self.weight.shape[0]} entries "
                                 f"for input with {classes} classes")
            t = t * self.weight.astype(x.dtype).reshape(shape)
        loss = -(ag.log_softmax(x, axis=1) * t).sum(axis=1)
        if input.ndim == 1:
            loss = ag.squeeze(loss, 0)
        return _reduce(loss, self.reduction)


class NLLLoss(_ClassLoss):
    """L = -weight[t] * input[t]: input holds log-probabilities (``log_softmax``'s output),
    class axis 1. Args as ``CrossEntropyLoss``'s, without label smoothing."""

    def forward(self, input, target):
        input = _value(input, "NLLLoss")
        x, t, counted = self._classes(input, target)
        loss = self._nll(x, t, counted)
        return ag.squeeze(loss, 0) if input.ndim == 1 and self.reduction == "none" else loss


class NLLLoss2d(NLLLoss):
    """PyTorch's deprecated name of ``NLLLoss`` (from when NLLLoss took no image targets):
    the same class behaviour, and PyTorch's FutureWarning when made."""

    def __init__(self, *args, **kwargs):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a "
                      "drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more "
                      "details.", FutureWarning, stacklevel=2)
        super().__init__(*args, **kwargs)


class _Pointwise(_Loss):
    """Losses of each input element against the target element of the same position."""

    def forward(self, input, target):
        where = type(self).__name__
        input = _value(input, where)
        target = target if isinstance(target, ag.Value) else ag.constant(
            np.asarray(target, dtype=input.dtype))
        _same_shape(input, target, where)
        return self.reduced(self.pointwise(input, target))

    def reduced(self, loss):
        return _reduce(loss, self.reduction)


class MSELoss(_Pointwise):
    """L = (input - target)²."""

    def pointwise(self, x, t):
        return ag.square(x - t)


class L1Loss(_Pointwise):
    """L = |input - target|."""

    def pointwise(self, x, t):
        return ag.abs(x - t)


class HuberLoss(_Pointwise):
    """L = ½ d² where |d| < delta, else delta (|d| - ½ delta), with d = input - target."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        if not isinstance(delta, numbers.Real) or not delta > 0:
            raise ValueError(f"HuberLoss: delta must be a number > 0, got {delta!r}")
        self.delta = float(delta)

    def pointwise(self, x, t):
        d = ag.abs(x - t)
        return ag.where(d.data < self.delta, 0.5 * ag.square(d),
                        self.delta * (d - 0.5 * self.delta))


class SmoothL1Loss(_Pointwise):
    """L = ½ d² / beta where |d| < beta, else |d| - ½ beta, with d = input - target
    (beta = 0 is the L1 loss)."""

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        if not isinstance(beta, numbers.Real) or not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be a number >= 0, got {beta!r}")
        self.beta = float(beta)

    def pointwise(self, x, t):
        d = ag.abs(x - t)
        if self.beta == 0:
            return d
        return ag.where(d.data < self.beta, 0.5 * ag.square(d) / self.beta, d - 0.5 * self.beta)


class BCELoss(_Pointwise):
    """L = -weight * (t log p + (1 - t) log(1 - p)), p = input in [0, 1]; each log is
    clamped at -100, as PyTorch does, so a p of exactly 0 or 1 gives a finite loss (and
    there the clamped log passes no gradient, where PyTorch's passes about 1e12).

    Args (PyTorch's): weight (broadcast to the input's shape) or None, reduction."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = None if weight is None else _array(weight)

    def pointwise(self, p, t):
        if np.any((p.data < 0) | (p.data > 1)):
            raise ValueError("BCELoss: input must hold probabilities in [0, 1]; for logits "
                             "use BCEWithLogitsLoss")
        # log clamped at -100: the log of max(p, e^-100), whose gradient is 0 where p is
        # below it (log(p) itself would give 0 * inf = NaN there)
        log_p = ag.log(ag.clip(p, _TINY, None))
        log_q = ag.log(ag.clip(1 - p, _TINY, None))
        loss = -(t * log_p + (1 - t) * log_q)
        return loss if self.weight is None else loss * self.weight.astype(p.dtype)


_TINY = math.exp(-100)


class BCEWithLogitsLoss(_Pointwise):
    """L = -weight * (pos_weight t log σ(x) + (1 - t) log(1 - σ(x))), fused and stable.

    Args (PyTorch's):
        weight: broadcast to the input's shape, or None.
        reduction: "mean", "sum" or "none".
        pos_weight: the positive examples' weight, per class (the last axis), or None.
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.weight = None if weight is None else _array(weight)
        self.pos_weight = None if pos_weight is None else _array(pos_weight)

    def pointwise(self, x, t):
        if self.pos_weight is None:
            loss = ag.sigmoid_cross_entropy(x, t)
        else:
            # PyTorch's form: (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x), where
            # softplus(-x) = -log σ(x)
            scale = 1 + (self.pos_weight.astype(x.dtype) - 1) * t
            loss = (1 - t) * x + scale * ag.softplus(-x)
        return loss if self.weight is None else loss * self.weight.astype(x.dtype)


class KLDivLoss(_Pointwise):
    """L = t (log t - x), x = input log-probabilities, t = target probabilities (0 where t
    is 0); with ``log_target``, the target is log t: exp(t) (t - x).

    Args (PyTorch's): reduction "mean" (over every element: PyTorch's default, which it
    warns is not the divergence), "batchmean" (the sum over the batch size: the KL
    divergence), "sum" or "none"; log_target. ``size_average`` and ``reduce``, PyTorch's
    old spelling of reduction, only as None.
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        if size_average is not None or reduce is not None:
            raise TypeError("KLDivLoss: size_average and reduce are PyTorch's deprecated "
                            "arguments; give reduction='batchmean' (or 'sum', 'none')")
        if not isinstance(log_target, (bool, np.bool_)):
            raise TypeError(f"KLDivLoss: log_target must be True or False, got {log_target!r}")
        super().__init__("sum" if reduction == "batchmean" else reduction)  # checked there
        self.reduction, self.log_target = reduction, bool(log_target)

    def pointwise(self, x, t):
        if self.log_target:
            return ag.exp(t) * (t - x)
        positive = t.data > 0
        # t log t with its limit 0 at t = 0 (log of 1 there keeps the masked branch finite)
        t_log_t = ag.where(positive, t * ag.log(ag.where(positive, t, 1.0)), 0.0)
        return t_log_t - t * x

    def reduced(self, loss):
        if self.reduction == "batchmean":
            return loss.sum() / loss.shape[0] if loss.ndim else loss.sum()
        return super().reduced(loss)


class SoftMarginLoss(_Pointwise):
    """L = log(1 + exp(-y x)), y = +1 or -1: the logistic loss of a margin."""

    def pointwise(self, x, y):
        return ag.softplus(-y * x)


class PoissonNLLLoss(_Pointwise):
    """L = exp(x) - t x with ``log_input`` (x the log of the rate), else x - t log(x + eps);
    ``full`` adds Stirling's t log t - t + log(2 pi t) / 2 where t > 1.

    Args (PyTorch's): log_input=True, full=False, eps=1e-8, reduction="mean".
    """

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8,
                 reduce=None, reduction="mean"):
        if size_average is not None or reduce is not None:
            raise TypeError("PoissonNLLLoss: size_average and reduce are PyTorch's deprecated "
                            "arguments; give reduction=")
        super().__init__(reduction)
        self.log_input = bool(log_input)
        self.full, self.eps = bool(full), float(eps)

    def pointwise(self, x, t):
        loss = ag.exp(x) - t * x if self.log_input else x - t * ag.log(x + self.eps)
        if self.full:
            td = t.data
            safe = np.where(td > 1, td, 1.0)
            stirling = np.where(td > 1, safe * np.log(safe) - safe
                                + 0.5 * np.log(2 * np.pi * safe), 0.0)
            loss = loss + stirling.astype(loss.dtype)
        return loss


class _PairLoss(_Loss):
    """Losses of two inputs and a target of +1 / -1 labels: ``forward(x1, x2, y)``."""

    def __init__(self, margin=0.0, reduction="mean"):
        super().__init__(reduction)
        if isinstance(margin, bool) or not isinstance(margin, numbers.Real):
            raise TypeError(f"{type(self).__name__}: margin must be a number, got {margin!r}")
        self.margin = float(margin)

    def forward(self, input1, input2, target):
        where = type(self).__name__
        x1, x2 = _value(input1, where, "input1"), _value(input2, where, "input2")
        y = target if isinstance(target, ag.Value) else ag.constant(
            np.asarray(target, dtype=x1.dtype))
        return _reduce(self.pairwise(x1, x2, y), self.reduction)


class MarginRankingLoss(_PairLoss):
    """L = max(0, -y (x1 - x2) + margin): x1 should rank above x2 where y = 1, below where
    y = -1.  Args (PyTorch's): margin=0.0, reduction="mean"."""

    def pairwise(self, x1, x2, y):
        return ag.relu(-y * (x1 - x2) + self.margin)


class CosineEmbeddingLoss(_PairLoss):
    """L = 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; cos along
    the last axis, with PyTorch's 1e-12 added to each squared norm.
    Args (PyTorch's): margin=0.0, reduction="mean"."""

    def pairwise(self, x1, x2, y):
        axis = x1.ndim - 1
        dot = ag.sum(x1 * x2, axis=axis)
        norms = ag.sqrt((ag.sum(x1 * x1, axis=axis) + 1e-12)
                        * (ag.sum(x2 * x2, axis=axis) + 1e-12))
        cos = dot / norms
        positive = y.data > 0
        return ag.where(positive, 1 - cos, ag.relu(cos - self.margin))


class HingeEmbeddingLoss(_Pointwise):
    """L = x where y = 1, max(0, margin - x) where y = -1 (x a distance).
    Args (PyTorch's): margin=1.0, reduction="mean"."""

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = float(margin)

    def pointwise(self, x, y):
        return ag.where(y.data > 0, x, ag.relu(self.margin - x))


class TripletMarginLoss(_Loss):
    """L = max(d(a, p) - d(a, n) + margin, 0), d(u, v) = ||u - v + eps||_p along the last
    axis (PyTorch's pairwise distance); with ``swap``, d(a, n) is min(d(a, n), d(p, n)).

    Args (PyTorch's): margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean".
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None,
                 reduce=None, reduction="mean"):
        if size_average is not None or reduce is not None:
            raise TypeError("TripletMarginLoss: size_average and reduce are PyTorch's "
                            "deprecated arguments; give reduction=")
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = float(margin), float(p), float(eps), \
            bool(swap)

    def forward(self, anchor, positive, negative):
        where = "TripletMarginLoss"
        a = _value(anchor, where, "anchor")
        pos, neg = _value(positive, where, "positive"), _value(negative, where, "negative")
        d_pos, d_neg = self._distance(a, pos), self._distance(a, neg)
        if self.swap:
            d_neg = ag.minimum(d_neg, self._distance(pos, neg))
        return _reduce(ag.relu(d_pos - d_neg + self.margin), self.reduction)

    def _distance(self, u, v):
        return ag.norm(u - v + self.eps, ord=self.p, axis=u.ndim - 1)


def _deprecated(size_average, reduce, where):
    if size_average is not None or reduce is not None:
        raise TypeError(f"{where}: size_average and reduce are PyTorch's deprecated "
                        "arguments; give reduction=")


class GaussianNLLLoss(_Loss):
    """L = ½ (log v + (input - target)² / v), v = max(var, eps) with the gradient of var
    passed through the clamp unchanged (PyTorch clamps in place without gradient); ``full``
    adds ½ log(2π).

    Args (PyTorch's): full=False, eps=1e-6, reduction="mean".

    ``forward(input, target, var)``: var of input's shape (one variance per prediction),
    or with one axis of size 1 where input's is larger, or input's shape without its last
    axis, or a float >= 0; no entry below 0. The target broadcasts against the input.
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        if not isinstance(full, (bool, np.bool_)):
            raise TypeError(f"GaussianNLLLoss: full must be True or False, got {full!r}")
        if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real) \
                or not 0 <= eps < math.inf:
            raise ValueError(f"GaussianNLLLoss: eps must be a finite number >= 0, got {eps!r}")
        super().__init__(reduction)
        self.full, self.eps = bool(full), float(eps)

    def forward(self, input, target, var):
        where = "GaussianNLLLoss"
        x = _value(input, where)
        t = target if isinstance(target, ag.Value) else ag.constant(
            np.asarray(target, dtype=x.dtype))
        try:
            np.broadcast_shapes(x.shape, t.shape)
        except ValueError:
            raise ValueError(f"{where}: target of shape {t.shape} does not broadcast against "
                             f"input of shape {x.shape}") from None
        if isinstance(var, numbers.Real) and not isinstance(var, (bool, np.bool_)):
            if var < 0:
                raise ValueError(f"{where}: var must be >= 0, got {var}")
            var = ag.constant(np.full(x.shape, var, x.dtype))
        v = _value(var, where, "var")
        if np.any(v.data < 0):
            raise ValueError(f"{where}: var has negative entries (variances are >= 0)")
        if v.shape != x.shape:
            if v.shape == x.shape[:-1]:  # one variance per sample: broadcast on the last axis
                v = ag.expand_dims(v, -1)
            elif v.ndim != x.ndim or sum(m for n, m in zip(x.shape, v.shape) if n != m) != 1:
                raise ValueError(f"{where}: var of shape {v.shape} does not fit input of shape "
                                 f"{x.shape}: give input's shape, input's shape with one axis "
                                 f"of size 1, or input's shape without its last axis")
        # v + (max(v, eps) - v) held constant: the clamped value, with v's gradient
        v = v + ag.stop_gradient(ag.maximum(v, self.eps) - v)
        loss = 0.5 * (ag.log(v) + ag.square(x - t) / v)
        if self.full:
            loss = loss + 0.5 * math.log(2 * math.pi)
        return _reduce(loss, self.reduction)


def _class_rows(input, target, where, target_shape):
    """input as (N, C) (a (C,) input is one row), the integer target checked against
    ``target_shape(N, C)``; also whether the input was a single row."""
    x = _value(input, where)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{where}: input must be (N, C) or (C,) with C > 0, got shape "
                         f"{x.shape}")
    single = x.ndim == 1
    if single:
        x = ag.expand_dims(x, 0)
    t = np.asarray(target.data if isinstance(target, ag.Value) else target)
    expected = target_shape(*x.shape)
    shape = expected[1:] if single else expected
    if t.shape != shape:
        raise ValueError(f"{where}: target for input of shape {tuple(np.shape(input))} must "
                         f"have shape {shape}, got {t.shape}")
    if t.dtype.kind not in "iu":
        raise TypeError(f"{where}: target must hold integer class numbers, got dtype "
                        f"{t.dtype}")
    return x, t.reshape(expected).astype(np.int64), single


def _class_weight(weight, where):
    w = None if weight is None else _array(weight)
    if w is not None and w.ndim != 1:
        raise ValueError(f"{where}: weight must be a 1-D array (one entry per class), got "
                         f"shape {w.shape}")
    return w


class MultiLabelSoftMarginLoss(_Loss):
    """L = -1/C sum_c weight_c (y_c log σ(x_c) + (1 - y_c) log σ(-x_c)) per sample: the
    logistic loss of every class, y_c in {0, 1}, averaged over the C classes.

    Args (PyTorch's): weight (C,) or None, reduction="mean". ``forward(input, target)``:
    input (N, C) or (C,), target of the same shape.
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        _deprecated(size_average, reduce, "MultiLabelSoftMarginLoss")
        super().__init__(reduction)
        self.weight = _class_weight(weight, "MultiLabelSoftMarginLoss")

    def forward(self, input, target):
        where = "MultiLabelSoftMarginLoss"
        x = _value(input, where)
        if x.ndim not in (1, 2):
            raise ValueError(f"{where}: input must be (N, C) or (C,), got shape {x.shape}")
        y = target if isinstance(target, ag.Value) else ag.constant(
            np.asarray(target, dtype=x.dtype))
        _same_shape(x, y, where)
        # log σ(x) = -softplus(-x), log σ(-x) = -softplus(x)
        loss = y * ag.softplus(-x) + (1 - y) * ag.softplus(x)
        if self.weight is not None:
            if self.weight.shape[0] not in (1, x.shape[-1]):
                raise ValueError(f"{where}: weight has {self.weight.shape[0]} entries for "
                                 f"input with {x.shape[-1]} classes")
            loss = loss * self.weight.astype(x.dtype)
        return _reduce(ag.mean(loss, axis=x.ndim - 1), self.reduction)


class MultiMarginLoss(_Loss):
    """L = 1/C sum_{j != y} weight_y max(0, margin - x_y + x_j)^p per sample: the
    multi-class hinge loss, y the target class.

    Args (PyTorch's): p=1 (1 or 2), margin=1.0, weight (C,) or None, reduction="mean".
    ``forward(input, target)``: input (N, C) or (C,), target class numbers (N,) or one.
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        where = "MultiMarginLoss"
        _deprecated(size_average, reduce, where)
        if isinstance(p, (bool, np.bool_)) or p not in (1, 2):
            raise ValueError(f"{where}: p must be 1 or 2, got {p!r}")
        if isinstance(margin, (bool, np.bool_)) or not isinstance(margin, numbers.Real):
            raise TypeError(f"{where}: margin must be a number, got {margin!r}")
        super().__init__(reduction)
        self.p, self.margin = int(p), float(margin)
        self.weight = _class_weight(weight, where)

    def forward(self, input, target):
        where = "MultiMarginLoss"
        x, y, single = _class_rows(input, target, where, lambda n, c: (n,))
        classes = x.shape[1]
        if y.size and (y.min() < 0 or y.max() >= classes):
            raise IndexError(f"{where}: target {int(y[(y < 0) | (y >= classes)][0])} is out "
                             f"of bounds for {classes} classes")
        if self.weight is not None and self.weight.shape != (classes,):
            raise ValueError(f"{where}: weight has {self.weight.shape[0]} entries for input "
                             f"with {classes} classes")
        x_y = ag.take_along_axis(x, y[:, None], axis=1)
        hinge = ag.relu(self.margin - x_y + x)
        if self.p == 2:
            hinge = ag.square(hinge)
        others = np.arange(classes) != y[:, None]  # the target's own term is left out
        scale = others.astype(x.dtype) / x.dtype.type(classes)
        if self.weight is not None:
            scale = scale * self.weight.astype(x.dtype)[y][:, None]
        loss = ag.sum(hinge * scale, axis=1)
        return _reduce(ag.squeeze(loss, 0) if single else loss, self.reduction)


class MultiLabelMarginLoss(_Loss):
    """L = 1/C sum_{j in targets} sum_{i not in targets} max(0, 1 - (x_j - x_i)) per
    sample: every target class should beat every other class by a margin of 1.

    ``forward(input, target)``: input (N, C) or (C,); target integers of the same shape,
    each row the sample's target classes followed by -1 (the first -1 ends the list; a
    class listed twice counts twice, as in PyTorch). Args (PyTorch's): reduction="mean".
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        _deprecated(size_average, reduce, "MultiLabelMarginLoss")
        super().__init__(reduction)

    def forward(self, input, target):
        where = "MultiLabelMarginLoss"
        x, t, single = _class_rows(input, target, where, lambda n, c: (n, c))
        n, classes = x.shape
        listed = np.cumprod(t != -1, axis=1).astype(bool)  # before each row's first -1
        bad = listed & ((t < 0) | (t >= classes))
        if bad.any():
            raise IndexError(f"{where}: target {int(t[bad][0])} is out of bounds for "
                             f"{classes} classes (use -1 to end a row's list)")
        t = np.where(listed, t, 0)
        is_target = np.zeros((n, classes), bool)
        rows = np.broadcast_to(np.arange(n)[:, None], t.shape)
        is_target[rows[listed], t[listed]] = True
        x_t = ag.take_along_axis(x, t, axis=1)  # (N, K): the listed classes' scores
        pairs = listed[:, :, None] & ~is_target[:, None, :]  # (N, K, C): j listed, i not
        hinge = ag.relu(1 - ag.expand_dims(x_t, 2) + ag.expand_dims(x, 1))
        loss = ag.sum(hinge * (pairs.astype(x.dtype) / x.dtype.type(classes)), axis=(1, 2))
        return _reduce(ag.squeeze(loss, 0) if single else loss, self.reduction)


class CTCLoss(_Loss):
    """L = -log p(target | input): the probability of the target sequence summed over every
    alignment of it to the input's T steps, ``ag.ctc_loss`` (PyTorch's ``torch.ctc_loss``;
    its recursion is written out in ``autograd_core/ctc.py``).

    Args (PyTorch's): blank=0, reduction="mean" (each loss divided by its target length,
    then the mean over the batch), "sum" or "none"; zero_infinity=False (True: the
    infinite losses of targets too long for their inputs count 0, with no gradient).

    ``forward(log_probs, targets, input_lengths, target_lengths)``: log_probs (T, N, C)
    (log_softmax's output) or (T, C); targets (N, S) padded, or 1-D, all targets one after
    another; input_lengths and target_lengths (N,) integers.
    """

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        if isinstance(blank, (bool, np.bool_)) or not isinstance(blank, numbers.Integral) \
                or blank < 0:
            raise ValueError(f"CTCLoss: blank must be an int >= 0, got {blank!r}")
        if not isinstance(zero_infinity, (bool, np.bool_)):
            raise TypeError(f"CTCLoss: zero_infinity must be True or False, got "
                            f"{zero_infinity!r}")
        super().__init__(reduction)
        self.blank, self.zero_infinity = int(blank), bool(zero_infinity)

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ag.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                           self.reduction, self.zero_infinity)


# --- the functions (PyTorch's ``torch.nn.functional`` names; arguments after ``weight``
# keyword-only, as the other losses of ``nn.functional``) ------------------------------

def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """½ (log max(var, eps) + (input - target)² / max(var, eps)) (see GaussianNLLLoss)."""
    return GaussianNLLLoss(full=full, eps=eps, reduction=reduction).forward(input, target, var)


def multilabel_soft_margin_loss(input, target, weight=None, *, reduction="mean"):
    """The logistic loss of every class, averaged over them (see MultiLabelSoftMarginLoss)."""
    return MultiLabelSoftMarginLoss(weight, reduction=reduction).forward(input, target)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, *, reduction="mean"):
    """1/C sum_{j != y} weight_y max(0, margin - x_y + x_j)^p (see MultiMarginLoss)."""
    return MultiMarginLoss(p, margin, weight, reduction=reduction).forward(input, target)


def multilabel_margin_loss(input, target, *, reduction="mean"):
    """1/C sum over listed j, unlisted i of max(0, 1 - (x_j - x_i)) (see
    MultiLabelMarginLoss)."""
    return MultiLabelMarginLoss(reduction=reduction).forward(input, target)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """-log p(targets | log_probs) over every alignment (see CTCLoss)."""
    return CTCLoss(blank, reduction, zero_infinity).forward(log_probs, targets,
                                                            input_lengths, target_lengths)
