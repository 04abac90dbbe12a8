"""Preparing data for training: one-hot targets, input scaling, splits and mini-batches.

All of it is numpy in, numpy out, with one example per row. The rule the course insists
on: statistics (mean, standard deviation, covariance) come from the training data only,
and the same fitted transform is then applied to the validation and test data:

>>> x_train = np.array([[0.0, 10.0], [2.0, 30.0]])
>>> scaler = Standardizer().fit(x_train)
>>> scaler.transform(np.array([[1.0, 20.0]])).tolist()
[[0.0, 0.0]]
"""

import numpy as np

__all__ = [
    "one_hot",
    "to_categorical",
    "Standardizer",
    "Whitener",
    "train_val_split",
    "batches",
    "BatchLoader",
]


def one_hot(labels, num_classes=None, dtype=np.float32):
    """Integer class labels -> one-hot vectors: a 1 at the label's index, 0 elsewhere.

    Args:
        labels: integer labels of any shape (floats are accepted if they hold whole numbers).
        num_classes: length of the vectors; defaults to max(labels) + 1.
        dtype: dtype of the result.

    Returns:
        Array of shape labels.shape + (num_classes,).

    Raises:
        ValueError: a label is not a whole number, is negative, or is >= num_classes.

    >>> one_hot([0, 2, 1], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    labels = np.asarray(labels)
    if labels.dtype == bool or not (np.issubdtype(labels.dtype, np.integer)
                                    or np.issubdtype(labels.dtype, np.floating)):
        raise ValueError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    if np.issubdtype(labels.dtype, np.floating):
        whole = np.isfinite(labels) & (labels == np.round(labels))
        if not whole.all():
            bad = labels[~whole].ravel()[0]
            raise ValueError(f"one_hot: labels must be whole numbers, got {bad}")
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from empty labels; pass it")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"one_hot: labels must lie in [0, {num_classes - 1}] for num_classes={num_classes}, "
            f"got values from {labels.min()} to {labels.max()}")
    return np.eye(num_classes, dtype=dtype)[labels.astype(np.intp)]


def to_categorical(y, num_classes=None, dtype="float32"):
    """Keras's name for one_hot, with its handling of a trailing axis of size 1.

    As in Keras, labels shaped (n, 1) give (n, num_classes), not (n, 1, num_classes).

    Args:
        y: integer class labels.
        num_classes: number of classes; defaults to max(y) + 1.
        dtype: dtype of the result.

    Returns:
        Array of shape y.shape (less a trailing 1) + (num_classes,).

    >>> to_categorical([[1], [0]]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    return one_hot(y, num_classes, dtype)


def _float_dtype(x):
    """Keep a float input's precision; integers (uint8 pixels) become float32."""
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float32)


class Standardizer:
    """x_n = (x - mean) / std, with mean and std of the training data.

    `fit` computes the statistics along the sample axis (axis=0: one mean and std per
    feature; axis=None: one for all values). A constant feature (std 0, such as the
    always-black border pixels of MNIST) gets std 1, so it maps to 0 instead of NaN/inf.

    Attributes:
        mean_, std_: float64 statistics, shaped like one example (or scalars for axis=None).
    """

    def fit(self, x, axis=0):
        """Compute mean_ and std_ of the training data.

        Args:
            x: training data, samples along the leading axes.
            axis: the sample axes: 0, a tuple of leading axes such as (0, 1, 2), or None.

        Returns:
            self, so that `Standardizer().fit(x_train)` can be chained.
        """
        x = np.asarray(x)
        axes = tuple(range(x.ndim)) if axis is None else tuple(np.atleast_1d(axis))
        if axes != tuple(range(len(axes))):
            raise ValueError(
                f"Standardizer.fit: axis must name the leading sample axes (0, (0, 1), ... or "
                f"None), got {axis} for x of shape {x.shape}")
        self.mean_ = x.mean(axis=axes, dtype=np.float64)
        std = x.std(axis=axes, dtype=np.float64)
        # max == min finds a constant feature exactly, whatever the rounding of its mean;
        # std == 0 also catches a spread that underflows float64 (values near 1e-300).
        constant = (x.max(axis=axes) == x.min(axis=axes)) | (std == 0)
        self.std_ = np.where(constant, 1.0, std)
        return self

    def _check(self, x, method):
        if not hasattr(self, "mean_"):
            raise RuntimeError(f"Standardizer.{method}: call fit(x_train) first")
        x = np.asarray(x)
        feature_shape = np.shape(self.mean_)
        if x.shape[x.ndim - len(feature_shape):] != feature_shape:
            raise ValueError(
                f"Standardizer.{method}: fitted on examples of shape {feature_shape}, "
                f"got x of shape {x.shape}")
        return x

    def transform(self, x):
        """(x - mean_) / std_.

        Args:
            x: data shaped like the training data (any number of samples).

        Returns:
            Standardized array; float32 for integer input, else x's float dtype.
        """
        x = self._check(x, "transform")
        return ((x - self.mean_) / self.std_).astype(_float_dtype(x))

    def fit_transform(self, x, axis=0):
        """fit(x, axis) then transform(x).

        Args:
            x: training data.
            axis: the sample axes, as in fit.

        Returns:
            The standardized training data.
        """
        return self.fit(x, axis).transform(x)

    def inverse_transform(self, x_n):
        """x = x_n * std_ + mean_, undoing transform.

        Args:
            x_n: standardized data.

        Returns:
            Data on the original scale, in x_n's float dtype.
        """
        x_n = self._check(x_n, "inverse_transform")
        return (x_n * self.std_ + self.mean_).astype(_float_dtype(x_n))


