"""Keras's preprocessing layer ``Normalization``: features standardized with statistics
computed once from the data (``adapt``), not learned by gradient descent.

    y = (x - mean) / max(sqrt(variance), epsilon)          invert=True:  y = mean + x * same

mean and variance are taken over every axis but ``axis`` (axis=-1: one per feature;
axis=None: one for all values), so the layer turns features of very different scales into
features of mean 0 and variance 1, which a single learning rate then suits. They are
non-trainable Variables, saved and loaded with the model's weights. The layer is ops on
Values, so the gradient flows through it to its input: dy/dx = 1 / max(sqrt(variance), eps).

TensorFlow's regression tutorial, on two features:

>>> import numpy as np, nn
>>> normalizer = Normalization(axis=-1)
>>> normalizer.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
>>> print(normalizer.mean.numpy(), normalizer.variance.numpy())
[[ 2. 20.]] [[  1. 100.]]
>>> normalizer(np.array([[3.0, 10.0]])).numpy()
array([[ 1., -1.]], dtype=float32)
>>> model = nn.Sequential([normalizer, nn.Dense(1)])

``nn.data.Standardizer`` does the same to numpy arrays outside a model.
"""

import itertools
import math
import numbers

import numpy as np

import autograd_core as ag

from . import symbolic
from .base_layer import Layer
from .basic_layers import _as_input, _flag

__all__ = ["Normalization"]

EPSILON = 1e-7  # keras.backend.epsilon(): the smallest standard deviation divided by


