"""PyTorch's global settings at its top level: ``set_printoptions``, ``get_num_threads`` /
``set_num_threads``, ``is_inference_mode_enabled`` and ``compile``.

``set_printoptions`` sets both how a Value's repr shows its data and numpy's own print
options, so printed arrays and Values agree. The thread count is the BLAS library's,
through ``threadpoolctl`` when it is installed; without it, ``get_num_threads`` reads
``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` (else the CPU count) and
``set_num_threads`` sets those variables, which only a BLAS not yet started reads.
``compile`` is ``@ag.function``'s twin: the function itself, run eagerly op by op.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from . import value
from .modes import is_inference_mode_enabled

__all__ = ["set_printoptions", "get_num_threads", "set_num_threads",
           "is_inference_mode_enabled", "compile"]

_DEFAULTS = {"precision": 4, "threshold": 8, "edgeitems": 2, "suppress_small": False}
_PROFILES = {"default": {}, "short": {"precision": 2},
             "full": {"threshold": sys.maxsize, "edgeitems": 3}}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """How Values (and numpy arrays) print (``torch.set_printoptions``): ``profile``
    "default", "short" or "full" first, then each option given; ``sci_mode=False``
    suppresses scientific notation."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        value.PRINT_OPTIONS.update(_DEFAULTS, **_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems}
    value.PRINT_OPTIONS.update({k: v for k, v in given.items() if v is not None})
    if sci_mode is not None:
        value.PRINT_OPTIONS["suppress_small"] = not sci_mode
    numpy_options = {k: v for k, v in value.PRINT_OPTIONS.items() if k != "suppress_small"}
    np.set_printoptions(suppress=value.PRINT_OPTIONS["suppress_small"], **numpy_options,
                        **({} if linewidth is None else {"linewidth": linewidth}))


def _threadpools():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def get_num_threads():
    """The number of threads the BLAS uses (``torch.get_num_threads``)."""
    pools = _threadpools()
    if pools is not None:
        found = [p["num_threads"] for p in pools.threadpool_info() if p["user_api"] == "blas"]
        if found:
            return int(max(found))
    for name in _VARIABLES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return os.cpu_count() or 1


def set_num_threads(n):
    """Use n threads in the BLAS (``torch.set_num_threads``); see the module's note."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a whole number >= 1, got {n!r}")
    pools = _threadpools()
    if pools is not None:
        pools.threadpool_limits(n, user_api="blas")
    for name in _VARIABLES:
        os.environ[name] = str(n)


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor",  # noqa: A001
            mode=None, options=None, disable=False):
    """``torch.compile``: the model or function itself, run eagerly op by op (what compiling
    is defined to compute). As a decorator with or without arguments."""
    if model is None:
        return lambda fn: compile(fn)
    if not callable(model):
        raise TypeError(f"compile: expected a function or module, got {type(model).__name__}")
    return model
