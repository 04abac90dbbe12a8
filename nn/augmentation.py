"""Keras 3's image preprocessing and augmentation layers: ``Resizing``, ``CenterCrop``,
``RandomCrop``, ``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``,
``RandomContrast`` and ``RandomBrightness``.

Images are (batch, rows, cols, channels), or (batch, channels, rows, cols) with
``data_format="channels_first"``; one image without its batch axis works too. Every output
pixel is a sum of input pixels times constant weights, built from ``ag.take`` and products,
so the gradient flows to the image: dL/dx[i] = sum over the outputs o of w[o, i] * g[o].

- Resizing, bilinear (``tf.image.resize``, half-pixel centres, no antialias):
  src = max((dst + 0.5) * in / out - 0.5, 0),  y = (1 - t) * x[floor(src)] + t * x[floor(src) + 1].
- Resizing, nearest (TF's half-pixel nearest):  src = min(floor((dst + 0.5) * in / out), in - 1).
- The random geometric layers sample, for each output pixel (row r, col c), the input at
  (r', c') = (b0*c + b1*r + b2, a0*c + a1*r + a2), one affine map per image, as Keras 3's
  ``ops.image.affine_transform``; outside the image, ``fill_mode`` decides.

The random layers change their input only in training mode (``fit``, ``model.train()``,
``training=True``, and a direct call, as Keras 3's) and pass it through unchanged in
inference mode (``predict``, ``evaluate``, ``training=False``), as ``Dropout`` does. Their
draws come from the layer's own generator when seeded, not Keras's numbers.

>>> import numpy as np
>>> flip = RandomFlip("horizontal", seed=0)
>>> x = np.arange(4.0).reshape(1, 2, 2, 1)
>>> bool((flip(x, training=False).numpy() == x).all())
True
>>> Resizing(4, 4)(x).shape
(1, 4, 4, 1)
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from .conv_layers import _data_format
from .keras_module import KerasModule
from .basic_layers import _as_input, _flag

__all__ = ["Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation",
           "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


# --- the maths on (batch, rows, cols, channels) Values --------------------------------------
def _linear_source(n_in, n_out):
    """Half-pixel bilinear sources along one axis: lower index, upper index, upper weight."""
    src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    lower = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    upper = np.minimum(lower + 1, n_in - 1)
    return lower, upper, src - lower


def _nearest_source(n_in, n_out):
    """src = min(floor((dst + 0.5) * in / out), in - 1), in exact integer arithmetic."""
    return np.minimum((2 * np.arange(n_out) + 1) * n_in // (2 * n_out), n_in - 1)


def resize(x, height, width, interpolation="bilinear"):
    """x (batch, rows, cols, channels) resized to (batch, height, width, channels), one
    axis after the other (both interpolations are separable)."""
    for axis, n_out in ((1, height), (2, width)):
        n_in = x.shape[axis]
        if n_in == n_out:
            continue
        if interpolation == "nearest":
            x = ag.take(x, _nearest_source(n_in, n_out), axis=axis)
            continue
        lower, upper, t = _linear_source(n_in, n_out)
        t = t.reshape((n_out, 1, 1) if axis == 1 else (n_out, 1)).astype(x.dtype)
        x = ag.add(ag.multiply(ag.take(x, lower, axis=axis), 1 - t),
                   ag.multiply(ag.take(x, upper, axis=axis), t))
    return x


def _aspect_crop(rows, cols, height, width, at_least_one=True):
    """Keras's centred box of the target's aspect ratio: (row0, col0, rows, cols)."""
    crop_rows = min(rows, int(cols * height / width))
    crop_cols = min(cols, int(rows * width / height))
    if at_least_one:
        crop_rows, crop_cols = max(crop_rows, 1), max(crop_cols, 1)
    return int((rows - crop_rows) / 2), int((cols - crop_cols) / 2), crop_rows, crop_cols


def _crop(x, row0, col0, rows, cols):
    return ag.getitem(x, (slice(None), slice(row0, row0 + rows), slice(col0, col0 + cols)))


def _fix_index(index, size, fill_mode):
    """An integer index outside [0, size) moved inside, as Keras's ``map_coordinates``:
    reflect (d c b a | a b c d | d c b a), wrap (a b c d | a b c d), nearest (a a | a b c d
    | d d); constant keeps it (its pixel is replaced by fill_value)."""
    if fill_mode == "reflect":
        # Keras's: a mirror (a triangular wave of half-period s) at twice the scale, where
        # pixel i sits at 2i + 1 of a row of 2 * size + 1 points, so the edges reflect.
        s = 2 * size
        return (np.abs((2 * index + 1 + s) % (2 * s) - s) - 1) // 2
    if fill_mode == "wrap":
        return index % size
    return np.clip(index, 0, size - 1) if fill_mode == "nearest" else index


def _taps(src, interpolation):
    """The pixels a source coordinate reads along one axis, with their weights: nearest,
    [(round(src), 1)]; bilinear, [(floor(src), 1 - t), (floor(src) + 1, t)]."""
    if interpolation == "nearest":
        return [(np.round(src).astype(np.int64), np.ones_like(src))]
    low = np.floor(src)
    t = src - low
    return [(low.astype(np.int64), 1 - t), (low.astype(np.int64) + 1, t)]


def affine_transform(x, transforms, interpolation="bilinear", fill_mode="reflect",
                     fill_value=0.0):
    """out[n, r, c] = x[n] sampled at (r', c') = (b0*c + b1*r + b2, a0*c + a1*r + a2),
    transforms[n] = (a0, a1, a2, b0, b1, b2): Keras 3's ``affine_transform`` (the
    projective terms c0 = c1 = 0). Bilinear: the 4 neighbours weighted by their distances;
    nearest: the pixel at round(r'), round(c') (half to even, as Keras's numpy, JAX and
    torch backends). x: (batch, rows, cols, channels) Value; transforms: (batch, 6).

    Outside the image, each neighbour's index is moved inside by ``fill_mode`` (constant:
    the neighbour reads fill_value), as Keras's ``map_coordinates``; TF's kernel moves the
    continuous coordinate instead, so within a pixel of the border the TF backend's
    bilinear values may differ."""
    n, rows, cols, channels = x.shape
    r, c = np.meshgrid(np.arange(rows, dtype=np.float64), np.arange(cols, dtype=np.float64),
                       indexing="ij")
    a0, a1, a2, b0, b1, b2 = (np.asarray(transforms, np.float64)[:, k, None, None]
                              for k in range(6))
    src_r, src_c = b0 * c + b1 * r + b2, a0 * c + a1 * r + a2  # (batch, rows, cols)
    taps_r, taps_c = _taps(src_r, interpolation), _taps(src_c, interpolation)
    flat = ag.reshape(x, (n * rows * cols, channels))
    base = (np.arange(n) * rows * cols)[:, None, None]
    out, filled = None, np.zeros_like(src_r)
    for i_r, w_r in taps_r:
        for i_c, w_c in taps_c:
            valid = ((i_r >= 0) & (i_r < rows) & (i_c >= 0) & (i_c < cols)
                     if fill_mode == "constant" else np.ones(i_r.shape, bool))
            j_r = np.clip(_fix_index(i_r, rows, fill_mode), 0, rows - 1)
            j_c = np.clip(_fix_index(i_c, cols, fill_mode), 0, cols - 1)
            weight = w_r * w_c
            filled += weight * ~valid
            pixels = ag.take(flat, (base + j_r * cols + j_c).ravel(), axis=0)
            term = ag.multiply(pixels, (weight * valid).reshape(-1, 1).astype(x.dtype))
            out = term if out is None else ag.add(out, term)
    out = ag.reshape(out, (n, rows, cols, channels))
    if fill_mode == "constant" and fill_value != 0 and filled.any():
        out = ag.add(out, (filled[..., None] * fill_value).astype(x.dtype))
    return out


# --- the layers' shared body ---------------------------------------------------------------
class _ImageLayer(KerasModule):
    """Images in either data_format, batched or not, in, as (batch, rows, cols, channels)
    to ``transform``, and back."""

    def __init__(self, name, dtype, data_format):
        super().__init__(name, dtype=dtype)
        self.where = f"{type(self).__name__} {self.name!r}"
        self.data_format = _data_format(data_format, self.where)

    def forward(self, x):
        x = _as_input(x, self._float_dtype())
        if x.dtype.kind != "f":  # uint8 pixels
            x = ag.cast(x, self._float_dtype())
        if x.ndim not in (3, 4):
            layout = "(channels, rows, cols)" if self.data_format == "channels_first" \
                else "(rows, cols, channels)"
            raise ValueError(f"{self.where}: expected images (batch, ...) of rank 4 or one "
                             f"image {layout} of rank 3, got shape {x.shape}")
        if not self._changes():
            return x if isinstance(x, ag.Value) else ag.constant(x)
        batched = x.ndim == 4
        if not batched:
            x = ag.expand_dims(x, 0)
        first = self.data_format == "channels_first"
        if first:
            x = ag.transpose(x, (0, 2, 3, 1))
        y = self.transform(x)
        if first:
            y = ag.transpose(y, (0, 3, 1, 2))
        return y if batched else ag.squeeze(y, 0)

    def _changes(self):
        """False when this call is the identity (a random layer in inference mode)."""
        return True

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


def _size(value, what, where):
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) \
            and value > 0:
        return int(value)
    raise ValueError(f"{where}: {what} must be a positive integer, got {value!r}")


def _choice(value, what, where, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{where}: {what} must be one of {choices}, got {value!r}")
    return value


class Resizing(_ImageLayer):
    """y = the images resized to (height, width): bilinear, src = max((dst + 0.5) * in / out
    - 0.5, 0) between the two nearest pixels (``tf.image.resize``, no antialias; PyTorch's
    ``interpolate(mode="bilinear", align_corners=False)``), or nearest, src = min(floor((dst
    + 0.5) * in / out), in - 1). dL/dx = the same weights, transposed.

    Args (Keras 3's): height, width: the output's size. interpolation="bilinear" or
        "nearest". crop_to_aspect_ratio=False: True first crops the largest centred box of
        the target's aspect ratio (rows = min(H, int(W * height / width)), cols likewise,
        starting at int((H - rows) / 2)), so the image is not distorted.
        data_format=None (channels_last) or "channels_first".
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 data_format=None, name=None, *, dtype=None):
        super().__init__(name, dtype, data_format)
        self.height = _size(height, "height", self.where)
        self.width = _size(width, "width", self.where)
        self.interpolation = _choice(interpolation, "interpolation", self.where,
                                     INTERPOLATIONS)
        self.crop_to_aspect_ratio = _flag(crop_to_aspect_ratio, "crop_to_aspect_ratio",
                                          self.where)

    def transform(self, x):
        if self.crop_to_aspect_ratio:
            x = _crop(x, *_aspect_crop(x.shape[1], x.shape[2], self.height, self.width))
        return resize(x, self.height, self.width, self.interpolation)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio)
        return config

    def extra_repr(self):
        return f"height={self.height}, width={self.width}, interpolation={self.interpolation}"


