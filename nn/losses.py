"""Loss functions: one number saying how far the predictions are from the targets.

Each loss exists as a function and as a Keras-named class, both called Keras's way,
``loss(y_true, y_pred)``. A loss first computes one value per sample (over the last
axis, as Keras), then reduces them: ``reduction="mean"`` (Keras's "sum_over_batch_size",
the default), "sum", or "none" (the per-sample values; Keras's None too).
``SumSquaredError`` is the exception: it sums by default, the course's
``reduce_sum(square(y - t))``. The functions of the first six losses reduce by default;
those of Keras's other losses (``huber``, ``kl_divergence``, ``hinge``, ...) return the
per-sample values by default, as Keras's functions do.

Cross-entropies of probabilities clip them to [1e-7, 1 - 1e-7] as Keras does, so log(0)
never happens. With ``from_logits=True`` they use the engine's fused ops
(``ag.softmax_cross_entropy``, ``ag.sigmoid_cross_entropy``), which are exact and stable
for any logits: prefer them.

>>> float(mean_squared_error([[1.0, 2.0]], ag.constant([[1.0, 4.0]])))   # (0 + 4) / 2
2.0
"""

import re

import numpy as np

import autograd_core as ag

__all__ = [
    "mean_squared_error", "mean_absolute_error", "sum_squared_error", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "Loss",
    "MeanSquaredError", "MeanAbsoluteError", "SumSquaredError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "get", "check_targets",
    "EPSILON",
    "huber", "log_cosh", "kl_divergence", "poisson", "hinge", "squared_hinge",
    "categorical_hinge", "cosine_similarity", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "binary_focal_crossentropy",
    "categorical_focal_crossentropy", "dice", "tversky",
    "Huber", "LogCosh", "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge",
    "CosineSimilarity", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
    "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "Dice", "Tversky",
    "ctc", "CTC", "circle", "Circle",
]

# Keras's backend.epsilon(): probabilities are kept inside [EPSILON, 1 - EPSILON].
EPSILON = 1e-7

_REDUCTIONS = {"mean": "mean", "sum_over_batch_size": "mean", "auto": "mean", "sum": "sum",
               "none": "none", None: "none",
               "mean_with_sample_weight": "mean_with_sample_weight"}


def _reduction(reduction, where, weighted=False):
    """The canonical name of ``reduction``. "mean_with_sample_weight" (Keras's: divide by
    the sum of the weights) is kept for a Loss (``weighted``); a function has no weights,
    so for it that is "mean"."""
    if not isinstance(reduction, (str, type(None))) or reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean' (or 'sum_over_batch_size'), "
                         f"'mean_with_sample_weight', 'sum' or 'none' (or None), "
                         f"got {reduction!r}")
    reduction = _REDUCTIONS[reduction]
    return reduction if weighted or reduction != "mean_with_sample_weight" else "mean"


def _prediction(y_pred, where):
    if isinstance(y_pred, ag.Value):
        return y_pred
    y_pred = np.asarray(y_pred)
    if y_pred.dtype.kind != "f":
        raise TypeError(f"{where}: y_pred must hold floats, got dtype {y_pred.dtype} "
                        f"(shape {y_pred.shape})")
    return ag.constant(y_pred)


def _check_target_shape(y_shape, pred_shape, where):
    """As Keras, targets (n,) meet predictions (n, 1) by gaining the trailing axis (and the
    reverse). Any other mismatch is an error, not a silent broadcast: (4, 1) against
    (1, 4) would broadcast to (4, 4) and give a meaningless loss."""
    if y_shape != pred_shape and y_shape + (1,) != pred_shape \
            and y_shape != pred_shape + (1,):
        raise ValueError(f"{where}: y_true of shape {y_shape} does not match y_pred of "
                         f"shape {pred_shape}")


def _targets(y_true, y_pred, where):
    """y_true as an array (or Value) of y_pred's shape and dtype."""
    if not isinstance(y_true, ag.Value):
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
    if y_true.shape == y_pred.shape:
        return y_true
    _check_target_shape(y_true.shape, y_pred.shape, where)
    return ag.reshape(y_true, y_pred.shape) if isinstance(y_true, ag.Value) \
        else y_true.reshape(y_pred.shape)


def _sparse_labels(y_true, pred_shape, where):
    """Integer class labels of shape pred_shape[:-1], checked to lie in [0, classes)."""
    labels = np.asarray(y_true.numpy() if isinstance(y_true, ag.Value) else y_true)
    if labels.shape == pred_shape[:-1] + (1,) and len(pred_shape) > 1:
        labels = labels.reshape(pred_shape[:-1])
    if labels.shape != pred_shape[:-1]:
        raise ValueError(f"{where}: integer labels of shape {labels.shape} do not match "
                         f"y_pred of shape {pred_shape} (expected labels of shape "
                         f"{pred_shape[:-1]}; one-hot labels need categorical_crossentropy)")
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise ValueError(f"{where}: labels must be whole numbers, got floats")
        labels = labels.astype(np.int64)
    elif labels.dtype.kind not in "iu":
        raise TypeError(f"{where}: labels must be integers, got dtype {labels.dtype}")
    classes = pred_shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = np.flatnonzero((labels < 0) | (labels >= classes))
        first = np.unravel_index(bad[0], labels.shape)
        raise ValueError(f"{where}: labels must lie in [0, {classes}), got values from "
                         f"{labels.min()} to {labels.max()}; {bad.size} of {labels.size} are "
                         f"out of range, the first {labels[first]} at index "
                         f"{', '.join(map(str, first))}")
    return labels


