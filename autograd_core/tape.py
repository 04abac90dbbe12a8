"""GradientTape: TensorFlow's way of asking for gradients, on the same walk as backward().

Inside ``with GradientTape() as tape:`` every op that touches a watched Value is appended to
the tape. The records are already in the order the ops ran, so walking them in reverse is a
valid backward order: no sort is needed. ``tape.gradient`` runs the engine's walk over them
and returns the gradients without touching ``.grad``.
"""

from __future__ import annotations

import contextlib
import enum
import itertools
import warnings

import numpy as np

from . import engine
from .engine import (BackwardStep, Value, Variable, _backward_needed, _handed_back, _seed,
                     _unshared, _walk, constant)


class UnconnectedGradients(str, enum.Enum):
    """TensorFlow's ``tf.UnconnectedGradients``: what a gradient is for a source the target
    does not depend on. The members equal the strings ``"none"`` and ``"zero"``, which
    ``gradient`` and ``jacobian`` take as well."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Record ops to differentiate later, with TensorFlow's semantics.

    Args:
        persistent: allow several ``gradient`` calls (otherwise the second one raises
            ``RuntimeError``, as in TensorFlow).
        watch_accessed_variables: watch every trainable ``Variable`` an op reads inside the
            tape. Other Values must be watched with ``tape.watch(x)``.

    >>> x = constant(3.0)
    >>> with GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> float(tape.gradient(y, x))
    6.0
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._records = []      # outputs of recorded ops, in the order they ran
        self._tracked = set()   # every watched or recorded Value
        self._watched = []      # the watched Values, in order
        self._paused = False
        self._used = False
        # Records under no_grad too: set by forward mode (ForwardAccumulator, and so
        # autograd.forward_ad), which PyTorch's no_grad does not turn off.
        self._records_without_grad = False

    def __enter__(self):
        state = engine._state()
        state.tapes = state.tapes + (self,)
        return self

    def __exit__(self, *exc):
        state = engine._state()
        # By identity: the tape itself, never one that compares equal to it.
        state.tapes = tuple(t for t in state.tapes if t is not self)
        return False

    def watch(self, x):
        """Record ops on ``x`` (a Value or a nest of them) from now on."""
        for v in _flatten(x):
            if not isinstance(v, Value):
                raise TypeError(f"GradientTape.watch: expected Values, got {type(v).__name__}")
            if v.dtype.kind != "f":
                warnings.warn(f"GradientTape.watch: {_label(v)} has dtype {v.dtype}; only "
                              "float Values have gradients, so it will get None",
                              stacklevel=2)
                continue
            if v not in self._tracked:
                self._tracked.add(v)
                self._watched.append(v)

    def watched_variables(self):
        """The Values this tape watches, in the order they were first watched."""
        return list(self._watched)

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops inside this block are not recorded on this tape."""
        was_paused, self._paused = self._paused, True
        try:
            yield
        finally:
            self._paused = was_paused  # inside an outer stop_recording, stay paused

    def reset(self):
        """Forget everything recorded so far."""
        self._records.clear()
        self._tracked.clear()
        self._watched.clear()
        self._used = False

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(target)/d(source) for each source, in the structure of ``sources``.

        Args:
            target: a Value, or a list, tuple or dict of Values whose gradients are summed.
                A non-scalar target is summed first, as TensorFlow does.
            sources: a Value, or a list, tuple or dict of them.
            output_gradients: the seed dL/d(target) (default: ones); for a list, tuple or
                dict of targets, one seed per target in the same structure.
            unconnected_gradients: "none" gives None for a source the target does not
                depend on (``tape.explain`` says why); "zero" gives zeros.
        Returns:
            Values (or None) in the structure of ``sources``: constants, or, when another
            open tape is recording (a tape inside a tape), Values recorded on it, so that
            the outer tape can differentiate them again.

        >>> x = constant(3.0)
        >>> with GradientTape() as outer:
        ...     outer.watch(x)
        ...     with GradientTape() as inner:
        ...         inner.watch(x)
        ...         y = x * x * x
        ...     dy_dx = inner.gradient(y, x)       # 3 x**2, recorded on the outer tape
        >>> float(dy_dx), float(outer.gradient(dy_dx, x))   # 27 and 6 x = 18
        (27.0, 18.0)
        """
        where = "GradientTape.gradient"
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"{where}: unconnected_gradients must be 'none' or 'zero', got "
                             f"{unconnected_gradients!r}")
        if self._used:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients; use GradientTape(persistent=True)")
        targets = _flatten(target)
        for t in targets:
            if not isinstance(t, Value):
                raise TypeError(f"{where}: target must be a Value, got {type(t).__name__}")
        for source in _flatten(sources):
            if not isinstance(source, Value):
                raise TypeError(f"{where}: sources must be Values, got {type(source).__name__}")
        seeds = self._seeds(target, targets, output_gradients)
        create_graph = self._recorded_elsewhere()
        grads = {}
        given = {}  # the seeds, read without a copy as ``gradients`` reads them
        for t, seed in zip(targets, seeds):
            if seed is None:
                seed = np.ones_like(t.data)
            g = _seed(t, seed, where, create_graph, given)
            grads[t] = g if t not in grads else grads[t] + g
        self._walk_from(grads, _flatten(sources), create_graph)
        wrapped = set()  # ids of the arrays already handed back (see _handed_back)

        def result(source):
            g = grads.get(source) if source in self._tracked else None
            if g is None:
                if unconnected_gradients == "zero":
                    return constant(np.zeros_like(source.data))
                return None
            return _handed_back(_unshared(g, given), wrapped)
        out = _map_structure(result, sources)
        if not self._persistent:
            self._release()
        return out

    def _walk_from(self, grads, sources, create_graph):
        """The chain rule over this tape's records, from the seeds in ``grads`` (Value ->
        dL/dValue) down to ``sources``; every gradient found is left in ``grads``."""
        for _ in _walk(self._order(sources), grads, False, create_graph):
            pass

    def _order(self, sources):
        """The walk's order: the records whose backward the gradients of ``sources`` need
        (``_backward_needed``: as ``gradients``, none below a source that no other source
        lies below), newest first, then the sources no op made (watched leaves), which are
        no record, so that their hooks (``Value.register_hook``) run too."""
        leaves = {id(s): s for s in sources if s.op is None}
        return itertools.chain(reversed(_backward_needed(self._records, sources)),
                               leaves.values())

    def _seeds(self, target, targets, output_gradients):
        """One seed (or None for ones) per flattened target, checked for structure."""
        if output_gradients is None:
            return [None] * len(targets)
        if isinstance(target, Value):
            return [output_gradients]  # one target: the seed may be a list of numbers
        seeds = _flatten(output_gradients) if isinstance(output_gradients,
                                                         (list, tuple, dict)) else None
        if seeds is None or len(seeds) != len(targets):
            given = len(seeds) if seeds is not None else "one"
            raise ValueError(f"GradientTape.gradient: output_gradients must give one seed per "
                             f"target: {len(targets)} targets, {given} given")
        return seeds

    def _recorded_elsewhere(self):
        """Whether an open tape other than this one (or this one, persistent and still
        open) records ops now: then gradients are computed as recorded ops, so that tape
        can differentiate them again, as TensorFlow's nested tapes do."""
        return any(not t._paused and (t is not self or self._persistent)
                   for t in engine._state().tapes)

    def _release(self):
        """Free the graph, as TensorFlow releases a used non-persistent tape: the records
        and every recorded Value remembered as tracked."""
        self._used = True
        self._records = []
        self._tracked = set(self._watched)

    def jacobian(self, target, sources, unconnected_gradients="none"):
        """d(target)/d(source) for every element pair: shape target.shape + source.shape.

        Args:
            target: a Value.
            sources: a Value, or a list, tuple or dict of them.
            unconnected_gradients: "none" or "zero", as in ``gradient``.
        Returns:
            Values (or None) in the structure of ``sources``.

        One backward pass per element of ``target``, each seeded with that element's 1.

        >>> x = constant([1.0, 2.0])
        >>> with GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> tape.jacobian(y, x).numpy()
        array([[2., 0.],
               [0., 4.]], dtype=float32)
        """
        return self._jacobian(target, sources, unconnected_gradients, batch=False,
                              where="GradientTape.jacobian")

    def batch_jacobian(self, target, source, unconnected_gradients="none"):
        """The jacobian of each example: y[i] by x[i], for y and x whose first axis is the
        batch and where y[i] depends only on x[i] (as a network's outputs on its inputs).

        Args:
            target: (batch, ...) Value.  source: (batch, ...) Value.
        Returns:
            A Value of shape (batch,) + target.shape[1:] + source.shape[1:] (or None).

        One backward pass per element of an example's target, all examples at once.
        """
        if not isinstance(source, Value):
            raise TypeError("GradientTape.batch_jacobian: source must be a Value, got "
                            f"{type(source).__name__}")
        return self._jacobian(target, source, unconnected_gradients, batch=True,
                              where="GradientTape.batch_jacobian")

    def _jacobian(self, target, sources, unconnected_gradients, batch, where):
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"{where}: unconnected_gradients must be 'none' or 'zero', got "
                             f"{unconnected_gradients!r}")
        if self._used:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients; use GradientTape(persistent=True)")
        if not isinstance(target, Value):
            raise TypeError(f"{where}: target must be a Value, got {type(target).__name__}")
        flat = _flatten(sources)
        for source in flat:
            if not isinstance(source, Value):
                raise TypeError(f"{where}: sources must be Values, got {type(source).__name__}")
        if batch and (target.ndim == 0 or flat[0].ndim == 0
                      or target.shape[0] != flat[0].shape[0]):
            raise ValueError(f"{where}: target {target.shape} and source {flat[0].shape} "
                             "must share their first (batch) axis")
        from .ops import reshape, stack

        create_graph = self._recorded_elsewhere()
        rows = {id(s): [] for s in flat}
        inner = target.shape[1:] if batch else target.shape
        for k in range(int(np.prod(inner))):
            seed = np.zeros(target.shape, target.dtype)
            index = np.unravel_index(k, inner)
            seed[(slice(None),) + index if batch else index] = 1
            grads = {target: _seed(target, seed, where, create_graph)}
            for _ in _walk(self._order(flat), grads, False, create_graph):
                pass
            for s in flat:
                g = grads.get(s) if s in self._tracked else None
                rows[id(s)].append(g)

        def result(source):
            got = rows[id(source)]
            if all(g is None for g in got):
                if unconnected_gradients == "none":
                    return None
            zeros = np.zeros(source.shape, source.dtype)
            parts = [zeros if g is None else g for g in got]
            if batch:  # (k, batch, ...) -> (batch, k, ...)
                parts = [p if isinstance(p, Value) else constant(p) for p in parts]
                j = stack(parts, axis=1) if parts else constant(
                    np.zeros(source.shape[:1] + (0,) + source.shape[1:], source.dtype))
                return reshape(j, target.shape + source.shape[1:])
            if any(isinstance(p, Value) for p in parts):
                j = stack([p if isinstance(p, Value) else constant(p) for p in parts])
                return reshape(j, target.shape + source.shape)
            j = np.stack(parts) if parts else np.zeros((0,) + source.shape, source.dtype)
            return constant(j.reshape(target.shape + source.shape))
        out = _map_structure(result, sources)
        if not self._persistent:
            self._release()
        return out

    def steps(self, grads):
        """The backward walk over this tape's records, one ``BackwardStep`` per op.

        Args:
            grads: dict Value -> seed gradient; filled with every gradient as it goes.
        """
        walk = _walk(reversed(self._records), grads, write_grad=False, shown=True)
        for node, op, g, raw, sent in walk:
            yield BackwardStep(node, op, g, tuple(raw), tuple(sent))

    def explain(self, target, source):
        """Say in a sentence why ``gradient(target, source)`` is None (or that it is not).

        The question GradientTape users ask most: the source was not watched, the target was
        computed outside the tape, the path is cut by stop_gradient or a non-differentiable
        op, the source has integer data, or the target does not depend on it at all.
        """
        name, tname = _label(source), _label(target)
        if source.dtype.kind != "f":
            return (f"{name} has integer/boolean dtype {source.dtype}: only float Values "
                    "have gradients. Cast it to float32 before the tape.")
        path = _path(target, source, self._tracked)
        # Checked first: a Variable read only through stop_gradient is never watched, and
        # watching it would not help.
        if isinstance(path, engine.Op):
            return (f"every path from {tname} back to {name} passes through {path!r}, which "
                    "lets no gradient through (stop_gradient or a non-differentiable op "
                    "such as argmax, equal or a cast to integers).")
        if source not in self._tracked:
            if isinstance(source, Variable) and not source.trainable:
                return (f"{name} is a non-trainable Variable, which the tape does not watch "
                        "automatically: call tape.watch() on it inside the tape.")
            if isinstance(source, Variable) and not self._watch_accessed:
                return (f"{name} was not watched: the tape was made with "
                        "watch_accessed_variables=False, so call tape.watch() on it.")
            return (f"{name} was not watched by this tape: only trainable Variables read "
                    "inside the tape are watched automatically; call tape.watch() on it "
                    "(or make it a Variable) before using it inside the tape.")
        if target not in self._tracked:
            return (f"{tname} was not recorded by this tape: it was computed outside it "
                    "(before the tape opened, after it closed, or inside stop_recording), "
                    "or from nothing the tape watches. Compute it inside the tape.")
        if path == "recorded":
            return f"the gradient of {tname} with respect to {name} is not None."
        if path == "unrecorded":
            return (f"every path from {tname} back to {name} passes through an op this tape "
                    "did not record (computed inside stop_recording, or before the tape "
                    "opened). Compute it inside the tape.")
        return (f"{tname} does not depend on {name}: {name} is not on any path of ops "
                "leading to it. Use unconnected_gradients='zero' for zeros instead.")