def _smart_resize(x, height, width):
    """Keras's ``smart_resize``: the largest centred box of the target's aspect ratio,
    resized (bilinear) to (height, width)."""
    x = _crop(x, *_aspect_crop(x.shape[1], x.shape[2], height, width, at_least_one=False))
    return resize(x, height, width)


class CenterCrop(_ImageLayer):
    """y = the centred (height, width) box: rows from int((H - height) / 2). An image smaller
    than the target on either side is instead resized (Keras 3's rule): its largest centred
    box of the target's aspect ratio, bilinear to (height, width). dL/dx = g in the box.

    Args (Keras 3's): height, width; data_format=None (channels_last) or "channels_first".
    """

    def __init__(self, height, width, data_format=None, name=None, *, dtype=None):
        super().__init__(name, dtype, data_format)
        self.height = _size(height, "height", self.where)
        self.width = _size(width, "width", self.where)

    def transform(self, x):
        rows, cols = x.shape[1:3]
        if rows >= self.height and cols >= self.width:
            return _crop(x, int((rows - self.height) / 2), int((cols - self.width) / 2),
                         self.height, self.width)
        return _smart_resize(x, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config

    def extra_repr(self):
        return f"height={self.height}, width={self.width}"


class _RandomLayer(_ImageLayer):
    """A random layer: the identity in inference mode; draws from its own generator when
    given a seed, else from ``ag.random``'s."""

    def __init__(self, seed, name, dtype, data_format):
        super().__init__(name, dtype, data_format)
        if seed is not None and (isinstance(seed, (bool, np.bool_))
                                 or not isinstance(seed, numbers.Integral) or seed < 0):
            raise ValueError(f"{self.where}: seed must be an int >= 0 or None, got {seed!r}")

    def _start_generator(self, seed):
        """Called last in a constructor, once every argument was checked."""
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _uniform(self, shape, low, high):
        if self._rng is not None:
            return self._rng.uniform(low, high, shape)
        u = ag.random.uniform(shape, dtype=ag.float64).numpy()
        return low + (high - low) * u

    def _changes(self):
        return self.training

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class RandomCrop(_RandomLayer):
    """Training: y = a random (height, width) box, the same for every image of the batch
    (Keras 3's rule), its corner uniform over the image; an image smaller than the target is
    resized as below instead. Inference: Keras's ``smart_resize``, the largest centred box
    of the target's aspect ratio resized (bilinear) to (height, width).

    Args (Keras 3's): height, width, seed=None; data_format=None or "channels_first".
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, *, dtype=None):
        super().__init__(seed, name, dtype, data_format)
        self.height = _size(height, "height", self.where)
        self.width = _size(width, "width", self.where)
        self._start_generator(seed)

    def _changes(self):
        return True  # in inference mode too: the output has the target's size

    def transform(self, x):
        rows, cols = x.shape[1:3]
        if not self.training or rows < self.height or cols < self.width:
            return _smart_resize(x, self.height, self.width)
        row0, col0 = (int(self._uniform((), 0, n + 1)) for n in
                      (rows - self.height, cols - self.width))
        return _crop(x, min(row0, rows - self.height), min(col0, cols - self.width),
                     self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config

    def extra_repr(self):
        return f"height={self.height}, width={self.width}"


class RandomFlip(_RandomLayer):
    """Training: each image flipped left-right, and (separately) upside down, each with
    probability 1/2, as ``mode`` allows; inference: y = x. dL/dx = g flipped back.

    Args (Keras 3's): mode="horizontal_and_vertical", "horizontal" or "vertical";
        seed=None; data_format=None or "channels_first".
    """

    MODES = ("horizontal_and_vertical", "horizontal", "vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None,
                 name=None, *, dtype=None):
        super().__init__(seed, name, dtype, data_format)
        self.mode = _choice(mode, "mode", self.where, self.MODES)
        self._start_generator(seed)

    def transform(self, x):
        n = x.shape[0]
        for axis, kind in ((2, "horizontal"), (1, "vertical")):
            if kind in self.mode:
                flipped = self._uniform((n,), 0.0, 1.0) < 0.5
                x = ag.where(flipped[:, None, None, None], ag.flip(x, axis=axis), x)
        return x

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config

    def extra_repr(self):
        return f"mode={self.mode}"


def _factor_pair(factor, what, where, low=-1.0, high=1.0):
    """Keras's factor: a number f gives (-|f|, |f|), a pair (lower, upper) itself; each in
    [low, high], lower <= upper."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{where}: {what} must be a number or a pair (lower, upper), "
                             f"got {factor!r}")
        pair = tuple(factor)
    else:
        pair = None
    for value in pair if pair is not None else (factor,):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value):
            raise ValueError(f"{where}: {what} must be a finite number or a pair of them, "
                             f"got {factor!r}")
    if pair is None:
        pair = (-abs(float(factor)), abs(float(factor)))
    lower, upper = float(pair[0]), float(pair[1])
    if not (low <= lower <= high and low <= upper <= high):
        raise ValueError(f"{where}: {what} must lie in [{low}, {high}], got {factor!r}")
    if upper < lower:
        raise ValueError(f"{where}: {what} has an upper bound below its lower bound: "
                         f"{factor!r}")
    return lower, upper


