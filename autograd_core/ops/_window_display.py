"""What the steppers show of a window op (conv2d, max_pool2d, ...): its parameters in
words, the pixels and windows that make one element of its gradients, and a tiny
example's gradient as grids of numbers.

A window (r, c) of a convolution reads the pixel (r*s + u*d - p, c*s + v*d - p) of x at
kernel offset (u, v). Read the other way, pixel (i, j) of x is read by every window whose
offsets land on it: ``taps`` lists the first, ``covering`` the second. They give the terms
of one element of a gradient (``worked.Terms``), indexed in the op's own layout
(``pixel``, ``tap``). Nothing here computes a gradient the engine uses.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..worked import Grids
from ._windows import same_pads

# A gradient is shown as grids of numbers when every grid has at most this many rows and
# columns (a tiny example: the grids then fit side by side on a line).
GRID = 8


# --- the parameters in words ----------------------------------------------------------


def image_hw(window, shape):
    """The (height, width) of an image of ``shape`` in the window's layout."""
    return tuple(shape[2:4]) if window.channels_first else tuple(shape[1:3])


def channels(window, shape):
    return shape[1] if window.channels_first else shape[3]


def _pair_text(values):
    """1 for (1, 1), (2, 1) otherwise."""
    return str(values[0]) if values[0] == values[1] else str(tuple(values))


def sides_text(pads):
    """Pixel counts on the four sides: "1 on each side", or "top 0, bottom 1, left 0,
    right 1"."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right:
        return f"{top} on each side"
    return f"top {top}, bottom {bottom}, left {left}, right {right}"


def padding_text(window, in_hw):
    """ "padding valid", "padding same (1 on each side)", "padding 1 on each side": "same"
    when the pads are those TensorFlow's "same" gives this input."""
    pads = window.pads
    if not any(np.ravel(pads)):
        return "padding valid"
    same = tuple(same_pads(n, span, s) for n, span, s
                 in zip(in_hw, window.span(), window.strides))
    if pads == same:
        return f"padding same ({sides_text(pads)})"
    return f"padding {sides_text(pads)}"


def params_text(window, in_hw, dilation=True):
    """ "strides 1, padding valid, dilation 1, channels_last": how the windows sit."""
    parts = [f"strides {_pair_text(window.strides)}", padding_text(window, in_hw)]
    if dilation:
        parts.append(f"dilation {_pair_text(window.dilations)}")
    parts.append("channels_first" if window.channels_first else "channels_last")
    return ", ".join(parts)


def size_text(window):
    return "x".join(str(n) for n in window.size)


def _zeros(n):
    return f"{n} zero" + ("s" if n != 1 else "")


def border_text(border):
    """ "a border of 1 zero", "a border of zeros (bottom 1, left 1)", with "and 1 column
    cut off on the right" for a negative side; "" when there is none."""
    (top, bottom), (left, right) = border
    if top == bottom == left == right:
        return f"a border of {_zeros(top)}" if top > 0 else ""
    sides = (("top", top, "row"), ("bottom", bottom, "row"), ("left", left, "column"),
             ("right", right, "column"))
    added = ", ".join(f"{side} {n}" for side, n, _ in sides if n > 0)
    cut = " and ".join(f"{-n} {unit}{'s' if n < -1 else ''} cut off "
                       f"{'at the' if side in ('top', 'bottom') else 'on the'} {side}"
                       for side, n, unit in sides if n < 0)
    return " and ".join(part for part in (added and f"a border of zeros ({added})", cut)
                        if part)


def unread(window, in_hw, out_hw):
    """The rows and the columns of the padded x past the last window (a stride that does
    not fit): no window reads them, so their gradient is 0."""
    return tuple(n + before + after - ((out - 1) * s + span) for n, out, (before, after), span, s
                 in zip(in_hw, out_hw, window.pads, window.span(), window.strides))


def spread_border(window, in_hw, out_hw):
    """Where the pixels of g sit in the "full" correlation that gives dL/dx: s apart,
    inside a border of span - 1 zeros, less the padding, plus the unread rows and columns
    (``unread``). Returns ((top, bottom), (left, right)); a negative side cuts g."""
    return tuple((span - 1 - before, span - 1 - after + extra) for (before, after), span, extra
                 in zip(window.pads, window.span(), unread(window, in_hw, out_hw)))


def read_border(window, in_hw, out_hw):
    """The border that makes x the pixels the windows read: the padding, less the unread
    rows and columns at the bottom and right (``unread``; a negative side cuts x)."""
    return tuple((before, after - extra) for (before, after), extra
                 in zip(window.pads, unread(window, in_hw, out_hw)))


