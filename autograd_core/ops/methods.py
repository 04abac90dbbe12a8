"""The ops as ``Value`` operators and methods: ``a + b``, ``x @ W``, ``x.sum(axis=0)``,
``x.reshape(3, 4)``, ``x.T``, with numpy's and PyTorch's names and signatures.

Where numpy and PyTorch give one method name two meanings, numpy's wins:
``x.transpose(2, 0, 1)`` permutes the axes (two axes given apart are exchanged, as
PyTorch's ``transpose(dim0, dim1)``: the readings agree wherever numpy's is not the
identity), ``x.repeat(2)`` repeats each element (PyTorch's ``Tensor.repeat`` is
``x.tile``). ``x.gather(dim, index)`` is PyTorch's (numpy has no such method; TensorFlow's
``tf.gather`` is the function ``gather``).

Reductions take numpy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim``. The axis
and keepdims by position belong to both libraries; a call naming keywords of both (``ddof``
with ``dim``, ``axis`` with ``dim``) raises a TypeError. PyTorch's keywords ask for
PyTorch's meaning where the two differ:

- ``x.max(dim=1)``, ``x.max(1, keepdim=True)``: PyTorch's named pair ``(values,
  indices)``, so ``output.max(1, keepdim=True)[1]`` is PyTorch's index; ``x.max(1)`` and
  ``x.max(axis=1)`` are numpy's values alone, so ``output.max(1)[1]`` is the largest
  element of row 1, not an index. (The same for ``min``.)
- ``x.std(dim=0)``, ``x.var(0, keepdim=True)``: PyTorch's unbiased estimate (divide by
  n - 1); ``x.std(0)``, ``x.std(axis=0)`` numpy's (divide by n).

``x.size`` is numpy's element count, an int that PyTorch's ``x.size()`` and ``x.size(0)``
may call for the shape. ``x.sort()`` is PyTorch's, ``(values, indices)``: numpy's
``ndarray.sort`` sorts in place and returns None, which a graph's node cannot do.

Arrays and Values sharing these methods is what lets one backward formula serve both paths.
"""

from __future__ import annotations

import numpy as np

from ..engine import Value, _data, apply2, grad_fn, is_grad_enabled, no_grad
from . import activations, arithmetic, elementwise, linalg, nn, reductions, shape, special, trig
from . import cumulative, factories, indexing, inversion, joining, nondiff, norms
from . import selection, statistics
from . import arrangement, bessel, building, counting, distances, elementwise_more, nan_reductions
from . import numpy_reductions, ordering, products
from . import scatters, tensor_methods, torch_arithmetic, torch_linalg, torch_nn_functions
from .. import hooks
from ._operands import axis_or_dim, float_with_integer, operand
from .arithmetic import Add, Div, Mul, Pow, Sub


# Speed, fenced here: the operators run before every op, so the dtype check that sends a
# float with an integer Value to ``float_with_integer`` is written out in both. Numpy
# scalars of one type share a dtype, and asking a numpy scalar for its dtype costs ~70 ns
# (a scalar graph's whole op costs ~1 us), so types are compared first and dtypes only for
# two arrays (numpy's dtypes are singletons: ``is`` compares them). The operators' ops
# keep nothing, so ``engine.apply2`` runs them (see there).
_ndarray = np.ndarray


def _reflected(op_cls):
    def method(self, other):
        other = operand(other, op_cls, like=self)
        a, b = other.data, self.data
        kind = type(a)
        if kind is not type(b) or kind is _ndarray and a.dtype is not b.dtype:
            other, self = float_with_integer(other, self)
        return apply2(op_cls, other, self)
    return method


def _binary(op_cls):
    def method(self, other):
        if not isinstance(other, Value):
            other = operand(other, op_cls, like=self)
        a, b = self.data, other.data
        kind = type(a)
        if kind is not type(b) or kind is _ndarray and a.dtype is not b.dtype:
            self, other = float_with_integer(self, other)
        return apply2(op_cls, self, other)
    return method


Value.__add__ = _binary(Add)
Value.__radd__ = _reflected(Add)
Value.__sub__ = _binary(Sub)
Value.__rsub__ = _reflected(Sub)
Value.__mul__ = _binary(Mul)
Value.__rmul__ = _reflected(Mul)
Value.__truediv__ = _binary(Div)
Value.__rtruediv__ = _reflected(Div)
Value.__pow__ = _binary(Pow)
Value.__rpow__ = _reflected(Pow)
Value.__mod__ = _binary(arithmetic.Remainder)
Value.__rmod__ = _reflected(arithmetic.Remainder)
Value.__matmul__ = lambda self, other: linalg.matmul(self, other)
Value.__rmatmul__ = lambda self, other: linalg.matmul(other, self)
Value.__neg__ = arithmetic.negative
Value.__pos__ = lambda self: self
Value.__abs__ = arithmetic.abs
Value.__getitem__ = indexing.getitem