def _factor_config(factor):
    return list(factor) if isinstance(factor, (tuple, list)) else factor


class _AffineLayer(_RandomLayer):
    """A random affine map per image, sampled by ``affine_transform``."""

    def __init__(self, fill_mode, interpolation, seed, fill_value, name, dtype, data_format):
        super().__init__(seed, name, dtype, data_format)
        self.fill_mode = _choice(fill_mode, "fill_mode", self.where, FILL_MODES)
        self.interpolation = _choice(interpolation, "interpolation", self.where,
                                     INTERPOLATIONS)
        if isinstance(fill_value, (bool, np.bool_)) or \
                not isinstance(fill_value, numbers.Real) or not math.isfinite(fill_value):
            raise ValueError(f"{self.where}: fill_value must be a finite number, got "
                             f"{fill_value!r}")
        self.fill_value = float(fill_value)

    def transform(self, x):
        return affine_transform(x, self.transforms(*x.shape[:3]), self.interpolation,
                                self.fill_mode, self.fill_value)

    def get_config(self):
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, interpolation=self.interpolation,
                      fill_value=self.fill_value)
        return config


class RandomRotation(_AffineLayer):
    """Training: each image rotated about its centre by an angle a = 2*pi*u, u uniform in
    [lower, upper] (counter-clockwise for a > 0): the output at (r, c) samples the input at
    c' = cos(a)*c - sin(a)*r + ox, r' = sin(a)*c + cos(a)*r + oy; inference: y = x.

    Args (Keras 3's): factor: a fraction of a full turn, f for [-f, f] or a pair (lower,
        upper), each in [-1, 1]. fill_mode="reflect" ("wrap", "constant", "nearest"),
        interpolation="bilinear" ("nearest"), seed=None, fill_value=0.0 (for "constant"),
        data_format=None or "channels_first".
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, name=None, *, dtype=None):
        super().__init__(fill_mode, interpolation, seed, fill_value, name, dtype, data_format)
        self.lower, self.upper = _factor_pair(factor, "factor", self.where)
        self.factor = factor
        self._start_generator(seed)

    def transforms(self, n, rows, cols):
        a = self._uniform((n,), self.lower, self.upper) * 2 * np.pi
        cos, sin = np.cos(a), np.sin(a)
        ox = ((cols - 1) - (cos * (cols - 1) - sin * (rows - 1))) / 2
        oy = ((rows - 1) - (sin * (cols - 1) + cos * (rows - 1))) / 2
        return np.stack([cos, -sin, ox, sin, cos, oy], axis=1)

    def get_config(self):
        config = super().get_config()
        config["factor"] = _factor_config(self.factor)
        return config

    def extra_repr(self):
        return f"factor={self.factor}"


class RandomTranslation(_AffineLayer):
    """Training: each image shifted by dy = u * rows down and dx = v * cols right, u and v
    uniform in the factors' ranges: y[r, c] = x[r - dy, c - dx]; inference: y = x.

    Args (Keras 3's): height_factor, width_factor: fractions of the size, f for [-f, f]
        or a pair (lower, upper), each in [-1, 1]. fill_mode="reflect",
        interpolation="bilinear", seed=None, fill_value=0.0, data_format=None.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 name=None, *, dtype=None):
        super().__init__(fill_mode, interpolation, seed, fill_value, name, dtype, data_format)
        self.height_range = _factor_pair(height_factor, "height_factor", self.where)
        self.width_range = _factor_pair(width_factor, "width_factor", self.where)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._start_generator(seed)

    def transforms(self, n, rows, cols):
        dy = self._uniform((n,), *self.height_range) * rows
        dx = self._uniform((n,), *self.width_range) * cols
        one, zero = np.ones(n), np.zeros(n)
        return np.stack([one, zero, -dx, zero, one, -dy], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=_factor_config(self.height_factor),
                      width_factor=_factor_config(self.width_factor))
        return config

    def extra_repr(self):
        return f"height_factor={self.height_factor}, width_factor={self.width_factor}"


