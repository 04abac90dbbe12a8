"""Gradient clipping, TensorFlow's functions: shrink gradients that are too large.

A gradient that explodes (a deep or recurrent net, a bad batch) would throw the parameters
far away in one step. Clipping by norm keeps the direction and shortens the step:

    clip_by_norm:         t <- t * clip_norm / max(||t||, clip_norm)
    clip_by_global_norm:  t_i <- t_i * clip_norm / max(||(t_1, ..., t_n)||, clip_norm)
    clip_by_value:        t <- min(max(t, lo), hi)  (elementwise; changes the direction)

Each function takes numpy arrays or Values and returns the same kind: numpy arrays for
numpy input, constant Values for Values (these are for gradients, so nothing is recorded).
The optimizers' ``clipnorm``, ``global_clipnorm`` and ``clipvalue`` options call these
functions, with ``out=`` buffers of their own so that a clipped step allocates nothing.
"""

from __future__ import annotations

import math

import numpy as np

import autograd_core as ag


def _array(t, where):
    if isinstance(t, ag.Value):
        return t.data
    try:
        arr = np.asarray(t)
    except ValueError as e:
        raise TypeError(f"{where}: expected a numpy array or a Value: {e}") from None
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{where}: expected numbers, got an array of dtype {arr.dtype} "
                        f"(shape {arr.shape})")
    return arr


def _like(result, t):
    """Return ``result`` as the kind of thing ``t`` was (a constant Value or an array)."""
    return ag.constant(result) if isinstance(t, ag.Value) else np.asarray(result)


def _clip_scale(norm, clip_norm):
    """clip_norm / max(norm, clip_norm): 1 when the norm is within bounds.

    A non-finite norm gives NaN, which makes every clipped entry NaN, as in TensorFlow: an
    overflow shows up at once instead of being clipped into a plausible-looking step.
    """
    if not math.isfinite(norm):
        return float("nan")
    return float(clip_norm / max(norm, clip_norm))


def _check_clip_norm(clip_norm, where):
    if not (isinstance(clip_norm, (int, float, np.integer, np.floating)) and clip_norm > 0):
        raise ValueError(f"{where}: clip_norm must be a positive number, got {clip_norm!r}")


def clip_by_value(t, clip_value_min, clip_value_max, out=None):
    """Clip every element of ``t`` to ``[clip_value_min, clip_value_max]`` (``tf.clip_by_value``).

    Args:
        t: a numpy array or Value, any shape.
        clip_value_min, clip_value_max: numbers (or arrays broadcastable to ``t``).
        out: an array of ``t``'s shape to write the result into, as numpy's ``out=``.
    Returns:
        An array (a constant Value if ``t`` is a Value) of ``t``'s shape.

    >>> clip_by_value(np.array([-3.0, 0.5, 2.0]), -1.0, 1.0)
    array([-1. ,  0.5,  1. ])
    """
    arr = _array(t, "clip_by_value")
    if np.any(np.asarray(clip_value_min) > np.asarray(clip_value_max)):
        raise ValueError(f"clip_by_value: clip_value_min {clip_value_min} is greater than "
                         f"clip_value_max {clip_value_max}")
    return _like(np.clip(arr, clip_value_min, clip_value_max, out=out), t)


def clip_by_norm(t, clip_norm, axes=None, out=None):
    """Rescale ``t`` so its L2 norm is at most ``clip_norm`` (``tf.clip_by_norm``).

    ``t * clip_norm / max(||t||, clip_norm)``: unchanged when the norm is within bounds,
    otherwise shortened to norm ``clip_norm`` with the same direction.

    Args:
        t: a numpy array or Value, any shape.
        clip_norm: a positive number.
        axes: the axes the norm is taken over (default: all), as in TensorFlow.
        out: an array of ``t``'s shape to write the result into, as numpy's ``out=``.
    Returns:
        An array (a constant Value if ``t`` is a Value) of ``t``'s shape.

    >>> clip_by_norm(np.array([3.0, 4.0]), 1.0)   # norm 5 -> 1
    array([0.6, 0.8])
    """
    _check_clip_norm(clip_norm, "clip_by_norm")
    arr = _array(t, "clip_by_norm")
    if axes is None:
        # A Python float scale keeps float32 arrays float32.
        clipped = np.multiply(arr, _clip_scale(global_norm([arr]), clip_norm), out=out)
    else:
        norm = np.sqrt(np.sum(np.square(arr), axis=axes, keepdims=True))
        clipped = np.multiply(arr, clip_norm / np.maximum(norm, clip_norm), out=out)
    return _like(clipped, t)


def global_norm(t_list) -> float:
    """sqrt(sum of the squares of every element of every array); None entries are ignored.

    Args:
        t_list: a list of numpy arrays, Values or None.
    Returns:
        The global L2 norm, a Python float (``tf.linalg.global_norm``).
    """
    total = 0.0
    for t in t_list:
        if t is None:
            continue
        arr = _array(t, "global_norm")
        # vdot flattens a contiguous array without copying and sums in one BLAS call.
        total += float(np.vdot(arr, arr))
    return math.sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, out=None):
    """Rescale a list of arrays together so their global norm is at most ``clip_norm``.

    ``t_i * clip_norm / max(global_norm, clip_norm)`` for every ``t_i``: the direction of the
    whole gradient is kept (``tf.clip_by_global_norm``). If the global norm is infinite or
    NaN, every entry becomes NaN, as in TensorFlow.

    Args:
        t_list: a list of numpy arrays, Values or None (None stays None).
        clip_norm: a positive number.
        use_norm: the global norm to use, if already computed.
        out: a list of arrays, one per entry of ``t_list``, to write the results into.
    Returns:
        ``(clipped_list, global_norm)``: the arrays (constant Values where Values were
        given) in the order given, and the global norm before clipping, a Python float.

    >>> clipped, norm = clip_by_global_norm([np.array([3.0]), np.array([4.0])], 1.0)
    >>> clipped, norm
    ([array([0.6]), array([0.8])], 5.0)
    """
    _check_clip_norm(clip_norm, "clip_by_global_norm")
    if isinstance(t_list, (np.ndarray, ag.Value)):
        raise TypeError("clip_by_global_norm: t_list must be a list of arrays or Values, got "
                        f"a single {type(t_list).__name__} of shape {t_list.shape}; use "
                        "clip_by_norm for one array")
    t_list = list(t_list)
    norm = global_norm(t_list) if use_norm is None else float(use_norm)
    scale = _clip_scale(norm, clip_norm)
    if out is None:
        out = [None] * len(t_list)
    elif len(out) != len(t_list):
        raise ValueError(f"clip_by_global_norm: {len(t_list)} arrays but {len(out)} out "
                         "arrays")
    clipped = []
    for t, o in zip(t_list, out):
        if t is None:
            clipped.append(None)
            continue
        # A Python float scale keeps float32 arrays float32.
        clipped.append(_like(np.multiply(_array(t, "clip_by_global_norm"), scale, out=o), t))
    return clipped, norm
