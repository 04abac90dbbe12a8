"""The arguments of the window ops (strides, padding, dilations, pool sizes, data_format) as
Keras, TensorFlow and PyTorch spell them: checked, and resolved into a ``Window``.

Every error names the op, the argument and the shapes, before anything is computed.
"""

from __future__ import annotations

import numpy as np

from ._windows import Window, same_pads

_LAYOUTS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW")}
_SPATIAL = {1: "width", 2: "height, width"}


def channels_first(data_format, op, rank):
    """Keras's "channels_last"/"channels_first", or TensorFlow's "NHWC"/"NCHW" ("NWC"/"NCW")."""
    last, first = _LAYOUTS[rank]
    if data_format in ("channels_last", last):
        return False
    if data_format in ("channels_first", first):
        return True
    raise ValueError(f"{op}: data_format must be 'channels_last' ('{last}') or "
                     f"'channels_first' ('{first}'), got {data_format!r}")


def image_axes(rank, channels_first):
    spatial = _SPATIAL[rank]
    return f"(batch, channels, {spatial})" if channels_first else f"(batch, {spatial}, channels)"


def check_ndim(shape, name, op, ndim, axes):
    if len(shape) != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-D {axes}, got shape {tuple(shape)}")


def _is_int(a):
    return isinstance(a, (int, np.integer)) and not isinstance(a, bool)


def _spatial(items, rank, channels_first):
    """The spatial entries of TensorFlow's rank + 2 form, and its batch and channel ones."""
    if channels_first:
        return items[2:], (items[0], items[1])
    return items[1:-1], (items[0], items[-1])


def positive_ints(value, name, op, rank, channels_first):
    """strides, dilations, pool sizes: an int, ``rank`` ints, or TensorFlow's ``rank + 2``
    with 1 on the batch and channel axes. Returns ``rank`` ints."""
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    if len(items) == rank + 2 and all(_is_int(a) for a in items):
        items, outer = _spatial(items, rank, channels_first)
        if outer != (1, 1):
            raise ValueError(f"{op}: {name} {value!r} steps along the batch or channel axis; "
                             "only the spatial entries may differ from 1")
    if len(items) == 1:
        items = items * rank
    if len(items) != rank or not all(_is_int(a) and a >= 1 for a in items):
        raise ValueError(f"{op}: {name} must be a positive int or {rank} of them, got {value!r}")
    return tuple(int(a) for a in items)


def padding_arg(padding, op, rank, channels_first, explicit=True):
    """"valid" or "same" (in either case), or explicit pixel counts (``explicit``): an int,
    ``rank`` ints (both sides alike, as PyTorch), ``rank`` (before, after) pairs, or
    TensorFlow's ``rank + 2`` pairs with (0, 0) on the batch and channel axes."""
    if isinstance(padding, str):
        if padding.lower() in ("valid", "same"):
            return padding.lower()
    elif explicit:
        pairs = _explicit_pads(padding, rank, channels_first)
        if pairs is not None:
            return pairs
    forms = "'valid' or 'same'"
    if explicit:
        sides = "(top, bottom), (left, right)" if rank == 2 else "(left, right)"
        forms = f"'valid', 'same', an int, {rank} int{'s' * (rank > 1)} or pairs ({sides})"
    raise ValueError(f"{op}: padding must be {forms}, got {padding!r}")


def _explicit_pads(padding, rank, channels_first):
    """Explicit padding as ``rank`` non-negative (before, after) pairs, or None if malformed."""
    if _is_int(padding):
        pairs = [(padding, padding)] * rank
    elif not isinstance(padding, (tuple, list)):
        return None
    elif all(_is_int(p) for p in padding):
        if len(padding) == rank:
            pairs = [(p, p) for p in padding]
        elif rank == 1 and len(padding) == 2:  # conv1d's (left, right)
            pairs = [tuple(padding)]
        else:
            return None
    elif all(isinstance(p, (tuple, list)) and len(p) == 2 and all(_is_int(b) for b in p)
             for p in padding):
        pairs = [tuple(p) for p in padding]
        if len(pairs) == rank + 2:
            pairs, outer = _spatial(pairs, rank, channels_first)
            if outer != ((0, 0), (0, 0)):
                return None
        if len(pairs) != rank:
            return None
    else:
        return None
    if any(b < 0 for pair in pairs for b in pair):
        return None
    return tuple((int(a), int(b)) for a, b in pairs)


def window(op, x_shape, spatial, size, strides, padding, dilations, channels_first, what):
    """The ``Window`` of an op on an image whose spatial size is ``spatial``, with "same"
    resolved as TensorFlow does; a window larger than the padded image raises.

    Args:
        what: the window's owner for errors ("the kernel (shape (3, 3, 1, 8))").
    """
    rank = len(spatial)
    span = tuple((k - 1) * d + 1 for k, d in zip(size, dilations))
    if padding == "valid":
        pads = ((0, 0),) * rank
    elif padding == "same":
        pads = tuple(same_pads(n, s, stride) for n, s, stride in zip(spatial, span, strides))
    else:
        pads = padding
    extent = tuple(n + before + after for n, (before, after) in zip(spatial, pads))
    if any(e < s for e, s in zip(extent, span)):
        def text(sizes):
            return "x".join(map(str, sizes))
        raise ValueError(f"{op}: {what} spans {text(span)} pixels, more than the padded input's "
                         f"{text(extent)} (x shape {tuple(x_shape)}, padding {padding!r})")
    if rank == 1:  # a 1-D op is a 2-D op on images of height 1
        size, strides, dilations, pads = ((1, *size), (1, *strides), (1, *dilations),
                                          ((0, 0), *pads))
    return Window(tuple(size), tuple(strides), tuple(dilations), tuple(pads), channels_first)
