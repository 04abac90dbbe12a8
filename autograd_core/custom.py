"""Custom gradients: your own derivative for a function, as TensorFlow and PyTorch let you.

- ``@custom_gradient`` (TensorFlow's contract): the function returns ``y`` and a function
  from the upstream gradient ``dy`` to the gradients of its inputs.
- ``Function`` (PyTorch's ``torch.autograd.Function``): a class with static
  ``forward(ctx, *inputs)`` (or ``forward(*inputs)`` and ``setup_context``) and
  ``backward(ctx, *grad_outputs)``; ``ctx.save_for_backward`` keeps what backward needs,
  and ``MyFunction.apply(x)`` runs it.

Both make an ``Op`` whose backward calls your code, so they draw and step like every op
(the op is named after your function, and shows its docstring's maths). Your backward is
called with Values: constants on the usual path, recorded Values when gradients are
recorded (``create_graph=True``), so a backward written with this library's ops can be
differentiated again.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading

import numpy as np

from . import value as _value
from .engine import Op, Value, _wrap, apply, constant, enable_grad, no_grad

__all__ = ["custom_gradient", "Function", "FunctionContext", "once_differentiable"]


def _as_gradients(found, n, where):
    """The user's gradients as a tuple of one per input (a bare one for a single input)."""
    if not isinstance(found, (tuple, list)):
        found = (found,)
    found = tuple(found)
    if len(found) != n:
        raise ValueError(f"{where}: backward returned {len(found)} gradients for {n} inputs")
    return found


def _for_walk(found, recorded):
    """Gradients as the walk expects them: Values when recording, arrays otherwise."""
    out = []
    for g in found:
        if g is None:
            out.append(None)
        elif recorded:
            out.append(g if isinstance(g, Value) else constant(np.asarray(g)))
        else:
            out.append(g.data if isinstance(g, Value) else np.asarray(g))
    return tuple(out)


class CustomGradient(Op):
    """y = f(x1, ...) with the derivative the user gave     dL/dx = grad_fn(g)

    One subclass per decorated function, named after it and carrying its docstring."""

    __slots__ = ("y", "grad_fn", "variables")

    def forward(self, *xs):
        return self.y  # computed by the user's function, which ran on the Values

    def backward(self, g, y, *xs):
        recorded = isinstance(g, Value)
        dy = g if recorded else constant(g)
        with (enable_grad() if recorded else no_grad()):
            if not self.variables:
                return _for_walk(_as_gradients(self.grad_fn(dy), len(xs), repr(self)),
                                 recorded)
            # The Variables the function read are inputs of the op too, after its own
            # (TensorFlow's contract: grad_fn(dy, variables) -> (input grads, variable grads)).
            found = self.grad_fn(dy, variables=list(self.variables))
        n = len(xs) - len(self.variables)
        if not (isinstance(found, (tuple, list)) and len(found) == 2):
            raise ValueError(f"{self!r}: grad_fn(dy, variables=...) must return a pair "
                             "(gradients of the inputs, gradients of the variables)")
        of_inputs = _as_gradients(found[0], n, repr(self))
        of_variables = tuple(found[1]) if isinstance(found[1], (tuple, list)) else None
        if of_variables is None or len(of_variables) != len(self.variables):
            given = "not a list" if of_variables is None else f"{len(of_variables)}"
            raise ValueError(f"{self!r}: grad_fn returned {given} variable gradients for "
                             f"{len(self.variables)} variables")
        return _for_walk(of_inputs + of_variables, recorded)


def _read_variables(y, xs, start):
    """The Values requiring grad that ``y`` was computed from inside a function, other than
    its arguments ``xs``: the leaves (Variables, parameters) it read, in the order they were
    made. The function's ops are those made at or after ``start`` (a serial number); a
    Value made before that is an argument or a captured result, where the search stops.
    """
    args = {id(x) for x in xs}
    found, seen, stack = {}, set(), [y]
    while stack:
        v = stack.pop()
        if id(v) in seen or id(v) in args:
            continue
        seen.add(id(v))
        if v.op is None:
            if v.requires_grad:
                found[id(v)] = v
        elif v.serial >= start:
            stack.extend(v.inputs)
    return sorted(found.values(), key=lambda v: v.serial)


