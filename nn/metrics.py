"""Metrics: numbers people read (accuracy), as opposed to the loss that training minimises.

A metric function takes numpy targets and predictions and returns one value per sample,
as Keras's do; ``fit`` and ``evaluate`` average them over the data. They are not
differentiated, so they work on plain numpy arrays.

>>> categorical_accuracy(np.eye(3), np.array([[.8, .1, .1], [.6, .3, .1], [0, .1, .9]]))
array([1., 0., 1.])
"""

import numbers
import re

import numpy as np

import autograd_core as ag

from . import losses

__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "accuracy", "confusion_matrix", "get", "as_metric", "Metric", "Mean",
           "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "Precision", "Recall", "AUC",
           "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "log_cosh",
           "cosine_similarity", "kl_divergence", "poisson", "hinge", "squared_hinge",
           "categorical_hinge", "top_k_categorical_accuracy",
           "sparse_top_k_categorical_accuracy", "Sum", "MeanSquaredError",
           "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "RootMeanSquaredError", "CosineSimilarity", "LogCoshError", "KLDivergence",
           "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "TruePositives",
           "FalsePositives", "TrueNegatives", "FalseNegatives", "PrecisionAtRecall",
           "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
           "FBetaScore", "F1Score", "R2Score", "IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU",
           "BinaryIoU", "PearsonCorrelation", "ConcordanceCorrelation", "pearson_correlation",
           "concordance_correlation"]


def _arrays(y_true, y_pred):
    y_true = np.asarray(y_true.numpy() if isinstance(y_true, ag.Value) else y_true)
    y_pred = np.asarray(y_pred.numpy() if isinstance(y_pred, ag.Value) else y_pred)
    return y_true, y_pred


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per sample: the fraction of outputs on the right side of ``threshold``.

    Args:
        y_true: 0/1 targets, y_pred's shape (or without its trailing axis of size 1).
        y_pred: probabilities, (batch,) or (batch, outputs).
        threshold: predictions above it count as 1.
    Returns:
        (batch,) floats in [0, 1].
    """
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.shape + (1,) == y_pred.shape:
        y_true = y_true[..., None]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"binary_accuracy: y_true of shape {y_true.shape} does not match "
                         f"y_pred of shape {y_pred.shape}")
    right = (y_pred > threshold) == (y_true > 0.5)
    return right.mean(axis=-1) if right.ndim > 1 else right.astype(np.float64)


def categorical_accuracy(y_true, y_pred):
    """Per sample: 1 where the most probable class is the one-hot target's, else 0.

    Args:
        y_true: (batch, classes) one-hot rows.  y_pred: (batch, classes) scores.
    Returns:
        (batch,) of 0. and 1.
    """
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_accuracy: y_true of shape {y_true.shape} does not "
                         f"match y_pred of shape {y_pred.shape} (integer labels need "
                         "sparse_categorical_accuracy)")
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """Per sample: 1 where the most probable class equals the integer label, else 0.

    Args:
        y_true: (batch,) or (batch, 1) integer labels.  y_pred: (batch, classes) scores.
    Returns:
        (batch,) of 0. and 1.
    """
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.shape == y_pred.shape[:-1] + (1,):
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(f"sparse_categorical_accuracy: labels of shape {y_true.shape} do "
                         f"not match y_pred of shape {y_pred.shape}")
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float64)


def accuracy(y_true, y_pred):
    """Accuracy of the kind the shapes call for, Keras 2's rule for ``metrics=["accuracy"]``
    when the loss does not decide: one output -> binary; integer labels -> sparse;
    otherwise one-hot -> categorical."""
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_pred.ndim == 1 or y_pred.shape[-1] == 1:
        return binary_accuracy(y_true, y_pred)
    if y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
        return sparse_categorical_accuracy(y_true, y_pred)
    return categorical_accuracy(y_true, y_pred)


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts of (true class, predicted class) pairs: rows are true, columns predicted.

    Args:
        y_true: (n,) integer labels, or (n, classes) one-hot rows.
        y_pred: (n,) integer labels, or (n, classes) scores (their argmax is taken).
        num_classes: the matrix size; defaults to 1 + the largest label seen.
    Returns:
        (num_classes, num_classes) int64 array; its trace is the number right.

    >>> confusion_matrix([0, 1, 1], [0, 0, 1]).tolist()
    [[1, 0], [1, 1]]
    """
    y_true, y_pred = _arrays(y_true, y_pred)
    labels = []
    for what, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.ndim == 2:
            y = np.argmax(y, axis=-1)
        if y.ndim != 1:
            raise ValueError(f"confusion_matrix: {what} must be labels (n,) or rows (n, "
                             f"classes), got shape {y.shape}")
        if y.dtype.kind == "f" and not np.all(y == np.round(y)):
            raise ValueError(f"confusion_matrix: {what} labels must be whole numbers")
        labels.append(y.astype(np.int64))
    t, p = labels
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: y_true has {t.shape[0]} samples, y_pred "
                         f"{p.shape[0]}")
    if num_classes is None:
        num_classes = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    for what, y in (("y_true", t), ("y_pred", p)):
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"confusion_matrix: {what} labels must lie in [0, "
                             f"{num_classes}), got {y.min()}..{y.max()}")
    matrix = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(matrix, (t, p), 1)
    return matrix


_BY_NAME = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
}
# What "accuracy" means next to each loss, as Keras resolves it.
_ACCURACY_FOR_LOSS = {
    losses.BinaryCrossentropy: binary_accuracy,
    losses.CategoricalCrossentropy: categorical_accuracy,
    losses.SparseCategoricalCrossentropy: sparse_categorical_accuracy,
}


def get(identifier, loss=None):
    """A metric function ``(y_true, y_pred) -> per-sample numpy values``.

    Args:
        identifier: "accuracy" or "acc" (the kind is chosen by ``loss``: binary,
            categorical or sparse categorical crossentropy; for other losses by the
            shapes, see ``accuracy``), "binary_accuracy", "categorical_accuracy",
            "sparse_categorical_accuracy", a loss name ("mse", "mae", ...), a callable
            (returned unchanged; a Metric object too), or a Metric class (instantiated).
            ``as_metric`` always gives a Metric object.
        loss: the compiled loss, to resolve "accuracy".
    """
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier) and not isinstance(identifier, str):
        return identifier  # a function, or a Metric object
    if not isinstance(identifier, str):
        raise TypeError(f"metrics.get: expected a name or a callable, got "
                        f"{type(identifier).__name__} {identifier!r}")
    name = identifier.lower()
    if name in ("accuracy", "acc"):
        return _ACCURACY_FOR_LOSS.get(type(loss), accuracy)
    if name in _BY_NAME:
        return _BY_NAME[name]
    try:
        loss_fn = type(losses.get(name)).fn
    except ValueError:
        raise ValueError(f"metrics.get: unknown metric {identifier!r}; known: accuracy, "
                         f"{', '.join(sorted(_BY_NAME))} and the loss names") from None

    def metric(y_true, y_pred):
        with ag.no_grad():
            return loss_fn(y_true, np.asarray(y_pred), reduction="none").numpy()
    metric.__name__ = loss_fn.__name__
    return metric


