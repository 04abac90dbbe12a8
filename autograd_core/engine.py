"""The engine: a Value remembers the op that made it, and backward walks the graph in reverse.

Reverse-mode automatic differentiation in three ideas:

1. Every op is an object with ``forward`` (compute the output, keep what the derivative
   needs) and ``backward`` (given dL/dy, return dL/dx for each input).
2. Each result is a ``Value`` whose ``op`` and ``inputs`` record how it was made: the graph.
3. ``backward`` visits the graph from the loss back to the leaves, in an order where a node
   comes only after every node that uses it, and applies the chain rule at each op.

The walk is written once, as the generator ``_walk``: ``Value.backward()``, the
``GradientTape`` and the step-by-step display all run it.

The graph holds no reference cycles (a Value points at its op and inputs, never the other
way), so Python frees it by reference counting alone, without the cyclic garbage
collector's pauses.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import numpy as np

_default_dtype = np.dtype(np.float32)
_grad_enabled = True
_anomaly_mode = False
# Open GradientTapes, innermost last; ops consult it only when it is non-empty.
_tapes: list = []
# The innermost name_scope ("dense_1/"), or None.
_scope = None


def set_default_dtype(dtype) -> None:
    """Set the float dtype given to Python numbers, lists and integer data (float32 at start).

    >>> set_default_dtype(np.float64); Value(1.0).dtype
    dtype('float64')
    >>> set_default_dtype(np.float32)
    """
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a float dtype, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The float dtype given to Python numbers, lists and integer data."""
    return _default_dtype


def _to_array(x, dtype=None, where="Value"):
    """Turn user data into a numpy array or numpy scalar of a float (or explicitly asked) dtype.

    A 0-d result is returned as a numpy scalar: arithmetic on numpy scalars costs ~0.03 us
    against ~0.4 us for 0-d arrays, and scalar graphs are made of nothing else.
    """
    if isinstance(x, Value):
        x = x.data
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{where}: cannot make a Value from {type(x).__name__} {x!r}; "
                        "expected a number, a numpy array or a nested list of numbers")
    if isinstance(x, (bool, int, float)):
        target = np.dtype(dtype) if dtype is not None else _default_dtype
        return target.type(x)
    try:
        arr = np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise TypeError(f"{where}: cannot make a Value from {type(x).__name__}: {e}") from None
    kind = arr.dtype.kind
    if kind in "OUSVMm":
        raise TypeError(f"{where}: cannot make a Value from an array of dtype {arr.dtype} "
                        f"(shape {arr.shape}); expected numbers")
    if kind == "c":
        raise TypeError(f"{where}: complex data (dtype {arr.dtype}, shape {arr.shape}) "
                        "is not supported")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif kind != "f" or not isinstance(x, (np.ndarray, np.generic)):
        # Integers, booleans and Python lists become the default float dtype; numpy float
        # data keeps its own.
        arr = arr.astype(_default_dtype, copy=False)
    return arr[()] if arr.ndim == 0 else arr


