"""PyTorch's global switches that training scripts set at their top, answered here:
``use_deterministic_algorithms``, ``set_deterministic_debug_mode``,
``set_float32_matmul_precision``, ``set_default_device``, ``set_num_interop_threads``,
``init_num_threads``, ``set_flush_denormal``, ``set_warn_always``, ``set_anomaly_enabled``,
and the questions ``typename`` and ``is_inference``.

Most have nothing to switch here: numpy on the CPU already runs every op the same way each
time (deterministic), float32 products are computed in float32 ("highest"), the CPU is the
only device, and there is no inter-op thread pool. Those settings are stored and given
back, as PyTorch's are, and each docstring says that it has no effect. They are
per-process, as PyTorch's are; anomaly mode is this library's, which is per thread.

>>> import autograd_core as ag
>>> ag.use_deterministic_algorithms(True); ag.are_deterministic_algorithms_enabled()
True
>>> ag.get_deterministic_debug_mode()
2
>>> ag.use_deterministic_algorithms(False)
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from . import modes
from .engine import Value
from .ops.factories import _check_device

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
           "get_deterministic_debug_mode", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "set_default_device", "get_default_device",
           "set_num_interop_threads", "get_num_interop_threads", "init_num_threads",
           "set_flush_denormal", "set_warn_always", "is_warn_always_enabled",
           "set_anomaly_enabled", "is_anomaly_check_nan_enabled", "is_inference", "typename"]


class _Switches:
    """The process's settings, one object so that a reader finds them together."""

    def __init__(self):
        self.deterministic = False
        self.warn_only = False
        self.matmul_precision = "highest"
        self.interop_threads = None   # None: not set, the CPU count
        self.warn_always = False


_switches = _Switches()