# --- metric objects: Keras's stateful metrics ----------------------------------------------
#
# A Metric accumulates over batches and answers at the end: ``update_state(y_true, y_pred,
# sample_weight=None)`` per batch, ``result()`` for the value so far, ``reset_state()`` at
# each epoch. Calling it (``m(y_true, y_pred)``) updates and returns the result, as Keras.

def _squeeze_or_expand(x1, x2, expand_rank_1=True):
    """Keras's rule for ranks that differ by one: the extra trailing axis of size 1 goes
    (or, for a 1-D partner and ``expand_rank_1``, the partner gains one)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _float(x):
    return np.asarray(x.numpy() if isinstance(x, ag.Value) else x, dtype=np.float64)


def _samplewise(values, sample_weight, reduce_fn, where):
    """Keras's reduce_to_samplewise_values: weighted values and weights, one per sample.

    Values with more axes than the weights are first reduced (``reduce_fn``: np.mean or
    np.sum) down to the weights' axes, then weighted, then reduced to one per sample, so
    weights (batch,) weight whole samples, never columns.
    """
    w = None
    if sample_weight is not None:
        w0 = _float(sample_weight)
        values, w = _squeeze_or_expand(values, w0)
        if values.ndim > w.ndim:
            values = reduce_fn(values, axis=tuple(range(w.ndim, values.ndim)))
        try:
            w = np.broadcast_to(w, values.shape)
        except ValueError:
            raise ValueError(f"{where}: sample_weight of shape {w0.shape} does not fit the "
                             f"{values.shape} values of this batch") from None
        values = values * w
        if w.ndim > 1:
            w = reduce_fn(w, axis=tuple(range(1, w.ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, w


class Metric:
    """Base class: a running value over batches (Keras's ``keras.metrics.Metric``).

    Subclasses define ``update_state``, ``result`` and ``reset_state``; ``name`` is the
    key in fit's logs. ``get_config`` gives the name and the arguments listed in
    ``_config_keys``; ``from_config`` builds the same metric back.
    """

    _config_keys = ()

    def __init__(self, name=None):
        from .module import _snake_case  # the layers' naming rule: "BinaryAccuracy" -> ...
        self.name = name if name is not None else _snake_case(type(self).__name__)
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        """``update_state`` with these arguments, then ``result()``, as Keras: ``m(y_true,
        y_pred)`` for most metrics, ``train_loss(loss)`` for ``Mean`` and ``Sum``."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, **{k: getattr(self, k) for k in self._config_keys}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Mean(Metric):
    """result = sum(w * values) / sum(w) over every sample seen.

    Values with several axes count as one sample per row (their mean), as Keras.

    >>> m = Mean(); m.update_state([1, 3, 5, 7]); float(m.result())
    4.0
    """

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        values, w = _samplewise(_float(values), sample_weight, np.mean,
                                f"{type(self).__name__} {self.name!r}")
        self.total += float(np.sum(values))
        self.count += float(np.sum(w)) if w is not None else \
            (values.shape[0] if values.ndim else 1)

    def result(self):
        return np.float32(self.total / self.count if self.count else 0.0)


class Sum(Metric):
    """result = sum(w * values) over every value seen.

    >>> m = Sum(); m.update_state([1, 3, 5, 7]); float(m.result())
    16.0
    """

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(_float(values), sample_weight, np.sum,
                                f"{type(self).__name__} {self.name!r}")
        self.total += float(np.sum(values))

    def result(self):
        return np.float32(self.total)


class MeanMetricWrapper(Mean):
    """The weighted mean of ``fn(y_true, y_pred)``'s per-sample values (Keras's wrapper
    around a metric function, such as ``binary_accuracy``)."""

    def __init__(self, fn, name=None, **kwargs):
        self.fn, self.kwargs = fn, kwargs
        super().__init__(name if name is not None else getattr(fn, "__name__", None))

    def update_state(self, y_true, y_pred, sample_weight=None):
        try:
            values = np.asarray(self.fn(y_true, y_pred, **self.kwargs), dtype=np.float64)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {e}") from None
        super().update_state(values, sample_weight)


def _equal(y_true, y_pred):
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"Accuracy: y_true of shape {y_true.shape} does not match y_pred of "
                         f"shape {y_pred.shape}")
    right = (y_true == y_pred).astype(np.float64)
    return right.mean(axis=-1) if right.ndim > 1 else right