class Value:
    """A node of the computation graph: an array, its gradient, and the op that made it.

    Args:
        data: a number, nested list or numpy array. Python numbers, lists and integer or
            boolean data become the default float dtype (float32, see
            ``set_default_dtype``); numpy float arrays keep theirs.
        requires_grad: whether ``backward`` should compute ``grad`` for this Value.
        name: a label for drawings and error messages (``"W1"``, ``"x"``).
        dtype: force a dtype.

    Attributes:
        data: the numpy array (a numpy scalar for 0-d data).
        grad: ``None`` until ``backward``, then dL/d(this Value), same shape and dtype.
        op: the op that produced this Value, ``None`` for a leaf.
        inputs: the Values the op was applied to (a tuple).

    >>> x = Value(3.0)
    >>> y = x * x + x
    >>> y.backward()
    >>> float(x.grad)
    7.0
    """

    __slots__ = ("data", "grad", "requires_grad", "name", "op", "inputs", "__weakref__")
    # numpy leaves `array * value` to Value.__rmul__ instead of looping over the array.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=True, name=None, dtype=None):
        data = _to_array(data, dtype)
        if isinstance(data, np.ndarray):
            data = data.copy()  # a Value owns its buffer: optimizers update it in place
        self.data = data
        self.grad = None
        self.requires_grad = bool(requires_grad) and data.dtype.kind == "f"
        self.name = name
        self.op = None
        self.inputs = ()

    # --- numpy-like attributes -------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def is_leaf(self):
        return self.op is None

    def numpy(self):
        """The data as a numpy array (a numpy scalar for 0-d data), as in TensorFlow."""
        return self.data

    def item(self):
        """The single element as a Python number."""
        return self.data.item()

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __len__(self):
        return len(self.data)

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self.data, dtype=dtype)
        return arr.copy() if copy else arr

    def __repr__(self):
        parts = [_short(self.data)]
        if self.grad is not None:
            parts.append(f"grad={_short(self.grad)}")
        if self.name:
            parts.append(f"name={self.name!r}")
        if self.op is not None:
            parts.append(f"op={type(self.op).__name__}")
        if self.dtype != _default_dtype:
            parts.append(f"dtype={self.dtype}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # Comparisons give plain boolean arrays; __eq__ stays identity so Values stay hashable.
    def __lt__(self, other):
        return np.asarray(self.data < _data(other))

    def __le__(self, other):
        return np.asarray(self.data <= _data(other))

    def __gt__(self, other):
        return np.asarray(self.data > _data(other))

    def __ge__(self, other):
        return np.asarray(self.data >= _data(other))

    # --- in-place updates (not recorded) --------------------------------------------
    def assign(self, value):
        """Overwrite the data in place; the shape and dtype must match. Not recorded."""
        new = self._checked(value, "assign")
        if isinstance(self.data, np.ndarray):
            np.copyto(self.data, new)
        else:
            self.data = self.dtype.type(new)
        return self

    def assign_add(self, delta):
        """``data += delta`` in place, shape and dtype checked. Not recorded."""
        delta = self._checked(delta, "assign_add")
        if isinstance(self.data, np.ndarray):
            np.add(self.data, delta, out=self.data)
        else:
            self.data = self.dtype.type(self.data + delta)
        return self

    def assign_sub(self, delta):
        """``data -= delta`` in place, shape and dtype checked. Not recorded."""
        delta = self._checked(delta, "assign_sub")
        if isinstance(self.data, np.ndarray):
            np.subtract(self.data, delta, out=self.data)
        else:
            self.data = self.dtype.type(self.data - delta)
        return self

    def _checked(self, value, where):
        new = _to_array(value, where=f"{type(self).__name__}.{where}")
        if np.shape(new) != self.shape:
            raise ValueError(f"{type(self).__name__}.{where}: shape {np.shape(new)} does not "
                             f"match the variable's shape {self.shape}")
        if new.dtype != self.dtype and not np.can_cast(new.dtype, self.dtype, "same_kind"):
            raise TypeError(f"{type(self).__name__}.{where}: dtype {new.dtype} cannot be "
                            f"stored in a variable of dtype {self.dtype}")
        return new

    # --- backward -------------------------------------------------------------------
    def backward(self, grad=None):
        """Accumulate dself/dx into ``x.grad`` for every Value x this one depends on.

        Args:
            grad: dL/dself, the seed; defaults to 1 for a scalar. Required otherwise.

        Gradients add up across calls until zeroed, as in PyTorch, so calling this twice
        on the same graph gives twice the gradients.
        """
        for _ in backward_steps(self, grad):
            pass

    def zero_grad(self):
        self.grad = None

    def detach(self):
        """The same data as a constant, cut from the graph."""
        return constant(self.data)


def _data(x):
    return x.data if isinstance(x, Value) else x


def _short(a):
    if np.ndim(a) == 0:
        return f"{a.item():.6g}"
    return np.array2string(np.asarray(a), precision=4, threshold=8, edgeitems=2,
                           separator=", ").replace("\n", "")


class Variable(Value):
    """A trainable Value, as in TensorFlow: ``Variable(initial_value, name, trainable, dtype)``.

    Trainable Variables read inside a ``GradientTape`` are watched automatically, and
    ``assign``, ``assign_add`` and ``assign_sub`` update them in place.

    >>> W = Variable([[1.0, 2.0]])
    >>> W.assign_sub([[0.5, 0.5]]).numpy()
    array([[0.5, 1.5]], dtype=float32)
    """

    __slots__ = ("trainable",)

    def __init__(self, initial_value, name=None, trainable=True, dtype=None):
        if callable(initial_value):  # Keras initializers hand over a function
            initial_value = initial_value()
        super().__init__(initial_value, requires_grad=trainable, name=name, dtype=dtype)
        self.trainable = bool(trainable)

    @property
    def trainable_variables(self):
        return [self] if self.trainable else []


def constant(value, dtype=None, name=None):
    """An untracked Value: no gradient is ever computed for it (``tf.constant``)."""
    return Value(value, requires_grad=False, name=name, dtype=dtype)


def _wrap(x, like=None):
    """Make an op's operand a Value without copying; Python numbers take ``like``'s dtype.

    That keeps ``2 * x`` float32 when x is float32, whatever the default dtype.
    """
    if isinstance(x, Value):
        return x
    v = Value.__new__(Value)
    if like is not None and isinstance(x, (int, float)) and not isinstance(x, bool) \
            and like.data.dtype.kind == "f":
        v.data = like.data.dtype.type(x)
    else:
        v.data = _to_array(x, where="operand")
    v.grad = None
    v.requires_grad = False
    v.name = None
    v.op = None
    v.inputs = ()
    return v


class Op:
    """One differentiable operation. A subclass has ``forward(*arrays) -> array`` and
    ``backward(grad_y) -> tuple`` of one gradient per input, right under it.

    ``backward`` returns each dL/dx_i in the shape of the *broadcast* result; the engine
    alone sums it back to the input's shape (``unbroadcast``) and adds up gradients arriving
    at a Value from several uses. ``self.needs_grad[i]`` tells whether input i wants a
    gradient, so an op can skip work (and return ``None``) for inputs that need none.
    """

    # False for ops that pass no gradient at all (stop_gradient, comparisons).
    differentiable = True
    needs_grad = ()
    # The name_scope the op ran in ("sequential/dense_1"), for drawings; None outside any.
    scope = None

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, grad_y):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__