def _takes_variables(grad_fn):
    try:
        params = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: assume it does not
        return False
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)


def custom_gradient(f):
    """Give ``f`` your own gradient (``tf.custom_gradient``).

    ``f`` takes Values and returns ``(y, grad_fn)``, where ``grad_fn(dy)`` returns the
    gradient of each input (a tuple, or one gradient for one input). The ops ``f`` runs to
    make ``y`` are not walked backward: ``grad_fn`` replaces them.

    If ``f`` reads Variables (or other Values requiring grad made outside it) that are not
    its arguments, ``grad_fn`` must take them, as in TensorFlow: ``grad_fn(dy,
    variables=None)`` is called with the list of those Variables (in the order they were
    made) and returns ``(input gradients, [one gradient per variable])``. A ``grad_fn``
    without that keyword is refused when ``f`` is called, rather than leaving the
    Variables without a gradient. A result computed outside ``f`` and captured by it is a
    constant inside, as in TensorFlow.

    >>> import autograd_core as ag
    >>> @custom_gradient
    ... def log1pexp(x):
    ...     '''y = log(1 + exp(x))      dL/dx = g * (1 - 1 / (1 + exp(x)))'''
    ...     e = ag.exp(x)
    ...     return ag.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))
    >>> x = ag.Value(100.0, dtype=ag.float64)
    >>> log1pexp(x).backward()
    >>> float(x.grad)           # the plain formula's gradient would be inf / inf = nan
    1.0
    """
    name = getattr(f, "__name__", "custom_gradient")
    op_type = type(name, (CustomGradient,), {"__slots__": (), "__doc__": f.__doc__ or
                                             CustomGradient.__doc__})

    @functools.wraps(f)
    def wrapped(*args):
        xs = tuple(_wrap(a) for a in args)
        start = next(_value._serial)  # f's ops are numbered from here on
        result = f(*xs)
        if not (isinstance(result, tuple) and len(result) == 2 and callable(result[1])):
            raise TypeError(f"custom_gradient: {name} must return (y, grad_fn), got "
                            f"{type(result).__name__}")
        y, grad_fn = result
        y = _wrap(y)
        variables = _read_variables(y, xs, start)
        if variables and not _takes_variables(grad_fn):
            names = ", ".join(v.name or f"shape {v.shape}" for v in variables)
            raise TypeError(f"custom_gradient: {name} reads Values that require grad and are "
                            f"not its arguments ({names}), so its grad_fn must take them: "
                            "def grad_fn(dy, variables=None) returning (input gradients, "
                            "variable gradients), as in TensorFlow")
        op = op_type()
        op.y, op.grad_fn, op.variables = y.data, grad_fn, tuple(variables)
        return apply(op, *xs, *variables)
    return wrapped