class Normalization(Layer):
    """y = (x - mean) / max(sqrt(variance), epsilon), mean and variance of the data over
    every axis but ``axis``; invert=True: y = mean + x * max(sqrt(variance), epsilon).

    Args (Keras 3's):
        axis=-1: the axis, tuple of axes, or None, that keep a mean and a variance for
            each of their indices: axis=-1 on (batch, 9) data gives 9 of each; None, one
            of each for all values. (With 1-D data, (batch,), axis=-1 keeps one per index
            of the batch, as in Keras: pass axis=None.)
        mean, variance: the statistics, given instead of ``adapt``: numbers or arrays that
            broadcast to the kept axes (aligned to their right), both or neither.
        invert=False: True applies the inverse, turning normalized values back.
        name, trainable, input_shape, dtype: as every Keras layer's (``nn.Layer``);
            ``input_shape`` builds the layer now, so ``adapt`` checks the data against it.

    Attributes:
        mean, variance: of the broadcast shape ((1, 9) for axis=-1 on (batch, 9) data),
            None until the layer is built. Adapted: non-trainable Variables, with
            ``count`` (the number of values each statistic averages, an int64 Variable:
            Keras's three weights, 2*9+1 non-trainable params in ``summary``). Given:
            constants, and no weights.

    Calling the layer before ``adapt`` (without mean and variance) raises ValueError;
    building a model on ``nn.Input`` may come first, as in Keras.
    """

    _shape_pass = False  # True while a model is being built on nn.Input (see __call__)

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        where = f"Normalization {self.name!r}"
        if axis is None:
            axis = ()
        elif _is_int(axis):
            axis = (axis,)
        elif isinstance(axis, (tuple, list)) and all(_is_int(a) for a in axis):
            axis = tuple(axis)
        else:
            raise TypeError(f"{where}: axis must be an int, a tuple of ints or None, got "
                            f"{axis!r}")
        self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"{where}: when setting values directly, both `mean` and "
                             f"`variance` must be set. Received: mean={mean} and "
                             f"variance={variance}")
        if mean is not None:
            mean, variance = _numbers(mean, "mean", where), _numbers(variance, "variance", where)
            if mean.shape != variance.shape:
                raise ValueError(f"{where}: mean and variance must have the same shape, got "
                                 f"{mean.shape} and {variance.shape}")
            if mean.ndim > len(self.axis):
                raise ValueError(f"{where}: the rank of mean ({mean.ndim}) must not exceed "
                                 f"the number of axes kept ({len(self.axis)}, axis="
                                 f"{self.axis})")
            if np.any(variance < 0):
                raise ValueError(f"{where}: variance must not be negative, got {variance}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = _flag(invert, "invert", where)
        self.mean = self.variance = self.count = None
        if self.input_shape is not None:
            self.build(self.input_shape)
            self.built = True

    # --- the statistics' shape ------------------------------------------------------------
    def _stats_shape(self, input_shape):
        """The shape of mean and variance for inputs of ``input_shape`` (batch axis first):
        the input's size on each kept axis, 1 on the others, which are reduced."""
        where = f"Normalization {self.name!r}"
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"{where}: all `axis` values must be in the range [-ndim, ndim). "
                             f"Received inputs with ndim={ndim} (shape {tuple(input_shape)}), "
                             f"while axis={self.axis}")
        keep = _kept(self.axis, ndim)
        if len(keep) != len(self.axis):
            raise ValueError(f"{where}: axis={self.axis} names an axis twice for inputs of "
                             f"rank {ndim}")
        if any(input_shape[d] is None for d in keep):
            raise ValueError(f"{where}: all `axis` values to be kept must have a known size. "
                             f"Received axis={self.axis}, inputs.shape={tuple(input_shape)}")
        return tuple(int(input_shape[d]) if d in keep else 1 for d in range(ndim))

    def build(self, input_shape):
        """Make mean and variance for inputs of ``input_shape``: Variables (0 and 1 until
        ``adapt``) or, when they were given, constants broadcast to the kept axes."""
        shape = self._stats_shape(input_shape)
        if self.input_mean is None:
            self.mean = self.add_weight(shape, "zeros", trainable=False, name="mean")
            self.variance = self.add_weight(shape, "ones", trainable=False, name="variance")
            self.count = self.add_weight((), "zeros", trainable=False, name="count",
                                         dtype=np.int64)
            return
        # Keras 3's broadcast: the given dims sit on the last kept axes, right to left.
        kept = sorted(_kept(self.axis, len(shape)))
        aligned = [1] * len(shape)
        for d, n in zip(kept[len(kept) - self.input_mean.ndim:], self.input_mean.shape):
            aligned[d] = n
        try:
            mean, variance = (np.broadcast_to(np.reshape(s, aligned), shape)
                              for s in (self.input_mean, self.input_variance))
        except ValueError:
            raise ValueError(f"Normalization {self.name!r}: mean and variance of shape "
                             f"{self.input_mean.shape} do not broadcast to the kept axes "
                             f"{self.axis} of inputs of shape {tuple(input_shape)}") from None
        dtype = self._float_dtype()
        self.mean, self.variance = ag.constant(mean, dtype), ag.constant(variance, dtype)

    @property
    def is_adapted(self):
        """True once ``adapt`` has run (or the adapted weights were loaded)."""
        return self.count is not None and int(self.count.numpy()) > 0

    # --- adapt ------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Compute mean and variance of ``data`` over every axis but ``axis``, and store
        them (again from scratch on a second call).

        Args:
            data: an array (numpy, a Value, anything ``np.asarray`` reads), or an iterable
                of batches (a list of arrays, a generator); a batch may be a tuple
                (x, y, ...), whose x is used.
            batch_size: for an array, the samples per batch (Keras 2's argument; the result
                is the same up to rounding); not for an iterable, which gives its batches.
            steps: use only the first ``steps`` batches (of an array: of ``batch_size``,
                32 unless given, Keras 2's default).
        Raises:
            ValueError: the data's shape does not fit ``axis`` or the shape the layer was
                built for, it holds no values, or the layer was given mean and variance.
                The layer is left unchanged: the statistics are stored only at the end.
        """
        where = f"Normalization {self.name!r}: adapt"
        if self.input_mean is not None:
            raise ValueError(f"{where}: the layer was given mean and variance; it cannot "
                             "also be adapted")
        # The statistics are merged over the kept axes' sizes (9 for axis=-1 on (n, 9)
        # data), so data of another rank fits when those agree: axis=None on 1-D data for
        # a layer built for (batch, 1), as in the tutorial.
        total, mean, var, sizes = 0, 0.0, 0.0, None
        for batch in _batches(data, batch_size, steps, where):
            x = _batch_array(batch, where)
            self._stats_shape(x.shape)  # the axes fit the data's rank
            keep = sorted(_kept(self.axis, x.ndim))
            if sizes is None:
                sizes, input_shape = tuple(x.shape[d] for d in keep), x.shape
                if self.mean is not None and sizes != self._kept_sizes():
                    raise ValueError(f"{where}: the layer was built for statistics of shape "
                                     f"{self.mean.shape}, but the data of shape {x.shape} "
                                     f"has an incompatible shape (axis={self.axis})")
            elif tuple(x.shape[d] for d in keep) != sizes:
                raise ValueError(f"{where}: a batch of shape {x.shape} has an incompatible "
                                 f"shape: the first one was {input_shape} (axis={self.axis})")
            n = x.size // max(math.prod(sizes), 1)  # values per statistic in this batch
            if n == 0:
                continue
            reduce = tuple(d for d in range(x.ndim) if d not in keep)
            batch_mean, batch_var = x.mean(axis=reduce), x.var(axis=reduce)
            # Keras's merge of two sets' moments, by the lack-of-fit sum of squares:
            # each set's variance around the new mean, weighted by its share of the values.
            total += n
            w = n / total
            new_mean = mean * (1 - w) + batch_mean * w
            var = ((var + (mean - new_mean) ** 2) * (1 - w)
                   + (batch_var + (batch_mean - new_mean) ** 2) * w)
            mean = new_mean
        if sizes is None:
            raise ValueError(f"{where}: received no batches; pass an array, or an iterable "
                             "of at least one batch")
        if total == 0:
            raise ValueError(f"{where}: the data holds no values (shape {input_shape})")
        if self.mean is None:
            self.build(input_shape)
            self.built = True
        self.mean.assign(np.reshape(mean, self.mean.shape).astype(self.mean.dtype))
        self.variance.assign(np.reshape(var, self.mean.shape).astype(self.variance.dtype))
        self.count.assign(total)

    def _kept_sizes(self):
        """The built statistics' sizes on the kept axes: (9,) for (1, 9), () for axis=None."""
        return tuple(self.mean.shape[d] for d in sorted(_kept(self.axis, self.mean.ndim)))

    # --- the call ---------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not symbolic.is_symbolic(args, kwargs):
            return super().__call__(*args, **kwargs)
        # A model built on nn.Input runs the layer once on zeros, for the shapes: allowed
        # before adapt, as in Keras (load_model builds a model so, then loads the weights).
        self._shape_pass = True
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self._shape_pass = False

    def forward(self, x):
        if self.input_mean is None and not self.is_adapted and not self._shape_pass:
            raise ValueError(f"Normalization {self.name!r} has not been adapted: call "
                             "layer.adapt(data) before using it, or give it mean= and "
                             "variance=")
        return super().forward(x)  # builds it on the first call, then call()

    def call(self, x):
        x = _as_input(x, self._float_dtype())
        if x.dtype != self._float_dtype():
            x = ag.cast(x, self._float_dtype())
        try:
            fits = np.broadcast_shapes(x.shape, self.mean.shape) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"Normalization {self.name!r}: built for statistics of shape "
                             f"{self.mean.shape} (axis={self.axis}), got an input of shape "
                             f"{x.shape}")
        std = ag.maximum(ag.sqrt(self.variance), EPSILON)
        if self.invert:
            return self.mean + x * std
        return (x - self.mean) / std

    # --- description ------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(trainable=self.trainable, axis=self.axis, invert=self.invert,
                      mean=None if self.input_mean is None else self.input_mean.tolist(),
                      variance=None if self.input_variance is None
                      else self.input_variance.tolist())
        return config

    def extra_repr(self):
        return f"axis={self.axis}, invert={self.invert}"


