"""Metrics: numbers people read (accuracy), as opposed to the loss that training minimises.

A metric function takes numpy targets and predictions and returns one value per sample,
as Keras's do; ``fit`` and ``evaluate`` average them over the data. They are not
differentiated, so they work on plain numpy arrays.

>>> categorical_accuracy(np.eye(3), np.array([[.8, .1, .1], [.6, .3, .1], [0, .1, .9]]))
array([1., 0., 1.])
"""

import numpy as np

import autograd_core as ag

from . import losses

__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "accuracy", "confusion_matrix", "get", "as_metric", "Metric", "Mean",
           "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "Precision", "Recall", "AUC"]


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

def _weights(sample_weight, values, where):
    """sample_weight broadcast to the per-sample values' shape (ones when None)."""
    if sample_weight is None:
        return np.ones_like(values, dtype=np.float64)
    w = np.asarray(sample_weight.numpy() if isinstance(sample_weight, ag.Value)
                   else sample_weight, dtype=np.float64)
    while w.ndim > values.ndim and w.shape[-1] == 1:
        w = w[..., 0]
    try:
        return np.broadcast_to(w, values.shape)
    except ValueError:
        raise ValueError(f"{where}: sample_weight of shape {w.shape} does not fit the "
                         f"{values.shape} values of this batch") from None


class Metric:
    """Base class: a running value over batches (Keras's ``keras.metrics.Metric``).

    Subclasses define ``update_state``, ``result`` and ``reset_state``; ``name`` is the
    key in fit's logs.
    """

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

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self):
        return {"name": self.name}

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Mean(Metric):
    """result = sum(w * values) / sum(w) over every value seen.

    >>> m = Mean(); m.update_state([1, 3, 5, 7]); float(m.result())
    4.0
    """

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        values = np.asarray(values.numpy() if isinstance(values, ag.Value) else values,
                            dtype=np.float64)
        w = _weights(sample_weight, values, f"{type(self).__name__} {self.name!r}")
        self.total += float(np.sum(w * values))
        self.count += float(np.sum(w))

    def result(self):
        return np.float32(self.total / self.count if self.count else 0.0)


class MeanMetricWrapper(Mean):
    """The weighted mean of ``fn(y_true, y_pred)``'s per-sample values (Keras's wrapper
    around a metric function, such as ``binary_accuracy``)."""

    def __init__(self, fn, name=None, **kwargs):
        self.fn, self.kwargs = fn, kwargs
        super().__init__(name if name is not None else getattr(fn, "__name__", None))

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = np.asarray(self.fn(y_true, y_pred, **self.kwargs), dtype=np.float64)
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

    def update_state(self, y_true, y_pred, sample_weight=None):
        where = f"{type(self).__name__} {self.name!r}"
        y_true, y_pred = _arrays(y_true, y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{where}: y_true of shape {y_true.shape} does not match y_pred "
                             f"of shape {y_pred.shape}")
        w = _weights(sample_weight, y_pred.astype(np.float64), where).reshape(-1)
        truth = y_true.reshape(-1).astype(bool)
        predicted = y_pred.reshape(-1)[None, :] > self.thresholds[:, None]  # (thresholds, n)
        self.tp += (predicted & truth) @ w
        self.fp += (predicted & ~truth) @ w
        self.fn += (~predicted & truth) @ w
        self.tn += (~predicted & ~truth) @ w


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


_OBJECTS = {
    "accuracy": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "precision": Precision, "recall": Recall, "auc": AUC, "mean": Mean,
}


def as_metric(identifier, loss=None):
    """A Metric object for ``compile(metrics=[...])``'s entries, named as the logs show it.

    Args:
        identifier: a Metric (returned as is), a Metric class (instantiated), "accuracy"
            or "acc" (BinaryAccuracy, CategoricalAccuracy or SparseCategoricalAccuracy by
            the loss, Keras's rule, named "accuracy"; with another loss, the kind is
            chosen from the shapes at each batch), "precision", "recall", "auc",
            "binary_accuracy", ..., a loss name ("mse"), or a function
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
        if name in _OBJECTS and name != "accuracy":
            return _OBJECTS[name]()
    return MeanMetricWrapper(get(identifier, loss),
                             identifier if isinstance(identifier, str) else None)
