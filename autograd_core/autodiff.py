"""TensorFlow's ``tf.autodiff``: ``GradientTape`` and ``ForwardAccumulator``.

``ForwardAccumulator(primals, tangents)`` gives Jacobian-vector products J v of what is
computed from ``primals`` inside its block, as TensorFlow's forward mode does. This engine
has one mode, reverse, so J v comes from it as ``jvp`` does (the "double vjp"): reverse
mode gives J^T u for any u, which is linear in u, and J v is the gradient of
u -> <J^T u, v> with respect to u. Two backward passes per target instead of one forward
pass carried along, with the same result; and as in TensorFlow, an accumulator around a
``GradientTape`` gives Hessian-vector products (the jvp of a gradient).
"""

from __future__ import annotations

import numpy as np

from .custom import forward_mode
from .engine import Value, constant, enable_grad
from .tape import GradientTape, _flatten, _map_structure

__all__ = ["ForwardAccumulator", "GradientTape"]


class ForwardAccumulator:
    """Jacobian-vector products of the Values computed from ``primals`` inside the block
    (``tf.autodiff.ForwardAccumulator``).

    Args:
        primals: a Value (a Variable or a constant), or a list/tuple of them.
        tangents: the direction v, in the same structure and shapes.

    >>> import autograd_core as ag
    >>> x = ag.constant([1.0, 2.0])
    >>> with ForwardAccumulator(primals=x, tangents=ag.constant([1.0, 0.0])) as acc:
    ...     y = ag.reduce_sum(x ** 2)
    >>> float(acc.jvp(y))          # d/dt sum((x + t v)**2) = 2 <x, v>
    2.0
    """

    def __init__(self, primals, tangents):
        where = "ForwardAccumulator"
        # One tangent per primal: a tangent may itself be a nested list of numbers.
        if isinstance(primals, Value):
            flat_primals, flat_tangents = [primals], [tangents]
        else:
            flat_primals = list(primals)
            flat_tangents = list(tangents) if isinstance(tangents, (list, tuple)) else \
                [tangents]
        if len(flat_primals) != len(flat_tangents):
            raise ValueError(f"{where}: {len(flat_primals)} primals but {len(flat_tangents)} "
                             "tangents; give one tangent per primal")
        for p in flat_primals:
            if not isinstance(p, Value):
                raise TypeError(f"{where}: primals must be Values, got {type(p).__name__}")
        vs = []
        for p, t in zip(flat_primals, flat_tangents):
            t = t if isinstance(t, Value) else constant(np.asarray(t, dtype=p.dtype))
            if t.shape != p.shape:
                raise ValueError(f"{where}: a tangent has shape {t.shape} but its primal has "
                                 f"shape {p.shape}")
            vs.append(t)
        self._primals, self._tangents = flat_primals, vs
        # A persistent tape watching only the primals records what is computed from them.
        self._tape = GradientTape(persistent=True, watch_accessed_variables=False)
        self._tape._records_without_grad = True  # forward mode ignores no_grad, as PyTorch's
        self._open = False

    def __enter__(self):
        self._tape.__enter__()
        self._open = True
        for p in self._primals:
            self._tape.watch(p)
        return self

    def _add(self, primal, tangent):
        """One more primal and its tangent (checked by the caller): how PyTorch's dual
        level (``autograd.forward_ad``) gives tangents to Values made inside it."""
        self._primals.append(primal)
        self._tangents.append(tangent)
        if self._open:
            self._tape.watch(primal)

    def __exit__(self, *exc):
        self._open = False
        return self._tape.__exit__(*exc)

    def jvp(self, primals, unconnected_gradients="none"):
        """J v for each Value in ``primals`` (a Value or a list, tuple or dict of them,
        computed inside the block): the derivative of that Value along the tangents.

        unconnected_gradients: "none" gives None for a Value the primals do not reach;
        "zero" gives zeros of its shape.
        """
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"ForwardAccumulator.jvp: unconnected_gradients must be 'none' "
                             f"or 'zero', got {unconnected_gradients!r}")
        for t in _flatten(primals):
            if not isinstance(t, Value):
                raise TypeError(f"ForwardAccumulator.jvp: expected Values, got "
                                f"{type(t).__name__}")
        return _map_structure(lambda t: self._jvp(t, unconnected_gradients), primals)

    def _jvp(self, target, unconnected):
        tangent = None
        if target in self._tape._tracked:
            with forward_mode():  # a Function's own jvp, when it gives one
                tangent = self._double_vjp(target)
        if tangent is None and unconnected == "zero":
            return constant(np.zeros_like(target.data))
        return tangent

    def _double_vjp(self, target):
        """J v for one target, as the gradient of u -> <J^T u, v> (see the module's
        docstring); None when no tangent reaches it."""
        u = Value(np.zeros_like(target.data), requires_grad=True, name="u")
        with enable_grad(), GradientTape(watch_accessed_variables=False) as outer:
            outer.watch(u)
            found = self._tape.gradient(target, self._primals, output_gradients=u)
            pairs = [(g, v) for g, v in zip(found, self._tangents) if g is not None]
        if not pairs:
            return None
        # the gradient of <J^T u, v>: J^T u's backward seeded with v (see functional.hvp)
        reached, seeds = zip(*pairs)
        return outer.gradient(list(reached), u, output_gradients=list(seeds))
