"""PyTorch's automatic mixed precision, ``torch.autocast``, as far as it goes here.

Under ``autocast`` PyTorch runs chosen ops (matrix products, convolutions) in a half
precision, bfloat16 by default on the CPU. This library has no bfloat16 and its ops are
written and tested for float32 and float64, so a block that would cast is refused when it is
made, saying to run in float32. What PyTorch itself runs without casting is a no-op here:
``enabled=False`` (the usual ``autocast("cpu", enabled=use_amp)``), a float32 or float64
dtype (PyTorch warns and disables itself), and an accelerator this machine has not (PyTorch
warns and disables itself on a machine without CUDA).

>>> import autograd_core as ag
>>> with ag.autocast("cpu", enabled=False):
...     y = ag.ones(2) * 2
>>> y.dtype
dtype('float32')
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

__all__ = ["autocast", "is_autocast_enabled", "set_autocast_enabled"]

# PyTorch's device types (its error for another lists these).
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                 "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")


def _device_type(device_type, where):
    if not isinstance(device_type, str):
        raise TypeError(f"{where}: device_type must be a str such as 'cpu', got "
                        f"{device_type!r}")
    if device_type not in _DEVICE_TYPES:
        raise RuntimeError(f"{where}: expected a device type such as 'cpu' or 'cuda', got "
                           f"{device_type!r}")
    return device_type


def _refuse(where, dtype_name):
    raise NotImplementedError(
        f"{where}: mixed precision ({dtype_name}) is not supported: autograd_core computes in "
        "float32 or float64 and has no bfloat16. Run in float32: drop the autocast block, or "
        "pass enabled=False")


def _dtype_name(dtype):
    """The dtype's name, also for one numpy lacks (PyTorch's torch.bfloat16)."""
    if dtype is None:
        return "bfloat16"   # PyTorch's default on the CPU
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype).replace("torch.", "")


class autocast(contextlib.ContextDecorator):
    """PyTorch's ``torch.autocast(device_type, dtype=None, enabled=True,
    cache_enabled=None)``, a context manager and decorator. A no-op when PyTorch would not
    cast (see the module's note); a half-precision block (bfloat16, PyTorch's default on
    the CPU, or float16) raises NotImplementedError when made."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        _device_type(device_type, "autocast")
        if not isinstance(enabled, bool):
            raise TypeError(f"autocast: enabled must be True or False, got {enabled!r}")
        if cache_enabled is not None and not isinstance(cache_enabled, bool):
            raise TypeError(f"autocast: cache_enabled must be True, False or None, got "
                            f"{cache_enabled!r}")
        self.device_type, self.dtype, self.enabled = device_type, dtype, enabled
        if not enabled:
            return
        if device_type != "cpu":
            warnings.warn(f"autocast: device_type {device_type!r} is not available (CPU only); "
                          "autocast is disabled", UserWarning, stacklevel=2)
            self.enabled = False
            return
        name = _dtype_name(dtype)
        if name in ("bfloat16", "float16"):
            _refuse("autocast", name)
        warnings.warn(f"autocast: CPU autocast casts only to bfloat16 or float16, got {name}; "
                      "autocast is disabled, as PyTorch does", UserWarning, stacklevel=2)
        self.enabled = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def is_autocast_enabled(device_type=None):
    """``torch.is_autocast_enabled(device_type=None)``: False, since no block here ever
    casts."""
    if device_type is not None:
        _device_type(device_type, "is_autocast_enabled")
    return False


def set_autocast_enabled(*args):
    """``torch.set_autocast_enabled(device_type, enabled)`` (or the older
    ``set_autocast_enabled(enabled)``, which is CUDA's): changes nothing, except that
    turning the CPU's on is refused, as an ``autocast`` block that casts is."""
    if len(args) == 2:
        _device_type(args[0], "set_autocast_enabled")
    elif len(args) != 1:
        raise TypeError(f"set_autocast_enabled: takes (device_type, enabled) or (enabled), got "
                        f"{len(args)} arguments")
    enabled = args[-1]
    if not isinstance(enabled, bool):
        raise TypeError(f"set_autocast_enabled: enabled must be True or False, got "
                        f"{enabled!r}")
    if enabled and len(args) == 2 and args[0] == "cpu":
        _refuse("set_autocast_enabled", "bfloat16")
