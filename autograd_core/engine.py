"""The engine: a Value remembers the op that made it, and backward walks the graph in reverse.

Reverse-mode automatic differentiation in three ideas:

1. Every op is an object with ``forward`` (compute the output from the inputs' arrays) and
   ``backward`` (given g = dL/dy, the output y and the inputs, return dL/dx for each input).
2. Each result is a ``Value`` whose ``op`` and ``inputs`` record how it was made: the graph.
3. ``backward`` visits the graph from the loss back to the leaves, in an order where a node
   comes only after every node that uses it, and applies the chain rule at each op.

The walk is written once, as the generator ``_walk``: ``Value.backward()``, ``gradients``,
the ``GradientTape`` and the step-by-step display all run it.

One formula, two paths. An op's ``backward`` is written once, with operators and with the
functions of ``ops.xp``, which are numpy's functions for arrays and this library's ops for
Values. The walk calls it in one of two ways:

- the numpy path (the default): g, y and the inputs are numpy arrays, so the formula is
  plain numpy, as fast as hand-written code, and leaves no graph behind;
- the recorded path (``create_graph=True``, or a tape inside another tape): g, y and the
  inputs are the Values themselves, so the same formula runs as ops of this library and
  records the backward pass as a graph of its own, which can be differentiated again, to
  any order. A formula may also use constants the forward kept on the op (shapes, axes,
  masks, labels): those are the same on both paths.

We chose this over two alternatives: writing every backward with Values only (one path,
but every gradient of the training step would pay for graph nodes it never needs), and
a second, recorded formula per op (two places for each derivative, which a reader must
check against each other).

The graph holds no reference cycles (a Value points at its op and inputs, never the other
way), so Python frees it by reference counting alone, without the cyclic garbage
collector's pauses.

Grad mode, anomaly mode, the open tapes and the name scope are per thread (``modes``);
Values, the graph's nodes, are defined in ``value``.
"""

from __future__ import annotations

import math
import operator
from typing import NamedTuple

import numpy as np

from . import hooks as _hooks
from .modes import (  # noqa: F401  (re-exported: the engine's public names live here too)
    _local, _state, _ThreadState, census, detect_anomaly, enable_grad, is_grad_enabled,
    name_scope, no_grad,
)
from .value import (  # noqa: F401
    Grad, Value, Variable, _data, _new_object, _node, _numeric_dtype, _serial, _short,
    _to_array, _wrap, changes, constant, get_default_dtype, set_default_dtype,
)


# needs_grad tuples for one and two inputs, indexed by the inputs' requires_grad: shared
# constants, so a scalar node allocates no tuple for them.
_NEEDS1 = ((False,), (True,))
_NEEDS2 = (((False, False), (False, True)), ((True, False), (True, True)))


class Op:
    """One differentiable operation. A subclass has ``forward(*arrays) -> array`` and, right
    under it, ``backward(g, y, *inputs) -> tuple`` of one gradient per input.

    ``backward`` receives the upstream gradient g = dL/dy, the output y and the inputs, all
    numpy arrays on the fast path or all Values on the recorded path (see the module
    docstring): it is written with operators and ``ops.xp`` functions so that it serves
    both. It returns each dL/dx_i in the shape of the *broadcast* result; the engine alone
    sums it back to the input's shape (``unbroadcast``) and adds up gradients arriving at
    a Value from several uses. ``self.needs_grad[i]`` tells whether input i wants a
    gradient, so an op can skip work (and return ``None``) for inputs that need none.
    """

    # One op object is made per graph node (shared between nodes when it keeps nothing
    # else: ``stateless``): slots keep it small and free of a __dict__, and each
    # subclass's __slots__ lists its parameters and the constants its forward keeps for
    # backward.
    # needs_grad: a bool per input; scope: the name_scope the op ran in ("sequential/dense_1").
    __slots__ = ("needs_grad", "scope")
    # False for ops that pass no gradient at all (stop_gradient, argmax, equal).
    differentiable = True
    # True for a differentiable op class whose objects keep nothing but needs_grad and
    # scope (Add, Mul, Relu, ...): every class from it up to Op declares empty __slots__.
    # See _shared.
    stateless = False
    # Speed, for ops whose gradient is zero outside a part of their input (x[index]): a
    # method ``backward_into(acc, g)`` that adds what ``backward`` returns into the full-size
    # array ``acc`` in place, touching only that part. See "Sliced gradients" in _walk.
    backward_into = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.stateless = cls.differentiable and all(
            c.__dict__.get("__slots__", None) == () for c in cls.__mro__[:cls.__mro__.index(Op)])
        cls._shared = {}
        if cls.stateless:  # the shared objects outside name scopes, for apply's fast path
            cls._plain1 = [_shared_op(cls, needs) for needs in _NEEDS1]
            cls._plain2 = [[_shared_op(cls, needs) for needs in row] for row in _NEEDS2]

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, g, y, *xs):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__


def _shared_op(cls, needs):
    """The object of stateless op class ``cls`` for ``needs`` outside name scopes."""
    op = cls._shared[needs] = object.__new__(cls)  # keeps nothing: no __init__ to run
    op.needs_grad, op.scope = needs, None
    return op