class RandomZoom(_AffineLayer):
    """Training: each image scaled about its centre: the output at (r, c) samples the input
    at r' = zy * r + (rows - 1) / 2 * (1 - zy), c' likewise, zy = 1 + u, u uniform in
    height_factor's range (negative: zoom in, the image looks larger); zx from width_factor,
    or zx = zy when it is None (the aspect ratio kept); inference: y = x.

    Args (Keras 3's): height_factor, width_factor=None: f for [-f, f] or a pair (lower,
        upper), each in [-1, 1]. fill_mode="reflect", interpolation="bilinear", seed=None,
        fill_value=0.0, data_format=None.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 name=None, *, dtype=None):
        super().__init__(fill_mode, interpolation, seed, fill_value, name, dtype, data_format)
        self.height_range = _factor_pair(height_factor, "height_factor", self.where)
        self.width_range = None if width_factor is None else \
            _factor_pair(width_factor, "width_factor", self.where)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._start_generator(seed)

    def transforms(self, n, rows, cols):
        zy = 1 + self._uniform((n,), *self.height_range)
        zx = zy if self.width_range is None else 1 + self._uniform((n,), *self.width_range)
        zero = np.zeros(n)
        return np.stack([zx, zero, (cols - 1) / 2 * (1 - zx),
                         zero, zy, (rows - 1) / 2 * (1 - zy)], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=_factor_config(self.height_factor),
                      width_factor=_factor_config(self.width_factor))
        return config

    def extra_repr(self):
        return f"height_factor={self.height_factor}, width_factor={self.width_factor}"


def _value_range(value_range, where):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 or any(
            isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real)
            or not math.isfinite(v) for v in value_range) or value_range[0] >= value_range[1]:
        raise ValueError(f"{where}: value_range must be a pair (low, high) of finite numbers "
                         f"with low < high, got {value_range!r}")
    return float(value_range[0]), float(value_range[1])


class RandomContrast(_RandomLayer):
    """Training: y = clip((x - m) * f + m, low, high), m the mean of each image's channel
    over its rows and cols, f uniform in [1 - lower, 1 + upper], one per image; inference:
    y = x. dL/dx = f * g + (1 - f) * mean(g) where unclipped.

    Args (Keras 3's): factor: f for lower = upper = f, or a pair (lower, upper), each >= 0,
        lower <= 1. value_range=(0, 255): the pixels' range, to clip to. seed=None,
        data_format=None or "channels_first".
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, name=None,
                 *, dtype=None):
        super().__init__(seed, name, dtype, data_format)
        pair = tuple(factor) if isinstance(factor, (tuple, list)) else (factor, factor)
        if len(pair) != 2 or any(isinstance(v, (bool, np.bool_)) or not isinstance(
                v, numbers.Real) or not math.isfinite(v) or v < 0 for v in pair) \
                or pair[0] > 1:
            raise ValueError(f"{self.where}: factor must be a number in [0, 1] or a pair "
                             f"(lower, upper) with 0 <= lower <= 1 and upper >= 0, got "
                             f"{factor!r}")
        self.lower, self.upper = float(pair[0]), float(pair[1])
        self.value_range = _value_range(value_range, self.where)
        self.factor = factor
        self._start_generator(seed)

    def transform(self, x):
        f = self._uniform((x.shape[0], 1, 1, 1), 1 - self.lower, 1 + self.upper)
        m = ag.mean(x, axis=(1, 2), keepdims=True)
        y = ag.add(ag.multiply(ag.subtract(x, m), f.astype(x.dtype)), m)
        return ag.clip(y, *self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update(factor=_factor_config(self.factor), value_range=list(self.value_range))
        return config

    def extra_repr(self):
        return f"factor={self.factor}"


class RandomBrightness(_RandomLayer):
    """Training: y = clip(x + d * (high - low), low, high), d uniform in [lower, upper], one
    per image; inference: y = x. dL/dx = g where unclipped.

    Args (Keras 3's): factor: f for [-f, f] or a pair (lower, upper), each in [-1, 1].
        value_range=(0, 255), seed=None, data_format=None or "channels_first".
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, name=None,
                 *, dtype=None):
        super().__init__(seed, name, dtype, data_format)
        self.lower, self.upper = _factor_pair(factor, "factor", self.where)
        self.value_range = _value_range(value_range, self.where)
        self.factor = factor
        self._start_generator(seed)

    def transform(self, x):
        low, high = self.value_range
        d = self._uniform((x.shape[0], 1, 1, 1), self.lower, self.upper) * (high - low)
        return ag.clip(ag.add(x, d.astype(x.dtype)), low, high)

    def get_config(self):
        config = super().get_config()
        config.update(factor=_factor_config(self.factor), value_range=list(self.value_range))
        return config

    def extra_repr(self):
        return f"factor={self.factor}"