class FunctionContext:
    """``ctx`` of a ``Function``: what forward keeps for backward.

    save_for_backward(*values) and saved_tensors (PyTorch's names); needs_input_grad, a
    bool per input; mark_non_differentiable(*outputs) (those outputs require no grad, and
    backward receives zeros for them, or None after ``set_materialize_grads(False)``); any
    other attribute you set (ctx.alpha = alpha) is kept as well.
    """

    def __init__(self):
        self.saved = ()
        self.needs_input_grad = ()
        self.non_differentiable = ()
        self.materialize_grads = True

    def save_for_backward(self, *values):
        self.saved = values

    @property
    def saved_tensors(self):
        return self.saved

    saved_values = saved_tensors

    def mark_non_differentiable(self, *outputs):
        self.non_differentiable = self.non_differentiable + outputs

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class FunctionOp(Op):
    """y = forward(ctx, x1, ...)      dL/dx = backward(ctx, g)

    One subclass per ``Function`` subclass, named after it and carrying its docstring.
    A forward with several outputs is one node holding them all, raveled one after the
    other (``Outputs``); each output the caller gets is its piece of that node, so the
    gradients of all of them reach backward together."""

    __slots__ = ("function", "ctx", "y", "args", "consts", "saved", "outputs")

    def forward(self, *xs):
        return self.y

    def backward(self, g, y, *xs):
        recorded = isinstance(g, Value)
        ctx = self.ctx
        outputs = self.outputs
        if recorded:
            # What forward saved, as the graph's own Values: an input as that input, an
            # output as its piece of the node, so that the gradient can be differentiated
            # again.
            graph = {id(c): x for c, x in zip(self.consts, xs)}
            graph.update(outputs.saved_pieces(y))
            ctx.saved = tuple(graph.get(id(v), v) for v in self.saved)
        try:
            if not _defines(self.function, "jvp") or (
                    _defines(self.function, "backward") and not _forward_mode.on):
                with (enable_grad() if recorded else no_grad()):
                    upstream = outputs.gradients(g if recorded else constant(g),
                                                 ctx.materialize_grads)
                    found = self.function.backward(ctx, *upstream)
            else:
                if outputs.several:
                    raise NotImplementedError(f"{self.function.__name__}: a Function with "
                                              "several outputs needs backward, not only jvp")
                found = _backward_from_jvp(self.function, ctx, self.args, g, recorded)
        finally:
            ctx.saved = self.saved
        found = _as_gradients(found, len(self.args), repr(self))
        # One gradient per argument of forward; keep those of the inputs (Values, arrays).
        found = tuple(gr for a, gr in zip(self.args, found) if _is_input(a))
        if recorded and getattr(self.function.backward, "once_differentiable", False):
            # each gradient joined to the inputs, so that it is part of the recorded graph
            # and a second differentiation reaches the op that refuses it
            found = tuple(None if gr is None else apply(_OnceDifferentiable(self.function),
                                                        _wrap(gr), *xs) for gr in found)
        return _for_walk(found, recorded)


class Outputs:
    """How a Function's outputs sit in its one node. The differentiable ones (float Values
    and arrays not marked non-differentiable) are the node's data: the output itself when
    there is one, else all of them raveled one after the other, in one dtype, each handed
    back as its piece of the node. The others are handed back as forward made them."""

    def __init__(self, returned, ctx):
        self.several = isinstance(returned, (tuple, list))
        self.kind = type(returned) if self.several else None
        items = tuple(returned) if self.several else (returned,)
        marked = {id(v) for v in ctx.non_differentiable}
        # arrays as Values of their own dtype (integer indices stay integers)
        self.items = [_value._node(o) if isinstance(o, (np.ndarray, np.generic)) else o
                      for o in items]
        self.live = [i for i, o in enumerate(self.items) if isinstance(o, Value) and
                     o.dtype.kind == "f" and id(items[i]) not in marked]

    def packed(self):
        """The node's data."""
        if len(self.live) == 1:
            return self.items[self.live[0]].data
        dtype = np.result_type(*[self.items[i].dtype for i in self.live])
        return np.concatenate([np.ravel(self.items[i].data).astype(dtype, copy=False)
                               for i in self.live])

    def _spans(self):
        at = 0
        for i in self.live:
            size = self.items[i].data.size
            yield i, at, at + size
            at += size

    def pieces(self, node):
        """(output index, its piece of ``node``) for each differentiable output."""
        from .ops import cast, reshape

        if len(self.live) == 1:
            yield self.live[0], node
            return
        for i, start, stop in self._spans():
            out = self.items[i]
            piece = reshape(node[start:stop], out.shape)
            yield i, piece if piece.dtype == out.dtype else cast(piece, out.dtype)

    def saved_pieces(self, node):
        """{id(output forward returned): its piece of ``node``}, to re-link what forward
        saved to the graph."""
        return {id(self.items[i]): piece for i, piece in self.pieces(node)}

    def results(self, node):
        """What ``apply`` returns: forward's outputs, the differentiable ones as pieces of
        the node, the others as forward made them (made under no_grad: no gradient)."""
        found = list(self.items)
        for i, piece in self.pieces(node):
            found[i] = piece
        if not self.several:
            return found[0]
        if self.kind is tuple or self.kind is list:
            return self.kind(found)
        return self.kind(*found) if hasattr(self.kind, "_fields") else tuple(found)

    def gradients(self, g, materialize):
        """The gradient of each output, from the node's ``g``, as backward takes them: zeros
        (None without ``materialize``) for outputs that are not differentiable."""
        from .ops import cast, reshape

        found = [None] * len(self.items)
        if len(self.live) == 1:
            found[self.live[0]] = g
        else:
            for i, start, stop in self._spans():
                piece = reshape(g[start:stop], self.items[i].shape)
                dtype = self.items[i].dtype
                found[i] = piece if piece.dtype == dtype else cast(piece, dtype)
        if materialize:
            for i, o in enumerate(self.items):
                if found[i] is None and isinstance(o, Value):
                    found[i] = constant(np.zeros_like(o.data))
        return found