def _check_apply_arguments(op, inputs):
    """A TypeError naming what ``apply(op, *inputs)`` was given instead of an Op and Values
    (``ag.apply(v)``, ``ag.apply(op, array)``), in place of an AttributeError from inside."""
    if not isinstance(op, Op):
        raise TypeError(f"apply: the first argument must be an Op (ops.Relu(), ...), got "
                        f"{type(op).__name__}; apply(op, *values) runs op on Values")
    for k, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"apply: {op!r}'s input {k} must be a Value, got "
                            f"{type(x).__name__}; wrap arrays in ag.constant(...) first")


def apply(op: Op, *inputs: Value) -> Value:
    """Run ``op`` on Values and record it in the graph (and on open tapes) when needed."""
    try:  # (an AttributeError: see the end)
        n = len(inputs)
        try:  # spelled out for one and two inputs: this runs once per graph node
            if n == 2:
                data = op.forward(inputs[0].data, inputs[1].data)
            elif n == 1:
                data = op.forward(inputs[0].data)
            elif n == 3:
                data = op.forward(inputs[0].data, inputs[1].data, inputs[2].data)
            else:
                data = op.forward(*[x.data for x in inputs])
        except (ValueError, TypeError, IndexError) as e:
            shapes = ", ".join(str(x.shape) for x in inputs)
            raise type(e)(f"{op!r}: {e} (input shapes: {shapes})") from None
        state = _local.state
        if state.plain and op.stateless:
            # The fast path: the ops most graphs are made of (Add, Mul, Relu, MatMul, ...) with
            # no mode on (recording, no anomaly checks, no tape, no name scope). The node takes
            # its class's shared op for its needs (see _shared) from a table, with no hashing
            # and no write to ``op``. A 10-element multiply took 1.15 us instead of 1.2, and
            # W4's 10,000-op forward (the peer benchmark) 16.5 ms instead of 18.6.
            if n == 2:
                a, b = inputs
                if a.requires_grad or b.requires_grad:
                    return _node(data, True, op._plain2[a.requires_grad][b.requires_grad], inputs)
                return _node(data)
            if n == 1:
                return _node(data, True, op._plain1[1], inputs) if inputs[0].requires_grad \
                    else _node(data)
        if state.anomaly:
            _check_finite(data, op, "forward")
        op.scope = state.scope
        if not op.differentiable:  # never walked; op and inputs kept to explain a missing gradient
            return _node(data, False, op, inputs)
        tapes = state.tapes
        if state.grad_enabled:
            if n == 2:
                needs = _NEEDS2[inputs[0].requires_grad][inputs[1].requires_grad]
            elif n == 1:
                needs = _NEEDS1[inputs[0].requires_grad]
            elif n == 3:
                needs = (inputs[0].requires_grad, inputs[1].requires_grad, inputs[2].requires_grad)
            else:
                needs = tuple([x.requires_grad for x in inputs])
            requires_grad = True in needs
        else:
            # Nothing is recorded, except on a forward-mode tape (see GradientTape's
            # _records_without_grad): the result then requires no grad, but keeps its op.
            if tapes:
                tapes = tuple(t for t in tapes if t._records_without_grad)
            if not tapes:
                return _node(data)
            needs, requires_grad = (False,) * n, False
        if tapes:
            # A tape records the op also for inputs it watches that need no grad (tape.watch on
            # a constant): then the op is kept for the tape, and requires_grad stays False.
            out = _node(data, requires_grad)
            needs = _record_on_tapes(tapes, inputs, out, needs)
            # Also linked when an input is linked but needs no grad: downstream of a cut
            # (stop_gradient, argmax), where tape.explain must find the op that cut the path.
            if True in needs or any(x.op is not None for x in inputs):
                op.needs_grad = needs
                out.op, out.inputs = op, inputs
            return out
        if requires_grad:
            if op.stateless:  # one op object per class, needs and scope (see _shared)
                key = needs if op.scope is None else (needs, op.scope)  # a pair hashes 2.5x slower
                shared = type(op)._shared.get(key)
                return _node(data, True, _shared(op, needs, key) if shared is None else shared,
                             inputs)
            op.needs_grad = needs
            return _node(data, True, op, inputs)
        return _node(data)
    except AttributeError:  # something other than an Op and Values: named (free unless raised)
        _check_apply_arguments(op, inputs)
        raise


def apply1(op_cls, x):
    """``apply(op_cls(), x)`` for a ``stateless`` op class: the path of ``x.relu()``.

    Speed, as in ``apply2`` (see there), including the result made here rather than by
    ``_node``: a 10-element ReLU took 0.90 us instead of 1.16.
    """
    if census.unplain and not _local.state.plain:  # see modes._Census
        return apply(op_cls(), x)
    needs = x.requires_grad
    op = op_cls._plain1[needs]
    try:
        data = op.forward(x.data)
    except (ValueError, TypeError, IndexError) as e:
        raise type(e)(f"{op!r}: {e} (input shapes: {x.shape})") from None
    if not needs:
        return _node(data)
    v = _new_object(Value)  # _node(data, True, op, (x,)), spelled out as in apply2
    v.data = data
    v.grad = None
    v.requires_grad = True
    v.name = None
    v.op = op
    v._in0, v._in1 = x, None
    v.serial = next(_serial)
    v.changed = -1
    return v


