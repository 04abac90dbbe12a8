"""Value: an array, its gradient and the op that made it; the nodes of the graph.

A leaf Value holds data the user gave (a Variable is one to train); an op's result is a
Value whose ``op`` and ``inputs`` record how it was made. Every Value gets a serial number
in the order made, so an op's output is always numbered after its inputs: the walk's
backward order and the check for data changed in place both read it.
"""

from __future__ import annotations

import itertools

import numpy as np

_default_dtype = np.dtype(np.float32)
# Every Value gets the next number: an op's output is always numbered after its inputs.
_serial = itertools.count()


class _Clock:
    """The serial number current at the last in-place change of any Value's data (-1:
    none). A walk checks an op's inputs for changes only when this is newer than the op's
    output."""

    __slots__ = ("latest",)

    def __init__(self):
        self.latest = -1


changes = _Clock()


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


def _numeric_dtype(dtype, where) -> np.dtype:
    """``dtype`` as a numpy dtype, if a Value can hold it: a float, or an integer or boolean
    (labels, masks). Complex, text, object and date dtypes raise a TypeError naming
    ``where``: no op is written for them, and their errors would come from deep inside one."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fiub":
        raise TypeError(f"{where}: dtype {dtype} is not supported; a Value holds real numbers: "
                        "a float dtype (float32, float64), or integers or booleans for labels "
                        "and masks")
    return dtype


def _to_array(x, dtype=None, where="Value"):
    """Turn user data into a numpy array or numpy scalar of a float (or explicitly asked) dtype.

    A 0-d result is returned as a numpy scalar: arithmetic on numpy scalars costs ~0.03 us
    against ~0.4 us for 0-d arrays, and scalar graphs are made of nothing else.
    """
    if isinstance(x, Value):
        x = x.data
    if type(x) is np.ndarray and dtype is None and x.dtype.kind == "f" and x.ndim:
        return x  # float data, the common case (a batch of inputs): nothing to convert
    if dtype is not None:
        dtype = _numeric_dtype(dtype, where)
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{where}: cannot make a Value from {type(x).__name__} {x!r}; "
                        "expected a number, a numpy array or a nested list of numbers")
    # np.float64 subclasses float, but numpy data keeps its dtype: only Python numbers
    # take the default.
    if isinstance(x, (bool, int, float)) and not isinstance(x, np.generic):
        target = dtype if dtype is not None else _default_dtype
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


class Grad(np.ndarray):
    """A leaf's gradient after ``backward()``: a numpy array that also has PyTorch's
    in-place tensor methods people call on ``.grad``, so ``w.grad.zero_()`` (PyTorch's
    autograd tutorial, d2l's ``sgd``) and ``p.grad.data.mul_(scale)`` work as written.

    It is an ndarray in every other way; arithmetic with it gives plain numpy arrays
    (``__array_wrap__``), so only ``.grad`` itself carries these methods. The walk makes a
    leaf's gradient one (``engine._walk``); a gradient assigned by hand stays as given.
    """

    def __array_wrap__(self, array, context=None, return_scalar=False):
        if type(array) is not np.ndarray:
            array = array.view(np.ndarray)
        return array[()] if return_scalar else array

    def __repr__(self):
        return repr(self.view(np.ndarray))

    @property
    def data(self):
        """Itself, as PyTorch's ``.grad.data``."""
        return self

    def zero_(self):
        self.fill(0)
        return self

    def fill_(self, value):
        self.fill(value)
        return self

    def add_(self, other, alpha=1):
        np.add(self, _data(other) * alpha if alpha != 1 else _data(other), out=self,
               casting="same_kind")
        return self

    def sub_(self, other, alpha=1):
        return self.add_(other, -alpha)

    def mul_(self, other):
        np.multiply(self, _data(other), out=self, casting="same_kind")
        return self

    def div_(self, other):
        np.divide(self, _data(other), out=self, casting="same_kind")
        return self

    def clamp_(self, min=None, max=None):  # noqa: A002  (PyTorch's names)
        np.clip(self, min, max, out=self)
        return self

    def copy_(self, src):
        np.copyto(self, _data(src), casting="same_kind")
        return self

    def norm(self, p=2):
        """The p-norm of all entries (``p.grad.norm()``, gradient clipping's measure)."""
        return np.linalg.norm(self.reshape(-1), ord=p)

    # PyTorch's out-of-place methods that code calls on a gradient (FGSM's
    # ``data.grad.data.sign()``); each gives a plain array.
    def sign(self):
        return np.sign(self)

    def abs(self):
        return np.abs(self)

    def sqrt(self):
        return np.sqrt(self)

    def exp(self):
        return np.exp(self)

    def log(self):
        return np.log(self)

    def pow(self, exponent):
        return np.power(self, exponent)

    def clamp(self, min=None, max=None):  # noqa: A002  (PyTorch's names)
        return np.clip(self, min, max)

    def numel(self):
        return self.size

    def cpu(self):
        return self

    def clone(self):
        return np.array(self.view(np.ndarray))

    def detach(self):
        return self

    def numpy(self):
        return self.view(np.ndarray)


class Comparison(np.ndarray):
    """What comparing Values gives (``a == b``, ``x > 0``): numpy's boolean array, which
    also takes PyTorch's casts, so ``(preds == yb).float().mean()`` (PyTorch's tutorials)
    works as written. Each cast, ``astype``, and arithmetic with it give plain arrays.
    """

    __array_wrap__ = Grad.__array_wrap__
    __repr__ = Grad.__repr__

    def astype(self, dtype, *args, **kwargs):
        return self.view(np.ndarray).astype(dtype, *args, **kwargs)

    def float(self):  # noqa: A003  (PyTorch's names, here and below)
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def half(self):
        return self.astype(np.float16)

    def long(self):
        return self.astype(np.int64)

    def int(self):  # noqa: A003
        return self.astype(np.int32)

    def bool(self):  # noqa: A003
        return self.view(np.ndarray)

    def numpy(self):
        return self.view(np.ndarray)

    def type(self, dtype=None):  # noqa: A003
        """``(pred.argmax(1) == y).type(torch.float)``, PyTorch's quickstart: a cast (with
        no dtype, the dtype's name, as PyTorch gives its type's)."""
        return str(self.dtype) if dtype is None else self.astype(dtype)

    def to(self, dtype=None, *args, **kwargs):
        """PyTorch's ``.to(torch.float)``; a device ("cpu") changes nothing."""
        if dtype is None or isinstance(dtype, str):
            return self.view(np.ndarray)
        return self.astype(dtype)


def _compared(result):
    """A comparison's result as a ``Comparison`` (a boolean numpy array)."""
    return np.asarray(result).view(Comparison)


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
        grad: ``None`` until ``backward``, then dL/d(this Value), same shape and dtype: a
            numpy array, or a Value recorded in the graph after
            ``backward(create_graph=True)``.
        op: the op that produced this Value, ``None`` for a leaf.
        inputs: the Values the op was applied to (a tuple).

    >>> x = Value(3.0)
    >>> y = x * x + x
    >>> y.backward()
    >>> float(x.grad)
    7.0
    """

    # changed: the serial number current when the data was last changed in place (-1:
    # never), which the walk compares with the serial of every op that used it.
    # _in0, _in1: the op's inputs, held in two slots rather than a tuple (see ``inputs``).
    __slots__ = ("data", "grad", "requires_grad", "name", "op", "_in0", "_in1", "serial",
                 "changed", "__weakref__")

    def __init__(self, data, requires_grad=True, name=None, dtype=None):
        data = _to_array(data, dtype, where=type(self).__name__)
        if isinstance(data, np.ndarray):
            data = data.copy()  # a Value owns its buffer: optimizers update it in place
        self.data = data
        self.grad = None
        self.requires_grad = bool(requires_grad) and data.dtype.kind == "f"
        self.name = name
        self.op = None
        self._in0 = self._in1 = None
        self.serial = next(_serial)
        self.changed = -1

    @property
    def inputs(self):
        """The Values the op was applied to, a tuple (empty for a leaf).

        Speed, fenced here and in the walk: nearly every op has one or two inputs, kept in
        the slots ``_in0`` and ``_in1`` (``_in1`` None for one input); a leaf has both None,
        an op of three or more inputs keeps ``_in0`` None and their tuple in ``_in1`` (and
        so does a ``deferred.Deferred`` product, which the walk must tell apart). A
        tuple per node was a second object for Python's cyclic garbage collector to track
        and walk: micrograd's demo step (65,000 scalar nodes, the collector on as users run
        it) spent 84 ms in collections with it and 25 ms without.
        """
        a, b = self._in0, self._in1
        if a is None:
            return () if b is None else b
        return (a,) if b is None else (a, b)

    @inputs.setter
    def inputs(self, inputs):
        inputs = tuple(inputs)
        if len(inputs) > 2:
            self._in0, self._in1 = None, inputs
        else:
            self._in0, self._in1 = inputs + (None,) * (2 - len(inputs))

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
        """numpy's element count, an int, which PyTorch's ``x.size()`` and ``x.size(dim)``
        may also call (see ``Size``)."""
        return Size(self.data.size, self.data.shape)

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

    def __format__(self, spec):
        """``f"{loss:.4f}"`` formats a one-element Value's number, as PyTorch does; other
        Values format as their ``repr`` (with an empty spec)."""
        if self.data.size == 1:
            return format(self.data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} for a Value of shape "
                            f"{self.shape}: only one-element Values take a number format")
        return repr(self)

    def __repr__(self):
        parts = [_short(self.data)]
        if self.grad is not None:
            parts.append(f"grad={_short(_data(self.grad))}")
        if self.name:
            parts.append(f"name={self.name!r}")
        if self.op is not None:
            parts.append(f"op={self.op!r}")
        if self.dtype != _default_dtype:
            parts.append(f"dtype={self.dtype}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # Comparisons compare elementwise and give boolean arrays, as numpy's do (which also
    # take PyTorch's casts: ``Comparison``). A Value stays hashable by identity (PyTorch's
    # choice), so it can key a dict or sit in a set; the engine never compares two Values
    # with ==.
    def __eq__(self, other):
        return _compared(self.data == _data(other))

    def __ne__(self, other):
        return _compared(self.data != _data(other))

    __hash__ = object.__hash__

    def __lt__(self, other):
        return _compared(self.data < _data(other))

    def __le__(self, other):
        return _compared(self.data <= _data(other))

    def __gt__(self, other):
        return _compared(self.data > _data(other))

    def __ge__(self, other):
        return _compared(self.data >= _data(other))

    # --- in-place updates (not recorded) --------------------------------------------
    def assign(self, value):
        """Overwrite the data in place; the shape and dtype must match. Not recorded."""
        new = self._checked(value, "assign")
        if isinstance(self.data, np.ndarray):
            np.copyto(self.data, new)
        else:
            self.data = self.dtype.type(new)
        self.mark_changed()
        return self

    def assign_add(self, delta):
        """``data += delta`` in place, shape and dtype checked. Not recorded."""
        delta = self._checked(delta, "assign_add")
        if isinstance(self.data, np.ndarray):
            np.add(self.data, delta, out=self.data)
        else:
            self.data = self.dtype.type(self.data + delta)
        self.mark_changed()
        return self

    def assign_sub(self, delta):
        """``data -= delta`` in place, shape and dtype checked. Not recorded."""
        delta = self._checked(delta, "assign_sub")
        if isinstance(self.data, np.ndarray):
            np.subtract(self.data, delta, out=self.data)
        else:
            self.data = self.dtype.type(self.data - delta)
        self.mark_changed()
        return self

    def mark_changed(self):
        """Record that this Value's data was just changed in place.

        ``assign``, ``assign_add``, ``assign_sub``, augmented assignment and the optimizers
        call it; code that writes into ``.data`` itself should too. A backward pass through
        an op recorded before the change then raises an error naming this Value and the op,
        instead of computing a gradient from data the forward pass never saw (PyTorch's
        version counters do the same).
        """
        self.changed = changes.latest = next(_serial)

    def _checked(self, value, where):
        new = _to_array(value, where=f"{type(self).__name__}.{where}")
        if self.dtype.kind != "f":
            # An integer Variable (a step counter) takes integers as they are, where
            # _to_array would have made them floats.
            raw = np.asarray(_data(value))
            if raw.dtype.kind in "iub":
                new = raw
        if np.shape(new) != self.shape:
            raise ValueError(f"{type(self).__name__}.{where}: shape {np.shape(new)} does not "
                             f"match the variable's shape {self.shape}")
        if new.dtype != self.dtype and not np.can_cast(new.dtype, self.dtype, "same_kind"):
            raise TypeError(f"{type(self).__name__}.{where}: dtype {new.dtype} cannot be "
                            f"stored in a variable of dtype {self.dtype}")
        return new

    # --- backward -------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None,
                 *, grad=None):
        """Accumulate dself/dx into ``x.grad`` for every Value x this one depends on.

        Args:
            gradient: dL/dself, the seed; defaults to 1 for a one-element Value, required
                otherwise (PyTorch's name; ``grad=`` is the same).
            retain_graph: accepted for PyTorch's code; the graph is always kept.
            create_graph: record the backward pass, so the gradients are Values that can
                be differentiated again (``.grad`` then holds such Values).
            inputs: accumulate only into these Values' ``.grad`` (a Value or a list).

        Gradients add up across calls until zeroed, as in PyTorch, so calling this twice
        on the same graph gives twice the gradients.
        """
        from .engine import _backward, gradients  # the walk, built on this module

        del retain_graph  # nothing is freed by the walk
        if grad is not None:
            if gradient is not None:
                raise TypeError("backward: pass the seed as gradient= or grad=, not both")
            gradient = grad
        if inputs is not None:
            from . import hooks  # built on this module
            targets = [inputs] if isinstance(inputs, Value) else list(inputs)
            targets = list({id(x): x for x in targets}.values())  # each once, as PyTorch
            found = gradients(self, targets, gradient, create_graph=create_graph,
                              allow_unused=True, _as_values=False)
            for x, g in zip(targets, found):
                if g is not None:
                    x.grad = g if x.grad is None else x.grad + g
                    if x.op is None:  # a leaf, as the walk of backward() leaves one
                        if type(x.grad) is np.ndarray:
                            x.grad = x.grad.view(Grad)  # w.grad.zero_()
                        if id(x) in hooks.registered:
                            hooks.run_after_accumulation(x)
            return
        for _ in _backward(self, gradient, create_graph):
            pass

    def zero_grad(self):
        self.grad = None

    def detach(self):
        """The same data as a constant, cut from the graph."""
        return constant(self.data)


class Size(int):
    """numpy's ``x.size`` and PyTorch's ``x.size()`` in one: the number of elements, an
    int in every way (``x.size == 12``, ``range(x.size)``), that called gives the shape,
    or with a dim that axis's length.

    >>> x = Value([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> x.size, x.size(), x.size(-1)
    (6, (2, 3), 3)
    """

    def __new__(cls, count, shape):
        self = super().__new__(cls, count)
        self.shape = shape
        return self

    def __call__(self, dim=None):
        if dim is None:
            return self.shape
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"size: dim must be an integer, got {dim!r}")
        if not -len(self.shape) <= dim < len(self.shape):
            raise IndexError(f"size: dim {dim} is out of range for a Value of shape "
                             f"{self.shape}")
        return self.shape[dim]

    def __reduce__(self):  # pickled, copied and saved as the plain int it is
        return int, (int(self),)


def _data(x):
    return x.data if isinstance(x, Value) else x


# How a Value's repr shows its data; PyTorch's ``set_printoptions`` changes it.
PRINT_OPTIONS = {"precision": 4, "threshold": 8, "edgeitems": 2, "suppress_small": False}


def _short(a):
    if np.ndim(a) == 0:
        return f"{a.item():.6g}"
    return np.array2string(np.asarray(a), separator=", ", **PRINT_OPTIONS).replace("\n", "")


class Variable(Value):
    """A trainable Value, as in TensorFlow: ``Variable(initial_value, name, trainable, dtype,
    constraint)``.

    Trainable Variables read inside a ``GradientTape`` are watched automatically, and
    ``assign``, ``assign_add`` and ``assign_sub`` update them in place.

    ``constraint`` (None by default) is a projection ``w -> w'`` (a max-norm, a clip at
    zero), kept here and applied by an optimizer after each update of the Variable,
    ``v.assign(v.constraint(v))``, as TensorFlow's and Keras's optimizers do.

    >>> W = Variable([[1.0, 2.0]])
    >>> W.assign_sub([[0.5, 0.5]]).numpy()
    array([[0.5, 1.5]], dtype=float32)
    """

    __slots__ = ("trainable", "_constraint")

    def __init__(self, initial_value, name=None, trainable=True, dtype=None, constraint=None):
        constraint = _checked_constraint(constraint)  # before initial_value is made
        if callable(initial_value):  # Keras initializers hand over a function
            initial_value = initial_value()
        super().__init__(initial_value, requires_grad=trainable, name=name, dtype=dtype)
        self.trainable = bool(trainable)
        self._constraint = constraint

    @property
    def constraint(self):
        """The projection applied after each optimizer update, or None."""
        return self._constraint

    @constraint.setter
    def constraint(self, constraint):
        self._constraint = _checked_constraint(constraint)

    @property
    def trainable_variables(self):
        return [self] if self.trainable else []


def _checked_constraint(constraint):
    if constraint is not None and not callable(constraint):
        raise TypeError(f"Variable: constraint must be a callable (a projection w -> w') or "
                        f"None, got {type(constraint).__name__} {constraint!r:.100}")
    return constraint


def constant(value, dtype=None, name=None):
    """An untracked Value: no gradient is ever computed for it (``tf.constant``)."""
    return Value(value, requires_grad=False, name=name, dtype=dtype)


# object.__new__ bound once: ``Value.__new__`` looks it up on the class at every node
# (a scalar node took 567 ns instead of 635).
_new_object = object.__new__


def _node(data, requires_grad=False, op=None, inputs=()):
    """A Value around ``data`` with no name or gradient: how ops make their results,
    without ``__init__``'s conversion and copy."""
    v = _new_object(Value)
    v.data = data
    v.grad = None
    v.requires_grad = requires_grad
    v.name = None
    v.op = op
    # Speed: the slots as the ``inputs`` setter fills them, spelled out; through the
    # setter a node took 0.31 us to make instead of 0.21 (every op but the operators).
    n = len(inputs)
    if n == 1:
        v._in0, v._in1 = inputs[0], None
    elif n == 2:
        v._in0, v._in1 = inputs
    elif n:
        v._in0, v._in1 = None, tuple(inputs)
    else:
        v._in0 = v._in1 = None
    v.serial = next(_serial)
    v.changed = -1
    return v


def _wrap(x, like=None):
    """Make an op's operand a Value without copying; Python numbers take ``like``'s dtype.

    That keeps ``2 * x`` float32 when x is float32, whatever the default dtype, and
    ``labels + 1`` int64 for int64 labels.
    """
    if isinstance(x, Value):
        return x
    if like is not None and isinstance(x, (int, float)) and not isinstance(x, bool):
        kind = like.data.dtype.kind
        if kind == "f":
            return _node(like.data.dtype.type(x))
        if kind in "iu" and isinstance(x, int) and \
                np.iinfo(like.data.dtype).min <= x <= np.iinfo(like.data.dtype).max:
            return _node(like.data.dtype.type(x))  # integers stay integers, as in PyTorch
    return _node(_to_array(x, where="operand"))