class Whitener:
    """Decorrelate the features and give each unit variance: cov(x_w) = I.

    With the training covariance C = (X - mean)^T (X - mean) / n = U diag(lam) U^T:

        PCA:  x_w = (x - mean) U diag(1 / sqrt(lam + eps))        (rotate, then scale)
        ZCA:  x_w = (x - mean) U diag(1 / sqrt(lam + eps)) U^T    (and rotate back)

    Every rotation of a whitened signal is white too; ZCA is the one with a symmetric
    matrix, which keeps x_w as close as possible to the centred input (features stay
    where they were, e.g. pixels stay pixels). PCA orders the components by decreasing
    variance. eps keeps directions of (near) zero variance from blowing up: they are
    multiplied by up to 1/sqrt(eps), so raise eps for data such as images.

    Attributes:
        mean_: (d,) training mean.
        eigenvalues_: (d,) variances along the principal axes, largest first.
        eigenvectors_: (d, d) principal axes U, one per column.
        W_: (d, d) whitening matrix, x_w = (x - mean_) @ W_.
    """

    def __init__(self, method="pca", eps=1e-8):
        if method not in ("pca", "zca"):
            raise ValueError(f"Whitener: method must be 'pca' or 'zca', got {method!r}")
        self.method = method
        self.eps = eps

    def fit(self, x):
        """Compute mean_, the covariance's eigendecomposition and W_ from training data.

        Args:
            x: (n, d) training data.

        Returns:
            self.
        """
        x = self._matrix(x, "fit")
        self.mean_ = x.mean(axis=0, dtype=np.float64)
        centred = x - self.mean_
        covariance = centred.T @ centred / len(x)
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        order = np.argsort(eigenvalues)[::-1]
        # eigh can return tiny negative values for a singular C; a variance is >= 0.
        self.eigenvalues_ = np.clip(eigenvalues[order], 0.0, None)
        self.eigenvectors_ = eigenvectors[:, order]
        self.W_ = self.eigenvectors_ / np.sqrt(self.eigenvalues_ + self.eps)
        if self.method == "zca":
            self.W_ = self.W_ @ self.eigenvectors_.T
        return self

    def transform(self, x):
        """x_w = (x - mean_) @ W_.

        Args:
            x: (m, d) data.

        Returns:
            (m, d) whitened data; float32 for integer input, else x's float dtype.
        """
        if not hasattr(self, "W_"):
            raise RuntimeError("Whitener.transform: call fit(x_train) first")
        x = self._matrix(x, "transform")
        if x.shape[1] != len(self.mean_):
            raise ValueError(
                f"Whitener.transform: fitted on {len(self.mean_)} features, got x of shape {x.shape}")
        return ((x - self.mean_) @ self.W_).astype(_float_dtype(x))

    def fit_transform(self, x):
        """fit(x) then transform(x).

        Args:
            x: (n, d) training data.

        Returns:
            (n, d) whitened training data.
        """
        return self.fit(x).transform(x)

    @staticmethod
    def _matrix(x, method):
        x = np.asarray(x)
        if x.ndim != 2:
            raise ValueError(
                f"Whitener.{method}: x must be 2-D (samples, features), got shape {x.shape}; "
                "flatten images first, e.g. x.reshape(len(x), -1)")
        return x