def apply2(op_cls, a, b):
    """``apply(op_cls(), a, b)`` for a ``stateless`` op class: the path of ``a * b``.

    Speed, fenced here and in ``apply1``: the arithmetic operators run once per graph
    node, and scalar graphs (micrograd's demo) and chains of small arrays are made of
    nothing else. With no mode on, these look at the modes first and take the class's
    shared op for the inputs' needs (see _shared) without making an op object first, nor
    going through ``apply``'s general dispatch. A scalar multiply took 1.8 us instead of
    2.25, a 10-element one 3.1 us instead of 3.6 (numpy's multiply alone: 1.1), and the
    forward pass of micrograd's demo (the peer benchmark's W2, gc off) 1.9 us a node
    instead of 2.3. The thread's modes are read only when some thread has one on (see
    modes._Census), and the result is made here rather than by ``_node`` (one call less
    a node): that forward pass then took 112 ms instead of 128 (65,000 nodes).
    """
    if census.unplain and not _local.state.plain:
        return apply(op_cls(), a, b)
    need_a, need_b = a.requires_grad, b.requires_grad
    op = op_cls._plain2[need_a][need_b]
    try:
        data = op.forward(a.data, b.data)
    except (ValueError, TypeError, IndexError) as e:
        raise type(e)(f"{op!r}: {e} (input shapes: {a.shape}, {b.shape})") from None
    if not (need_a or need_b):
        return _node(data)
    v = _new_object(Value)  # _node(data, True, op, (a, b)), spelled out
    v.data = data
    v.grad = None
    v.requires_grad = True
    v.name = None
    v.op = op
    v._in0, v._in1 = a, b
    v.serial = next(_serial)
    v.changed = -1
    return v


def _shared(op, needs, key):
    """Keep ``op`` as its class's object for ``key`` (``needs``, and its name scope if any):
    one op object per class, needs_grad and scope, for ops that keep nothing else.

    Speed, fenced here: Python's cyclic garbage collector walks every live container object
    at each full collection, and a graph being built is nothing but live containers: a
    Value, its op and its inputs tuple per node. Sharing the op leaves two: micrograd's
    demo step (66,000 scalar nodes, hinge loss, the collector on as users run it) took
    254-258 ms instead of 304-368 ms. The op's class, its needs_grad and its scope are all
    a walk, a drawing or the stepper ever read from it.
    """
    cache = type(op)._shared
    if len(cache) > 1024:  # many name scopes: start again rather than grow, keeping the
        # objects outside scopes, which apply's fast path also hands out
        unscoped = {k: v for k, v in cache.items() if v.scope is None}
        cache.clear()
        cache.update(unscoped)
    op.needs_grad = needs
    cache[key] = op
    return op


def _record_on_tapes(tapes, inputs, out, needs):
    """Append ``out`` to every open tape that watches one of ``inputs``."""
    needs = list(needs)
    for tape in tapes:
        if tape._paused:
            continue
        hit = False
        for i, x in enumerate(inputs):
            if x in tape._tracked:
                hit = needs[i] = True
            elif tape._watch_accessed and isinstance(x, Variable) and x.trainable:
                tape.watch(x)
                hit = needs[i] = True
        if hit:
            tape._records.append(out)
            tape._tracked.add(out)
    return tuple(needs)


def _check_finite(a, op, phase):
    a = _data(a)
    if a is not None and not np.all(np.isfinite(a)):
        raise FloatingPointError(f"detect_anomaly: {op!r} produced NaN or Inf in its {phase} "
                                 f"pass (output shape {np.shape(a)})")


def unbroadcast(grad, shape):
    """Sum a gradient over the axes broadcasting added or stretched, back to ``shape``.

    If ``x`` of shape (3,) was added to a (4, 3) array, each x[j] was used four times, so
    dL/dx[j] is the sum of the four gradients: the chain rule's sum over uses.
    """
    extra = grad.ndim - len(shape)
    if extra:  # axes broadcasting added in front: summed away, leaving a fresh array
        grad = _sum_leading(grad, extra)
    if 1 in shape:  # axes of length 1 that broadcasting stretched: summed back to 1
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        if stretched:
            grad = np.add.reduce(grad, axis=stretched, keepdims=True)
    return grad


def _sum_leading(grad, count):
    """``grad`` summed over its first ``count`` axes (a bias's gradient from a batch).

    Speed, fenced here: for a large contiguous float array the sum is a BLAS product with
    a vector of ones. numpy's reduction over leading axes runs a short inner loop per row:
    summing a (128, 26, 26, 32) float32 gradient to (32,) took 1.49 ms with np.add.reduce
    and 0.17 ms as ones @ g, and (1024, 512) to (512,) 0.054 against 0.034 ms; BLAS's
    blocked sums were also closer to the float64 sum (error 0.14 against 0.42 on sums of
    43,000 numbers near 0.5).
    """
    if grad.size >= _BLAS_SUM_MIN and grad.dtype in _BLAS_DTYPES and grad.flags.c_contiguous:
        rows = math.prod(grad.shape[:count])
        ones = _ONES.get((rows, grad.dtype))
        if ones is None:
            if len(_ONES) > 16:
                _ONES.clear()
            ones = _ONES[rows, grad.dtype] = np.ones(rows, grad.dtype)
        return (ones @ grad.reshape(rows, -1)).reshape(grad.shape[count:])
    return np.add.reduce(grad, axis=0 if count == 1 else tuple(range(count)))