def _spaced(what, values):
    return f"{what} {_pair_text(values)} apart"


def correlation_text(a, b, border=((0, 0), (0, 0)), a_apart=(1, 1), b_apart=(1, 1),
                     b_unit="taps", step=(1, 1), flip=False, swapped=False, batch=False):
    """A correlation of the image ``a`` with ``b`` in words, with the numbers that place
    them: "g ⋆ flip(k), a "full" correlation (a transposed convolution): g with a border of
    1 zero, correlated with k flipped in both spatial axes".

    Args:
        border: zeros around ``a`` (``spread_border``, or the padding).
        a_apart, b_apart: how far apart the pixels of ``a`` and the ``b_unit`` ("taps",
            "pixels") of ``b`` are spread, zeros between.
        step: how many pixels ``b`` moves from one output to the next.
        flip: ``b`` flipped in both spatial axes ("full": every overlap counted).
        swapped: ``b``'s in and out channels swapped; batch: summed over the batch.
    """
    head = f'{a} ⋆ flip({b}), a "full" correlation (a transposed convolution)' if flip \
        else f"{a} ⋆ {b}"
    made = [_spaced("its pixels", a_apart)] if max(a_apart) > 1 else []
    if any(np.ravel(border)):
        made.append(border_text(border))
    text = f"{head}: {a} with {' and '.join(made)}, correlated with " if made else \
        f"{head}: {a} correlated with "
    text += f"{b} flipped in both spatial axes" if flip else b
    if max(b_apart) > 1:
        text += f", {_spaced('its ' + b_unit, b_apart)}"
    if swapped:
        text += ", its in and out channels swapped"
    if max(step) > 1:
        text += f", stepping {_pair_text(step)} pixels"
    return text + (", summed over the batch" if batch else "")


def conv_texts(window, x_shape, y_shape, image="x", kernel="k", out="g"):
    """The derivatives of ``image`` ⋆ ``kernel`` (conv2d's windows, x of ``x_shape`` and
    the output of ``y_shape``) in words, as (dL/dimage, dL/dkernel): "g ⋆ flip(k), a
    "full" correlation (a transposed convolution): ...", "x ⋆ g: ..."."""
    in_hw, out_hw = image_hw(window, x_shape), image_hw(window, y_shape)
    swapped = channels(window, x_shape) > 1 or channels(window, y_shape) > 1
    return (correlation_text(out, kernel, spread_border(window, in_hw, out_hw),
                             a_apart=window.strides, b_apart=window.dilations, flip=True,
                             swapped=swapped),
            correlation_text(image, out, read_border(window, in_hw, out_hw),
                             b_apart=window.strides, b_unit="pixels", step=window.dilations,
                             batch=True))


def window_text(window, x_shape, what="kernel", dilation=True):
    """ "2x2 kernel, strides 1, padding valid, dilation 1, channels_last"."""
    return (f"{size_text(window)} {what}, "
            f"{params_text(window, image_hw(window, x_shape), dilation)}")


# --- indices in the op's layout, and the terms of one element -------------------------


def pixel(window, n, i, j, c):
    """The index of pixel (i, j), channel c, of image n."""
    return (n, c, i, j) if window.channels_first else (n, i, j, c)


def unpixel(window, at):
    """(n, i, j, c) of an image's element ``at``."""
    if window.channels_first:
        n, c, i, j = at
        return n, i, j, c
    return tuple(at)


def tap(window, u, v, i, o):
    """The index of the kernel weight at offset (u, v) from in_channel i to out_channel o:
    (kh, kw, in, out), or PyTorch's (out, in, kh, kw) with channels_first."""
    return (o, i, u, v) if window.channels_first else (u, v, i, o)


def untap(window, at):
    """(u, v, i, o) of a kernel's element ``at``."""
    if window.channels_first:
        o, i, u, v = at
        return u, v, i, o
    return tuple(at)


def taps(window, in_hw, r, c):
    """The offsets (u, v) of window (r, c) and the pixel (i, j) each reads, in row-major
    order; offsets that read the padding are left out (it is 0, or -inf in a max)."""
    (kh, kw), (sh, sw), (dh, dw) = window.size, window.strides, window.dilations
    (top, _), (left, _) = window.pads
    for u in range(kh):
        i = r * sh + u * dh - top
        for v in range(kw):
            j = c * sw + v * dw - left
            if 0 <= i < in_hw[0] and 0 <= j < in_hw[1]:
                yield u, v, i, j