def _in_place(name, op, np_fn):
    """``v -= x`` as PyTorch does it: in place under ``no_grad`` (a parameter update),
    never silently on data a recorded graph depends on.

    With recording on, a leaf that requires grad refuses (update it under ``no_grad`` or
    with ``assign_sub``), a recorded result gets a new Value (the graph keeps the old one),
    and a constant changes in place, marked so that a backward through ops that read it
    before refuses to run.
    """
    def method(self, other):
        if is_grad_enabled():
            if self.requires_grad and self.op is None:
                raise RuntimeError(
                    f"{name}: {self.name or 'a Value'} of shape {self.shape} requires grad, so "
                    f"it cannot be changed in place while the graph is recorded: update it "
                    f"inside `with ag.no_grad():`, or with assign_sub/assign_add, as in PyTorch")
            if self.requires_grad:
                return op(self, other)
        return _write(self, name, np_fn(self.data, _data(other)))
    return method


def _write(self, name, new):
    """Put ``new`` into ``self.data`` in place, after checking it fits, and mark the change
    (a backward through ops that read the old data then refuses to run)."""
    if np.shape(new) != self.shape:
        raise ValueError(f"{name}: the result has shape {np.shape(new)}, not the Value's "
                         f"shape {self.shape}")
    if isinstance(self.data, np.ndarray):
        if not np.can_cast(np.result_type(new), self.dtype, "same_kind"):
            raise TypeError(f"{name}: cannot write {np.result_type(new)} numbers into a Value "
                            f"of dtype {self.dtype} in place")
        np.copyto(self.data, new, casting="same_kind")
    else:
        self.data = self.dtype.type(new)
    self.mark_changed()
    return self


def _setitem(self, index, value):
    """``v[index] = value``, numpy's and PyTorch's: written in place into a Value no
    recorded gradient flows through (a constant, or any Value under ``no_grad``), and
    marked changed, so a backward through an op that read the old data refuses to run.

    With recording on, a Value that requires grad refuses: PyTorch records such a write,
    but here a Value's data never changes under its graph. ``ag.where`` or
    ``ag.scatter`` build the new Value as recorded ops instead.
    """
    where = f"Value[{_index_text(index)}] = ..."
    if self.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{where}: {self.name or 'this Value'} of shape {self.shape} requires grad, so it "
            "cannot be changed in place while the graph is recorded: write it inside `with "
            "ag.no_grad():`, or build the new Value with ag.where or ag.scatter")
    new = _data(value)
    if not np.can_cast(np.result_type(new), self.dtype, "same_kind"):
        raise TypeError(f"{where}: cannot write {np.result_type(new)} numbers into a Value "
                        f"of dtype {self.dtype} in place")
    target = self.data if isinstance(self.data, np.ndarray) else np.array(self.data)
    try:
        target[index] = new
    except (IndexError, ValueError) as e:  # numpy checks everything before it writes
        raise type(e)(f"{where}: {e} (Value of shape {self.shape})") from None
    if target is not self.data:  # a 0-d Value keeps a numpy scalar
        self.data = target[()]
    self.mark_changed()


def _index_text(index):
    parts = index if isinstance(index, tuple) else (index,)
    return ", ".join(":" if isinstance(p, slice) and p == slice(None) else
                     "..." if p is Ellipsis else type(p).__name__ if not isinstance(
                         p, (int, np.integer, slice)) else repr(p) for p in parts)


Value.__setitem__ = _setitem
Value.__iadd__ = _in_place("+=", arithmetic.add, np.add)
Value.__isub__ = _in_place("-=", arithmetic.subtract, np.subtract)
Value.__imul__ = _in_place("*=", arithmetic.multiply, np.multiply)
Value.__itruediv__ = _in_place("/=", arithmetic.divide, np.true_divide)


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d Value")
    return (self[i] for i in range(len(self)))


Value.__iter__ = _iter