def _sum_all(x):
    """Every element of ``x`` summed, as ``np.sum(x)`` (a numpy scalar).

    Speed, fenced here with ``_sum_leading``: the sum over the first axis is a BLAS product
    with ones, and what is left (one row) is summed by numpy. A (784, 512) float32 array:
    0.034 ms against numpy's 0.105 (the Hessian-vector product's <gradient, v>); a
    (128, 26, 26, 32) one 0.40 ms against 0.92. Only when that row is long: a vector, or
    a single column, would be one long BLAS accumulation, less exact than numpy's
    pairwise sum (a float32 error of 2e-3 against 5e-5 on 40,000 numbers near 0.5).
    """
    if x.ndim > 1 and x.size >= _BLAS_SUM_MIN and x.size // x.shape[0] >= 64:
        return np.add.reduce(_sum_leading(x, 1), axis=None)
    return np.add.reduce(x, axis=None)


_BLAS_SUM_MIN = 1 << 14
_BLAS_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_ONES = {}   # (rows, dtype) -> a vector of ones, reused across steps


class BackwardStep(NamedTuple):
    """One op of the backward pass: everything a display of it needs, nothing recomputed.

    node: the Value the op produced; op: the op; grad: dL/d(node), complete by now;
    raw_grads: what the op's ``backward`` returned for each input, in the shape of the
    op's (broadcast) result; input_grads: the gradient sent to each of ``node.inputs``,
    summed back to the input's shape, ``None`` where an input takes no gradient.
    """
    node: Value
    op: Op
    grad: object
    raw_grads: tuple
    input_grads: tuple

    def summed_axes(self, i):
        """The axes of ``raw_grads[i]`` that were summed because input i was broadcast
        (numbered as in the raw gradient), or ``()`` when none were."""
        raw, sent = self.raw_grads[i], self.input_grads[i]
        if sent is None or raw is None:
            return ()
        return _summed_axes(np.shape(raw), np.shape(sent))


def _summed_axes(raw_shape, shape):
    """The axes ``unbroadcast`` sums to bring a gradient of ``raw_shape`` to ``shape``."""
    extra = len(raw_shape) - len(shape)
    return tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and raw_shape[extra + i] != 1)


