"""PyTorch's spatial sampling: ``affine_grid`` (where each output pixel reads from) and
``grid_sample`` (read an image there), the two halves of a spatial transformer network.

A grid holds, for every output pixel, a point (x, y) of the input in normalized coordinates:
-1 and +1 are the edges of the image (``align_corners=False``) or the centres of its corner
pixels (``align_corners=True``). ``grid_sample`` turns each point into pixel coordinates
(ix, iy), moves them inside the image as ``padding_mode`` says, and reads the input there:

    bilinear:  out = sum over the 4 neighbours (i, j) of x[.., j, i] * (1 - |ix - i|)(1 - |iy - j|)
    nearest:   out = x[.., round(iy), round(ix)]           (round half to even, as PyTorch)

Every number that only chooses (which neighbours, inside or not, which side of a
reflection) is a numpy constant; everything that varies smoothly with the grid is a Value
built from ``ag`` ops. So the gradient reaches the input through ``take`` (a scatter-add)
and the grid, hence ``theta``, through the bilinear weights; nearest has no gradient to
the grid, as in PyTorch.

>>> import numpy as np
>>> x = np.arange(4.).reshape(1, 1, 2, 2)
>>> grid = affine_grid(np.array([[[1., 0, 0], [0, 1, 0]]]), (1, 1, 2, 2))
>>> grid_sample(x, grid).numpy()
array([[[[0., 1.],
         [2., 3.]]]])
>>> grid_sample(x, np.zeros((1, 1, 1, 2))).numpy()  # the centre: the mean of the 4 pixels
array([[[[1.5]]]])
"""

import numbers

import numpy as np

import autograd_core as ag

__all__ = ["affine_grid", "grid_sample"]

MODES = ("bilinear", "nearest")
PADDING_MODES = ("zeros", "border", "reflection")


def _float_value(x, where, name):
    """x as a floating Value (numpy data and lists become constants, as ``ag.constant``)."""
    if not isinstance(x, ag.Value):
        x = ag.constant(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: expected a floating {name}, got dtype {x.dtype}")
    return x


def _align(align_corners, where):
    if align_corners is None:  # PyTorch's default, which it warns is False
        return False
    if not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"{where}: align_corners must be True, False or None, got "
                        f"{align_corners!r}")
    return bool(align_corners)


# --- affine_grid ---------------------------------------------------------------------------


def _base_coordinates(steps, align_corners, dtype):
    """torch.linspace(-1, 1, steps) (times (steps - 1) / steps without align_corners),
    computed in ``dtype`` as PyTorch's scalar loop does (from both ends towards the middle),
    so that the grid's points land on the same side of a pixel as PyTorch's (its vectorized
    loop can differ in the last bit)."""
    if steps <= 1:
        return np.zeros(steps, dtype)
    step = dtype.type(2) / dtype.type(steps - 1)
    i = np.arange(steps)
    low, high = dtype.type(-1) + step * i.astype(dtype), dtype.type(1) - step * (
        steps - 1 - i).astype(dtype)
    line = np.where(i < steps // 2, low, high).astype(dtype)
    if not align_corners:
        line = (line * dtype.type(steps - 1)) / dtype.type(steps)
    return line


def affine_grid(theta, size, align_corners=False):
    """grid[n, h, w] = theta[n] @ (x_w, y_h, 1): PyTorch's ``F.affine_grid`` for images,
    where (x_w, y_h) runs over the output's pixels in normalized coordinates.

    Args:
        theta: (N, 2, 3) affine matrices (a Value for gradients), mapping output points to
            input points.
        size: the output's size (N, C, H, W), e.g. ``x.size()``.
        align_corners: False (PyTorch's default): -1 and 1 are the image's outer edges;
            True: the centres of its corner pixels. Use the same value in ``grid_sample``.

    Returns:
        (N, H, W, 2) Value of (x, y) points, for ``grid_sample``.
    """
    where = "affine_grid"
    size = tuple(size)
    if len(size) != 4 or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                                 and s > 0 for s in size):
        raise ValueError(f"{where}: size must be 4 positive integers (N, C, H, W) (5-D "
                         f"volumes are not supported), got {size}")
    theta = _float_value(theta, where, "theta")
    n, _, h, w = size
    if theta.shape != (n, 2, 3):
        raise ValueError(f"{where}: expected a batch of 2D affine matrices theta of shape "
                         f"(N, 2, 3) = {(n, 2, 3)} for size {size}, got theta of shape "
                         f"{theta.shape}")
    align = _align(align_corners, where)
    dtype = np.dtype(theta.dtype)
    xs, ys = _base_coordinates(w, align, dtype), _base_coordinates(h, align, dtype)
    base = np.stack([np.broadcast_to(xs, (h, w)), np.broadcast_to(ys[:, None], (h, w)),
                     np.ones((h, w), dtype)], axis=-1).reshape(1, h * w, 3)
    grid = ag.matmul(base, ag.transpose(theta, (0, 2, 1)))  # (N, H*W, 2)
    return ag.reshape(grid, (n, h, w, 2))


# --- grid_sample ---------------------------------------------------------------------------


def _unnormalize(coord, size, align_corners):
    """Pixel coordinate of a normalized one, in PyTorch's CPU kernel's order of operations:
    (c + 1) * (size - 1) / 2 with align_corners, else (c + 1) * size / 2 - 1/2."""
    dtype = np.dtype(coord.dtype).type
    if align_corners:
        return (coord + dtype(1)) * dtype((size - 1) / 2)
    return (coord + dtype(1)) * dtype(size / 2) - dtype(0.5)


