"""Gradient checkpointing: keep a function's inputs instead of its intermediate results,
and run it again when the backward pass needs them (TensorFlow's ``tf.recompute_grad``,
PyTorch's ``torch.utils.checkpoint``).

Memory for time: a block of ops inside ``recompute_grad(f)`` leaves one node in the graph,
whose data is f's output. Its backward runs f again on the same inputs, with recording on,
and walks that fresh graph with the upstream gradient: the same chain rule, each
intermediate result made twice and kept only while its own block is differentiated.

    y = f(x1, ..., w1, ...)      dL/dx = the gradient of f run again, along g

The w are the Variables (and other Values requiring grad) that f reads without taking
them as arguments, such as a layer's weights: found in f's graph on the first run, they
are inputs of the node too, so they get their gradients as if f had not been wrapped.

f must compute the same output when run again:

- draws from ``ag.random``'s generator (Dropout without a seed) are replayed from its state
  at the first run (``preserve_rng_state``, as PyTorch does);
- a layer's own seeded generator is not rewound, so its Dropout draws another mask: the
  re-run's output is compared with the first one, and a difference is an error, never a
  gradient of something else;
- state that f changes as it runs (a BatchNorm layer's running statistics in training) is
  changed by both runs, as in PyTorch.
"""

from __future__ import annotations

import copy
import contextlib

import numpy as np

from . import random as _random
from . import value as _value
from .custom import _read_variables
from .engine import Op, Value, _seed, apply, constant, enable_grad
from .modes import _state
from .tape import GradientTape, stop_recording

__all__ = ["recompute_grad"]


class Recompute(Op):
    """y = f(x1, ...), run again for backward      dL/dx = d f(x1, ...)/dx along g"""

    __slots__ = ("function", "args", "kwargs", "positions", "variables", "y", "rng",
                 "context", "check")

    def forward(self, *xs):
        return self.y  # f ran on the Values when the node was made

    def backward(self, g, y, *xs):
        # On the recorded path (create_graph) f runs again on the graph's own inputs, so the
        # gradients it gives can be differentiated again; otherwise on constants holding
        # the same data, so nothing links to the outer graph. The Variables are the same
        # objects either way (f reads them itself).
        recorded = isinstance(g, Value)
        n = len(xs) - len(self.variables)
        inputs = list(xs[:n]) if recorded else [_value._node(x) for x in xs[:n]]  # dtypes kept
        args = list(self.args)
        for i, x in zip(self.positions, inputs):
            args[i] = x
        sources = [v for v, need in zip(inputs + list(self.variables), self.needs_grad)
                   if need]
        found = iter(_run_again(self, args, sources, g, recorded))
        return tuple((next(found) if need else None) for need in self.needs_grad)

    def __repr__(self):
        return f"recompute_grad({_name(self.function)})"

    def formula(self, y, *xs):
        name = _name(self.function)
        return (f"y = {name}(...), its intermediate results not kept",
                f"dL/dx = the gradient of {name} run again, along g")