class Accuracy(MeanMetricWrapper):
    """How often y_pred equals y_true exactly (for labels, not probabilities).

    >>> m = Accuracy(); m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name="accuracy"):
        super().__init__(_equal, name)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches the 0/1 target.

    Args: threshold=0.5, name="binary_accuracy".
    """

    def __init__(self, name="binary_accuracy", threshold=0.5):
        super().__init__(binary_accuracy, name, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) is the one-hot target's class."""

    def __init__(self, name="categorical_accuracy"):
        super().__init__(categorical_accuracy, name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) equals the integer label."""

    def __init__(self, name="sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name)


def _thresholds(thresholds, default, where):
    """A float or a list of floats in [0, 1] as a 1-D array, and whether it was one number."""
    if thresholds is None:
        thresholds = default
    single = np.ndim(thresholds) == 0
    t = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if t.ndim != 1 or not np.all((t >= 0) & (t <= 1)):
        raise ValueError(f"{where}: thresholds must lie in [0, 1], got {thresholds!r}")
    return t, single


class _Confusion(Metric):
    """Weighted true/false positive/negative counts at each threshold: a prediction is
    positive when y_pred > threshold, as Keras counts them."""

    def __init__(self, thresholds, name):
        self.thresholds = thresholds
        super().__init__(name)

    def reset_state(self):
        n = len(self.thresholds)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    class_id = None  # count one column of (batch, classes) predictions only

    def update_state(self, y_true, y_pred, sample_weight=None):
        where = f"{type(self).__name__} {self.name!r}"
        y_true, y_pred = _arrays(y_true, y_pred)
        shapes = y_true.shape, y_pred.shape
        y_pred, y_true = _squeeze_or_expand(y_pred.astype(np.float64), y_true)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{where}: y_true of shape {shapes[0]} does not match y_pred "
                             f"of shape {shapes[1]}")
        w = np.ones_like(y_pred)
        if sample_weight is not None:  # Keras: one weight per row, or one per value
            w0 = _float(sample_weight)
            _, w = _squeeze_or_expand(y_true, w0[..., None], expand_rank_1=False)
            try:
                w = np.broadcast_to(w, y_pred.shape)
            except ValueError:
                raise ValueError(f"{where}: sample_weight of shape {w0.shape} does not fit "
                                 f"y_pred of shape {shapes[1]}") from None
        if self.class_id is not None:
            if y_pred.ndim < 2 or not 0 <= self.class_id < y_pred.shape[-1]:
                raise ValueError(f"{where}: class_id={self.class_id} needs y_pred of shape "
                                 f"(batch, classes > {self.class_id}), got {shapes[1]}")
            y_true, y_pred, w = (a[..., self.class_id] for a in (y_true, y_pred, w))
        y_pred = self._prepare(y_pred)
        w = w.reshape(-1)
        truth = y_true.reshape(-1).astype(bool)
        predicted = y_pred.reshape(-1)[None, :] > self.thresholds[:, None]  # (thresholds, n)
        self.tp += (predicted & truth) @ w
        self.fp += (predicted & ~truth) @ w
        self.fn += (~predicted & truth) @ w
        self.tn += (~predicted & ~truth) @ w

    def _prepare(self, y_pred):
        return y_pred


def _divide(a, b):
    """a / b, 0 where b is 0 (TensorFlow's divide_no_nan)."""
    return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


class Precision(_Confusion):
    """tp / (tp + fp): of the predicted positives, the fraction truly positive.

    Args: thresholds=None (0.5; a list gives one result per threshold), name="precision".

    >>> m = Precision(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(float(m.result()), 7)
    0.6666667
    """

    def __init__(self, thresholds=None, name="precision"):
        t, self._single = _thresholds(thresholds, 0.5, "Precision")
        super().__init__(t, name)

    def result(self):
        r = _divide(self.tp, self.tp + self.fp).astype(np.float32)
        return r[0] if self._single else r


class Recall(_Confusion):
    """tp / (tp + fn): of the true positives, the fraction predicted positive.

    Args: thresholds=None (0.5), name="recall".
    """

    def __init__(self, thresholds=None, name="recall"):
        t, self._single = _thresholds(thresholds, 0.5, "Recall")
        super().__init__(t, name)

    def result(self):
        r = _divide(self.tp, self.tp + self.fn).astype(np.float32)
        return r[0] if self._single else r


class AUC(_Confusion):
    """The area under the ROC curve (true positive rate against false positive rate),
    from confusion counts at ``num_thresholds`` thresholds, as Keras computes it.

    The thresholds are evenly spaced in [0, 1], the first just below 0 and the last just
    above 1 (0 - 1e-7, 1/(n-1), ..., 1 + 1e-7), and the area is the trapezoidal sum
    ("interpolation") over them: sum of (fpr[i] - fpr[i+1]) * (tpr[i] + tpr[i+1]) / 2.

    Args: num_thresholds=200, curve="ROC" (or "PR": precision against recall, with
    Keras's interpolation of Davis & Goadrich 2006, precision varying as a ratio of
    linear counts between thresholds, not a straight line), name="auc".

    >>> m = AUC(num_thresholds=3); m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", name="auc"):
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or \
                num_thresholds <= 1:
            raise ValueError(f"AUC: num_thresholds must be an int > 1, got {num_thresholds!r}")
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        eps = 1e-7
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds, self.curve = num_thresholds, curve
        super().__init__(np.array([0.0 - eps] + inner + [1.0 + eps]), name)

    def result(self):
        if self.curve == "PR":
            return self._pr_auc()
        tpr = _divide(self.tp, self.tp + self.fn)
        fpr = _divide(self.fp, self.fp + self.tn)
        return np.float32(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))

    def _pr_auc(self):
        """Between two thresholds tp grows linearly with p = tp + fp, so precision tp / p
        is integrated exactly: slope * (dtp + intercept * log(p_i / p_i+1)) / positives."""
        tp, p = self.tp, self.tp + self.fp
        dtp, dp = tp[:-1] - tp[1:], p[:-1] - p[1:]
        slope = _divide(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide(p[:-1], np.maximum(p[1:], 0)), 1.0)
        step = _divide(slope * (dtp + intercept * np.log(ratio)),
                       np.maximum(tp[1:] + self.fn[1:], 0))
        return np.float32(np.sum(step))

    def get_config(self):
        return {"name": self.name, "num_thresholds": self.num_thresholds, "curve": self.curve}


# --- per-sample functions Keras's metrics average (numpy; not differentiated) ------------

def _pair(y_true, y_pred, where):
    """Float targets and predictions of one shape (Keras's rule for a trailing axis of 1)."""
    y_true, y_pred = _arrays(y_true, y_pred)
    shapes = y_true.shape, y_pred.shape
    y_true, y_pred = _squeeze_or_expand(y_true.astype(np.float64), y_pred.astype(np.float64))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{where}: y_true of shape {shapes[0]} does not match y_pred of "
                         f"shape {shapes[1]}")
    return y_true, y_pred


def _loss_values(fn, y_true, y_pred, **kwargs):
    """nn.losses' per-sample values of ``fn`` on numpy data (float64 predictions)."""
    y_true, y_pred = _arrays(y_true, y_pred)
    with ag.no_grad():
        return fn(y_true, y_pred.astype(np.float64), reduction="none", **kwargs).numpy()


# Keras's metrics of these names average its losses' per-sample values: the formulas are
# nn.losses' (run on numpy data, without a graph), written once.

def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7)) over the last axis."""
    return _loss_values(losses.mean_absolute_percentage_error,
                        *_pair(y_true, y_pred, "mean_absolute_percentage_error"))


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1))**2) over the last axis."""
    return _loss_values(losses.mean_squared_logarithmic_error,
                        *_pair(y_true, y_pred, "mean_squared_logarithmic_error"))


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis."""
    return _loss_values(losses.log_cosh, *_pair(y_true, y_pred, "log_cosh"))


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(y_true / ||y_true|| * y_pred / ||y_pred||) along ``axis`` (norms at least 1e-7):
    the loss of that name with its sign turned, as Keras's metric."""
    return -_loss_values(losses.cosine_similarity, *_pair(y_true, y_pred, "cosine_similarity"),
                         axis=axis)