def _number(value, name, where, low=None, high=None, low_open=False):
    """``value`` as a float, checked to be a real number in [low, high] (or (low, high])."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__} "
                        f"{value!r}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    if not np.isfinite(value) or too_low or (high is not None and value > high):
        span = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'}" \
            f"{']' if high is not None else ')'}"
        raise ValueError(f"{where}: {name} must lie in {span}, got {value}")
    return value


def _fraction(value, name, where):
    return _number(value, name, where, 0.0, 1.0)


def _check_axis_argument(axis, where, allow_tuple=False):
    """``axis`` as given, checked to be an int (or for ``allow_tuple`` None or ints)."""
    ints = (int, np.integer)
    if allow_tuple and axis is None:
        return None
    if allow_tuple and isinstance(axis, (tuple, list)):
        if all(isinstance(a, ints) and not isinstance(a, bool) for a in axis):
            return tuple(int(a) for a in axis)
    elif isinstance(axis, ints) and not isinstance(axis, (bool, np.bool_)):
        return int(axis)
    kind = "None, an int or a tuple of ints" if allow_tuple else "an int"
    raise TypeError(f"{where}: axis must be {kind}, got {type(axis).__name__} {axis!r}")


def _axis(axis, y_pred, where):
    """An int ``axis`` of y_pred, made non-negative."""
    axis = _check_axis_argument(axis, where)
    ndim = max(y_pred.ndim, 1)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{where}: axis {axis} is out of range for y_pred of shape "
                         f"{y_pred.shape}")
    return axis % ndim


def _axes(axis, y_pred, where):
    """None (every axis) or a tuple of distinct axes of y_pred."""
    axis = _check_axis_argument(axis, where, allow_tuple=True)
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else axis
    ndim = y_pred.ndim
    if any(not -ndim <= a < ndim for a in axes) or \
            len({a % ndim for a in axes}) != len(axes):
        raise ValueError(f"{where}: axis {axis} is not a set of distinct axes of y_pred "
                         f"of shape {y_pred.shape}")
    return tuple(a % ndim for a in axes)


def _smooth(t, label_smoothing, classes):
    """Keras's label smoothing: t (1 - s) + s / classes (classes = 2 for binary targets)."""
    if not label_smoothing:
        return t
    return t * (1.0 - label_smoothing) + label_smoothing / classes


def _classes_last(x, axis):
    """``x`` with its classes' ``axis`` moved last (the fused ops work on the last axis)."""
    if x.ndim < 2 or axis == x.ndim - 1:
        return x
    return ag.moveaxis(x, axis, -1) if isinstance(x, ag.Value) else np.moveaxis(x, axis, -1)


def _reduce(per_element, reduction, over_features, axis=-1):
    """Per-sample values (``over_features`` = ag.mean or ag.sum over ``axis`` of a 2-D or
    higher result; a 1-D result holds one value per sample), then ``reduction``."""
    per_sample = over_features(per_element, axis=axis) if per_element.ndim > 1 \
        else per_element
    return _reduce_samples(per_sample, reduction)


def _reduce_samples(per_sample, reduction):
    """``reduction`` of values already one per sample."""
    if reduction == "mean":
        return ag.mean(per_sample)
    if reduction == "sum":
        return ag.sum(per_sample)
    return per_sample


def mean_squared_error(y_true, y_pred, reduction="mean"):
    """L = mean((y_pred - y_true)**2): mean over the features, then ``reduction``.

    Args:
        y_true: targets, y_pred's shape (or without its trailing axis of size 1).
        y_pred: (batch, features) or (batch,) Value.
        reduction: "mean", "sum" or "none" (shape (batch,)).
    Returns:
        A Value: scalar, or (batch,) for "none".
    """
    where = "mean_squared_error"
    reduction = _reduction(reduction, where)
    y_pred = _prediction(y_pred, where)
    y_true = _targets(y_true, y_pred, where)
    return _reduce(ag.square(y_pred - y_true), reduction, ag.mean)


def mean_absolute_error(y_true, y_pred, reduction="mean"):
    """L = mean(|y_pred - y_true|): mean over the features, then ``reduction``."""
    where = "mean_absolute_error"
    reduction = _reduction(reduction, where)
    y_pred = _prediction(y_pred, where)
    y_true = _targets(y_true, y_pred, where)
    return _reduce(ag.abs(y_pred - y_true), reduction, ag.mean)


def sum_squared_error(y_true, y_pred, reduction="sum"):
    """L = sum((y_pred - y_true)**2), the course's ``reduce_sum(square(y - t))``.

    Sums over the features, then ``reduction`` ("sum" by default: the total).
    """
    where = "sum_squared_error"
    reduction = _reduction(reduction, where)
    y_pred = _prediction(y_pred, where)
    y_true = _targets(y_true, y_pred, where)
    return _reduce(ag.square(y_pred - y_true), reduction, ag.sum)