def _path(target, source, recorded):
    """How the graph links ``target`` back to ``source``.

    Returns "recorded" for a path of recorded, differentiable ops (the gradient exists);
    "unrecorded" if every differentiable path has an op the tape did not record; the
    non-differentiable op cutting a path if every path has one; None for no path at all.
    """
    def search(through_cuts, through_unrecorded):
        seen, stack = set(), [(target, None)]
        while stack:
            node, cut = stack.pop()  # cut: the first non-differentiable op on this path
            if node is source:
                return True, cut
            if node in seen or node.op is None:
                continue
            seen.add(node)
            if not node.op.differentiable:
                if not through_cuts:
                    continue
                cut = cut or node.op
            elif node not in recorded and not through_unrecorded:
                continue
            stack.extend((x, cut) for x in node.inputs)
        return False, None
    if search(False, False)[0]:
        return "recorded"
    if search(False, True)[0]:
        return "unrecorded"
    found, cut = search(True, True)
    return cut if found else None


def _label(v):
    if isinstance(v, Value) and v.name:
        return f"{v.name!r}"
    return f"the {type(v).__name__} of shape {getattr(v, 'shape', '?')}"


def _flatten(x):
    if isinstance(x, dict):
        return [v for item in x.values() for v in _flatten(item)]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flatten(item)]
    return [x]