for _module, _names in (
        (elementwise, ("exp", "log", "sqrt", "square", "tanh")),
        (elementwise, ("log1p", "expm1", "log2", "log10", "exp2", "reciprocal", "rsqrt",
                       "sign", "floor", "ceil", "round")),
        (trig, tuple(trig.__all__)),
        (special, ("erf",)),
        (arithmetic, ("abs", "clip", "clamp_min", "clamp_max", "remainder", "fmod",
                      "logaddexp", "hypot", "nan_to_num")),
        (activations, ("sigmoid", "relu", "leaky_relu")),
        (reductions, ("sum", "mean", "max", "min", "amax", "amin", "logsumexp")),
        (nn, ("softmax", "log_softmax")),
        (shape, ("reshape", "transpose", "swapaxes", "flatten", "ravel", "squeeze",
                 "expand_dims", "unsqueeze", "permute", "swapdims", "moveaxis", "movedim",
                 "broadcast_to", "expand", "flip", "roll")),
        (joining, ("tile", "repeat", "repeat_interleave", "chunk", "unbind")),
        (indexing, ("take", "take_along_dim", "index_select", "scatter_add", "index_add")),
        (reductions, ("prod",)),
        (statistics, ("var", "std")),
        (cumulative, ("cumsum", "cumprod")),
        (norms, ("norm",)),  # torch's Tensor.norm: no axis is the norm of all entries
        (linalg, ("trace", "diagonal", "diag", "outer", "tril", "triu", "mm", "mv", "dot")),
        (inversion, ("det",))):
    for _name in _names:
        setattr(Value, _name, getattr(_module, _name))
Value.astype = arithmetic.cast
Value.pow = arithmetic.power
Value.inverse = inversion.inv  # torch's name
# PyTorch's methods that numpy lacks: view is reshape, gather is torch.gather.
Value.view = shape.reshape
Value.gather = indexing.torch_gather
Value.T = property(shape.transpose)


# --- PyTorch's and numpy's remaining Tensor/ndarray methods ---------------------------
#
# Ported code calls these on results: ``pred.argmax(1)``, ``x.float()``, ``w.zero_()``,
# ``p.add_(g, alpha=-lr)``, ``x.to("cpu")``. numpy's ``axis``/``keepdims`` and PyTorch's
# ``dim``/``keepdim`` are both accepted.


def _argsort(self, axis=-1, kind=None, *, descending=False, dim=None, stable=None):
    """The indices that sort x along axis (or dim); always a stable sort, whatever
    numpy's ``kind`` or PyTorch's ``stable`` asks (a stable order is a valid answer to
    both)."""
    if kind not in (None, "quicksort", "mergesort", "heapsort", "stable"):
        raise ValueError(f"argsort: kind must be quicksort, mergesort, heapsort or stable, "
                         f"got {kind!r}")
    axis, _, _ = axis_or_dim("argsort", axis, dim, default=-1)
    return nondiff.argsort(self, axis, descending)


Value.argmax, Value.argmin, Value.argsort = nondiff.argmax, nondiff.argmin, _argsort
Value.all, Value.any, Value.count_nonzero = nondiff.all, nondiff.any, nondiff.count_nonzero
Value.nonzero, Value.argwhere, Value.unique = nondiff.nonzero, nondiff.argwhere, nondiff.unique
Value.logical_not, Value.logical_and = nondiff.logical_not, nondiff.logical_and
Value.logical_or, Value.logical_xor = nondiff.logical_or, nondiff.logical_xor
Value.isnan, Value.isfinite, Value.isinf = nondiff.isnan, nondiff.isfinite, nondiff.isinf
Value.eq, Value.ne = Value.__eq__, Value.__ne__
Value.lt, Value.le, Value.gt, Value.ge = Value.__lt__, Value.__le__, Value.__gt__, Value.__ge__
Value.neg = Value.negative = arithmetic.negative
Value.clone = Value.copy = arithmetic.clone
Value.matmul = linalg.matmul
Value.tolist = lambda self: self.data.tolist()
Value.dim = lambda self: self.ndim
Value.numel = lambda self: self.data.size
Value.cpu = lambda self: self  # the only device there is
Value.device = property(lambda self: "cpu", doc="PyTorch's ``x.device``: always \"cpu\".")
Value.is_cuda = property(lambda self: False, doc="PyTorch's ``x.is_cuda``: always False.")
Value.is_contiguous = lambda self, memory_format=None: True  # every Value owns its data
Value.element_size = lambda self: self.dtype.itemsize
Value.contiguous = lambda self, memory_format=None: self  # numpy data: already laid out
Value.sort, Value.topk = selection.sort_pairs, selection.topk
Value.lerp = arithmetic.lerp
Value.bmm, Value.addmm = linalg.bmm, linalg.addmm
Value.register_hook = hooks.register_hook
Value.register_post_accumulate_grad_hook = hooks.register_post_accumulate_grad_hook


def _retain_grad(self):
    """PyTorch's ``retain_grad``: nothing to do, as ``backward()`` already keeps every
    gradient it computes in ``.grad``, a non-leaf's too (PyTorch keeps only the leaves'
    unless asked)."""