def _walk(nodes, grads, write_grad, create_graph=False, shown=False):
    """The backward pass: the chain rule at each op, in the given reverse order.

    Args:
        nodes: Values in an order where every node comes after all nodes that use it.
        grads: dict Value -> dL/dValue for this pass; holds the seed at the start and every
            gradient at the end.
        write_grad: also add each finished gradient into ``Value.grad`` (``backward()``);
            the tape leaves ``.grad`` alone, as TensorFlow does.
        create_graph: run each op's backward on Values, recording it (the seed in
            ``grads`` is then a Value too); otherwise on numpy arrays.
        shown: the caller shows each step's input gradients (the stepper): every op runs
            its ``backward``, with no shortcut.

    Yields ``(node, op, grad, raw_grads, input_grads)`` per op when ``shown``, a plain
    tuple because this runs once per node (``backward_steps`` names the fields). A walk
    that shows nothing (``backward()``, ``gradients``, ``tape.gradient``) runs to its end
    without stopping: nothing would read its steps, and a stop at every node made W4's
    walk (the peer benchmark: 10,000 ops on 10-element arrays) 18.3 ms instead of 17.3,
    and that of micrograd's demo (65,000 scalar nodes) 49-51 ms instead of 45-46. A
    node's hooks (``Value.register_hook``) see its gradient once complete, before
    anything uses it.
    (The recorded path, ``create_graph``, yields every step; its ops cost far more.)
    """
    if create_graph:
        yield from _walk_recorded(nodes, grads, write_grad)
        return
    # Values whose gradient this pass made itself, as a sum: no step and no user holds that
    # array, so further uses are added into it in place (a weight shared by many ops
    # collects its gradient without a new array per use).
    summed = set()
    get = grads.get  # bound once: these run for every node and every input
    ndarray = np.ndarray
    anomaly = _local.state.anomaly
    hooked = _hooks.registered or None  # Value.register_hook: see hooks.py
    # Sliced gradients (speed). A recurrent layer reads step t of a (batch, steps, units)
    # array as xw[:, t]: written as backward, each read's gradient is a full-size array of
    # zeros around one step, added into the total, so the walk costs steps**2 slices. Once
    # the pass owns the total (`summed`), an op with `backward_into` adds its gradient into
    # the indexed part in place instead: the same sum, one slice of work per read. Its step
    # has no per-input arrays to show (nothing but a display reads them; `shown` turns
    # this off, as does anomaly mode, which checks each op's raw gradients).
    # Both this and "Direct nodes" below skip only what a display or anomaly mode reads.
    slices = not (shown or anomaly)
    direct = slices and hooked is None  # see "Direct nodes"
    fits = False
    clock = changes  # local names: read for every node
    for node in nodes:
        grad = get(node)
        if grad is None:
            continue
        if hooked is not None and id(node) in hooked:
            grad = grads[node] = _hooks.run_hooks(node, grad, False)
        if write_grad:
            node.grad = grad if node.grad is None else node.grad + grad
        op = node.op
        if op is None or not op.differentiable:  # a leaf, or cut (stop_gradient)
            if op is None and write_grad:
                if type(node.grad) is ndarray:
                    node.grad = node.grad.view(Grad)  # w.grad.zero_() as in PyTorch
                if hooked is not None and id(node) in hooked:
                    _hooks.run_after_accumulation(node)
            continue
        if clock.latest > node.serial:  # something changed in place since this op ran
            _check_unchanged(node)
        # The inputs, from the node's two slots (see Value.inputs): spelled out for one and
        # two inputs, as in apply.
        a, b = node._in0, node._in1
        if a is None:  # three inputs or more, or a Deferred node (see deferred.py)
            inputs = b
            raw = op.backward(grad, node.data if type(node) is Value else node.computed,
                              *[x.data for x in inputs])
        elif b is None:
            if op.backward_into is not None and slices and a in summed and (
                    hooked is None or id(node) not in hooked):  # a node hook sees its raw
                op.backward_into(grads[a], grad)  # see "Sliced gradients" above
                continue  # (never shown: nothing to yield)
            ad = a.data
            raw = op.backward(grad, node.data, ad)
            if direct:  # see "Direct nodes" below
                (grad_a,) = raw
                need_a, need_b = op.needs_grad[0], False
                fits = need_a and type(grad_a) is (kind := type(ad)) and (
                    kind is not ndarray or grad_a.dtype is ad.dtype and grad_a.shape == ad.shape)
        else:
            ad, bd = a.data, b.data
            raw = op.backward(grad, node.data, ad, bd)
            if direct:
                grad_a, grad_b = raw
                need_a, need_b = op.needs_grad
                fits = (not need_a or type(grad_a) is (kind := type(ad)) and (
                    kind is not ndarray or grad_a.dtype is ad.dtype
                    and grad_a.shape == ad.shape)) and (
                    not need_b or type(grad_b) is (kind := type(bd)) and (
                        kind is not ndarray or grad_b.dtype is bd.dtype
                        and grad_b.shape == bd.shape))
        if fits:
            # Direct nodes (speed, fenced here and in the two branches above). Nearly every
            # node of a graph of scalars or small arrays (micrograd's demo, a chain of
            # elementwise ops) sends each input a gradient that already fits it: a numpy
            # scalar of its type, or an array of its shape and dtype. Then there is nothing
            # to fit, check or show, and each gradient is added as in the loop below,
            # spelled out for the two inputs, with no tuple of inputs made. The walk of W4
            # (the peer benchmark: 10,000 ops on 10-element arrays) took 18.9 ms instead of
            # 21.9; that of micrograd's demo (65,000 scalar nodes) 51 ms, as before, when
            # scalars alone had such a path. tests/test_engine_direct_nodes.py checks that
            # the general path gives the same bits.
            fits = False
            if need_a:
                prev = get(a)
                if prev is None:
                    if a.op is None and type(grad_a) is ndarray and (
                            grad_a is grad or grad_a.base is not None):
                        grad_a = grad_a.copy()  # a leaf's .grad must be its own (see below)
                    grads[a] = grad_a
                elif type(prev) is not ndarray:  # a numpy scalar: the sum is a new one
                    grads[a] = prev + grad_a
                elif a in summed:
                    prev += grad_a
                else:
                    grads[a] = prev + grad_a
                    summed.add(a)
            if need_b:
                prev = get(b)
                if prev is None:
                    if b.op is None and type(grad_b) is ndarray and (
                            grad_b is grad or grad_b.base is not None):
                        grad_b = grad_b.copy()
                    grads[b] = grad_b
                elif type(prev) is not ndarray:  # a numpy scalar: the sum is a new one
                    grads[b] = prev + grad_b
                elif b in summed:
                    prev += grad_b
                else:
                    grads[b] = prev + grad_b
                    summed.add(b)
            continue  # (never shown: nothing to yield)
        if a is not None:  # one or two inputs, from the slots
            inputs = (a,) if b is None else (a, b)
        if anomaly:
            for g in raw:
                _check_finite(g, op, "backward")
        if hooked is not None and id(node) in hooked:  # grad_fn.register_hook
            raw = _hooks.run_node_hooks(node, raw, grad, False)
        # What each input was sent, for a display (``shown``); nothing else reads it.
        sent = [] if shown else None
        for x, g, needed in zip(inputs, raw, op.needs_grad):
            if g is None or not needed:  # not needed: a constant, whatever the op computed
                if shown:
                    sent.append(None)
                continue
            xd = x.data
            kind = type(g)
            # Same type and, for arrays, same shape and dtype: the common case, no work.
            # (numpy's built-in dtypes are singletons: `is` compares them at no cost.)
            if kind is not type(xd) or kind is ndarray and (
                    g.dtype is not xd.dtype or g.shape != xd.shape):
                g = _fit(g, xd, op)
                kind = type(g)
            prev = get(x)
            if prev is None:
                # A leaf keeps this array as its .grad, which users and optimizers may
                # change in place: copy it if it is shared with another node (the
                # upstream gradient itself, or a view of something).
                if kind is ndarray and x.op is None and (g is grad or g.base is not None):
                    g = g.copy()
                grads[x] = g
            elif type(prev) is not ndarray:  # a numpy scalar: the sum is a new one
                grads[x] = prev + g
            elif x in summed:
                prev += g
            else:
                grads[x] = prev + g
                summed.add(x)
            if shown:
                sent.append(g)
        if shown:
            yield node, op, grad, raw, sent