def binary_crossentropy(y_true, y_pred, from_logits=False, reduction="mean",
                        label_smoothing=0.0, axis=-1):
    """L = -(t log p + (1 - t) log(1 - p)), mean over ``axis``, then ``reduction``.

    Args:
        y_true: targets in [0, 1], y_pred's shape (or without its trailing 1).
        y_pred: probabilities p (clipped to [1e-7, 1 - 1e-7]), or logits z with
            ``from_logits=True`` (p = sigmoid(z), computed stably).
        reduction: "mean", "sum" or "none".
        label_smoothing: s in [0, 1]: the targets become t (1 - s) + s / 2, as Keras.
        axis: the axis averaged over, -1 by default (Keras's argument).
    """
    where = "binary_crossentropy"
    reduction = _reduction(reduction, where)
    label_smoothing = _fraction(label_smoothing, "label_smoothing", where)
    y_pred = _prediction(y_pred, where)
    axis = _axis(axis, y_pred, where)
    t = _smooth(_targets(y_true, y_pred, where), label_smoothing, 2)
    if from_logits:
        per_element = ag.sigmoid_cross_entropy(y_pred, t)
    else:
        p = ag.clip(y_pred, EPSILON, 1 - EPSILON)
        per_element = -(t * ag.log(p) + (1 - t) * ag.log(1 - p))
    return _reduce(per_element, reduction, ag.mean, axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, reduction="mean",
                             label_smoothing=0.0, axis=-1):
    """L = -sum_i t_i log p_i per sample, with one-hot (or probability) targets t.

    Args:
        y_true: (batch, classes) one-hot rows.
        y_pred: (batch, classes) probabilities (rescaled to sum to 1 and clipped to
            [1e-7, 1 - 1e-7], as Keras), or logits with ``from_logits=True`` (fused
            log-softmax, stable for any logits).
        reduction: "mean", "sum" or "none" (shape (batch,)).
        label_smoothing: s in [0, 1]: the targets become t (1 - s) + s / classes, as Keras.
        axis: the classes' axis, -1 by default.
    """
    where = "categorical_crossentropy"
    reduction = _reduction(reduction, where)
    label_smoothing = _fraction(label_smoothing, "label_smoothing", where)
    y_pred = _prediction(y_pred, where)
    axis = _axis(axis, y_pred, where)
    t = _targets(y_true, y_pred, where)
    t, y_pred = _classes_last(t, axis), _classes_last(y_pred, axis)
    t = _smooth(t, label_smoothing, y_pred.shape[-1])
    if from_logits:
        return ag.softmax_cross_entropy(y_pred, t, reduction=reduction)
    p = ag.clip(y_pred / ag.sum(y_pred, axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
    return _reduce(-(t * ag.log(p)), reduction, ag.sum)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, reduction="mean"):
    """L = -log p[label] per sample, with integer class labels.

    Args:
        y_true: integer labels of shape (batch,) (or (batch, 1)), in [0, classes).
        y_pred: (batch, classes) probabilities (rescaled and clipped as in
            ``categorical_crossentropy``), or logits with ``from_logits=True``.
        reduction: "mean", "sum" or "none" (shape (batch,)).
    """
    where = "sparse_categorical_crossentropy"
    reduction = _reduction(reduction, where)
    y_pred = _prediction(y_pred, where)
    labels = _sparse_labels(y_true, y_pred.shape, where)
    if from_logits:
        return ag.softmax_cross_entropy(y_pred, labels, reduction=reduction)
    p = ag.clip(y_pred / ag.sum(y_pred, axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
    t = ag.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    return _reduce(-(t * ag.log(p)), reduction, ag.sum)


# --- Keras's other losses: the functions return one value per sample by default ------------


def _pair(y_true, y_pred, where):
    """(targets, predictions): y_pred as a Value, y_true of its shape and dtype."""
    y_pred = _prediction(y_pred, where)
    return _targets(y_true, y_pred, where), y_pred


def huber(y_true, y_pred, delta=1.0, reduction="none"):
    """L = mean(0.5 e**2 if |e| <= delta else delta |e| - 0.5 delta**2),  e = y_pred - y_true.

    Args:
        y_true, y_pred: (batch, ..., features), or y_true without the trailing 1.
        delta: where the loss turns from quadratic to linear, > 0.
        reduction: "none" (Keras's function: shape (batch, ...)), "mean" or "sum".

    >>> huber([[0, 1], [0, 0]], ag.constant([[0.6, 0.4], [0.4, 0.6]]), reduction="mean")
    Value(0.155)
    """
    where = "huber"
    reduction = _reduction(reduction, where)
    delta = _number(delta, "delta", where, 0.0, low_open=True)
    t, y_pred = _pair(y_true, y_pred, where)
    e = y_pred - t
    small = np.abs(e.numpy()) <= delta
    per_element = ag.where(small, 0.5 * ag.square(e), delta * ag.abs(e) - 0.5 * delta ** 2)
    return _reduce(per_element, reduction, ag.mean)


def log_cosh(y_true, y_pred, reduction="none"):
    """L = mean(log cosh(e)),  e = y_pred - y_true, computed as e + softplus(-2e) - log 2,
    which never overflows."""
    where = "log_cosh"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    e = y_pred - t
    return _reduce(e + ag.softplus(-2.0 * e) - np.log(2.0), reduction, ag.mean)


def kl_divergence(y_true, y_pred, reduction="none"):
    """L = sum(t log(t / p)) over the last axis, t and p clipped to [1e-7, 1] as Keras."""
    where = "kl_divergence"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    t, p = ag.clip(t, EPSILON, 1.0), ag.clip(y_pred, EPSILON, 1.0)
    return _reduce(t * ag.log(t / p), reduction, ag.sum)


def poisson(y_true, y_pred, reduction="none"):
    """L = mean(p - t log(p + 1e-7)): the negative log-likelihood of counts t with rate p,
    without the log(t!) term."""
    where = "poisson"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    return _reduce(y_pred - t * ag.log(y_pred + EPSILON), reduction, ag.mean)


def _hinge_labels(t):
    """Keras's rule: if every target is 0 or 1, they are turned into -1 and +1 (2t - 1)."""
    data = t.numpy() if isinstance(t, ag.Value) else t
    return 2.0 * t - 1.0 if np.all((data == 0) | (data == 1)) else t


def hinge(y_true, y_pred, reduction="none"):
    """L = mean(max(1 - t y, 0)),  t in {-1, +1} (0/1 targets are turned into -1/+1)."""
    where = "hinge"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    return _reduce(ag.relu(1.0 - _hinge_labels(t) * y_pred), reduction, ag.mean)


def squared_hinge(y_true, y_pred, reduction="none"):
    """L = mean(max(1 - t y, 0)**2),  t in {-1, +1} (0/1 targets are turned into -1/+1)."""
    where = "squared_hinge"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    return _reduce(ag.square(ag.relu(1.0 - _hinge_labels(t) * y_pred)), reduction, ag.mean)


def categorical_hinge(y_true, y_pred, reduction="none"):
    """L = max(neg - pos + 1, 0),  pos = sum(t y),  neg = max((1 - t) y), over the classes."""
    where = "categorical_hinge"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    pos = ag.sum(t * y_pred, axis=-1)
    neg = ag.max((1.0 - t) * y_pred, axis=-1)
    return _reduce_samples(ag.relu(neg - pos + 1.0), reduction)


def _l2_normalize(x, axis):
    """x / max(||x||, 1e-7) along ``axis``, as Keras's ``normalize`` (a zero vector stays 0)."""
    square_sum = ag.sum(ag.square(x), axis=axis, keepdims=True)
    return x * ag.rsqrt(ag.maximum(square_sum, EPSILON * EPSILON))


def cosine_similarity(y_true, y_pred, axis=-1, reduction="none"):
    """L = -sum(t / ||t|| * y / ||y||) along ``axis``: -1 when they point the same way.

    Args:
        y_true, y_pred: of the same shape.
        axis: the features' axis, -1 by default.
        reduction: "none" (shape: y_pred's without ``axis``), "mean" or "sum".
    """
    where = "cosine_similarity"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    axis = _axis(axis, y_pred, where)
    if not isinstance(t, ag.Value):
        t = ag.constant(t)
    similarity = ag.sum(_l2_normalize(t, axis) * _l2_normalize(y_pred, axis), axis=axis)
    return _reduce_samples(-similarity, reduction)


def mean_absolute_percentage_error(y_true, y_pred, reduction="none"):
    """L = 100 mean(|(t - y) / max(|t|, 1e-7)|)."""
    where = "mean_absolute_percentage_error"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    per_element = 100.0 * ag.abs((t - y_pred) / ag.maximum(ag.abs(t), EPSILON))
    return _reduce(per_element, reduction, ag.mean)


def mean_squared_logarithmic_error(y_true, y_pred, reduction="none"):
    """L = mean((log(max(y, 1e-7) + 1) - log(max(t, 1e-7) + 1))**2)."""
    where = "mean_squared_logarithmic_error"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    first_log = ag.log(ag.maximum(y_pred, EPSILON) + 1.0)
    second_log = ag.log(ag.maximum(t, EPSILON) + 1.0)
    return _reduce(ag.square(first_log - second_log), reduction, ag.mean)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                              reduction="none"):
    """L = mean(w (1 - p_t)**gamma bce),  p_t = t p + (1 - t)(1 - p),  bce as
    ``binary_crossentropy`` (p clipped), w = t alpha + (1 - t)(1 - alpha) with
    ``apply_class_balancing``, else 1 (Lin et al., 2018, as Keras).

    Args:
        y_true: targets in [0, 1]; y_pred: probabilities, or logits with ``from_logits``.
        apply_class_balancing: weigh class 1 by alpha and class 0 by 1 - alpha.
        alpha: in [0, 1]; gamma: the focusing power, >= 0 (0: plain cross-entropy).
        label_smoothing: s in [0, 1]: the targets become t (1 - s) + s / 2.
        axis: the axis averaged over. reduction: "none", "mean" or "sum".
    """
    where = "binary_focal_crossentropy"
    reduction = _reduction(reduction, where)
    alpha = _fraction(alpha, "alpha", where)
    gamma = _number(gamma, "gamma", where, 0.0)
    label_smoothing = _fraction(label_smoothing, "label_smoothing", where)
    t, y_pred = _pair(y_true, y_pred, where)
    axis = _axis(axis, y_pred, where)
    t = _smooth(t, label_smoothing, 2)
    p = ag.sigmoid(y_pred) if from_logits else y_pred
    clipped = ag.clip(p, EPSILON, 1 - EPSILON)
    bce = -(t * ag.log(clipped) + (1 - t) * ag.log(1 - clipped))
    p_t = t * p + (1 - t) * (1 - p)
    focal = ag.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (t * alpha + (1 - t) * (1 - alpha)) * focal
    return _reduce(focal, reduction, ag.mean, axis)


def _class_weights(alpha, where):
    """alpha: a number, or one weight per class (a list, Keras allows)."""
    if isinstance(alpha, (list, tuple, np.ndarray)):
        weights = [_number(a, "alpha", where) for a in np.ravel(np.asarray(alpha))]
        if np.ndim(alpha) != 1 or not weights:
            raise ValueError(f"{where}: alpha must be a number or a list of one number per "
                             f"class, got shape {np.shape(alpha)}")
        return np.asarray(weights)
    return _number(alpha, "alpha", where)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1, reduction="none"):
    """L = -sum_i alpha_i (1 - p_i)**gamma t_i log p_i over the classes, p rescaled to sum
    to 1 and clipped to [1e-7, 1 - 1e-7] (softmax first with ``from_logits``), as Keras.

    Args:
        y_true: one-hot (or probability) targets; y_pred: probabilities or logits.
        alpha: a number, or a list of one weight per class; gamma: >= 0.
        label_smoothing: s in [0, 1]: the targets become t (1 - s) + s / classes.
        axis: the classes' axis. reduction: "none", "mean" or "sum".
    """
    where = "categorical_focal_crossentropy"
    reduction = _reduction(reduction, where)
    alpha = _class_weights(alpha, where)
    gamma = _number(gamma, "gamma", where, 0.0)
    label_smoothing = _fraction(label_smoothing, "label_smoothing", where)
    t, y_pred = _pair(y_true, y_pred, where)
    axis = _axis(axis, y_pred, where)
    t, y_pred = _classes_last(t, axis), _classes_last(y_pred, axis)
    classes = y_pred.shape[-1] if y_pred.ndim else 1
    if np.ndim(alpha) and alpha.size != classes:
        raise ValueError(f"{where}: alpha holds {alpha.size} class weights but y_pred of "
                         f"shape {y_pred.shape} has {classes} classes")
    t = _smooth(t, label_smoothing, classes)
    p = ag.softmax(y_pred, axis=-1) if from_logits else y_pred
    p = ag.clip(p / ag.sum(p, axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
    focal = alpha * ag.power(1.0 - p, gamma) * -(t * ag.log(p))
    return _reduce_samples(ag.sum(focal, axis=-1), reduction)


def dice(y_true, y_pred, axis=None, reduction="none"):
    """L = 1 - 2 sum(t y) / (sum(t) + sum(y) + 1e-7), the sums over ``axis``.

    Args:
        y_true, y_pred: masks of the same shape, values in [0, 1].
        axis: None (Keras's default: one number for the whole batch), an int or a tuple
            of ints, e.g. (1, 2, 3) for one value per image.
        reduction: "none", "mean" or "sum" of the values left.
    """
    where = "dice"
    reduction = _reduction(reduction, where)
    t, y_pred = _pair(y_true, y_pred, where)
    axis = _axes(axis, y_pred, where)
    overlap = ag.sum(t * y_pred, axis=axis)
    total = ag.sum(t, axis=axis) + ag.sum(y_pred, axis=axis)
    return _reduce_samples(1.0 - 2.0 * overlap / (total + EPSILON), reduction)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None, reduction="none"):
    """L = 1 - TP / (TP + alpha FP + beta FN + 1e-7),  TP = sum(t y),  FP = sum((1 - t) y),
    FN = sum(t (1 - y)), the sums over ``axis`` (None: all). alpha = beta = 0.5 is Dice."""
    where = "tversky"
    reduction = _reduction(reduction, where)
    alpha = _number(alpha, "alpha", where)
    beta = _number(beta, "beta", where)
    t, y_pred = _pair(y_true, y_pred, where)
    axis = _axes(axis, y_pred, where)
    tp = ag.sum(t * y_pred, axis=axis)
    fp = ag.sum((1.0 - t) * y_pred, axis=axis)
    fn = ag.sum(t * (1.0 - y_pred), axis=axis)
    return _reduce_samples(1.0 - tp / (tp + alpha * fp + beta * fn + EPSILON), reduction)


def ctc(y_true, y_pred, reduction="none"):
    """Keras's CTC loss: -log p(labels | y_pred) summed over every alignment, per sample.

    Args:
        y_true: (batch, max_length) integer labels; 0 is the blank and pads the end of
            each row (a row's length is its count of nonzero labels).
        y_pred: (batch, time, classes) logits, not softmax'd: log_softmax is taken here,
            as Keras's ``ops.ctc_loss`` does.
    Returns:
        (batch,) losses (reduced by ``reduction``). The recursion is ``ag.ctc_loss``
        (PyTorch's ctc_loss, time-major, blank=0).
    """
    where = "ctc"
    labels = np.asarray(y_true.numpy() if isinstance(y_true, ag.Value) else y_true)
    if labels.ndim != 2:
        raise ValueError(f"{where}: y_true must be (batch_size, max_length) integer labels, "
                         f"got shape {labels.shape}")
    if labels.size and (labels.dtype.kind not in "biuf"
                        or np.any(labels != np.round(labels)) or labels.min() < 0):
        raise ValueError(f"{where}: y_true must hold integer labels >= 0 (0 the blank)")
    y = y_pred if isinstance(y_pred, ag.Value) else \
        ag.constant(np.asarray(y_pred, dtype=ag.get_default_dtype()))
    if y.ndim != 3 or y.shape[0] != labels.shape[0]:
        raise ValueError(f"{where}: y_pred must be (batch_size, time, num_classes) logits "
                         f"with y_true's batch size {labels.shape[0]}, got shape {y.shape}")
    labels = labels.astype(np.int64)
    if labels.size and labels.max() >= y.shape[-1]:
        raise ValueError(f"{where}: y_true holds label {labels.max()}, but y_pred has "
                         f"{y.shape[-1]} classes")
    label_lengths = np.sum(labels != 0, axis=-1)
    input_lengths = np.full(labels.shape[0], y.shape[1], dtype=np.int64)
    log_probs = ag.transpose(ag.log_softmax(y, axis=-1), (1, 0, 2))   # (time, batch, C)
    per_sample = ag.ctc_loss(log_probs, labels, input_lengths, label_lengths, blank=0,
                             reduction="none")
    return _reduce_samples(per_sample, reduction)


def _labels_1d(labels, where, what):
    labels = np.asarray(labels.numpy() if isinstance(labels, ag.Value) else labels)
    if labels.ndim == 2 and labels.shape[-1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"{where}: {what} must be integer labels of shape (batch,), got "
                         f"shape {labels.shape}")
    return labels.astype(np.int64)


def _as_value(x):
    return x if isinstance(x, ag.Value) else \
        ag.constant(np.asarray(x, dtype=ag.get_default_dtype()))


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80.0, margin=0.4, reduction="none"):
    """Keras's Circle loss of L2-normalised embeddings, per sample i:

        d_ij = max(1 - y_i . r_j, 0)     (cosine distances to the reference embeddings)
        P_i = logsumexp_{j same label, j != i} (-gamma max(margin + d_ij, 0) (margin - d_ij))
        N_i = logsumexp_{j other label} (gamma max(1 + margin - d_ij, 0) (1 - margin - d_ij))
        L_i = softplus(P_i + N_i)        (0 for a sample with no positive or no negative)

    Args: y_true (batch,) integer labels; y_pred (batch, dim) normalised embeddings;
    ref_labels, ref_embeddings: the references (y_true, y_pred by default);
    remove_diagonal=True (a sample is not its own positive), gamma=80.0, margin=0.4.
    """
    where = "circle"
    labels = _labels_1d(y_true, where, "y_true")
    y = _as_value(y_pred)
    if y.ndim != 2 or y.shape[0] != labels.size:
        raise ValueError(f"{where}: y_pred must be embeddings of shape (batch, dim) for "
                         f"y_true's {labels.size} labels, got shape {y.shape}")
    ref = y if ref_embeddings is None else _as_value(ref_embeddings)
    ref_labels = labels if ref_labels is None else _labels_1d(ref_labels, where, "ref_labels")
    if ref.ndim != 2 or ref.shape != (ref_labels.size, y.shape[1]):
        raise ValueError(f"{where}: ref_embeddings must be ({ref_labels.size}, {y.shape[1]}),"
                         f" got shape {ref.shape}")
    positive = labels[:, None] == ref_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive &= ~np.eye(labels.size, ref_labels.size, dtype=bool)
    d = ag.maximum(1 - ag.matmul(y, ag.transpose(ref)), 0.0)
    pos = -gamma * ag.maximum((margin + d) * positive, 0.0) * (margin - d)
    neg = gamma * ag.maximum((1 + margin - d) * negative, 0.0) * ((1 - margin) - d)
    # A pair left out is a huge negative number rather than -inf: its exp is 0 all the
    # same, and a sample with no pair left gives softplus(-huge) = 0 without a NaN.
    left_out = np.asarray(-1e30, d.dtype)
    p_loss = ag.logsumexp(ag.where(positive, pos, left_out), axis=1)
    n_loss = ag.logsumexp(ag.where(negative, neg, left_out), axis=1)
    return _reduce_samples(ag.softplus(p_loss + n_loss), reduction)


class Loss:
    """A loss with its settings bound: ``loss(y_true, y_pred, sample_weight=None) -> Value``.

    Keras's base class. A subclass of your own defines ``call(y_true, y_pred)`` returning
    the loss of each sample (or of each element); ``__call__`` then weights and reduces::

        L = sum_i w_i * l_i / N   ("mean", Keras's "sum_over_batch_size": N counts every
                                   value l_i, weighted or not, as Keras does)
        L = sum_i w_i * l_i       ("sum")
        L = w_i * l_i             ("none", or Keras's None)
        L = sum_i w_i * l_i / sum_i w_i   ("mean_with_sample_weight"; "mean" without weights)

    The built-in classes bind one of this module's functions as ``fn``.

    Args:
        reduction: "mean" (alias "sum_over_batch_size"), "mean_with_sample_weight", "sum"
            or "none" (alias None).
        name: the name shown in logs; defaults to the function's name, or for a subclass
            of your own to the class's snake_case name.
    """

    fn = None  # the loss function; read as ``type(self).fn`` so it is not bound to self

    def __init__(self, reduction="mean", name=None):
        self.reduction = _reduction(reduction, type(self).__name__, weighted=True)
        fn = type(self).fn
        self.name = name or (fn.__name__ if fn is not None else _snake_case(type(self).__name__))

    def _options(self):
        """The keyword arguments ``fn`` takes besides the targets, predictions, reduction."""
        return {}

    def call(self, y_true, y_pred):
        """The unreduced losses (one per sample): override this in a subclass."""
        if type(self).fn is None:
            raise NotImplementedError(f"{type(self).__name__} must define "
                                      "call(y_true, y_pred)")
        return type(self).fn(y_true, y_pred, reduction="none", **self._options())

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss, each sample's loss times its ``sample_weight`` (shape (batch,))."""
        if sample_weight is None and type(self).fn is not None and type(self).call is Loss.call:
            # The fused ops reduce in one pass; the same number as the path below.
            return type(self).fn(y_true, y_pred, reduction=_reduction(self.reduction, ""),
                                 **self._options())
        losses = self.call(y_true, y_pred)
        if not isinstance(losses, ag.Value):
            losses = ag.constant(np.asarray(losses, dtype=ag.get_default_dtype()))
        divisor = max(losses.size, 1)
        if sample_weight is not None:
            w = _sample_weight(sample_weight, losses, type(self).__name__)
            losses = losses * w
            if self.reduction == "mean_with_sample_weight":
                divisor = float(np.sum(np.broadcast_to(w, losses.shape)))
        if self.reduction in ("mean", "mean_with_sample_weight"):
            # Keras divides "no nan": all-zero weights give 0, not 0 / 0
            return ag.sum(losses) / divisor if divisor else ag.sum(losses) * 0.0
        if self.reduction == "sum":
            return ag.sum(losses)
        return losses

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _sample_weight(sample_weight, losses, where):
    """Per-sample weights (batch,) shaped to multiply ``losses`` (batch, ...)."""
    w = np.asarray(sample_weight.numpy() if isinstance(sample_weight, ag.Value)
                   else sample_weight)
    if w.ndim == 2 and w.shape[-1] == 1:
        w = w[:, 0]
    if w.ndim != 1 or losses.ndim == 0 or w.shape[0] != losses.shape[0]:
        raise ValueError(f"{where}: sample_weight of shape {w.shape} does not match the "
                         f"losses of shape {losses.shape} (one weight per sample)")
    return w.astype(losses.dtype, copy=False).reshape(w.shape + (1,) * (losses.ndim - 1))


def _snake_case(name):
    """'MyHuber' -> 'my_huber', as Keras names a loss from its class."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class MeanSquaredError(Loss):
    """L = mean((y_pred - y_true)**2)"""

    fn = mean_squared_error


class MeanAbsoluteError(Loss):
    """L = mean(|y_pred - y_true|)"""

    fn = mean_absolute_error


class SumSquaredError(Loss):
    """L = sum((y_pred - y_true)**2); reduction "sum" by default (the total)."""

    fn = sum_squared_error

    def __init__(self, reduction="sum", name=None):
        super().__init__(reduction, name)


class _FromLogits(Loss):
    """A cross-entropy, of probabilities or (``from_logits=True``) of logits."""

    def __init__(self, from_logits=False, reduction="mean", name=None):
        super().__init__(reduction, name)
        self.from_logits = bool(from_logits)

    def _options(self):
        return {"from_logits": self.from_logits}

    def get_config(self):
        return {"from_logits": self.from_logits, **super().get_config()}


class _SmoothedFromLogits(_FromLogits):
    """A cross-entropy with Keras's ``label_smoothing`` and ``axis`` too."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="mean",
                 name=None):
        where = type(self).__name__
        label_smoothing = _fraction(label_smoothing, "label_smoothing", where)
        axis = _check_axis_argument(axis, where)
        super().__init__(from_logits, reduction, name)
        self.label_smoothing, self.axis = label_smoothing, axis

    def _options(self):
        return {**super()._options(), "label_smoothing": self.label_smoothing,
                "axis": self.axis}

    def get_config(self):
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis, "reduction": self.reduction, "name": self.name}