def _clip(coord, size):
    """clip(coord, 0, size - 1), with PyTorch's gradient: 1 strictly inside, 0 on and
    beyond the borders."""
    c = coord.numpy()
    inside = (c > 0) & (c < size - 1)
    return ag.where(inside, coord, np.clip(c, 0, size - 1).astype(c.dtype))


def _reflect(coord, low, high):
    """coord folded into [low, high] by reflecting off both ends (PyTorch's
    ``reflect_coordinates`` with twice_low = 2 low, twice_high = 2 high). Piecewise linear:
    slope +-1 from the number of flips, the fold's offset a numpy constant."""
    c = coord.numpy()
    dtype = c.dtype.type
    if low == high:
        return coord * dtype(0)
    span = high - low
    sign = np.where(c < low, -1, 1)
    distance = np.abs(c - low)  # |coord - low| = sign * (coord - low)
    flips = np.floor(distance / span)
    even = flips % 2 == 0
    # extra = distance - flips * span;  even: low + extra;  odd: low + span - extra
    slope = (sign * np.where(even, 1, -1)).astype(c.dtype)
    offset = (low + np.where(even, -flips * span, (flips + 1) * span)).astype(c.dtype)
    return (coord - dtype(low)) * slope + offset


def _source_coordinate(coord, size, padding_mode, align_corners):
    """The pixel coordinate each normalized grid coordinate reads, after padding_mode."""
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        coord = _clip(coord, size)
    elif padding_mode == "reflection":
        low, high = (0, size - 1) if align_corners else (-0.5, size - 0.5)
        coord = _clip(_reflect(coord, low, high), size)
    return coord


def _read(pixels, iy, ix, weight, height, width):
    """weight * x[n, :, iy, ix] for every output point, 0 where (iy, ix) is outside the
    image. pixels: (N*H*W, C) Value; iy, ix: (N, Ho, Wo) integer arrays; weight: (N, Ho, Wo)
    array or Value. Returns (N*Ho*Wo, C)."""
    n = ix.shape[0]
    inside = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
    rows = (np.arange(n)[:, None, None] * height * width
            + np.clip(iy, 0, height - 1) * width + np.clip(ix, 0, width - 1))
    read = ag.take(pixels, rows.ravel(), axis=0)
    weight = ag.where(inside, weight, np.zeros((), pixels.dtype))
    return read * ag.reshape(weight, (-1, 1))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros",  # noqa: A002 (torch's)
                align_corners=False):
    """out[n, c, h, w] = input[n, c] read at grid[n, h, w] = (x, y): PyTorch's
    ``F.grid_sample`` for images, bilinear (the 4 neighbours weighted by their distances)
    or nearest.

    Args:
        input: (N, C, H, W) images.
        grid: (N, H_out, W_out, 2) points (x, y), normalized so that [-1, 1] spans the
            image (see ``align_corners``); points outside it are read as ``padding_mode``.
        mode: "bilinear" (default) or "nearest" (no gradient to the grid, as PyTorch).
        padding_mode: "zeros" (default): outside pixels read 0; "border": the nearest
            border pixel; "reflection": the point reflected off the borders.
        align_corners: False (PyTorch's default): -1 and 1 are the outer edges of the corner
            pixels; True: their centres. None is False.

    Returns:
        (N, C, H_out, W_out) Value; gradients reach ``input`` and (bilinear) ``grid``.
    """
    where = "grid_sample"
    if mode not in MODES:
        raise ValueError(f"{where}: mode must be one of {MODES} ('bicubic' is not "
                         f"supported), got {mode!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{where}: padding_mode must be one of {PADDING_MODES}, got "
                         f"{padding_mode!r}")
    align = _align(align_corners, where)
    input, grid = _float_value(input, where, "input"), _float_value(grid, where, "grid")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2:
        raise ValueError(f"{where}: expected input (N, C, H, W) and grid (N, H_out, W_out, 2)"
                         f" (5-D volumes are not supported), got input of shape "
                         f"{input.shape} and grid of shape {grid.shape}")
    if grid.shape[0] != input.shape[0]:
        raise ValueError(f"{where}: grid and input must have the same batch size N, got "
                         f"input of shape {input.shape} and grid of shape {grid.shape}")
    if min(input.shape[2:]) < 1:
        raise ValueError(f"{where}: expected input with non-empty spatial dimensions, got "
                         f"input of shape {input.shape}")
    if input.dtype != grid.dtype:
        raise TypeError(f"{where}: expected input and grid of the same dtype, got "
                        f"{input.dtype} and {grid.dtype}")
    n, channels, height, width = input.shape
    _, h_out, w_out, _ = grid.shape
    ix = _source_coordinate(grid[..., 0], width, padding_mode, align)
    iy = _source_coordinate(grid[..., 1], height, padding_mode, align)
    pixels = ag.reshape(ag.transpose(input, (0, 2, 3, 1)), (n * height * width, channels))
    if mode == "nearest":
        ones = np.ones(ix.shape, input.dtype)
        out = _read(pixels, np.rint(iy.numpy()).astype(np.int64),
                    np.rint(ix.numpy()).astype(np.int64), ones, height, width)
    else:
        x0, y0 = np.floor(ix.numpy()), np.floor(iy.numpy())
        tx, ty = ix - x0, iy - y0  # Values: d/dgrid flows through these weights
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        out = (_read(pixels, y0, x0, (1 - tx) * (1 - ty), height, width)
               + _read(pixels, y0, x0 + 1, tx * (1 - ty), height, width)
               + _read(pixels, y0 + 1, x0, (1 - tx) * ty, height, width)
               + _read(pixels, y0 + 1, x0 + 1, tx * ty, height, width))
    return ag.transpose(ag.reshape(out, (n, h_out, w_out, channels)), (0, 3, 1, 2))