Value.retain_grad = _retain_grad
Value.retains_grad = property(
    lambda self: self.requires_grad and self.op is not None,
    doc="PyTorch's ``x.retains_grad``: True for a non-leaf that requires grad, since "
        "``backward()`` keeps every gradient (see ``retain_grad``); False for a leaf.")


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    """PyTorch's ``x.cuda()``: refused, as PyTorch refuses it on a machine without CUDA
    (``ag.cuda.is_available()`` is False); ``x.to(device)`` with ``device = "cuda" if
    ag.cuda.is_available() else "cpu"`` is the portable form."""
    factories._check_device("cuda" if device is None else f"cuda:{device}" if isinstance(
        device, int) else device, "cuda")


# PyTorch's queries of storage, answered for numpy's arrays: one dense, unpinned, unshared
# array per Value (pin_memory and share_memory_ have nothing to do).
Value.cuda = _cuda
Value.is_sparse = Value.is_quantized = Value.is_meta = Value.is_nested = property(
    lambda self: False)
Value.is_pinned = Value.is_shared = lambda self: False
Value.pin_memory = lambda self, device=None: self
Value.share_memory_ = lambda self: self
Value.data_ptr = lambda self: self.data.__array_interface__["data"][0] if isinstance(
    self.data, np.ndarray) else 0


def _mT(self):
    """The last two axes swapped (a batch of matrices transposed): numpy's and PyTorch's
    ``mT``."""
    if self.ndim < 2:
        raise ValueError(f"mT: expects at least 2 dimensions, got shape {self.shape}")
    return shape.swapaxes(self, -1, -2)