class BinaryCrossentropy(_SmoothedFromLogits):
    """L = -(t log p + (1 - t) log(1 - p)),  p = y_pred or sigmoid(logits),
    t smoothed to t (1 - s) + s / 2"""

    fn = binary_crossentropy


class CategoricalCrossentropy(_SmoothedFromLogits):
    """L = -sum_i t_i log p_i,  t one-hot (smoothed to t (1 - s) + s / classes),
    p = y_pred or softmax(logits)"""

    fn = categorical_crossentropy


class SparseCategoricalCrossentropy(_FromLogits):
    """L = -log p[label],  p = y_pred or softmax(logits)"""

    fn = sparse_categorical_crossentropy


class Huber(Loss):
    """L = mean(0.5 e**2 if |e| <= delta else delta |e| - 0.5 delta**2),  e = y_pred - y_true

    Keras's default name is "huber_loss"."""

    fn = huber

    def __init__(self, delta=1.0, reduction="mean", name="huber_loss"):
        delta = _number(delta, "delta", "Huber", 0.0, low_open=True)
        super().__init__(reduction, name)
        self.delta = delta

    def _options(self):
        return {"delta": self.delta}

    def get_config(self):
        return {"delta": self.delta, **super().get_config()}


class LogCosh(Loss):
    """L = mean(log cosh(y_pred - y_true))"""

    fn = log_cosh