def _is_int(a):
    return isinstance(a, numbers.Integral) and not isinstance(a, (bool, np.bool_))


def _kept(axis, ndim):
    """The kept axes, as non-negative numbers, for inputs of rank ``ndim``."""
    return {a % ndim for a in axis}


def _numbers(value, what, where):
    """A given mean or variance as a float64 array; anything but real numbers raises."""
    array = np.asarray(value.numpy() if isinstance(value, ag.Value) else value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {what} must be real numbers, got {value!r}")
    return array.astype(np.float64)


def _batches(data, batch_size, steps, where):
    """``data`` as an iterator of batches: an array whole (or in slices of ``batch_size``
    along its first axis), an iterable as it comes; the first ``steps`` of them."""
    for n, what in ((batch_size, "batch_size"), (steps, "steps")):
        if n is not None and not (_is_int(n) and n > 0):
            raise ValueError(f"{where}: {what} must be a positive integer or None, got {n!r}")
    if isinstance(data, (ag.Value, np.ndarray)) or hasattr(data, "__array__"):
        array = data.numpy() if isinstance(data, ag.Value) else np.asarray(data)
        if batch_size is None and steps is None:
            return iter([array])
        if array.ndim == 0:
            raise ValueError(f"{where}: batch_size and steps slice an array along its first "
                             "axis; this one is a single number")
        size = batch_size or 32
        batches = (array[i:i + size] for i in range(0, max(len(array), 1), size))
    elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
        if batch_size is not None:
            raise ValueError(f"{where}: batch_size is for an array; an iterable gives its own "
                             "batches")
        batches = iter(data)
    else:
        raise TypeError(f"{where}: expected an array or an iterable of batches, got "
                        f"{type(data).__name__}")
    return batches if steps is None else itertools.islice(batches, steps)


def _batch_array(batch, where):
    """One batch as a float64 array (the statistics are summed in float64); a tuple
    (x, y, ...) gives its x, as Keras's batches of a supervised dataset."""
    if isinstance(batch, tuple) and batch:
        batch = batch[0]
    if isinstance(batch, ag.Value):
        batch = batch.numpy()
    if not hasattr(batch, "shape"):
        raise TypeError(f"{where}: each batch must be an array (with a `.shape`), got "
                        f"{type(batch).__name__} {batch!r:.60}")
    array = np.asarray(batch)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: the data must be real numbers, got dtype {array.dtype}")
    return array.astype(np.float64)