def covering(window, out_hw, i, j):
    """The windows (r, c) that read pixel (i, j), and the offset (u, v) each reads it at,
    windows in row-major order (so the offsets run backwards: the kernel flipped)."""
    for r in range(out_hw[0]):
        u = _offset(i + window.pads[0][0] - r * window.strides[0], window.dilations[0],
                    window.size[0])
        if u is None:
            continue
        for c in range(out_hw[1]):
            v = _offset(j + window.pads[1][0] - c * window.strides[1], window.dilations[1],
                        window.size[1])
            if v is not None:
                yield r, c, u, v


def _offset(distance, dilation, size):
    """The kernel offset u with u * dilation == distance, None when there is none."""
    if distance < 0 or distance % dilation or distance // dilation >= size:
        return None
    return distance // dilation


# ``group``, for grouped channels: (in, out) channels per group. Kernel in_channel i of
# out_channel o then reads x's channel (o // out) * in + i, and x's channel ch meets only
# its own group's out_channels, at kernel in_channel ch % in.


def covering_terms(window, out_hw, at, out_channels, image, kernel, group=None):
    """The terms of dL/dx[at] for x read by the windows: over the windows covering the
    pixel and the out_channels o, ``image``[n, r, c, o] * ``kernel``[u, v, channel, o]."""
    n, i, j, ch = unpixel(window, at)
    outs, k_in = range(out_channels), ch
    if group is not None:
        first = ch // group[0] * group[1]
        outs, k_in = range(first, first + group[1]), ch % group[0]
    return tuple({image: pixel(window, n, r, c, o), kernel: tap(window, u, v, k_in, o)}
                 for r, c, u, v in covering(window, out_hw, i, j) for o in outs)


def tap_terms(window, in_hw, at, in_channels, image, kernel, group=None):
    """The terms of a window's sum at output ``at``: over its taps and the in_channels i,
    ``image``[n, pixel, i] * ``kernel``[u, v, i, o]."""
    n, r, c, o = unpixel(window, at)
    channels_read = [(i, i) for i in range(in_channels)] if group is None else \
        [(o // group[1] * group[0] + i, i) for i in range(group[0])]  # (x's, the kernel's)
    return tuple({image: pixel(window, n, i2, j2, ch), kernel: tap(window, u, v, i, o)}
                 for u, v, i2, j2 in taps(window, in_hw, r, c) for ch, i in channels_read)


def kernel_terms(window, in_hw, out_hw, batch, at, image, out, group=None):
    """The terms of dL/dk[at]: over the batch and the windows, the pixel the weight read
    times the output's gradient there, ``image``[n, pixel, i] * ``out``[n, r, c, o]
    (windows where the weight read the padding left out)."""
    u, v, k_in, o = untap(window, at)
    i = k_in if group is None else o // group[1] * group[0] + k_in  # x's channel
    (sh, sw), (dh, dw) = window.strides, window.dilations
    (top, _), (left, _) = window.pads
    rows = [(r, r * sh + u * dh - top) for r in range(out_hw[0])]
    cols = [(c, c * sw + v * dw - left) for c in range(out_hw[1])]
    return tuple({image: pixel(window, n, a, b, i), out: pixel(window, n, r, c, o)}
                 for n in range(batch) for r, a in rows if 0 <= a < in_hw[0]
                 for c, b in cols if 0 <= b < in_hw[1])


def channel_terms(shape, axis, c, name="g"):
    """The terms of a bias's gradient dL/db[c]: ``name`` at every element of channel c."""
    ranges = [(c,) if a == axis else range(n) for a, n in enumerate(shape)]
    return tuple({name: idx} for idx in itertools.product(*ranges))


def window_counts(window, in_hw, out_hw):
    """How many pixels of x each window holds, (OH, OW): fewer at a padded edge."""
    return np.array([[sum(1 for _ in taps(window, in_hw, r, c)) for c in range(out_hw[1])]
                     for r in range(out_hw[0])])


# --- a tiny example as grids of numbers ----------------------------------------------


def plane(window, a, n=0, c=0):
    """Channel c of image n of an image array, as a 2-D grid."""
    return a[n, c] if window.channels_first else a[n, :, :, c]


def kernel_plane(window, k):
    """The (kh, kw) weights of a kernel with one in and one out channel."""
    return k[0, 0] if window.channels_first else k[:, :, 0, 0]


def small(*grids):
    return all(max(np.shape(a)) <= GRID for a in grids)


def where_text(window, shape, what="image 0"):
    """ "image 0, channel 0" for the grids of a larger batch: what the grids show."""
    parts = []
    if shape[0] > 1:
        parts.append(what)
    if channels(window, shape) > 1:
        parts.append("channel 0")
    return ", ".join(parts)


def spread_out(window, g2):
    """A 2-D grid of g with its pixels s apart, zeros between."""
    (sh, sw), (oh, ow) = window.strides, g2.shape
    out = np.zeros(((oh - 1) * sh + 1, (ow - 1) * sw + 1), g2.dtype)
    out[::sh, ::sw] = g2
    return out


def dilated(window, k2):
    """A (kh, kw) kernel with its taps d apart, zeros between."""
    (dh, dw), (kh, kw) = window.dilations, k2.shape
    out = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1), k2.dtype)
    out[::dh, ::dw] = k2
    return out