class KLDivergence(Loss):
    """L = sum(t log(t / p)),  t and p clipped to [1e-7, 1]"""

    fn = kl_divergence


class Poisson(Loss):
    """L = mean(p - t log(p + 1e-7))"""

    fn = poisson


class Hinge(Loss):
    """L = mean(max(1 - t y, 0)),  0/1 targets turned into -1/+1"""

    fn = hinge


class SquaredHinge(Loss):
    """L = mean(max(1 - t y, 0)**2),  0/1 targets turned into -1/+1"""

    fn = squared_hinge


class CategoricalHinge(Loss):
    """L = max(max((1 - t) y) - sum(t y) + 1, 0)"""

    fn = categorical_hinge


class CosineSimilarity(Loss):
    """L = -sum(t / ||t|| * y / ||y||) along ``axis`` (-1 by default)"""

    fn = cosine_similarity

    def __init__(self, axis=-1, reduction="mean", name=None):
        axis = _check_axis_argument(axis, "CosineSimilarity")
        super().__init__(reduction, name)
        self.axis = axis

    def _options(self):
        return {"axis": self.axis}

    def get_config(self):
        return {"axis": self.axis, **super().get_config()}


class MeanAbsolutePercentageError(Loss):
    """L = 100 mean(|(t - y) / max(|t|, 1e-7)|)"""

    fn = mean_absolute_percentage_error