class _OnceDifferentiable(Op):
    """y = g, a gradient made by a backward marked ``once_differentiable``, recorded with
    the Function's inputs: differentiating it again raises, as PyTorch's does, rather than
    giving a silent zero."""

    __slots__ = ("function",)

    def __init__(self, function):
        self.function = function

    def forward(self, g, *inputs):
        return g

    def backward(self, g, y, *inputs):
        raise RuntimeError(f"{self.function.__name__}: trying to differentiate twice a "
                           "function that was marked with @once_differentiable")


def once_differentiable(backward):
    """PyTorch's ``torch.autograd.function.once_differentiable``: a Function's backward
    that runs without recording (its arguments are plain constants) and whose gradients
    cannot be differentiated again (doing so raises)."""
    @functools.wraps(backward)
    def wrapped(ctx, *grad_outputs):
        with no_grad():
            return backward(ctx, *[constant(g.data) if isinstance(g, Value) else g
                                   for g in grad_outputs])
    wrapped.once_differentiable = True
    return wrapped


def _is_input(a):
    return isinstance(a, (Value, np.ndarray))


class _ForwardMode(threading.local):
    on = False


_forward_mode = _ForwardMode()


@contextlib.contextmanager
def forward_mode():
    """While a Jacobian-vector product is computed (``ForwardAccumulator``, and so
    ``autograd.forward_ad``): a Function that gives ``jvp`` is differentiated through it
    even if it gives ``backward`` too, as PyTorch's forward mode uses jvp. Per thread."""
    was, _forward_mode.on = _forward_mode.on, True
    try:
        yield
    finally:
        _forward_mode.on = was


def _defines(function, name):
    """Whether a Function subclass gives its own ``backward`` or ``jvp``."""
    return getattr(function, name) is not getattr(Function, name)


def _backward_from_jvp(function, ctx, args, g, recorded):
    """The gradients of a Function that gives only ``jvp(ctx, *tangents)`` (PyTorch's
    forward-mode formula, as its forward-AD tutorial writes one).

    This engine differentiates in reverse, forward mode included (see ``autodiff``), so it
    needs the transpose of jvp: jvp is linear in the tangents t, so for the upstream
    gradient g, dL/dx = d/dt <jvp(t), g>, one reverse pass through jvp's own ops. jvp is
    called once per backward, so a jvp that frees what forward kept (``del ctx.result``)
    still works.
    """
    from .engine import gradients  # the engine's entry point, built on this module's peers

    tangents = tuple(Value(np.zeros_like(_wrap(a).data), requires_grad=True)
                     if _is_input(a) else None for a in args)
    upstream = g if recorded else constant(g)
    with enable_grad():
        out = function.jvp(ctx, *tangents)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        if len(outs) != 1:
            raise ValueError(f"{function.__name__}.jvp returned {len(outs)} tangents for one "
                             "output")
        inner = (_wrap(outs[0]) * upstream).sum()
    wanted = [t for t in tangents if t is not None]
    found = iter(gradients(inner, wanted, create_graph=recorded, allow_unused=True)
                 if inner.requires_grad else [None] * len(wanted))
    return tuple(next(found) if t is not None else None for t in tangents)