def _walk_recorded(nodes, grads, write_grad):
    """``_walk`` with ``create_graph``: each op's backward runs on Values, as recorded ops.

    The same chain rule as the numpy path, one op at a time; only the arithmetic is
    recorded (with grad mode on, whatever the caller's), so the gradients it leaves in
    ``grads`` are Values with a graph of their own.
    """
    from .ops import cast  # the ops package is built on this module
    from .ops.shape import SumTo

    state = _local.state
    hooked = _hooks.registered or None
    for node in nodes:
        grad = grads.get(node)
        if grad is None:
            continue
        op = node.op
        # Recording on while the op's backward runs, the caller's mode back before the step
        # is yielded. Set only when it is off: each assignment updates the thread's summary
        # of its modes (see modes._ThreadState), twice a node otherwise.
        was_enabled = state.grad_enabled
        if not was_enabled:
            state.grad_enabled = True
        try:
            if hooked is not None and id(node) in hooked:
                grad = grads[node] = _hooks.run_hooks(node, grad, True)
            if write_grad:
                node.grad = grad if node.grad is None else node.grad + grad
                if op is None and hooked is not None and id(node) in hooked:
                    _hooks.run_after_accumulation(node)
            if op is None or not op.differentiable:
                continue
            if changes.latest > node.serial:
                _check_unchanged(node)
            raw = op.backward(grad, node, *node.inputs)
            if state.anomaly:
                for g in raw:
                    _check_finite(g, op, "backward")
            if hooked is not None and id(node) in hooked:  # grad_fn.register_hook
                raw = _hooks.run_node_hooks(node, raw, grad, True)
            sent = []
            for x, g, needed in zip(node.inputs, raw, op.needs_grad):
                if g is None or not needed:
                    sent.append(None)
                    continue
                if not isinstance(g, Value):  # a formula that made a constant (zeros)
                    g = constant(g, dtype=x.dtype)
                if g.shape != x.shape:
                    _check_fits(g.shape, x.shape, op)  # so sum_to's own check is not needed
                    g = apply(SumTo(x.shape), g)
                if g.dtype != x.dtype:
                    g = cast(g, x.dtype)
                prev = grads.get(x)
                grads[x] = g if prev is None else prev + g
                sent.append(g)
        finally:
            if not was_enabled:
                state.grad_enabled = False
        yield node, op, grad, raw, sent


def _check_unchanged(node):
    """Refuse to differentiate an op whose output or inputs were changed in place after it
    ran: its backward would read data its forward never saw."""
    for v in (node,) + node.inputs:
        if v.changed > node.serial:
            what = "its output" if v is node else f"its input {_label(v)}"
            raise RuntimeError(
                f"backward: {what} was changed in place (assign, -=, an optimizer step) after "
                f"{node.op!r} used it, so its gradient would mix old and new values. Compute "
                "the forward pass again after changing the data (or change it afterwards).")


def _fit(g, data, op):
    """A gradient in its input's shape (summing broadcast axes) and dtype."""
    g = np.asarray(g)
    shape = data.shape
    if g.shape != shape:
        _check_fits(g.shape, shape, op)
        g = unbroadcast(g, shape)
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    return g[()] if g.ndim == 0 else g


def _check_fits(grad_shape, shape, op):
    """An op's backward must return a gradient that broadcasting explains."""
    extra = len(grad_shape) - len(shape)
    if extra < 0 or any(n != 1 and n != m for n, m in zip(shape, grad_shape[extra:])):
        raise ValueError(f"backward of {op!r}: a gradient of shape {tuple(grad_shape)} cannot "
                         f"be summed back to its input's shape {tuple(shape)}")


def topological_order(roots) -> list:
    """Values that ``roots`` (a Value or a list) depend on through gradient-requiring paths,
    newest first.

    An op's output is always made after its inputs, so the order the Values were made in
    (their ``serial``) is already a topological order: gather what the roots reach, with
    a worklist rather than recursion (a chain of a million ops is fine), and sort it
    newest first. Every node then comes after all the nodes that use it.
    """
    nodes = [roots] if isinstance(roots, Value) else list(dict.fromkeys(roots))
    seen = set(nodes)
    for node in nodes:  # the list grows as we go: a breadth-first sweep
        # The inputs' slots (see Value.inputs), read as the walk reads them; a scalar graph
        # took 35 ms instead of 44 to order (65,000 nodes) without a tuple per node.
        a, b = node._in0, node._in1
        if a is None:  # no inputs, or more than two
            for x in b or ():
                if x.requires_grad and x not in seen:
                    seen.add(x)
                    nodes.append(x)
            continue
        if a.requires_grad and a not in seen:
            seen.add(a)
            nodes.append(a)
        if b is not None and b.requires_grad and b not in seen:
            seen.add(b)
            nodes.append(b)
    nodes.sort(key=_by_serial, reverse=True)
    return nodes


_by_serial = operator.attrgetter("serial")


def backward_steps(root: Value, grad=None):
    """Run the backward pass from ``root`` one op at a time, yielding ``BackwardStep``s.

    ``root.backward(grad)`` runs the same walk to its end; the step-by-step display shows
    these steps. Gradients are added into ``.grad`` as each node's gradient completes.
    """
    for node, op, g, raw, sent in _backward(root, grad, False, shown=True):
        yield BackwardStep(node, op, g, tuple(raw), tuple(sent))


