"""PyTorch's and numpy's ``out=`` keyword: a result written into an existing Value.

``ag.matmul(a, b, out=c)`` computes ``a @ b`` as usual, copies it into c's data in place
and returns c, as ``torch.matmul(a, b, out=c)`` does (the tensors tutorial's idiom).
Every function of ``autograd_core.ops`` takes it; a function with several results takes a
tuple, one Value per result (``ag.sort(x, dim=0, out=(values, indices))``).

It records nothing, as in PyTorch: with recording on, a result or an ``out`` that requires
grad is refused, since differentiating through a buffer that was overwritten would need
its old data (under ``no_grad`` it is fine). The result is cast to ``out``'s dtype when
numpy's "same_kind" rule allows it (float into an integer ``out`` is refused, as
PyTorch refuses it). An ``out`` of another shape takes the result's, with PyTorch's
warning unless it was empty.
"""

from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np

from ..engine import Value
from ..modes import _state

_OUT = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)


def with_out(fn):
    """``fn`` taking ``out=`` as well (its signature shows it, after fn's own)."""
    @functools.wraps(fn)
    def function(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        outs = _out_values(out, fn.__name__)
        return _write(outs, fn(*args, **kwargs), isinstance(out, (tuple, list)), fn.__name__)
    try:
        signature = inspect.signature(fn)
        params = list(signature.parameters.values())
        at = len(params) - (1 if params and params[-1].kind is params[-1].VAR_KEYWORD else 0)
        function.__signature__ = signature.replace(parameters=params[:at] + [_OUT] + params[at:])
    except (TypeError, ValueError):  # no signature to extend (a builtin): leave it
        pass
    return function


def _out_values(out, name):
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if not isinstance(o, Value):
            raise TypeError(f"{name}: out must be a Value (or a tuple of Values for a function "
                            f"with several results), got {type(o).__name__}")
    return outs


def _write(outs, result, several, name):
    results = list(result) if isinstance(result, tuple) else [result]
    if several != isinstance(result, tuple) or len(results) != len(outs):
        given = f"{len(outs)} Values" if several else "one Value"
        kind = f"{len(results)} results" if isinstance(result, tuple) else "one result"
        raise TypeError(f"{name}: out has {given} for {kind}; give one per result")
    # Every check before the first write: a refused call changes no out.
    for o, r in zip(outs, results):
        if not isinstance(r, Value):
            raise TypeError(f"{name}: its result is a {type(r).__name__}, which out= cannot "
                            "hold")
        if _state().grad_enabled and (r.requires_grad or o.requires_grad):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad: call it under ag.no_grad(), or without out=")
        if not np.can_cast(r.dtype, o.dtype, "same_kind"):
            raise TypeError(f"{name}: result type {r.dtype} can't be cast to the desired "
                            f"output type {o.dtype} (out=)")
    for o, r in zip(outs, results):
        _copy_into(o, r, name)
    if not several:
        return outs[0]
    return type(result)(*outs) if hasattr(result, "_fields") else tuple(outs)


def _copy_into(out, result, name):
    if out.shape == result.shape and isinstance(out.data, np.ndarray):
        np.copyto(out.data, result.data, casting="same_kind")
    else:
        if out.shape != result.shape and out.size:
            warnings.warn(f"{name}: an output with one or more elements was resized since it "
                          f"had shape {out.shape}, which does not match the required output "
                          f"shape {result.shape} (as PyTorch does)", UserWarning, stacklevel=4)
        data = np.array(result.data, dtype=out.dtype)
        out.data = data[()] if data.ndim == 0 else data
    out.mark_changed()