class Function:
    """A differentiable function with your own backward: ``torch.autograd.Function``.

    Subclass it with two static methods and call ``apply``:

    - ``forward(ctx, *inputs)`` computes the output from Values (nothing inside is
      recorded) and may ``ctx.save_for_backward(...)`` Values backward needs;
    - ``backward(ctx, *grad_outputs)`` returns one gradient per input of forward (None for
      an input that takes none), computed from ``ctx.saved_tensors``;
    - or, instead of backward, ``jvp(ctx, *tangents)`` returns the output's tangent
      (PyTorch's forward-mode formula), written with this library's ops.

    As in PyTorch 2, forward may instead take the inputs alone, with a static
    ``setup_context(ctx, inputs, output)`` filling ctx; forward may return several outputs
    (a tuple), and backward then takes one gradient per output (zeros for one marked by
    ``ctx.mark_non_differentiable``, or None after ``ctx.set_materialize_grads(False)``).
    ``once_differentiable`` (in ``ag.autograd.function``) marks a backward whose gradients
    refuse to be differentiated again.

    >>> import autograd_core as ag
    >>> class Exp(Function):
    ...     '''y = exp(x)       dL/dx = g * y'''
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = ag.exp(x)
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (y,) = ctx.saved_tensors
    ...         return g * y
    >>> x = ag.Value(0.0)
    >>> Exp.apply(x).backward()
    >>> float(x.grad)
    1.0
    """

    _op_types: dict = {}

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "Function.backward: this Function gives neither backward nor jvp; define "
            "backward(ctx, *grad_outputs)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2's other style: ``forward(*inputs)`` without ctx, and this fills ctx
        from the inputs and forward's output (torch.func's transforms ask for it there)."""
        raise NotImplementedError

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """PyTorch's forward-mode formula: the output's tangent from the inputs' tangents.
        A Function that gives it instead of ``backward`` is differentiated through it (see
        ``_backward_from_jvp``), in reverse mode and in ``autograd.forward_ad``."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        """Run ``forward`` and record it as one op whose gradient is ``backward``.

        Values and arrays are the op's inputs; other arguments (numbers, strings, None)
        reach forward as they are, and backward returns None for them, as in PyTorch.
        """
        op_type = Function._op_types.get(cls)
        if op_type is None:
            op_type = type(cls.__name__, (FunctionOp,), {
                "__slots__": (), "__doc__": cls.__doc__ or FunctionOp.__doc__})
            Function._op_types[cls] = op_type
        xs = tuple(_wrap(a) for a in args if _is_input(a))
        ctx = FunctionContext()
        ctx.needs_input_grad = tuple(_is_input(a) and _wrap(a).requires_grad for a in args)
        # forward sees constants holding the inputs' data, so that what it saves can be
        # told apart (by identity) and re-linked to the graph when gradients are recorded.
        consts = iter(tuple(constant(x.data) for x in xs))
        call_args = tuple(next(consts) if _is_input(a) else a for a in args)
        with no_grad():
            if _defines(cls, "setup_context"):  # PyTorch 2's style: forward without ctx
                returned = cls.forward(*call_args)
                cls.setup_context(ctx, call_args, returned)
            else:
                returned = cls.forward(ctx, *call_args)
        outputs = Outputs(returned, ctx)
        if not outputs.live:  # nothing to differentiate: forward's outputs, no node
            return outputs.results(None)
        op = op_type()
        op.function, op.ctx, op.y, op.args = cls, ctx, outputs.packed(), args
        op.consts = tuple(a for a in call_args if isinstance(a, Value))
        op.saved, op.outputs = ctx.saved, outputs
        return outputs.results(apply(op, *xs))