def conv_dx_grids(window, grad, g, k, in_hw, out_hw):
    """dL/dx = g ⋆ flip(k), "full", for one in and one out channel: g spread and
    bordered, k flipped, and the gradient sent (image 0); None for a larger example."""
    if channels(window, g.shape) != 1 or channels(window, grad.shape) != 1:
        return None
    border = spread_border(window, in_hw, out_hw)
    bordered = with_border(spread_out(window, plane(window, g)), border)
    flipped = np.flip(dilated(window, kernel_plane(window, k)))
    if not small(bordered, flipped):
        return None
    title = "g" + (f", {_spaced('pixels', window.strides)}" if max(window.strides) > 1
                   else "") + _border_title(border)
    kernel = "flip(k)" + (f", {_spaced('taps', window.dilations)}"
                          if max(window.dilations) > 1 else "")
    return Grids("slide flip(k) over g: each pixel of the result is flip(k) times the pixels "
                 "of g under it, summed", (title, kernel), (bordered, flipped, plane(window, grad)),
                 ("⋆", "="), where_text(window, g.shape))


def conv_dk_grids(window, grad, x, g, in_hw, out_hw):
    """dL/dk = x ⋆ g, for one image, one in and one out channel: x with its padding (less
    what no window reads), g spread s apart, and the gradient sent; None for a larger
    example."""
    if x.shape[0] != 1 or channels(window, x.shape) != 1 or channels(window, g.shape) != 1:
        return None
    border = read_border(window, in_hw, out_hw)
    x_read = with_border(plane(window, x), border)
    spread = spread_out(window, plane(window, g))
    if not small(x_read, spread):
        return None
    kernel = "g" + (f", {_spaced('pixels', window.strides)}" if max(window.strides) > 1 else "")
    step = (f" (every {_pair_text(window.dilations)} pixels)"
            if max(window.dilations) > 1 else "")
    return Grids(f"slide g over x{step}: each weight of the result is g times the pixels of "
                 "x under it, summed", ("x" + _border_title(border), kernel),
                 (x_read, spread, kernel_plane(window, grad)), ("⋆", "="))


def with_border(a2, border):
    """A 2-D grid in a border of zeros ((top, bottom), (left, right)); a negative side
    cuts rows or columns off instead."""
    a2 = np.pad(a2, tuple((max(b, 0), max(e, 0)) for b, e in border))
    rows, cols = (slice(-min(b, 0), a2.shape[k] + min(e, 0))
                  for k, (b, e) in enumerate(border))
    return a2[rows, cols]


def _border_title(border):
    """A grid's title after its name: ", a border of 1 zero", ", a border of zeros",
    ", cropped", or "" (the derivative's words give the sides)."""
    (top, bottom), (left, right) = border
    if top == bottom == left == right:
        return ", " + border_text(border) if top > 0 else ", cropped" if top else ""
    sides = np.ravel(border)
    return (", a border of zeros" if max(sides) > 0 else "") + \
        (", cropped" if min(sides) < 0 else "")


def max_pool_dx_grids(window, grad, x, g):
    """dL/dx of max pooling: x, g, and the gradient sent (image 0, channel 0)."""
    grids = plane(window, x), plane(window, g), plane(window, grad)
    if not small(*grids):
        return None
    return Grids("each g goes to the position of its window's maximum in x", ("x", "g"),
                 grids, ("", "→"), where_text(window, x.shape))


def avg_pool_dx_grids(window, grad, g, share):
    """dL/dx of average pooling: g and the gradient sent (image 0, channel 0); ``share``
    is how g is divided ("g / 4")."""
    grids = plane(window, g), plane(window, grad)
    if not small(*grids):
        return None
    return Grids(f"{share} copied to each position of its window", ("g",), grids, ("→",),
                 where_text(window, g.shape))