def kl_divergence(y_true, y_pred):
    """sum(t * log(t / p)) over the last axis, t and p clipped to [1e-7, 1]."""
    return _loss_values(losses.kl_divergence, *_pair(y_true, y_pred, "kl_divergence"))


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + 1e-7)) over the last axis."""
    return _loss_values(losses.poisson, *_pair(y_true, y_pred, "poisson"))


def hinge(y_true, y_pred):
    """mean(max(1 - t * y_pred, 0)) over the last axis, t = y_true in {-1, 1} (0/1 mapped)."""
    return _loss_values(losses.hinge, *_pair(y_true, y_pred, "hinge"))


def squared_hinge(y_true, y_pred):
    """mean(max(1 - t * y_pred, 0)**2) over the last axis, t in {-1, 1} (0/1 mapped)."""
    return _loss_values(losses.squared_hinge, *_pair(y_true, y_pred, "squared_hinge"))


def categorical_hinge(y_true, y_pred):
    """max(max((1 - t) * y_pred) - sum(t * y_pred) + 1, 0) over the last axis, t one-hot."""
    return _loss_values(losses.categorical_hinge, *_pair(y_true, y_pred, "categorical_hinge"))


def _in_top_k(labels, y_pred, k):
    """1 where the label's score is among the k largest: fewer than k classes score higher
    (TensorFlow's in_top_k, so ties at the boundary count as in)."""
    scores = y_pred.reshape(-1, y_pred.shape[-1])
    labels = labels.reshape(-1).astype(np.int64)
    target = scores[np.arange(len(labels)), labels]
    return (np.sum(scores > target[:, None], axis=-1) < k).astype(np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per sample: 1 where the one-hot target's class is among the k highest scores.

    Args:
        y_true: (batch, classes) one-hot rows.  y_pred: (batch, classes) scores.
        k: how many of the highest scores count (5).
    Returns:
        (batch,) of 0. and 1.
    """
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.shape != y_pred.shape or y_pred.ndim < 2:
        raise ValueError(f"top_k_categorical_accuracy: y_true of shape {y_true.shape} does "
                         f"not match y_pred of shape {y_pred.shape} (batch, classes)")
    labels = np.argmax(y_true, axis=-1)
    return _in_top_k(labels, y_pred, k).reshape(labels.shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Per sample: 1 where the integer label is among the k highest scores.

    Args:
        y_true: (batch,) or (batch, 1) integer labels.
        y_pred: (batch, classes) scores, or with ``from_sorted_ids=True`` (batch, >= k)
            class ids already sorted best first.
        k: how many of the highest scores count (5).
    Returns:
        y_true's shape, of 0. and 1.
    """
    y_true, y_pred = _arrays(y_true, y_pred)
    labels = y_true[..., 0] if y_true.shape == y_pred.shape[:-1] + (1,) else y_true
    if y_pred.ndim < 2 or labels.shape != y_pred.shape[:-1]:
        raise ValueError(f"sparse_top_k_categorical_accuracy: labels of shape {y_true.shape} "
                         f"do not match y_pred of shape {y_pred.shape}")
    if from_sorted_ids:
        hit = np.any(labels[..., None] == y_pred[..., :k], axis=-1).astype(np.float64)
    else:
        if labels.size and (labels.min() < 0 or labels.max() >= y_pred.shape[-1]):
            raise ValueError(f"sparse_top_k_categorical_accuracy: labels must lie in [0, "
                             f"{y_pred.shape[-1]}), got {labels.min()}..{labels.max()}")
        hit = _in_top_k(labels, y_pred, k).reshape(labels.shape)
    return hit.reshape(y_true.shape)


# --- metric objects that average a per-sample function --------------------------------------

class _FnMetric(MeanMetricWrapper):
    """A MeanMetricWrapper of a fixed per-sample function ``fn``; its keyword arguments
    become attributes and the config."""

    fn = None

    def __init__(self, name=None, **kwargs):
        super().__init__(type(self).fn, name, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    @property
    def _config_keys(self):
        return tuple(self.kwargs)


class MeanSquaredError(_FnMetric):
    """result = mean((y_pred - y_true)**2); name="mean_squared_error"."""

    def __init__(self, name="mean_squared_error"):
        super().__init__(name)

    @staticmethod
    def fn(y_true, y_pred):
        return _loss_values(losses.mean_squared_error, y_true, y_pred)


class MeanAbsoluteError(_FnMetric):
    """result = mean(|y_pred - y_true|); name="mean_absolute_error"."""

    def __init__(self, name="mean_absolute_error"):
        super().__init__(name)

    @staticmethod
    def fn(y_true, y_pred):
        return _loss_values(losses.mean_absolute_error, y_true, y_pred)


class MeanAbsolutePercentageError(_FnMetric):
    """result = 100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))."""

    fn = staticmethod(mean_absolute_percentage_error)

    def __init__(self, name="mean_absolute_percentage_error"):
        super().__init__(name)


class MeanSquaredLogarithmicError(_FnMetric):
    """result = mean((log(1 + y_pred) - log(1 + y_true))**2), both clipped at 1e-7."""

    fn = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, name="mean_squared_logarithmic_error"):
        super().__init__(name)


class RootMeanSquaredError(Mean):
    """result = sqrt(mean((y_pred - y_true)**2)) over every sample seen (weights per sample).

    >>> m = RootMeanSquaredError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="root_mean_squared_error"):
        super().__init__(name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = _pair(y_true, y_pred, f"RootMeanSquaredError {self.name!r}")
        super().update_state(np.square(p - t), sample_weight)

    def result(self):
        return np.sqrt(super().result())


class CosineSimilarity(_FnMetric):
    """result = mean of cos(y_true, y_pred) along ``axis``; Args: name, axis=-1."""

    fn = staticmethod(cosine_similarity)

    def __init__(self, name="cosine_similarity", axis=-1):
        super().__init__(name, axis=axis)


class LogCoshError(_FnMetric):
    """result = mean(log(cosh(y_pred - y_true))); name="logcosh" (Keras's)."""

    fn = staticmethod(log_cosh)

    def __init__(self, name="logcosh"):
        super().__init__(name)


class KLDivergence(_FnMetric):
    """result = mean of sum(t * log(t / p)), t and p clipped to [1e-7, 1]."""

    fn = staticmethod(kl_divergence)

    def __init__(self, name="kl_divergence"):
        super().__init__(name)


class Poisson(_FnMetric):
    """result = mean(y_pred - y_true * log(y_pred + 1e-7))."""

    fn = staticmethod(poisson)

    def __init__(self, name="poisson"):
        super().__init__(name)


class Hinge(_FnMetric):
    """result = mean(max(1 - t * y_pred, 0)), 0/1 labels mapped to -1/+1."""

    fn = staticmethod(hinge)

    def __init__(self, name="hinge"):
        super().__init__(name)


class SquaredHinge(_FnMetric):
    """result = mean(max(1 - t * y_pred, 0)**2), 0/1 labels mapped to -1/+1."""

    fn = staticmethod(squared_hinge)

    def __init__(self, name="squared_hinge"):
        super().__init__(name)


class CategoricalHinge(_FnMetric):
    """result = mean(max(max((1 - t) * p) - sum(t * p) + 1, 0)), t one-hot."""

    fn = staticmethod(categorical_hinge)

    def __init__(self, name="categorical_hinge"):
        super().__init__(name)


def _check_axis(axis, where):
    if axis != -1:
        raise ValueError(f"{where}: only axis=-1 (classes last) is supported, got {axis!r}")


def _check_smoothing(label_smoothing, where):
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"{where}: label_smoothing must lie in [0, 1], got "
                         f"{label_smoothing!r}")


class BinaryCrossentropy(_FnMetric):
    """result = mean of -(t log p + (1 - t) log(1 - p)), t smoothed to t (1 - s) + s / 2.

    Args: name="binary_crossentropy", from_logits=False, label_smoothing=0.
    """

    def __init__(self, name="binary_crossentropy", from_logits=False, label_smoothing=0):
        _check_smoothing(label_smoothing, "BinaryCrossentropy")
        super().__init__(name, from_logits=from_logits, label_smoothing=label_smoothing)

    @staticmethod
    def fn(y_true, y_pred, from_logits, label_smoothing):
        t = _float(y_true) * (1 - label_smoothing) + 0.5 * label_smoothing
        return _loss_values(losses.binary_crossentropy, t, y_pred, from_logits=from_logits)


class CategoricalCrossentropy(_FnMetric):
    """result = mean of -sum(t log p), t one-hot smoothed to t (1 - s) + s / classes.

    Args: name="categorical_crossentropy", from_logits=False, label_smoothing=0, axis=-1.
    """

    def __init__(self, name="categorical_crossentropy", from_logits=False, label_smoothing=0,
                 axis=-1):
        _check_smoothing(label_smoothing, "CategoricalCrossentropy")
        _check_axis(axis, "CategoricalCrossentropy")
        super().__init__(name, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)

    @staticmethod
    def fn(y_true, y_pred, from_logits, label_smoothing, axis):
        t = _float(y_true)
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1] if t.ndim else t
        return _loss_values(losses.categorical_crossentropy, t, y_pred,
                            from_logits=from_logits)


class SparseCategoricalCrossentropy(_FnMetric):
    """result = mean of -log p[label]; samples labelled ``ignore_class`` do not count.

    Args: name="sparse_categorical_crossentropy", from_logits=False, ignore_class=None,
    axis=-1.
    """

    def __init__(self, name="sparse_categorical_crossentropy", from_logits=False,
                 ignore_class=None, axis=-1):
        _check_axis(axis, "SparseCategoricalCrossentropy")
        super().__init__(name, from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    @staticmethod
    def fn(y_true, y_pred, from_logits, ignore_class, axis):
        labels = np.asarray(y_true.numpy() if isinstance(y_true, ag.Value) else y_true)
        if ignore_class is not None:
            labels = np.where(labels == ignore_class, 0, labels)
        return _loss_values(losses.sparse_categorical_crossentropy, labels, y_pred,
                            from_logits=from_logits)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.ignore_class is not None:
            kept = np.asarray(_arrays(y_true, y_pred)[0] != self.ignore_class, np.float64)
            if kept.ndim == np.ndim(y_pred):
                kept = kept[..., 0]
            sample_weight = kept if sample_weight is None else \
                kept * _squeeze_or_expand(kept, _float(sample_weight))[1]
        super().update_state(y_true, y_pred, sample_weight)


class TopKCategoricalAccuracy(_FnMetric):
    """How often the one-hot target's class is among the k highest scores; Args: k=5."""

    fn = staticmethod(top_k_categorical_accuracy)

    def __init__(self, k=5, name="top_k_categorical_accuracy"):
        _check_k(k, "TopKCategoricalAccuracy")
        super().__init__(name, k=k)


class SparseTopKCategoricalAccuracy(_FnMetric):
    """How often the integer label is among the k highest scores.

    Args: k=5, name="sparse_top_k_categorical_accuracy", from_sorted_ids=False.
    """

    fn = staticmethod(sparse_top_k_categorical_accuracy)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", from_sorted_ids=False):
        _check_k(k, "SparseTopKCategoricalAccuracy")
        super().__init__(name, k=k, from_sorted_ids=from_sorted_ids)


def _check_k(k, where):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{where}: k must be an int >= 1, got {k!r}")


# --- confusion counts and operating points ------------------------------------------------

class _Count(_Confusion):
    """One weighted confusion count at each threshold (0.5 by default); a single threshold
    gives a number, several an array, as Keras."""

    count = None  # "tp", "fp", "tn" or "fn"

    def __init__(self, thresholds=None, name=None):
        t, _ = _thresholds(thresholds, 0.5, type(self).__name__)
        self.init_thresholds = thresholds
        super().__init__(t, name)

    def result(self):
        counts = getattr(self, self.count).astype(np.float32)
        return counts[0] if len(counts) == 1 else counts

    def get_config(self):
        return {"name": self.name, "thresholds": self.init_thresholds}


class TruePositives(_Count):
    """The weighted number of y_pred > threshold with y_true 1; Args: thresholds=None."""

    count = "tp"


class FalsePositives(_Count):
    """The weighted number of y_pred > threshold with y_true 0; Args: thresholds=None."""

    count = "fp"


class TrueNegatives(_Count):
    """The weighted number of y_pred <= threshold with y_true 0; Args: thresholds=None."""

    count = "tn"


class FalseNegatives(_Count):
    """The weighted number of y_pred <= threshold with y_true 1; Args: thresholds=None."""

    count = "fn"


def _rates(tp, fp, tn, fn):
    """recall (= sensitivity), precision, specificity at each threshold (0 where 0/0)."""
    return _divide(tp, tp + fn), _divide(tp, tp + fp), _divide(tn, tn + fp)


class _AtOperatingPoint(_Confusion):
    """The best value of one rate among the thresholds where another rate reaches
    ``value``: max(dependent[constrained >= value]), 0 when none does (Keras's
    SensitivitySpecificityBase). Thresholds: 0, 1/(n-1), ..., 1 (0.5 alone for n = 1);
    predictions are clipped to [0, 1] first, as Keras's even-thresholds path does."""

    constrained = dependent = None  # "recall", "precision" or "specificity"

    def __init__(self, value, num_thresholds, class_id, name):
        where = type(self).__name__
        arg = self._value_name
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not 0 <= value <= 1:
            raise ValueError(f"{where}: {arg} must lie in [0, 1], got {value!r}")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or \
                num_thresholds <= 0:
            raise ValueError(f"{where}: num_thresholds must be an int > 0, got "
                             f"{num_thresholds!r}")
        n = num_thresholds
        t = [0.5] if n == 1 else [0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0]
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        setattr(self, arg, value)
        super().__init__(np.array(t), name)

    def _prepare(self, y_pred):
        return np.clip(y_pred, 0.0, 1.0)

    def result(self):
        recall, precision, specificity = _rates(self.tp, self.fp, self.tn, self.fn)
        rates = {"recall": recall, "precision": precision, "specificity": specificity}
        feasible = rates[self.constrained] >= self.value
        return np.float32(np.max(np.where(feasible, rates[self.dependent], 0.0), initial=0.0))

    def get_config(self):
        return {"name": self.name, self._value_name: self.value,
                "num_thresholds": self.num_thresholds, "class_id": self.class_id}


class SensitivityAtSpecificity(_AtOperatingPoint):
    """The best sensitivity (recall) where specificity >= ``specificity``.

    Args: specificity in [0, 1], num_thresholds=200, class_id=None, name=None.
    """

    _value_name, constrained, dependent = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None):
        super().__init__(specificity, num_thresholds, class_id, name)


class SpecificityAtSensitivity(_AtOperatingPoint):
    """The best specificity where sensitivity (recall) >= ``sensitivity``.

    Args: sensitivity in [0, 1], num_thresholds=200, class_id=None, name=None.
    """

    _value_name, constrained, dependent = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None):
        super().__init__(sensitivity, num_thresholds, class_id, name)