def apply(op: Op, *inputs: Value) -> Value:
    """Run ``op`` on Values and record it in the graph (and on open tapes) when needed."""
    try:
        data = op.forward(*[x.data for x in inputs])
    except (ValueError, TypeError, IndexError) as e:
        shapes = ", ".join(str(x.shape) for x in inputs)
        raise type(e)(f"{op!r}: {e} (input shapes: {shapes})") from None
    if _anomaly_mode:
        _check_finite(data, op, "forward")
    out = Value.__new__(Value)
    out.data = data
    out.grad = None
    out.requires_grad = False
    out.name = None
    out.op = None
    out.inputs = ()
    if not op.differentiable:
        out.op, out.inputs = op, inputs  # never walked; kept to explain a missing gradient
        return out
    if not _grad_enabled:
        return out
    if _scope is not None:
        op.scope = _scope
    needs = tuple([x.requires_grad for x in inputs])
    out.requires_grad = True in needs
    if _tapes:
        needs = _record_on_tapes(inputs, out, needs)
    if True in needs:
        op.needs_grad = needs
        out.op = op
        out.inputs = inputs
    return out


def _record_on_tapes(inputs, out, needs):
    """Append ``out`` to every open tape that watches one of ``inputs``."""
    needs = list(needs)
    for tape in _tapes:
        if tape._paused:
            continue
        hit = False
        for i, x in enumerate(inputs):
            if id(x) in tape._ids:
                hit = needs[i] = True
            elif tape._watch_accessed and isinstance(x, Variable) and x.trainable:
                tape.watch(x)
                hit = needs[i] = True
        if hit:
            tape._records.append(out)
            tape._ids.add(id(out))
    return tuple(needs)


def _check_finite(a, op, phase):
    if a is not None and not np.all(np.isfinite(a)):
        raise FloatingPointError(f"detect_anomaly: {op!r} produced NaN or Inf in its {phase} "
                                 f"pass (output shape {np.shape(a)})")


def unbroadcast(grad, shape):
    """Sum a gradient over the axes broadcasting added or stretched, back to ``shape``.

    If ``x`` of shape (3,) was added to a (4, 3) array, each x[j] was used four times, so
    dL/dx[j] is the sum of the four gradients: the chain rule's sum over uses.
    """
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape) if extra else grad


class BackwardStep(NamedTuple):
    """One op of the backward pass, as the walk yields it.

    node: the Value the op produced; op: the op; grad: dL/d(node), complete by now;
    input_grads: the gradient sent to each of ``node.inputs`` (already summed back to the
    input's shape), ``None`` where an input takes no gradient.
    """
    node: Value
    op: Op
    grad: object
    input_grads: tuple


