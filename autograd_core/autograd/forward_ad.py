"""PyTorch's ``torch.autograd.forward_ad``: dual numbers, for Jacobian-vector products.

Inside a ``dual_level()``, ``make_dual(x, v)`` gives x with a tangent v attached; whatever
is computed from it carries J v, which ``unpack_dual(y).tangent`` reads::

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)
        y = f(x)
        jvp = forward_ad.unpack_dual(y).tangent        # J_f(primal) @ tangent

This engine has one mode, reverse, so the tangents are not carried along op by op as in
PyTorch: the level is a ``ForwardAccumulator`` (``tf.autodiff``'s), which records what is
computed from the duals and gives J v by two reverse passes when a tangent is asked for
(see ``autodiff``). The numbers are the same; the cost moves from the forward pass to
``unpack_dual``. As in PyTorch, one level is open at a time, per thread.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import numpy as np

from ..autodiff import ForwardAccumulator
from ..engine import Value, _wrap

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "UnpackedDualTensor"]


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal, and its tangent (None if it has none)."""
    primal: object
    tangent: object


class _Level:
    """An open dual level: its accumulator, and the tangent given to each dual made in it
    (``unpack_dual`` of a dual gives back that very tangent, as PyTorch's does)."""

    def __init__(self, number):
        self.number = number
        self.accumulator = ForwardAccumulator([], [])
        self.tangents = {}   # id(dual) -> (dual, primal, tangent)


class _PerThread(threading.local):
    level = None
    count = 0


_local = _PerThread()


def enter_dual_level():
    """Open a dual level in this thread and return its number (PyTorch's function; the
    ``dual_level`` context manager calls it)."""
    if _local.level is not None:
        raise RuntimeError("enter_dual_level: a dual level is already open in this thread; "
                           "nested forward-mode levels are not supported (nor are they in "
                           "PyTorch): exit it first")
    level = _Level(_local.count)
    level.accumulator.__enter__()
    _local.level, _local.count = level, _local.count + 1
    return level.number


def exit_dual_level(*, level=None):
    """Close this thread's dual level: its duals' tangents are forgotten, so
    ``unpack_dual`` then gives None for them."""
    current = _check_level(level, "exit_dual_level")
    if current is None:
        raise RuntimeError("exit_dual_level: no dual level is open in this thread")
    _local.level = None
    current.accumulator.__exit__(None, None, None)
    current.tangents.clear()


class dual_level:
    """Context manager: a dual level open for its block (``with fwAD.dual_level():``)."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def make_dual(tensor, tangent, *, level=None):
    """``tensor`` with ``tangent`` attached, as a new Value of the same data: what is
    computed from it inside the level has a tangent too. Gradients of the usual reverse
    mode still reach ``tensor`` through it."""
    current = _check_level(level, "make_dual")
    if current is None:
        raise RuntimeError("make_dual: no dual level is open; call it inside "
                           "`with forward_ad.dual_level():`")
    if not isinstance(tensor, Value):
        raise TypeError(f"make_dual: tensor must be a Value, got {type(tensor).__name__}")
    tangent_data = tangent.data if isinstance(tangent, Value) else np.asarray(tangent)
    if np.shape(tangent_data) != tensor.shape:
        raise ValueError(f"make_dual: the tangent has shape {np.shape(tangent_data)} but the "
                         f"tensor has shape {tensor.shape}; they must be equal")
    if tensor.dtype.kind not in "fc" or np.asarray(tangent_data).dtype.kind not in "fc":
        raise TypeError(f"make_dual: tensor and tangent must be floating point, got "
                        f"{tensor.dtype} and {np.asarray(tangent_data).dtype}")
    tangent = tangent if isinstance(tangent, Value) else _wrap(tangent, like=tensor)
    # A new Value, so that the tangent belongs to it and not to ``tensor`` itself (which
    # other code may use without one); a reshape to its own shape, so reverse-mode
    # gradients flow through it to ``tensor``.
    dual = tensor.reshape(tensor.shape)
    current.accumulator._add(dual, tangent.astype(tensor.dtype) if tangent.dtype !=
                             tensor.dtype else tangent)
    current.tangents[id(dual)] = (dual, tensor, tangent)
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of ``tensor``: for a dual, its primal and the very tangent it
    was made with; for a Value computed from duals in the open level, J v; else None."""
    current = _check_level(level, "unpack_dual")
    if current is None or not isinstance(tensor, Value):
        return UnpackedDualTensor(tensor, None)
    made = current.tangents.get(id(tensor))
    if made is not None and made[0] is tensor:
        return UnpackedDualTensor(made[1], made[2])
    return UnpackedDualTensor(tensor, current.accumulator.jvp(tensor))


def _check_level(level, where):
    """This thread's open level, after checking that ``level`` (if given) names it."""
    current = _local.level
    if level is not None and (current is None or level != current.number):
        raise RuntimeError(f"{where}: level {level} is not this thread's open dual level "
                           f"({'none is open' if current is None else current.number})")
    return current