def _bool(value, where, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {value!r}")
    return bool(value)


# --- determinism ------------------------------------------------------------------------


def use_deterministic_algorithms(mode, *, warn_only=False):
    """PyTorch's ``torch.use_deterministic_algorithms(mode, *, warn_only=False)``: stored and
    given back (``are_deterministic_algorithms_enabled``). It has no effect here: every op
    already gives the same numbers run after run (numpy on the CPU, no atomics)."""
    mode = _bool(mode, "use_deterministic_algorithms", "mode")
    warn_only = _bool(warn_only, "use_deterministic_algorithms", "warn_only")
    _switches.deterministic, _switches.warn_only = mode, warn_only


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is set
    (``torch.are_deterministic_algorithms_enabled``)."""
    return _switches.deterministic


def is_deterministic_algorithms_warn_only_enabled():
    """Whether it was set with ``warn_only=True``
    (``torch.is_deterministic_algorithms_warn_only_enabled``)."""
    return _switches.warn_only


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode):
    """PyTorch's ``torch.set_deterministic_debug_mode``: 0 or "default" (off), 1 or "warn"
    (``use_deterministic_algorithms(True, warn_only=True)``), 2 or "error"
    (``use_deterministic_algorithms(True)``). No effect here, as that function says."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"set_deterministic_debug_mode: debug_mode must be one of "
                               f"'default', 'warn', 'error', got {debug_mode!r}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, (int, np.integer)):
        raise TypeError(f"set_deterministic_debug_mode: debug_mode must be str or int, got "
                        f"{debug_mode!r}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"set_deterministic_debug_mode: debug_mode must be 0, 1, or 2, got "
                           f"{debug_mode!r}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """0, 1 or 2, as ``set_deterministic_debug_mode`` takes it
    (``torch.get_deterministic_debug_mode``)."""
    if not _switches.deterministic:
        return 0
    return 1 if _switches.warn_only else 2


# --- precision, device, threads, denormals, warnings ---------------------------------------


def set_float32_matmul_precision(precision):
    """PyTorch's ``torch.set_float32_matmul_precision``: "highest", "high" or "medium",
    stored and given back. No effect here: float32 products are always computed in float32
    (the "highest"), never in TF32 or bfloat16. Another string is ignored with a warning,
    as PyTorch ignores it."""
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision: precision must be a str, got "
                           f"{precision!r}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"set_float32_matmul_precision: {precision!r} is not one of 'highest', "
                      "'high', or 'medium'; the call has no effect", UserWarning, stacklevel=2)
        return
    _switches.matmul_precision = precision


def get_float32_matmul_precision():
    """The precision ``set_float32_matmul_precision`` set, "highest" at start
    (``torch.get_float32_matmul_precision``)."""
    return _switches.matmul_precision


def set_default_device(device):
    """PyTorch's ``torch.set_default_device``: "cpu" (or None) only, the one device here;
    another device is refused, naming it."""
    _check_device(device, "set_default_device")


def get_default_device():
    """"cpu", the one device (``torch.get_default_device``; a string here, as
    ``ag.device`` gives)."""
    return "cpu"


def set_num_interop_threads(n):
    """PyTorch's ``torch.set_num_interop_threads(n)``: stored and given back. No effect:
    there is no pool running independent ops side by side here (``set_num_threads`` sets
    the BLAS's threads)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise RuntimeError(f"set_num_interop_threads: n must be an int, got {n!r}")
    if n < 1:
        raise RuntimeError(f"set_num_interop_threads: n must be a positive integer, got {n}")
    _switches.interop_threads = int(n)


def get_num_interop_threads():
    """The count ``set_num_interop_threads`` set, else the CPU count, PyTorch's default
    (``torch.get_num_interop_threads``)."""
    if _switches.interop_threads is None:
        return os.cpu_count() or 1
    return _switches.interop_threads


def init_num_threads():
    """PyTorch's ``torch.init_num_threads()``: nothing to start here (the BLAS starts its
    own threads); returns None."""


def set_flush_denormal(mode):
    """PyTorch's ``torch.set_flush_denormal(mode)``, which returns whether flushing
    denormal numbers to zero is supported: False here, as PyTorch answers on a CPU without
    it, since numpy cannot switch it on. Nothing changes."""
    _bool(mode, "set_flush_denormal", "mode")
    return False


def set_warn_always(b):
    """PyTorch's ``torch.set_warn_always(b)``: stored and given back
    (``is_warn_always_enabled``). No effect: this library has no warn-once warnings."""
    if not isinstance(b, (bool, np.bool_)):
        raise RuntimeError(f"set_warn_always: b must be True or False, got {b!r}")
    _switches.warn_always = bool(b)


def is_warn_always_enabled():
    """Whether ``set_warn_always(True)`` is set (``torch.is_warn_always_enabled``)."""
    return _switches.warn_always


# --- anomaly mode, inference tensors, type names -------------------------------------------


def set_anomaly_enabled(enabled, check_nan=True):
    """PyTorch's ``torch.set_anomaly_enabled(enabled, check_nan=True)``: this thread's
    anomaly mode (``set_detect_anomaly``) on or off. Unlike PyTorch's, per thread; and with
    ``check_nan=False`` nothing is checked, so ``is_anomaly_enabled()`` then says False."""
    enabled = _bool(enabled, "set_anomaly_enabled", "enabled")
    check_nan = _bool(check_nan, "set_anomaly_enabled", "check_nan")
    modes._local.state.anomaly = enabled and check_nan


def is_anomaly_check_nan_enabled():
    """``torch.is_anomaly_check_nan_enabled``: True. Anomaly mode here checks for NaN
    whenever it is on; ``check_nan=False`` turns the checks off instead of keeping only
    stack traces (which this library does not record)."""
    return True


def is_inference(input):  # noqa: A002 (PyTorch's argument name)
    """PyTorch's ``torch.is_inference(input)``: False. ``inference_mode`` here is
    ``no_grad``, and the Values made inside are ordinary constants, usable anywhere."""
    if not isinstance(input, Value):
        raise TypeError(f"is_inference: input must be a Value, got {type(input).__name__}")
    return False


_TENSOR_TYPES = {"float32": "FloatTensor", "float64": "DoubleTensor",
                 "float16": "HalfTensor", "int64": "LongTensor", "int32": "IntTensor",
                 "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                 "bool": "BoolTensor"}


def typename(obj, /):
    """PyTorch's ``torch.typename(obj)``: for a Value, PyTorch's name of a tensor of its
    dtype ("torch.FloatTensor" for float32, "torch.LongTensor" for int64, ...), so that code
    comparing them ports; for anything else its type's module and name, as PyTorch's
    ("int", "numpy.ndarray", "autograd_core.value.Value" for the class itself)."""
    if isinstance(obj, Value):
        name = _TENSOR_TYPES.get(obj.dtype.name)
        if name is None:
            raise TypeError(f"typename: PyTorch has no tensor type for dtype {obj.dtype}")
        return f"torch.{name}"
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"