def _map_structure(fn, x):
    if isinstance(x, dict):
        return {k: _map_structure(fn, v) for k, v in x.items()}
    if isinstance(x, list):
        return [_map_structure(fn, v) for v in x]
    if isinstance(x, tuple):
        return tuple(_map_structure(fn, v) for v in x)
    return fn(x)


@contextlib.contextmanager
def stop_recording():
    """Pause every open tape (``tf.GradientTape.stop_recording`` for all of them)."""
    paused = [t for t in engine._state().tapes if not t._paused]
    for t in paused:
        t._paused = True
    try:
        yield
    finally:
        for t in paused:
            t._paused = False


def function(func=None, *, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, **experimental):
    """TensorFlow's ``@tf.function``, so a decorated training step ports by renaming: the
    function itself, run eagerly, op by op.

    TensorFlow traces the function into a graph and runs that; its results are defined to
    be those of running it eagerly (``tf.config.run_functions_eagerly(True)`` does exactly
    that), which is what every call here does. Here the graph is always the one the ops
    record as they run, so there is nothing to trace and no retracing to worry about.
    The arguments are TensorFlow's; they change nothing here. ``experimental_*`` keywords
    are accepted too; any other keyword is refused.

    >>> @function
    ... def square(x):
    ...     return x * x
    >>> float(square(constant(3.0)))
    9.0
    """
    unknown = sorted(k for k in experimental if not k.startswith("experimental_"))
    if unknown:
        raise TypeError(f"function: unexpected keyword arguments {unknown}")
    if func is None:  # @function(jit_compile=True)
        return lambda f: function(f)
    if not callable(func):
        raise TypeError(f"function: expected a callable to decorate, got {type(func).__name__}")
    return func