def _clamp(self, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
    """PyTorch's ``clamp(min, max)``: numpy's ``clip``."""
    return arithmetic.clip(self, min, max)


def _masked_fill(self, mask, value):
    """PyTorch's ``masked_fill``: ``value`` where ``mask`` is true, else x (the gradient
    flows to x where the mask is false)."""
    return arithmetic.where(_data(mask), value, self)


Value.t, Value.clamp = shape.t, _clamp
Value.mT = property(_mT)
Value.masked_fill = _masked_fill
Value.masked_select = indexing.masked_select
Value.split = joining.split_sizes  # PyTorch's x.split (numpy has no such method)


# More of PyTorch's Tensor methods (numpy's arrays have none of these names).
def _median_method(self, dim=None, keepdim=False):
    """PyTorch's ``x.median()``: the lower of the two middle values of all elements (not
    numpy's mean of them); ``x.median(dim)`` the named pair ``(values, indices)``."""
    if dim is None:
        return statistics.quantile(self, 0.5, interpolation="lower")
    return statistics.median(self, dim=dim, keepdim=keepdim)


def _quantile_method(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """PyTorch's ``x.quantile(q, dim, keepdim, interpolation=...)``."""
    return statistics.quantile(self, q, dim=dim, keepdim=keepdim, interpolation=interpolation)


def _where_method(self, condition, y):
    """PyTorch's ``x.where(condition, y)``: x where the condition holds, else y."""
    return arithmetic.where(condition, self, y)


Value.median, Value.quantile, Value.where = _median_method, _quantile_method, _where_method
Value.diff = lambda self, n=1, dim=-1, prepend=None, append=None: cumulative.diff(
    self, n, dim, prepend, append)


def _cross_method(self, other, dim=None):
    """PyTorch's ``x.cross(other, dim)``: without dim, along the first axis of length 3, as
    PyTorch's ``torch.cross`` (``linalg.cross`` takes the last)."""
    if dim is None:
        shape_ = np.broadcast_shapes(self.shape, np.shape(_data(other)))
        dim = next((i for i, n in enumerate(shape_) if n == 3), -1)
    return linalg.cross(self, other, dim=dim)


Value.cross = _cross_method
Value.kron = linalg.kron
Value.xlogy = special.xlogy
Value.ndimension, Value.nelement = Value.dim, Value.numel
Value.is_floating_point = lambda self: self.dtype.kind == "f"
Value.is_complex = lambda self: self.dtype.kind == "c"
Value.is_signed = lambda self: self.dtype.kind in "fic"


# PyTorch's arithmetic as methods: x.add(y, alpha=2) is x + 2 * y.
def _add(self, other, *, alpha=1):
    return self + (other if alpha == 1 else alpha * other)


def _sub(self, other, *, alpha=1):
    return self - (other if alpha == 1 else alpha * other)


def _div(self, other, *, rounding_mode=None):
    """PyTorch's ``div``: a / b, or rounded toward -inf ("floor") or 0 ("trunc"), each
    rounding a step function with a zero gradient, as PyTorch's."""
    if rounding_mode is None:
        return self / other
    if rounding_mode == "floor":
        return arithmetic.floor_divide(self, other)
    if rounding_mode == "trunc":
        q = self / other
        return elementwise.sign(q) * elementwise.floor(abs(q))
    raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got "
                     f"{rounding_mode!r}")


Value.add, Value.sub, Value.subtract = _add, _sub, _sub
Value.mul = Value.multiply = lambda self, other: self * other
Value.div = Value.divide = Value.true_divide = _div
Value.__floordiv__ = lambda self, other: arithmetic.floor_divide(self, other)
Value.__rfloordiv__ = lambda self, other: arithmetic.floor_divide(other, self)


# PyTorch's "like another tensor" methods.
def _other(other, name):
    """The tensor a "..._as" method copies a property of: a Value or an array."""
    if not isinstance(other, (Value, np.ndarray)):
        raise TypeError(f"{name}: other must be a Value or an array, got "
                        f"{type(other).__name__}")
    return other


Value.view_as = lambda self, other: shape.reshape(self, _other(other, "view_as").shape)
Value.reshape_as = lambda self, other: shape.reshape(self, _other(other, "reshape_as").shape)
Value.expand_as = lambda self, other: shape.broadcast_to(self,
                                                         _other(other, "expand_as").shape)
Value.type_as = lambda self, other: self.to(_other(other, "type_as").dtype)


Value.narrow, Value.select = indexing.narrow, indexing.select


# --- dtypes and devices ---------------------------------------------------------------

def _cast_to(name, dtype):
    def method(self):
        return self if self.dtype == dtype else arithmetic.cast(self, dtype)
    method.__name__ = name
    method.__doc__ = f"x as {np.dtype(dtype).name} (PyTorch's ``{name}()``)."
    return method


Value.float, Value.double, Value.half = (_cast_to("float", np.float32),
                                         _cast_to("double", np.float64),
                                         _cast_to("half", np.float16))
Value.long, Value.int, Value.bool = (_cast_to("long", np.int64), _cast_to("int", np.int32),
                                     _cast_to("bool", np.bool_))


def _type(self, dtype=None):
    """PyTorch's ``type``: with a dtype, x cast to it; without, the dtype's name."""
    if dtype is None:
        return self.dtype.name
    return self if np.dtype(dtype) == self.dtype else arithmetic.cast(self, dtype)


def _to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """PyTorch's ``to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other)`` (other's dtype). The CPU is the only device: it changes nothing, and
    another one is refused."""
    args = [a.dtype if isinstance(a, Value) else a for a in args]
    dtype = factories._dtype_and_device(args, dtype, device, "to")
    out = self if dtype is None or np.dtype(dtype) == self.dtype else arithmetic.cast(self, dtype)
    return arithmetic.clone(out) if copy and out is self else out


Value.type, Value.to = _type, _to


def _requires_grad_(self, requires_grad=True):
    """PyTorch's ``requires_grad_``: start (or stop) tracking gradients of a leaf."""
    if self.op is not None and not requires_grad and self.requires_grad:
        raise RuntimeError("requires_grad_: only a leaf's flag can be turned off; use "
                           "detach() for a result of ops")
    if self.op is None:
        if requires_grad and self.dtype.kind not in "fc":
            raise RuntimeError(f"requires_grad_: only float Values can require gradients, "
                               f"this one is {self.dtype}")
        self.requires_grad = bool(requires_grad)
    return self


Value.requires_grad_ = _requires_grad_
Value.grad_fn = property(grad_fn, doc=grad_fn.__doc__)


def _new_full(self, size, fill_value, dtype=None, requires_grad=False, device=None):
    """PyTorch's ``x.new_full(size, fill_value)``: a new Value of x's dtype (unless given),
    filled; ``new_zeros``, ``new_ones`` and ``new_empty`` (zeros, not numpy's uninitialised
    memory) are this with 0 and 1."""
    return factories.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                          requires_grad=requires_grad, device=device)


def _new_filled(fill_value, name):
    def method(self, size, dtype=None, requires_grad=False, device=None):
        return _new_full(self, size, fill_value, dtype, requires_grad, device)
    method.__name__ = name
    return method


Value.new_full = _new_full
Value.new_zeros, Value.new_empty = _new_filled(0, "new_zeros"), _new_filled(0, "new_empty")
Value.new_ones = _new_filled(1, "new_ones")


def _new_tensor(self, data, dtype=None, requires_grad=False, device=None):
    """PyTorch's ``x.new_tensor(data)``: a copy of data as a Value of x's dtype."""
    return factories.tensor(data, dtype=self.dtype if dtype is None else dtype,
                            requires_grad=requires_grad, device=device)


Value.new_tensor = _new_tensor

# --- PyTorch's in-place methods: zero_, fill_, add_, sub_, mul_, div_, copy_ ------------