def _run_again(op, args, sources, g, recorded):
    """f on ``args`` again, the random generator replayed, checked against the first run's
    output; then the gradients of ``sources`` along g.

    A tape of its own watches the sources, so that an input a tape watches without it
    requiring grad (``tape.watch`` on a constant) gets its gradient too. Off the recorded
    path the run is on no other open tape (``stop_recording``); on it, the open tapes
    record it, and the walk is recorded, so that they can differentiate it again.
    """
    saved_rng = _random._rng
    if op.rng is not None:
        _random._rng = copy.deepcopy(op.rng)
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(enable_grad())
            if not recorded:
                stack.enter_context(stop_recording())
            if op.context is not None:
                stack.enter_context(op.context)
            tape = stack.enter_context(GradientTape(persistent=True,
                                                    watch_accessed_variables=False))
            for v in sources:
                tape.watch(v)
            again = _output(op.function(*args, **op.kwargs), repr(op))
    finally:
        _random._rng = saved_rng
    if op.check and not _same(again.data, op.y):
        raise RuntimeError(
            f"{op!r}: running the function again for the backward pass gave another output "
            "than the first run (largest difference "
            f"{np.max(np.abs(np.asarray(again.data, np.float64) - op.y)):.3g}), so its "
            "gradient would be that of something else. Random ops with their own seeded "
            "generator (a Dropout layer's seed=) draw anew; use ag.random's generator, or do "
            "not checkpoint them")
    grads = {again: _seed(again, g, repr(op), recorded)}
    with enable_grad():
        tape._walk_from(grads, sources, recorded)
    found = [grads.get(v) for v in sources]
    if recorded:  # a gradient the walk left as an array (none reached there) as a Value
        found = [f if f is None or isinstance(f, Value) else constant(f) for f in found]
    return found


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if np.array_equal(a, b, equal_nan=True):
        return True
    scale = float(np.max(np.abs(b), initial=0.0, where=np.isfinite(b)))
    return bool(np.allclose(a, b, rtol=1e-5, atol=1e-6 * scale, equal_nan=True))


def _output(y, where):
    if not isinstance(y, Value):
        raise TypeError(f"{where}: the function must return a Value, got {type(y).__name__} "
                        "(a function with several outputs: checkpoint each one's function)")
    return y


def _checkpointed(function, args, kwargs, *, preserve_rng_state=True, check=True,
                  contexts=None, where="recompute_grad"):
    """Run ``function(*args, **kwargs)`` once and make its result a ``Recompute`` node."""
    if not callable(function):
        raise TypeError(f"{where}: expected a function, got {type(function).__name__}")
    if not _state().grad_enabled:
        return function(*args, **kwargs)  # nothing is recorded, so nothing to recompute
    rng = copy.deepcopy(_random._rng) if preserve_rng_state else None
    forward_context, recompute_context = contexts if contexts is not None else (None, None)
    start = next(_value._serial)  # the function's ops are numbered from here on
    # The first run records its graph only to find the Variables it reads, and on no tape
    # (a tape would keep every intermediate result alive, which is what is being saved).
    with stop_recording(), (forward_context or contextlib.nullcontext()):
        y = _output(function(*args, **kwargs), where)
    positions = [i for i, a in enumerate(args) if isinstance(a, Value)]
    xs = [args[i] for i in positions]
    variables = _read_variables(y, xs, start)
    tapes = _state().tapes
    if not variables and not any(x.requires_grad or any(x in t._tracked for t in tapes)
                                 for x in xs):
        return y  # nothing here wants a gradient, nor does any open tape
    op = Recompute()
    op.function, op.args, op.kwargs, op.positions = function, tuple(args), kwargs, positions
    op.variables, op.y = tuple(variables), y.data
    op.rng, op.context, op.check = rng, recompute_context, check
    del y  # the first run's graph goes with it
    return apply(op, *xs, *variables)


def recompute_grad(f):
    """``f`` as a function whose intermediate results are not kept for the backward pass
    but computed again then (TensorFlow's ``tf.recompute_grad``): the same gradients, with
    the memory of one result instead of f's whole graph, for a second run of f.

    Variables f reads (a layer's weights) get their gradients as without the wrapper.

    >>> import autograd_core as ag
    >>> w = ag.Variable(3.0)
    >>> block = recompute_grad(lambda x: ag.tanh(x * w) * w)
    >>> x = ag.Variable(0.5)
    >>> with ag.GradientTape() as tape:
    ...     y = block(x)
    >>> dx, dw = tape.gradient(y, [x, w])
    >>> round(float(dx), 4), round(float(dw), 4)
    (1.6264, 1.1762)
    """
    def wrapped(*args, **kwargs):
        return _checkpointed(f, args, kwargs, where=f"recompute_grad({_name(f)})")
    wrapped.__name__ = _name(f)
    wrapped.__doc__ = getattr(f, "__doc__", None)
    wrapped.__wrapped__ = f
    return wrapped


def _name(f):
    return getattr(f, "__name__", type(f).__name__)