class MeanSquaredLogarithmicError(Loss):
    """L = mean((log(max(y, 1e-7) + 1) - log(max(t, 1e-7) + 1))**2)"""

    fn = mean_squared_logarithmic_error


class BinaryFocalCrossentropy(_SmoothedFromLogits):
    """L = mean(w (1 - p_t)**gamma bce),  p_t = t p + (1 - t)(1 - p),
    w = t alpha + (1 - t)(1 - alpha) with ``apply_class_balancing``, else 1"""

    fn = binary_focal_crossentropy

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="mean", name=None):
        where = "BinaryFocalCrossentropy"
        alpha = _fraction(alpha, "alpha", where)
        gamma = _number(gamma, "gamma", where, 0.0)
        super().__init__(from_logits, label_smoothing, axis, reduction, name)
        self.apply_class_balancing = bool(apply_class_balancing)
        self.alpha, self.gamma = alpha, gamma

    def _options(self):
        return {**super()._options(), "apply_class_balancing": self.apply_class_balancing,
                "alpha": self.alpha, "gamma": self.gamma}

    def get_config(self):
        return {"apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                "gamma": self.gamma, **super().get_config()}


class CategoricalFocalCrossentropy(_SmoothedFromLogits):
    """L = -sum_i alpha_i (1 - p_i)**gamma t_i log p_i,  p = y_pred or softmax(logits)"""

    fn = categorical_focal_crossentropy

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="mean", name=None):
        where = "CategoricalFocalCrossentropy"
        weights = _class_weights(alpha, where)
        gamma = _number(gamma, "gamma", where, 0.0)
        super().__init__(from_logits, label_smoothing, axis, reduction, name)
        self.alpha = weights.tolist() if np.ndim(weights) else weights
        self.gamma = gamma

    def _options(self):
        return {**super()._options(), "alpha": self.alpha, "gamma": self.gamma}

    def get_config(self):
        return {"alpha": self.alpha, "gamma": self.gamma, **super().get_config()}