def _mutator(name, update):
    """An in-place method: under ``no_grad`` or on a Value that needs no gradient the data
    changes in place (and ops that read the old data refuse their backward); a Value that
    requires grad refuses while the graph is recorded, as ``-=`` does for leaves."""
    def method(self, *args, **kwargs):
        if is_grad_enabled() and self.requires_grad:
            raise RuntimeError(
                f"{name}: {self.name or 'a Value'} of shape {self.shape} requires grad, so it "
                f"cannot be changed in place while the graph is recorded: call it inside "
                f"`with ag.no_grad():`, as in PyTorch")
        return _write(self, name, update(self.data, *[_data(a) for a in args], **kwargs))
    method.__name__ = name
    return method


Value.zero_ = _mutator("zero_", lambda a: np.zeros_like(a))
Value.fill_ = _mutator("fill_", lambda a, value: np.full_like(a, value))
Value.add_ = _mutator("add_", lambda a, b, alpha=1: a + b * alpha if alpha != 1 else a + b)
Value.sub_ = _mutator("sub_", lambda a, b, alpha=1: a - b * alpha if alpha != 1 else a - b)
Value.mul_ = _mutator("mul_", lambda a, b: a * b)
Value.div_ = _mutator("div_", lambda a, b: a / b)
Value.copy_ = _mutator("copy_", lambda a, src: np.broadcast_to(src, a.shape))


