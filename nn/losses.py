"""Loss functions: one number saying how far the predictions are from the targets.

Each loss exists as a function and as a Keras-named class, both called Keras's way,
``loss(y_true, y_pred)``. A loss first computes one value per sample (over the last
axis, as Keras), then reduces them: ``reduction="mean"`` (Keras's "sum_over_batch_size",
the default), "sum", or "none" (the per-sample values). ``SumSquaredError`` is the
exception: it sums by default, the course's ``reduce_sum(square(y - t))``.

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
]

# Keras's backend.epsilon(): probabilities are kept inside [EPSILON, 1 - EPSILON].
EPSILON = 1e-7

_REDUCTIONS = {"mean": "mean", "sum_over_batch_size": "mean", "auto": "mean", "sum": "sum",
               "none": "none"}


def _reduction(reduction, where):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean' (or 'sum_over_batch_size'), "
                         f"'sum' or 'none', got {reduction!r}")
    return _REDUCTIONS[reduction]


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


def _reduce(per_element, reduction, over_features):
    """Per-sample values (``over_features`` = ag.mean or ag.sum over the last axis of a
    2-D or higher result; a 1-D result holds one value per sample), then ``reduction``."""
    per_sample = over_features(per_element, axis=-1) if per_element.ndim > 1 else per_element
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


def binary_crossentropy(y_true, y_pred, from_logits=False, reduction="mean"):
    """L = -(t log p + (1 - t) log(1 - p)), mean over the last axis, then ``reduction``.

    Args:
        y_true: targets in [0, 1], y_pred's shape (or without its trailing 1).
        y_pred: probabilities p (clipped to [1e-7, 1 - 1e-7]), or logits z with
            ``from_logits=True`` (p = sigmoid(z), computed stably).
        reduction: "mean", "sum" or "none".
    """
    where = "binary_crossentropy"
    reduction = _reduction(reduction, where)
    y_pred = _prediction(y_pred, where)
    t = _targets(y_true, y_pred, where)
    if from_logits:
        per_element = ag.sigmoid_cross_entropy(y_pred, t)
    else:
        p = ag.clip(y_pred, EPSILON, 1 - EPSILON)
        per_element = -(t * ag.log(p) + (1 - t) * ag.log(1 - p))
    return _reduce(per_element, reduction, ag.mean)


def categorical_crossentropy(y_true, y_pred, from_logits=False, reduction="mean"):
    """L = -sum_i t_i log p_i per sample, with one-hot (or probability) targets t.

    Args:
        y_true: (batch, classes) one-hot rows.
        y_pred: (batch, classes) probabilities (rescaled to sum to 1 and clipped to
            [1e-7, 1 - 1e-7], as Keras), or logits with ``from_logits=True`` (fused
            log-softmax, stable for any logits).
        reduction: "mean", "sum" or "none" (shape (batch,)).
    """
    where = "categorical_crossentropy"
    reduction = _reduction(reduction, where)
    y_pred = _prediction(y_pred, where)
    t = _targets(y_true, y_pred, where)
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


class Loss:
    """A loss with its settings bound: ``loss(y_true, y_pred, sample_weight=None) -> Value``.

    Keras's base class. A subclass of your own defines ``call(y_true, y_pred)`` returning
    the loss of each sample (or of each element); ``__call__`` then weights and reduces::

        L = sum_i w_i * l_i / N   ("mean", Keras's "sum_over_batch_size": N counts every
                                   value l_i, weighted or not, as Keras does)
        L = sum_i w_i * l_i       ("sum")
        L = w_i * l_i             ("none")

    The built-in classes bind one of this module's functions as ``fn``.

    Args:
        reduction: "mean" (alias "sum_over_batch_size"), "sum" or "none".
        name: the name shown in logs; defaults to the function's name, or for a subclass
            of your own to the class's snake_case name.
    """

    fn = None  # the loss function; read as ``type(self).fn`` so it is not bound to self

    def __init__(self, reduction="mean", name=None):
        self.reduction = _reduction(reduction, type(self).__name__)
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
            return type(self).fn(y_true, y_pred, reduction=self.reduction, **self._options())
        losses = self.call(y_true, y_pred)
        if not isinstance(losses, ag.Value):
            losses = ag.constant(np.asarray(losses, dtype=ag.get_default_dtype()))
        if sample_weight is not None:
            losses = losses * _sample_weight(sample_weight, losses, type(self).__name__)
        if self.reduction == "mean":
            return ag.sum(losses) / max(losses.size, 1)
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


class BinaryCrossentropy(_FromLogits):
    """L = -(t log p + (1 - t) log(1 - p)),  p = y_pred or sigmoid(logits)"""

    fn = binary_crossentropy


class CategoricalCrossentropy(_FromLogits):
    """L = -sum_i t_i log p_i,  t one-hot,  p = y_pred or softmax(logits)"""

    fn = categorical_crossentropy


class SparseCategoricalCrossentropy(_FromLogits):
    """L = -log p[label],  p = y_pred or softmax(logits)"""

    fn = sparse_categorical_crossentropy


_BY_NAME = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "sum_squared_error": SumSquaredError, "sse": SumSquaredError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
_BY_CLASS_NAME = {cls.__name__.lower(): cls for cls in _BY_NAME.values()}
_BY_FUNCTION = {cls.fn: cls for cls in _BY_NAME.values()}


def get(identifier):
    """A loss object from a name ("mse", "categorical_crossentropy", "BinaryCrossentropy"),
    a loss function of this module, a Loss (returned as is) or any callable
    ``(y_true, y_pred) -> Value`` (returned as is)."""
    if isinstance(identifier, Loss):
        return identifier
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
    in [0, classes) for the sparse cross-entropy, and targets in [0, 1] for the other two
    cross-entropies: they are probabilities, and with a -1/+1 label the loss is no
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
    if isinstance(loss, (BinaryCrossentropy, CategoricalCrossentropy)) and y_true.size:
        low, high = y_true.min(), y_true.max()
        if low < 0 or high > 1:
            raise ValueError(f"{where}: {loss.name} needs targets in [0, 1] (probabilities), "
                             f"got values from {low} to {high}")
