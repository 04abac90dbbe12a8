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
           "accuracy", "confusion_matrix", "get"]


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
            "sparse_categorical_accuracy", a loss name ("mse", "mae", ...), or a callable
            (returned unchanged).
        loss: the compiled loss, to resolve "accuracy".
    """
    if callable(identifier) and not isinstance(identifier, str):
        return identifier
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