def _clamped(a, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
    if min is None and max is None:
        raise ValueError("clamp_: give at least one of min and max")
    return np.clip(a, _data(min), _data(max))


Value.clamp_ = _mutator("clamp_", _clamped)
# elementwise, in place (a Value's data keeps its dtype: numpy casts back)
for _name, _fn in (("abs_", np.abs), ("neg_", np.negative), ("exp_", np.exp),
                   ("log_", np.log), ("sqrt_", np.sqrt), ("square_", np.square),
                   ("tanh_", np.tanh), ("sign_", np.sign), ("floor_", np.floor),
                   ("ceil_", np.ceil), ("round_", np.round),
                   ("relu_", lambda a: np.maximum(a, 0)),
                   ("sigmoid_", lambda a: 1 / (1 + np.exp(-a)))):
    setattr(Value, _name, _mutator(_name, _fn))
Value.pow_ = _mutator("pow_", lambda a, exponent: np.power(a, exponent))
Value.masked_fill_ = _mutator("masked_fill_", lambda a, mask, value: np.where(mask, value, a))


def _from_method(name):
    """The update of PyTorch's ``x.name_(...)``: the numbers of ``x.name(...)``, computed on
    a constant copy of x's data (nothing is recorded), for ``_mutator`` to write back."""
    def update(a, *args, **kwargs):
        with no_grad():
            out = getattr(Value(a, requires_grad=False, dtype=a.dtype), name)(*args, **kwargs)
        return out.data if isinstance(out, Value) else out   # comparisons give arrays
    return update


# PyTorch's other in-place methods that keep x's shape, each from its out-of-place method
# (the shape-changing ones, t_ or squeeze_, are below).
for _name in (
        "absolute", "negative", "acos", "arccos", "acosh", "arccosh", "asin", "arcsin", "asinh",
        "arcsinh", "atan", "arctan", "atanh", "arctanh", "atan2", "arctan2", "sin", "sinh",
        "cos", "cosh", "tan", "sinc", "deg2rad", "rad2deg", "exp2", "expm1", "log2", "log10",
        "log1p", "logit", "rsqrt", "reciprocal", "erf", "erfc", "erfinv", "lgamma", "digamma",
        "polygamma", "mvlgamma", "i0", "igamma", "igammac", "xlogy", "sgn", "trunc", "fix",
        "frac", "nan_to_num", "clip", "clamp_min", "clamp_max", "copysign", "nextafter",
        "heaviside", "hypot", "ldexp", "lerp", "float_power", "fmod", "remainder", "gcd", "lcm",
        "floor_divide", "true_divide", "divide", "multiply", "subtract", "addcmul", "addcdiv",
        "addmm", "addmv", "addbmm", "baddbmm", "addr", "cumsum", "cumprod", "tril", "triu",
        "renorm", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
        "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
        "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
        "bitwise_right_shift", "index_copy", "index_fill", "index_reduce", "masked_scatter",
        "scatter", "scatter_add", "scatter_reduce", "conj_physical"):
    setattr(Value, _name + "_", _mutator(_name + "_", _from_method(_name)))


def _diagonal_filled(a, fill_value, wrap=False):
    """PyTorch's ``fill_diagonal_``: numpy's ``fill_diagonal`` on a copy (all sizes equal,
    or a tall matrix, whose diagonal restarts below with ``wrap``)."""
    out = np.array(a, copy=True)
    if out.ndim < 2 or (out.ndim > 2 and len(set(out.shape)) != 1):
        raise ValueError(f"fill_diagonal_: expected a matrix or a tensor with all sizes equal, "
                         f"got shape {out.shape}")
    np.fill_diagonal(out, fill_value, wrap=wrap)
    return out


def _index_put(a, indices, values, accumulate=False):
    """PyTorch's ``index_put_``: a[indices] = values (added, repeats adding up, with
    ``accumulate``)."""
    out = np.array(a, copy=True)
    key = tuple(np.asarray(_data(i)) for i in indices)
    if accumulate:
        np.add.at(out, key, np.asarray(_data(values)))
    else:
        out[key] = np.asarray(_data(values))
    return out


def _flat_index(a, index, source, where):
    """PyTorch's ``put``: the flat positions ``index`` into a's elements (negative counting
    from the end) and the values ``source`` for them, as numpy arrays, or its errors."""
    index = np.asarray(_data(index))
    source = np.asarray(_data(source))
    if index.dtype.kind not in "iu":
        raise TypeError(f"{where}: index must hold integers, got dtype {index.dtype}")
    if index.size != source.size:
        raise IndexError(f"{where}: expected source and index to have the same number of "
                         f"elements, got source of {source.size} and index of {index.size}")
    if index.size and (index.max() >= a.size or index.min() < -a.size):
        bad = index.max() if index.max() >= a.size else index.min()
        raise IndexError(f"{where}: index {bad} is out of range for a tensor of {a.size} "
                         "elements")
    return index.reshape(-1), source.reshape(-1)


def _put(a, index, source, accumulate=False):
    """PyTorch's ``put_``: a's elements, as if flattened, at ``index`` become ``source``'s
    (added to, repeats adding up, with ``accumulate``)."""
    index, source = _flat_index(a, index, source, "put_")
    out = np.array(a, copy=True)
    if accumulate:
        np.add.at(out.reshape(-1), index, source)
    else:
        out.reshape(-1)[index] = source
    return out


def _put_value(self, index, source, accumulate=False):
    """PyTorch's ``x.put(index, source, accumulate=False)``: ``put_`` on a new Value,
    differentiable in x (0 where replaced) and in source (a scatter of x's flat elements)."""
    flat_index, _ = _flat_index(self.data, index, source, "put")
    flat_index = np.where(flat_index < 0, flat_index + self.data.size, flat_index)
    flat = shape.reshape(self, (-1,))
    source = shape.reshape(source if isinstance(source, Value) else Value(
        np.asarray(source, self.dtype)), (-1,))
    scatter = Value.scatter_add if accumulate else Value.scatter
    return shape.reshape(scatter(flat, 0, flat_index, source), self.shape)


Value.fill_diagonal_ = _mutator("fill_diagonal_", _diagonal_filled)
Value.index_put_ = _mutator("index_put_", _index_put)
Value.put_ = _mutator("put_", _put)
Value.put = _put_value


def _reshaper(name):
    """PyTorch's ``x.t_()``, ``transpose_``, ``squeeze_``, ...: the Value's data becomes the
    out-of-place method's new array, under the rules of ``_mutator``; ops recorded before
    that read x then refuse their backward, as after any change."""
    def method(self, *args, **kwargs):
        if is_grad_enabled() and self.requires_grad:
            raise RuntimeError(
                f"{name}: {self.name or 'a Value'} of shape {self.shape} requires grad, so its "
                f"shape cannot change in place while the graph is recorded: call it inside "
                f"`with ag.no_grad():`, or use {name[:-1]}(), which records")
        with no_grad():
            new = getattr(Value(self.data, requires_grad=False, dtype=self.dtype),
                          name[:-1])(*args, **kwargs).data
        self.data = new
        self.mark_changed()
        return self
    method.__name__ = name
    return method


for _name in ("t_", "transpose_", "swapaxes_", "swapdims_", "squeeze_", "unsqueeze_"):
    setattr(Value, _name, _reshaper(_name))


def _detach_(self):
    """PyTorch's ``x.detach_()``: x leaves the graph that made it, a leaf needing no
    gradient (its data unchanged); the graph's other nodes keep their own links."""
    self.op, self._in0, self._in1 = None, None, None
    self.requires_grad = False
    return self


Value.detach_ = _detach_


def _index_added(a, dim, index, source, *, alpha=1):
    """PyTorch's ``index_add_``: a[..., index[k], ...] += alpha * source[..., k, ...] along
    ``dim``, repeated indices adding up (numpy's ``add.at``)."""
    out = np.array(a, copy=True)
    source = np.asarray(_data(source)) * alpha
    np.add.at(np.moveaxis(out, dim, 0), np.asarray(_data(index)), np.moveaxis(source, dim, 0))
    return out


Value.index_add_ = _mutator("index_add_", _index_added)


def _random_rng(generator=None, where="a sampler"):
    """The stream to draw from: ``generator`` (an ``ag.Generator``) or the package's, which
    ``ag.manual_seed`` seeds."""
    from .. import random  # the package's generators, built after the ops
    return random._stream(generator, where)


def _random_integers(a, bounds, named, generator):
    """PyTorch's ``random_()``, ``random_(to)`` and ``random_(from, to)`` (or keywords
    ``from=``, ``to=``): integers on [from, to); without ``to``, up to the largest integer
    the dtype holds exactly (2**24 for float32, 2**53 for float64), as PyTorch."""
    if len(bounds) > 2:
        raise TypeError(f"random_: takes at most two bounds (from, to), got {len(bounds)}")
    if len(bounds) == 1 and "to" not in named:  # random_(to)
        low, high = 0, bounds[0]
    else:  # random_(), random_(from, to), random_(from, to=...)
        low, high = tuple(bounds) + (0, None)[len(bounds):]
    low, high = named.get("from", low), named.get("to", high)
    if high is None:
        high = 2 ** (np.finfo(a.dtype).nmant + 1) + 1 if a.dtype.kind == "f" else \
            int(np.iinfo(a.dtype).max) + 1
    return _random_rng(generator, "random_").integers(low, high, a.shape)


# PyTorch's in-place samplers, as its init code calls them (``w.uniform_(-0.1, 0.1)`` under
# ``no_grad``), drawing from the generator ``ag.manual_seed`` seeds, or from ``generator=``.
Value.uniform_ = _mutator("uniform_", lambda a, from_=0.0, to=1.0, *, generator=None, **kw:
                          _random_rng(generator, "uniform_").uniform(kw.get("from", from_), to,
                                                                     a.shape))
Value.normal_ = _mutator("normal_", lambda a, mean=0.0, std=1.0, *, generator=None:
                         _random_rng(generator, "normal_").normal(mean, std, a.shape))
Value.bernoulli_ = _mutator("bernoulli_", lambda a, p=0.5, *, generator=None:
                            _random_rng(generator, "bernoulli_").uniform(size=a.shape) < _data(p))
Value.exponential_ = _mutator("exponential_", lambda a, lambd=1.0, *, generator=None:
                              _random_rng(generator, "exponential_").exponential(1 / lambd,
                                                                                 a.shape))
Value.random_ = _mutator("random_", lambda a, *bounds, generator=None, **named:
                         _random_integers(a, bounds, named, generator))


def _positive(value, name, where):
    if not value > 0:
        raise ValueError(f"{where}: expects {name} > 0, got {name}={value!r}")
    return value


def _cauchy(a, median=0.0, sigma=1.0, *, generator=None):
    """PyTorch's ``cauchy_``: median + sigma * tan(pi * (u - 1/2)), u uniform."""
    _positive(sigma, "sigma", "cauchy_")
    return median + sigma * _random_rng(generator, "cauchy_").standard_cauchy(a.shape)


def _geometric(a, p, *, generator=None):
    """PyTorch's ``geometric_``: the number of Bernoulli(p) trials up to the first success
    (1, 2, ...)."""
    if not 0 < p < 1:
        raise ValueError(f"geometric_: expects p to be in (0, 1), got p={p!r}")
    return _random_rng(generator, "geometric_").geometric(p, a.shape)


def _log_normal(a, mean=1.0, std=2.0, *, generator=None):
    """PyTorch's ``log_normal_``: exp of a normal with ``mean`` and ``std``."""
    _positive(std, "std", "log_normal_")
    return _random_rng(generator, "log_normal_").lognormal(mean, std, a.shape)


Value.cauchy_ = _mutator("cauchy_", _cauchy)
Value.geometric_ = _mutator("geometric_", _geometric)
Value.log_normal_ = _mutator("log_normal_", _log_normal)


# The methods of the families of ported names (``x.masked_fill``, ``x.addcmul``, ...): each
# family lists its own in METHODS; none replaces a method defined above.
for _family in (arrangement, building, counting, elementwise_more, products, nan_reductions,
                numpy_reductions, ordering, distances, bessel, torch_arithmetic,
                torch_linalg, torch_nn_functions, scatters, tensor_methods):
    for _name, _fn in _family.METHODS.items():
        if _name in Value.__dict__:
            raise AssertionError(f"{_family.__name__}.METHODS redefines Value.{_name}")
        setattr(Value, _name, _fn)