class GradFn:
    """PyTorch's ``y.grad_fn``: the backward of the op that made ``y``, seen as a node of
    the backward graph, so that PyTorch's tutorials can walk that graph here too.

    ``name()`` is the op's name with PyTorch's suffix (``MulBackward0``). ``next_functions``
    gives ``(grad_fn, 0)`` for each input: the input's own ``GradFn``, an ``AccumulateGrad``
    for a leaf that requires a gradient (its ``variable`` is the leaf), or None for a
    constant. Called with dL/dy, it returns dL/dx for each input in the input's shape (None
    where an input needs none; the gradient alone for a one-input op), as PyTorch's does.
    A new object is made at each ``y.grad_fn``; ``==`` compares the Values they belong to.
    ``op`` is the op, ``node`` the Value ``y``.
    """

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    @property
    def op(self):
        return self.node.op

    def name(self):
        return f"{type(self.node.op).__name__}Backward0"

    @property
    def next_functions(self):
        return tuple((_grad_fn_of_input(x), 0) for x in self.node.inputs)

    def __call__(self, grad):
        node = self.node
        g = _to_array(grad, dtype=node.dtype, where=self.name())
        if np.shape(g) != node.shape:
            raise ValueError(f"{self.name()}: the gradient has shape {np.shape(g)}, but the "
                             f"output has shape {node.shape}")
        if changes.latest > node.serial:  # as the walk: data changed in place since the op
            _check_unchanged(node)
        raw = node.op.backward(g, node.data, *[x.data for x in node.inputs])
        found = tuple(None if gx is None or not needed else constant(_fit(gx, x.data, node.op))
                      for x, gx, needed in zip(node.inputs, raw, node.op.needs_grad))
        return found[0] if len(found) == 1 else found

    def register_prehook(self, hook):
        """PyTorch's: ``hook(grad_outputs)`` runs before this node's backward, with the
        tuple (dL/dy,); what it returns, if not None, replaces it. Returns a handle."""
        return _hooks.register_node_hook(self.node, hook, before=True)

    def register_hook(self, hook):
        """PyTorch's: ``hook(grad_inputs, grad_outputs)`` runs after this node's backward,
        with dL/dx for each input (None where none is sent) and (dL/dy,); what it returns,
        if not None, replaces grad_inputs. Returns a handle."""
        return _hooks.register_node_hook(self.node, hook, before=False)

    def __eq__(self, other):
        return isinstance(other, GradFn) and other.node is self.node

    def __hash__(self):
        return id(self.node)

    def __repr__(self):
        return f"<{self.name()} object>"


class AccumulateGrad:
    """PyTorch's end of the backward graph for a leaf: where its gradient is added into
    ``variable.grad``. It has no ``next_functions``."""

    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)

    def __repr__(self):
        return "<AccumulateGrad object>"


def grad_fn(v):
    """``v.grad_fn``: a ``GradFn`` for a result of a recorded op, None for a leaf or a
    constant."""
    return GradFn(v) if v.op is not None and v.requires_grad else None


def _grad_fn_of_input(x):
    if not x.requires_grad:
        return None
    return AccumulateGrad(x) if x.op is None else GradFn(x)


def _backward(root, grad, create_graph, shown=False):
    if not root.requires_grad:
        raise RuntimeError("backward: this Value does not require grad (it was computed "
                           "from constants, under no_grad, or through stop_gradient)")
    seed = _seed(root, grad, "backward", create_graph)
    return _walk(topological_order(root), {root: seed}, True, create_graph, shown)


def _seed(root, grad, where, create_graph=False, given=None):
    """dL/droot to start a walk: ones for a one-element root, else ``grad`` checked.

    On the recorded path the seed is a Value: a given Value stays itself, so what is
    computed from it can be differentiated with respect to it (``jvp`` relies on that).
    ``given``: a dict from a caller that reads the seed where it lies, without a copy, and
    copies whatever of it the walk hands back (``_unshared``): the array is noted there
    (id -> array). Without it the array is copied.
    """
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(f"{where}: grad can be implicitly created only for a scalar "
                               f"output, but the output has shape {root.shape}; pass grad=")
        seed = root.data.dtype.type(1) if root.data.ndim == 0 else np.ones_like(root.data)
        return constant(seed) if create_graph else seed
    if create_graph and isinstance(grad, Value):
        if grad.shape != root.shape:
            raise ValueError(f"{where}: grad has shape {grad.shape} but the output has "
                             f"shape {root.shape}")
        return grad
    seed = _to_array(grad, dtype=root.dtype, where=where)
    if np.shape(seed) != root.shape:
        raise ValueError(f"{where}: grad has shape {np.shape(seed)} but the output has "
                         f"shape {root.shape}")
    if create_graph:
        return constant(seed)  # a copy: the recorded graph outlives this call
    if isinstance(seed, np.ndarray):
        if given is None:
            seed = seed.copy()  # it may become root.grad, which zero_grad may change in place
        else:
            given[id(seed)] = seed
    return seed