class Dice(Loss):
    """L = 1 - 2 sum(t y) / (sum(t) + sum(y) + 1e-7) over ``axis`` (None: the whole batch)"""

    fn = dice

    def __init__(self, reduction="mean", name=None, axis=None):
        axis = _check_axis_argument(axis, "Dice", allow_tuple=True)
        super().__init__(reduction, name)
        self.axis = axis

    def _options(self):
        return {"axis": self.axis}

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Tversky(Loss):
    """L = 1 - TP / (TP + alpha FP + beta FN + 1e-7) over ``axis`` (None: the whole batch)"""

    fn = tversky

    def __init__(self, alpha=0.5, beta=0.5, reduction="mean", name=None, axis=None):
        alpha = _number(alpha, "alpha", "Tversky")
        beta = _number(beta, "beta", "Tversky")
        axis = _check_axis_argument(axis, "Tversky", allow_tuple=True)
        super().__init__(reduction, name)
        self.alpha, self.beta, self.axis = alpha, beta, axis

    def _options(self):
        return {"alpha": self.alpha, "beta": self.beta, "axis": self.axis}

    def get_config(self):
        return {"alpha": self.alpha, "beta": self.beta, **super().get_config(),
                "axis": self.axis}


class Circle(Loss):
    """Keras's Circle loss (``circle``): y_true (batch,) integer labels, y_pred (batch,
    dim) L2-normalised embeddings. As Keras masks the samples whose loss is 0, the
    default reduction, "sum_over_batch_size", averages over the others.

    Args (Keras's): gamma=80.0, margin=0.4, remove_diagonal=True,
    reduction="sum_over_batch_size", name="circle".
    """

    fn = circle

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle"):
        gamma = _number(gamma, "gamma", "Circle")
        margin = _number(margin, "margin", "Circle")
        if not isinstance(remove_diagonal, (bool, np.bool_)):
            raise TypeError(f"Circle: remove_diagonal must be True or False, got "
                            f"{remove_diagonal!r}")
        super().__init__(reduction, name)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, bool(remove_diagonal)

    def _options(self):
        return {"gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}

    def call(self, y_true, y_pred):
        return circle(y_true, y_pred, reduction="none", **self._options())

    def __call__(self, y_true, y_pred, sample_weight=None):
        losses = self.call(y_true, y_pred)
        if sample_weight is not None:
            losses = losses * _sample_weight(sample_weight, losses, "Circle")
        if self.reduction == "sum":
            return ag.sum(losses)
        if self.reduction == "none":
            return losses
        valid = int(np.sum(losses.numpy() > 0))   # Keras's mask: the nonzero losses
        return ag.sum(losses) / valid if valid else ag.sum(losses) * 0.0

    def get_config(self):
        return {**super().get_config(), **self._options()}


class CTC(Loss):
    """Keras's CTC loss (``ctc``): y_true (batch, max_length) labels padded with the blank
    0, y_pred (batch, time, classes) logits; Keras's reduction "sum_over_batch_size" (the
    mean of the samples' losses) by default."""

    fn = ctc

    def __init__(self, reduction="sum_over_batch_size", name="ctc"):
        super().__init__(reduction, name)


_BY_NAME = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "sum_squared_error": SumSquaredError, "sse": SumSquaredError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "bce": BinaryCrossentropy,
    "huber": Huber, "log_cosh": LogCosh, "kl_divergence": KLDivergence, "kld": KLDivergence,
    "poisson": Poisson, "hinge": Hinge, "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge, "cosine_similarity": CosineSimilarity,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "dice": Dice, "tversky": Tversky, "ctc": CTC, "circle": Circle,
}
_BY_CLASS_NAME = {cls.__name__.lower(): cls for cls in _BY_NAME.values()}
_BY_FUNCTION = {cls.fn: cls for cls in _BY_NAME.values()}
# tf.keras 2's names, which Keras 3 keeps only under keras._legacy
_BY_NAME.update({"logcosh": LogCosh, "kullback_leibler_divergence": KLDivergence})