class PrecisionAtRecall(_AtOperatingPoint):
    """The best precision where recall >= ``recall``.

    Args: recall in [0, 1], num_thresholds=200, class_id=None, name=None.
    """

    _value_name, constrained, dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None):
        super().__init__(recall, num_thresholds, class_id, name)


class RecallAtPrecision(_AtOperatingPoint):
    """The best recall where precision >= ``precision``.

    Args: precision in [0, 1], num_thresholds=200, class_id=None, name=None.
    """

    _value_name, constrained, dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None):
        super().__init__(precision, num_thresholds, class_id, name)


# --- metrics over (batch, outputs) columns ------------------------------------------------

def _two_d(y_true, y_pred, where):
    y_true, y_pred = _arrays(y_true, y_pred)
    if y_true.ndim != 2 or y_pred.ndim != 2 or y_true.shape != y_pred.shape:
        raise ValueError(f"{where}: expects 2-D inputs (batch_size, output_dim) of one shape, "
                         f"got y_true of shape {y_true.shape} and y_pred of shape "
                         f"{y_pred.shape}")
    return y_true.astype(np.float64), y_pred.astype(np.float64)


class FBetaScore(Metric):
    """F = (1 + beta**2) * P * R / (beta**2 * P + R) per output column, from weighted counts.

    A prediction is positive when y_pred > ``threshold``, or (threshold=None) when it is its
    row's largest (and not 0). ``average``: None (one score per column), "micro" (counts
    pooled over columns), "macro" (mean of the column scores) or "weighted" (their mean
    weighted by each column's number of true labels). Keras adds 1e-7 to each denominator.

    Args: average=None, beta=1.0 (a float > 0), threshold=None (a float in (0, 1]),
    name="fbeta_score". Inputs: (batch, outputs) 0/1 targets and scores.
    """

    _config_keys = ("average", "beta", "threshold")

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score"):
        where = type(self).__name__
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{where}: average must be None, 'micro', 'macro' or 'weighted', "
                             f"got {average!r}")
        if not isinstance(beta, float) or beta <= 0:
            raise ValueError(f"{where}: beta must be a Python float > 0, got {beta!r}")
        if threshold is not None and (not isinstance(threshold, float) or
                                      not 0 < threshold <= 1):
            raise ValueError(f"{where}: threshold must be a Python float in (0, 1], got "
                             f"{threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        super().__init__(name)

    def reset_state(self):
        self.tp = self.fp = self.fn = self.support = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        where = f"{type(self).__name__} {self.name!r}"
        t, p = _two_d(y_true, y_pred, where)
        if self.threshold is None:
            p = (p >= p.max(axis=-1, keepdims=True)) & (np.abs(p) > 1e-9)
        else:
            p = p > self.threshold
        p = p.astype(np.float64)
        w = np.ones_like(t)
        if sample_weight is not None:
            w0 = _float(sample_weight)
            w = w0.reshape(w0.shape + (1,) * (t.ndim - w0.ndim)) if w0.ndim < t.ndim else w0
            try:
                w = np.broadcast_to(w, t.shape)
            except ValueError:
                raise ValueError(f"{where}: sample_weight of shape {w0.shape} does not fit "
                                 f"y_true of shape {t.shape}") from None
        axis = None if self.average == "micro" else 0
        self.tp = self.tp + np.sum(p * t * w, axis=axis)
        self.fp = self.fp + np.sum(p * (1 - t) * w, axis=axis)
        self.fn = self.fn + np.sum((1 - p) * t * w, axis=axis)
        self.support = self.support + np.sum(t * w, axis=axis)

    def result(self):
        eps = losses.EPSILON
        precision = self.tp / (self.tp + self.fp + eps)
        recall = self.tp / (self.tp + self.fn + eps)
        b2 = self.beta ** 2
        f = (1 + b2) * precision * recall / (b2 * precision + recall + eps)
        if self.average == "weighted":
            f = np.sum(f * self.support / (np.sum(self.support) + eps))
        elif self.average is not None:
            f = np.mean(f)
        return np.asarray(f, dtype=np.float32) if np.ndim(f) else np.float32(f)


class F1Score(FBetaScore):
    """F1 = 2 P R / (P + R): FBetaScore with beta=1.0.

    Args: average=None, threshold=None, name="f1_score".
    """

    _config_keys = ("average", "threshold")

    def __init__(self, average=None, threshold=None, name="f1_score"):
        super().__init__(average, 1.0, threshold, name)


class R2Score(Metric):
    """R2 = 1 - sum(w (y - y_pred)**2) / sum(w (y - mean(y))**2) per output column.

    ``class_aggregation``: "uniform_average" (the columns' mean), "variance_weighted_average"
    (weighted by each column's total variance) or None (one score per column). With
    ``num_regressors`` p > 0, the adjusted R2 = 1 - (1 - R2)(n - 1) / (n - p - 1), n the
    samples of nonzero weight (plain R2, with a warning, when p >= n - 1).

    Args: class_aggregation="uniform_average", num_regressors=0, name="r2_score".
    Inputs: (batch, outputs), or (batch,) targets for (batch, 1) predictions.

    >>> m = R2Score(); m.update_state([[1], [4], [3]], [[2], [4], [4]])
    >>> round(float(m.result()), 6)
    0.571429
    """

    _config_keys = ("class_aggregation", "num_regressors")

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score"):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError(f"R2Score: class_aggregation must be None, 'uniform_average' or "
                             f"'variance_weighted_average', got {class_aggregation!r}")
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, int) or \
                num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be an int >= 0, got "
                             f"{num_regressors!r}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name)

    def reset_state(self):
        self.sum = self.squared_sum = self.residual = self.count = 0.0
        self.num_samples = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        where = f"R2Score {self.name!r}"
        t, p = _arrays(y_true, y_pred)
        t, p = _squeeze_or_expand(t.astype(np.float64), p.astype(np.float64))
        t, p = _two_d(t, p, where)
        if np.ndim(self.sum) and self.sum.shape[0] != t.shape[1]:
            raise ValueError(f"{where}: built for {self.sum.shape[0]} outputs, got y_true of "
                             f"shape {t.shape}")
        w = np.ones_like(t)
        if sample_weight is not None:
            w0 = _float(sample_weight)
            try:
                w = np.broadcast_to(w0[:, None] if w0.ndim == 1 else w0, t.shape)
            except ValueError:
                raise ValueError(f"{where}: sample_weight of shape {w0.shape} does not fit "
                                 f"y_true of shape {t.shape}") from None
        self.sum = self.sum + np.sum(t * w, axis=0)
        self.squared_sum = self.squared_sum + np.sum(t * t * w, axis=0)
        self.residual = self.residual + np.sum((t - p) ** 2 * w, axis=0)
        self.count = self.count + np.sum(w, axis=0)
        self.num_samples += float(np.sum(np.any(w != 0, axis=-1)))

    def result(self):
        if not np.ndim(self.sum):
            return np.float32(0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            total = self.squared_sum - self.sum * (self.sum / self.count)
            raw = 1 - self.residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            r2 = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = np.sum(total * raw) / np.sum(total)
        else:
            r2 = raw
        n, p = self.num_samples, self.num_regressors
        if p and p >= n - 1:
            import warnings
            warnings.warn("R2Score: num_regressors >= samples - 1; the adjusted R2 falls back "
                          "to the standard R2", stacklevel=2)
        elif p:
            r2 = 1 - (1 - r2) * (n - 1) / (n - p - 1)
        return np.asarray(r2, dtype=np.float32) if np.ndim(r2) else np.float32(r2)


# --- intersection over union --------------------------------------------------------------

class IoU(Metric):
    """IoU_c = tp_c / (tp_c + fp_c + fn_c) from a weighted confusion matrix of class labels,
    averaged over ``target_class_ids`` (classes that never occur are left out).

    Labels outside [0, num_classes) and those equal to ``ignore_class`` are not counted.
    With ``sparse_y_true=False`` / ``sparse_y_pred=False`` the argmax along ``axis`` is
    taken first (one-hot targets, scores).

    Args: num_classes, target_class_ids, name=None, ignore_class=None, sparse_y_true=True,
    sparse_y_pred=True, axis=-1.
    """

    _config_keys = ("num_classes", "target_class_ids", "ignore_class", "sparse_y_true",
                    "sparse_y_pred", "axis")

    def __init__(self, num_classes, target_class_ids, name=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        where = type(self).__name__
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or \
                num_classes < 1:
            raise ValueError(f"{where}: num_classes must be an int >= 1, got {num_classes!r}")
        ids = list(target_class_ids)
        if not ids or min(ids) < 0 or max(ids) >= num_classes:
            raise ValueError(f"{where}: target_class_ids must lie in [0, {num_classes}), got "
                             f"{target_class_ids!r}")
        self.num_classes, self.target_class_ids = num_classes, ids
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        super().__init__(name)

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        where = f"{type(self).__name__} {self.name!r}"
        y_true, y_pred = _arrays(y_true, y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        t, p = y_true.reshape(-1), y_pred.reshape(-1)
        if t.shape != p.shape:
            raise ValueError(f"{where}: y_true holds {t.size} labels, y_pred {p.size} "
                             f"(shapes {y_true.shape} and {y_pred.shape})")
        w = np.ones(t.shape)
        if sample_weight is not None:
            w0 = _float(sample_weight)
            try:
                w = np.broadcast_to(w0.reshape(-1) if w0.ndim > 1 else w0, t.shape)
            except ValueError:
                raise ValueError(f"{where}: sample_weight of shape {w0.shape} does not fit "
                                 f"the {t.size} labels") from None
        keep = (t >= 0) & (t < self.num_classes) & (p >= 0) & (p < self.num_classes)
        if self.ignore_class is not None:
            keep &= t != self.ignore_class
        np.add.at(self.total_cm, (t[keep].astype(np.int64), p[keep].astype(np.int64)),
                  w[keep])

    def result(self):
        cm = self.total_cm
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[self.target_class_ids]
        tp = tp[self.target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + losses.EPSILON), 0.0)
        return np.float32(np.sum(iou) / (np.sum(valid) + losses.EPSILON))


class MeanIoU(IoU):
    """The mean IoU over every class: IoU with target_class_ids = range(num_classes).

    Args: num_classes, name=None, ignore_class=None, sparse_y_true=True,
    sparse_y_pred=True, axis=-1.

    >>> m = MeanIoU(num_classes=2); m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 6)
    0.333333
    """

    _config_keys = ("num_classes", "ignore_class", "sparse_y_true", "sparse_y_pred", "axis")

    def __init__(self, num_classes, name=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        ids = range(num_classes) if isinstance(num_classes, int) else ()
        super().__init__(num_classes, ids, name, ignore_class, sparse_y_true, sparse_y_pred,
                         axis)


class OneHotIoU(IoU):
    """IoU of one-hot targets and scores (argmax of both).

    Args: num_classes, target_class_ids, name=None, ignore_class=None,
    sparse_y_pred=False, axis=-1.
    """

    _config_keys = ("num_classes", "target_class_ids", "ignore_class", "sparse_y_pred",
                    "axis")

    def __init__(self, num_classes, target_class_ids, name=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name, ignore_class, False,
                         sparse_y_pred, axis)


class OneHotMeanIoU(MeanIoU):
    """MeanIoU of one-hot targets and scores (argmax of both).

    Args: num_classes, name=None, ignore_class=None, sparse_y_pred=False, axis=-1.
    """

    _config_keys = ("num_classes", "ignore_class", "sparse_y_pred", "axis")

    def __init__(self, num_classes, name=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, name, ignore_class, False, sparse_y_pred, axis)


class BinaryIoU(IoU):
    """IoU of binary targets and scores: a score >= ``threshold`` predicts class 1.

    Args (Keras's): target_class_ids=(0, 1) (the classes averaged), threshold=0.5,
    name=None.

    >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7]); round(float(m.result()), 6)
    0.333333
    """

    _config_keys = ("target_class_ids", "threshold")

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None):
        if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Real):
            raise TypeError(f"BinaryIoU: threshold must be a number, got {threshold!r}")
        super().__init__(2, target_class_ids, name)
        self.threshold = float(threshold)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _arrays(y_true, y_pred)
        super().update_state(y_true, (y_pred >= self.threshold).astype(np.int64),
                             sample_weight)


def _correlation_inputs(y_true, y_pred):
    y_true, y_pred = _squeeze_or_expand(_float(y_true), _float(y_pred), expand_rank_1=False)
    return y_true, y_pred


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r of each sample along ``axis``, Keras's:
    mean(((t - mean t) / std t) * ((y - mean y) / std y)).

    >>> pearson_correlation([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    array([1.        , 0.99339927])
    """
    t, y = _correlation_inputs(y_true, y_pred)
    t = t - t.mean(axis=axis, keepdims=True)
    y = y - y.mean(axis=axis, keepdims=True)
    t = t / t.std(axis=axis, keepdims=True)
    y = y / y.std(axis=axis, keepdims=True)
    return np.mean(t * y, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance of each sample along ``axis``, as Keras computes it:
    mean(2 (t - mean t)(y - mean y) / (var t + var y + (mean t - mean y)**2 + 1e-7)).
    (Keras writes t - mean y in the product; its mean over ``axis`` is the same.)

    >>> r = concordance_correlation([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    >>> r.round(6)     # Keras's documented [0.97560976 0.98765432], within its 1e-7
    array([0.975609, 0.987654])
    """
    t, y = _correlation_inputs(y_true, y_pred)
    t_mean = t.mean(axis=axis, keepdims=True)
    y_mean = y.mean(axis=axis, keepdims=True)
    norm = t.var(axis=axis, keepdims=True) + y.var(axis=axis, keepdims=True) + \
        (t_mean - y_mean) ** 2
    return np.mean(2 * (t - t_mean) * (y - y_mean) / (norm + losses.EPSILON), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean over samples (over every batch) of ``pearson_correlation`` along ``axis``.

    Args (Keras's): name="pearson_correlation", axis=-1.
    """

    _config_keys = ("axis",)

    def __init__(self, name="pearson_correlation", axis=-1):
        super().__init__(pearson_correlation, name, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean over samples (over every batch) of ``concordance_correlation`` along
    ``axis``.

    Args (Keras's): name="concordance_correlation", axis=-1.
    """

    _config_keys = ("axis",)

    def __init__(self, name="concordance_correlation", axis=-1):
        super().__init__(concordance_correlation, name, axis=axis)
        self.axis = axis


def _keras_snake_case(name):
    """Keras's to_snake_case: "RootMeanSquaredError" -> "root_mean_squared_error"."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# compile's metric names, as Keras 3's metrics.get resolves them: each class by its name and
# its snake_case name, and the short aliases.
_CLASSES = (Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
            MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            CosineSimilarity, LogCoshError, R2Score, AUC, FalseNegatives, FalsePositives,
            Precision, PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity,
            SpecificityAtSensitivity, TrueNegatives, TruePositives, Hinge, SquaredHinge,
            CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, Accuracy, BinaryAccuracy,
            CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
            SparseTopKCategoricalAccuracy, F1Score, FBetaScore, IoU, MeanIoU, OneHotIoU,
            OneHotMeanIoU, BinaryIoU, PearsonCorrelation, ConcordanceCorrelation)
_OBJECTS = {**{cls.__name__: cls for cls in _CLASSES},
            **{_keras_snake_case(cls.__name__): cls for cls in _CLASSES},
            "bce": BinaryCrossentropy, "mse": MeanSquaredError, "mae": MeanAbsoluteError,
            "mape": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError}
_OBJECTS_LOWER = {key.lower(): cls for key, cls in _OBJECTS.items()}
_BY_NAME.update({fn.__name__: fn for fn in (
    mean_absolute_percentage_error, mean_squared_logarithmic_error, log_cosh,
    cosine_similarity, kl_divergence, poisson, hinge, squared_hinge, categorical_hinge,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, pearson_correlation,
    concordance_correlation)})


def as_metric(identifier, loss=None):
    """A Metric object for ``compile(metrics=[...])``'s entries, named as the logs show it.

    Args:
        identifier: a Metric (returned as is), a Metric class (instantiated), "accuracy"
            or "acc" (BinaryAccuracy, CategoricalAccuracy or SparseCategoricalAccuracy by
            the loss, Keras's rule, named "accuracy"; with another loss, the kind is
            chosen from the shapes at each batch), a class's name or snake_case name
            ("RootMeanSquaredError", "root_mean_squared_error", "f1_score", "auc", ...),
            Keras's aliases "mse", "mae", "mape", "msle", "bce", or a function
            ``(y_true, y_pred) -> per-sample values`` (its weighted mean).
        loss: the compiled loss, to resolve "accuracy".
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        name = identifier.lower()
        if name in ("accuracy", "acc"):
            fn = _ACCURACY_FOR_LOSS.get(type(loss))
            kinds = {binary_accuracy: BinaryAccuracy, categorical_accuracy: CategoricalAccuracy,
                     sparse_categorical_accuracy: SparseCategoricalAccuracy}
            return kinds[fn](name=identifier) if fn else MeanMetricWrapper(accuracy,
                                                                           identifier)
        cls = _OBJECTS.get(identifier) or _OBJECTS_LOWER.get(name)
        if cls is not None:
            try:
                return cls(name=identifier)  # named as given, as Keras's compile does
            except TypeError:  # IoU, SensitivityAtSpecificity, ...: arguments needed
                raise ValueError(f"as_metric: {identifier!r} needs arguments; pass "
                                 f"{cls.__name__}(...) itself") from None
    return MeanMetricWrapper(get(identifier, loss),
                             identifier if isinstance(identifier, str) else None)