def gradients(outputs, inputs, grad_outputs=None, create_graph=False, allow_unused=False,
              *, _as_values=True):
    """The gradients of ``outputs`` with respect to ``inputs``: ``torch.autograd.grad``.

    Args:
        outputs: a Value or a list of Values; with several, their gradients add up.
        inputs: a Value or a list of Values (leaves or intermediate results).
        grad_outputs: the seed dL/d(output) for each output (default: 1 for one-element
            outputs; required for others), one per output.
        create_graph: record the backward pass, so the gradients are Values that can be
            differentiated again (second derivatives, Hessians, gradient penalties).
        allow_unused: give None for an input the outputs do not depend on, instead of
            raising.
    Returns:
        A tuple with one gradient per input (a Value, or None), in the order given.
        ``.grad`` is left untouched.

    >>> x = Value(3.0)
    >>> (dy,) = gradients(x ** 3, x, create_graph=True)   # 3 x**2 = 27
    >>> (d2y,) = gradients(dy, x)                          # 6 x = 18
    >>> float(dy), float(d2y)
    (27.0, 18.0)
    """
    outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
    single = isinstance(inputs, Value)
    inputs = [inputs] if single else list(inputs)
    for what, values in (("outputs", outputs), ("inputs", inputs)):
        for v in values:
            if not isinstance(v, Value):
                raise TypeError(f"gradients: {what} must be Values, got {type(v).__name__}")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (list, tuple)):
        grad_outputs = list(grad_outputs)
    else:
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"gradients: {len(grad_outputs)} grad_outputs for {len(outputs)} "
                         "outputs; give one per output")
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError(f"gradients: input {_label(x)} does not require grad, so it "
                               "has no gradient (a constant, or computed under no_grad)")
    grads = {}
    # The caller's grad_outputs arrays, read without a copy (see _seed): the walk never
    # writes into a gradient it did not make (see ``summed`` in _walk), so only an input
    # whose gradient is one of them, or a view of one, needs a copy below. Copying the
    # seeds made the seeded Hessian-vector product of benchmarks/hvp.py (the 784-512-10
    # loss, batch 128) 3.14-3.18 ms instead of 3.06-3.07 on two threads.
    given = {}
    for out, seed in zip(outputs, grad_outputs):
        if not out.requires_grad:
            continue  # a constant output contributes nothing
        g = _seed(out, seed, "gradients", create_graph, given)
        grads[out] = g if out not in grads else grads[out] + g
    if not grads and not allow_unused:  # PyTorch says so too, rather than "not used"
        raise RuntimeError("gradients: no output requires grad (each was computed from "
                           "constants, under no_grad, or through stop_gradient), so no input "
                           "has a gradient (pass allow_unused=True to get None)")
    for _ in _walk(_on_paths(grads, inputs), grads, False, create_graph):
        pass
    found, wrapped = [], set()
    for x in inputs:
        g = grads.get(x)
        if g is None and not allow_unused:
            raise RuntimeError(f"gradients: input {_label(x)} is not used to compute the "
                               "outputs (pass allow_unused=True to get None for it)")
        g = _unshared(g, given)
        if g is not None and _as_values:
            g = _handed_back(g, wrapped)
        found.append(g)
    return tuple(found)


def _unshared(g, given):
    """``g``, or a copy of it when it is one of the caller's seeds or a view of one
    (``given``: id -> the seed arrays a walk read without copying them)."""
    if given and isinstance(g, np.ndarray) and (id(g) in given or g.base is not None and any(
            np.may_share_memory(g, seed) for seed in given.values())):
        return g.copy()
    return g


def _handed_back(g, wrapped):
    """A gradient the walk left for this call, as the Value given to the caller.

    The walk made the array for this call: it is wrapped as it is (no copy of a
    parameter-sized gradient), unless it is a view or an array already handed back
    (``wrapped``: their ids), which are copied so that changing one gradient in place
    changes no other. ``gradients`` and ``GradientTape.gradient`` return their gradients so.
    """
    if isinstance(g, Value):
        return g
    if isinstance(g, np.ndarray) and g.base is None and id(g) not in wrapped:
        wrapped.add(id(g))
        return _node(g)
    return constant(g)


def _on_paths(roots, inputs):
    """The nodes of ``topological_order(roots)`` whose backward the gradients of ``inputs``
    need (see ``_backward_needed``), in the walk's order."""
    order = topological_order(list(roots))
    return _backward_needed(reversed(order), inputs)[::-1]


def _backward_needed(order, inputs):
    """The nodes of ``order`` (oldest first) whose backward the gradients of ``inputs``
    need, oldest first: those on a path from one of ``inputs`` onwards, except an input
    with no other input upstream of it.

    Such an input's gradient is complete once the nodes that use it have run; its own
    backward would only send gradients on to nodes nothing asks about (PyTorch's
    ``autograd.grad`` does not run it either). Measured on the 784-512-10 loss at batch 128
    (interleaved, one process): the gradient of <g, v> with respect to the loss's gradients
    g, whose last ops are parameter-sized matrix products, took 0.94 ms with those run and
    0.15 without; the gradient with respect to the hidden layer, 0.17 ms and 0.13. A
    ``GradientTape`` walks its records so too: that gradient on a tape, forward included,
    took 1.58 ms and 0.95; finding the nodes costs about 0.15 us a record (a tape of 10,000
    small ops: 76.1 ms against 74.6). An input with hooks stays in the walk, which runs
    them when it reaches the input.
    """
    leads = set(inputs)  # the inputs, and every node made from one
    hooked = _hooks.registered
    needed = []
    for node in order:
        if not leads.isdisjoint(node.inputs):
            leads.add(node)
            needed.append(node)
        elif id(node) in hooked and node in leads:
            needed.append(node)
    return needed


def _label(v):
    return repr(v.name) if v.name else f"of shape {v.shape}"