def _check_xy(function, x, y):
    if y is not None and len(x) != len(y):
        raise ValueError(
            f"{function}: x and y must have the same number of rows, got x of shape "
            f"{np.shape(x)} and y of shape {np.shape(y)}")


def train_val_split(x, y, val_fraction=None, val_size=None, shuffle=True, seed=None):
    """Hold back part of the training data for validation.

    Give exactly one of val_fraction and val_size. With shuffle=False the validation set
    is the last rows, as Keras's `fit(validation_split=...)` takes them. The lecture's
    MNIST split of 59k/1k is `train_val_split(x_train, y_train, val_size=1000)`.

    Args:
        x: (n, ...) inputs.
        y: (n, ...) targets.
        val_fraction: share of the rows to hold back, 0 < f < 1; floor(n * f) rows.
        val_size: number of rows to hold back, 0 < val_size < n.
        shuffle: pick the validation rows at random (True) or take the last rows (False).
        seed: int seed or np.random.Generator for the shuffle.

    Returns:
        (x_train, y_train), (x_val, y_val).
    """
    x, y = np.asarray(x), np.asarray(y)
    _check_xy("train_val_split", x, y)
    n = len(x)
    if (val_fraction is None) == (val_size is None):
        raise ValueError("train_val_split: give exactly one of val_fraction and val_size")
    if val_fraction is not None:
        if not 0 < val_fraction < 1:
            raise ValueError(f"train_val_split: val_fraction must be in (0, 1), got {val_fraction}")
        # The small tolerance keeps e.g. 0.29 * 100 = 28.999999999999996 from flooring to 28.
        val_size = int(np.floor(n * val_fraction + 1e-9))
    if not 0 < val_size < n:
        raise ValueError(
            f"train_val_split: the validation set must have between 1 and {n - 1} of the "
            f"{n} rows, got {val_size}" + (f" from val_fraction={val_fraction}" if val_fraction else ""))
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    train, val = order[:n - val_size], order[n - val_size:]
    return (x[train], y[train]), (x[val], y[val])


def batches(x, y=None, batch_size=32, shuffle=True, seed=None, drop_last=False):
    """One pass over the data in mini-batches; every row appears exactly once.

    Args:
        x: (n, ...) inputs.
        y: (n, ...) targets, or None to batch x alone.
        batch_size: rows per batch; the last batch may be smaller.
        shuffle: visit the rows in a random order.
        seed: int seed or np.random.Generator; an int gives the same order every time.
        drop_last: skip the last batch if it is smaller than batch_size.

    Returns:
        A generator of (xb, yb), or of xb alone when y is None; xb has shape
        (batch_size, ...).

    >>> [xb.tolist() for xb in batches(np.arange(5), batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    x = np.asarray(x)
    y = None if y is None else np.asarray(y)
    _check_xy("batches", x, y)
    _check_positive_int(batch_size, "batches: batch_size")
    # Checked here, not inside the generator, so a mistake fails at the call.
    return _batches(x, y, batch_size, shuffle, seed, drop_last)


def _check_positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")


def _batches(x, y, batch_size, shuffle, seed, drop_last):
    n = len(x)
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        rows = order[start:start + batch_size]
        yield x[rows] if y is None else (x[rows], y[rows])


class BatchLoader:
    """Mini-batches for many epochs: each `for` loop over it is one fresh pass.

    One random generator lives across epochs, so every epoch has a new order and the
    whole sequence of epochs is reproducible from the seed.

    Args:
        x, y, batch_size, shuffle, drop_last: as for `batches`.
        seed: int seed or np.random.Generator.

    >>> loader = BatchLoader(np.arange(6), batch_size=4, seed=0)
    >>> len(loader), sorted(np.concatenate(list(loader)).tolist())
    (2, [0, 1, 2, 3, 4, 5])
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=True, seed=None, drop_last=False):
        self.x = np.asarray(x)
        self.y = None if y is None else np.asarray(y)
        _check_xy("BatchLoader", self.x, self.y)
        _check_positive_int(batch_size, "BatchLoader: batch_size")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = np.random.default_rng(seed)

    def __iter__(self):
        return _batches(self.x, self.y, self.batch_size, self.shuffle, self.rng, self.drop_last)

    def __len__(self):
        """Number of batches per epoch."""
        full, rest = divmod(len(self.x), self.batch_size)
        return full + (rest > 0 and not self.drop_last)