def _walk(nodes, grads, write_grad):
    """The backward pass: the chain rule at each op, in the given reverse order.

    Args:
        nodes: Values in an order where every node comes after all nodes that use it.
        grads: dict id(Value) -> dL/dValue for this pass; holds the seed at the start and
            every gradient at the end.
        write_grad: also add each finished gradient into ``Value.grad`` (``backward()``);
            the tape leaves ``.grad`` alone, as TensorFlow does.

    Yields one ``BackwardStep`` per op.
    """
    for node in nodes:
        grad = grads.get(id(node))
        if grad is None:
            continue
        if write_grad:
            node.grad = grad if node.grad is None else node.grad + grad
        op = node.op
        if op is None or not op.differentiable:
            continue
        input_grads = op.backward(grad)
        if _anomaly_mode:
            for g in input_grads:
                _check_finite(g, op, "backward")
        sent = []
        for x, g in zip(node.inputs, input_grads):
            if g is None:
                sent.append(None)
                continue
            if g.shape != x.data.shape:
                g = unbroadcast(g, x.data.shape)
            if g.dtype != x.data.dtype:
                g = g.astype(x.data.dtype)
            key = id(x)
            prev = grads.get(key)
            if prev is None:
                # A leaf keeps this array as its .grad, which users and optimizers may
                # change in place: copy it if it is shared with another node (the
                # upstream gradient itself, or a view of something).
                if x.op is None and type(g) is np.ndarray and (g is grad or g.base is not None):
                    g = g.copy()
                grads[key] = g
            else:
                grads[key] = prev + g
            sent.append(g)
        yield BackwardStep(node, op, grad, tuple(sent))


def topological_order(root: Value) -> list:
    """Values that ``root`` depends on through gradient-requiring paths, root first.

    Depth-first with an explicit stack, so a chain of a million ops needs no recursion.
    """
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for x in node.inputs:
            if x.requires_grad and id(x) not in visited:
                stack.append((x, False))
    order.reverse()
    return order


def backward_steps(root: Value, grad=None):
    """Run the backward pass from ``root`` one op at a time (see ``BackwardStep``).

    ``root.backward(grad)`` runs this generator to its end; the step-by-step display shows
    the same steps. Gradients are added into ``.grad`` as each node's gradient completes.
    """
    if not root.requires_grad:
        raise RuntimeError("backward: this Value does not require grad (it was computed "
                           "from constants, under no_grad, or through stop_gradient)")
    seed = _seed(root, grad, "backward")
    yield from _walk(topological_order(root), {id(root): seed}, write_grad=True)


def _seed(root, grad, where):
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(f"{where}: grad can be implicitly created only for a scalar "
                               f"output, but the output has shape {root.shape}; pass grad=")
        return root.data.dtype.type(1) if root.ndim == 0 else np.ones_like(root.data)
    seed = _to_array(grad, dtype=root.dtype, where=where)
    if np.shape(seed) != root.shape:
        raise ValueError(f"{where}: grad has shape {np.shape(seed)} but the output has "
                         f"shape {root.shape}")
    return seed


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        global _grad_enabled
        self.prev = _grad_enabled
        _grad_enabled = self.enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.prev
        return False


def no_grad():
    """Context manager and decorator: ops inside record no graph (inference, updates).

    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.requires_grad
    False
    """
    return _GradMode(False)


def enable_grad():
    """Context manager and decorator that turns recording back on inside ``no_grad``."""
    return _GradMode(True)


def is_grad_enabled() -> bool:
    return _grad_enabled


@contextlib.contextmanager
def name_scope(name: str):
    """Tag the ops run inside with ``name`` (nested scopes join with "/"), as TensorFlow's
    ``tf.name_scope``. Layers use it so a drawing can collapse a model to one box per layer.
    """
    global _scope
    prev = _scope
    _scope = name if prev is None else f"{prev}/{name}"
    try:
        yield _scope
    finally:
        _scope = prev


class detect_anomaly(contextlib.ContextDecorator):
    """Raise ``FloatingPointError`` at the first op whose forward or backward makes NaN/Inf.

    Off by default: it checks every array an op produces, which costs time.
    """

    def __enter__(self):
        global _anomaly_mode
        self.prev = _anomaly_mode
        _anomaly_mode = True

    def __exit__(self, *exc):
        global _anomaly_mode
        _anomaly_mode = self.prev
        return False