def get(identifier):
    """A loss object from a name ("mse", "categorical_crossentropy", "BinaryCrossentropy"),
    a loss function of this module, a Loss (returned as is), Keras's config dict
    ``{"class_name": "Huber", "config": {"delta": 2.0}}`` or any callable
    ``(y_true, y_pred) -> Value`` (returned as is)."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _BY_CLASS_NAME.get(name.lower()) if isinstance(name, str) else None
        if cls is None or cls.__name__ != name:
            raise ValueError(f"losses.get: unknown loss class {name!r} in {identifier!r}")
        return cls.from_config(dict(identifier.get("config") or {}))
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _BY_CLASS_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"losses.get: unknown loss {identifier!r}; known: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return cls()
    if identifier in _BY_FUNCTION:
        return _BY_FUNCTION[identifier]()
    if callable(identifier):
        return identifier
    raise TypeError(f"losses.get: expected a name or a callable, got "
                    f"{type(identifier).__name__} {identifier!r}")


def check_targets(loss, y_true, pred_shape, where="check_targets"):
    """Check every target of a data set against ``loss`` at once, as ``fit`` does before its
    first update, so that a bad label in the last batch fails before any weight changes.

    Checks the targets' shape against the predictions' (``y_pred``'s rule), integer labels
    in [0, classes) for the sparse cross-entropy, and targets in [0, 1] for the other
    cross-entropies (focal ones too): they are probabilities, and with a -1/+1 label the loss is no
    cross-entropy and has no minimum. A loss that is a plain function is not checked.

    Args:
        loss: a ``Loss``.
        y_true: every target, a numpy array (n, ...).
        pred_shape: the shape of the model's predictions for all n samples.
    Raises:
        ValueError, TypeError: naming what is wrong.
    """
    if isinstance(loss, SparseCategoricalCrossentropy):
        _sparse_labels(y_true, tuple(pred_shape), where)
        return
    if not isinstance(loss, Loss):
        return
    y_true = np.asarray(y_true)
    _check_target_shape(y_true.shape, tuple(pred_shape), where)
    if isinstance(loss, (BinaryCrossentropy, CategoricalCrossentropy, BinaryFocalCrossentropy,
                         CategoricalFocalCrossentropy)) and y_true.size:
        low, high = y_true.min(), y_true.max()
        if low < 0 or high > 1:
            raise ValueError(f"{where}: {loss.name} needs targets in [0, 1] (probabilities), "
                             f"got values from {low} to {high}")
