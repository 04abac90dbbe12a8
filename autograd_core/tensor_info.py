"""PyTorch's questions about tensors and dtypes, at its top level: ``is_floating_point``,
``is_complex``, ``is_signed``, ``is_nonzero``, ``is_same_size``, ``detach``, and its type
promotion (``result_type``, ``promote_types``, ``can_cast``), ``broadcast_shapes``,
``finfo`` and ``iinfo`` with PyTorch's attribute names.

PyTorch promotes by category (bool < integer < float) before size: an integer tensor with
a float one takes the float's dtype (numpy would widen float16 with int64 to float64);
a Python float takes the default dtype; a 0-d tensor or a number decides the dtype only
when its category is higher than the tensors'. Complex numbers are not supported here,
so ``is_complex`` is always False.

>>> import autograd_core as ag
>>> ag.promote_types(ag.float16, ag.int64)
dtype('float16')
>>> ag.finfo(ag.float32).eps
1.1920928955078125e-07
"""

from __future__ import annotations

import numbers

import numpy as np

from .engine import Value, get_default_dtype

__all__ = ["is_floating_point", "is_complex", "is_signed", "is_nonzero", "is_same_size",
           "detach", "result_type", "promote_types", "can_cast", "broadcast_shapes", "finfo",
           "iinfo"]


def _tensor(x, where):
    if not isinstance(x, Value):
        raise TypeError(f"{where}: expected a Value, got {type(x).__name__}")
    return x


def is_floating_point(input):  # noqa: A002 (PyTorch's argument names)
    """Whether input's dtype is a float one (``torch.is_floating_point``)."""
    return _tensor(input, "is_floating_point").dtype.kind == "f"


def is_complex(input):  # noqa: A002
    """Always False: complex Values are not supported (``torch.is_complex``)."""
    _tensor(input, "is_complex")
    return False


def is_signed(input):  # noqa: A002
    """Whether input's dtype holds negative numbers (``torch.is_signed``)."""
    return _tensor(input, "is_signed").dtype.kind in "if"


def is_nonzero(input):  # noqa: A002
    """The truth of a one-element Value (``torch.is_nonzero``); any other size raises, as
    PyTorch's does."""
    x = _tensor(input, "is_nonzero")
    if x.data.size != 1:
        raise RuntimeError(f"is_nonzero: Boolean value of a Value with {x.data.size} values "
                           "is ambiguous")
    return bool(x.data.reshape(()) != 0)


def is_same_size(input, other):  # noqa: A002
    """Whether two Values have one shape (``torch.is_same_size``)."""
    return _tensor(input, "is_same_size").shape == _tensor(other, "is_same_size").shape


def detach(input):  # noqa: A002
    """input's value, cut from the graph (``torch.detach``, ``x.detach()``)."""
    return _tensor(input, "detach").detach()


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _category(dtype):
    if dtype.kind not in _CATEGORY:
        raise TypeError(f"unsupported dtype {dtype}: bool, integers and floats only")
    return _CATEGORY[dtype.kind]


def promote_types(type1, type2):
    """The smallest dtype both dtypes convert to by PyTorch's rules (``torch.promote_types``):
    within a category numpy's widening, across categories the higher category's dtype."""
    a, b = np.dtype(type1), np.dtype(type2)
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _scalar_dtype(x):
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(x, numbers.Integral):
        return np.dtype(np.int64)
    if isinstance(x, numbers.Real):
        return np.dtype(get_default_dtype())
    raise TypeError(f"result_type: expected Values or numbers, got {type(x).__name__}")


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op gives tensor1 with tensor2 (``torch.result_type``): Values
    with dimensions decide, unless a 0-d Value, then a number, is of a higher category."""
    groups = [[], [], []]  # Values with dimensions, 0-d Values, numbers
    for x in (tensor1, tensor2):
        if isinstance(x, Value):
            groups[0 if x.ndim else 1].append(x.dtype)
        else:
            groups[2].append(_scalar_dtype(x))
    result = None
    for group in groups:
        if not group:
            continue
        dtype = group[0]
        for other in group[1:]:
            dtype = promote_types(dtype, other)
        if result is None or _category(dtype) > _category(result):
            result = dtype
    return result


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow from_ to to (``torch.can_cast``): never down a
    category (float to integer, integer to bool), any size within one."""
    return _category(np.dtype(from_)) <= _category(np.dtype(to))


def broadcast_shapes(*shapes):
    """The shape the given shapes broadcast to (``torch.broadcast_shapes``), a tuple; shapes
    that do not broadcast raise PyTorch's RuntimeError."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {list(shapes)} do not broadcast") from None


class finfo:  # noqa: N801 (PyTorch's name)
    """A float dtype's limits under PyTorch's names (``torch.finfo``): bits, eps, max, min,
    tiny (= smallest_normal), resolution, dtype; the default dtype's without an argument."""

    def __init__(self, type=None):  # noqa: A002
        dtype = np.dtype(get_default_dtype() if type is None else type)
        if dtype.kind != "f":
            raise TypeError(f"finfo: expects a float dtype, got {dtype}")
        info = np.finfo(dtype)
        self.dtype, self.bits = dtype.name, int(info.bits)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:  # noqa: N801
    """An integer dtype's limits under PyTorch's names (``torch.iinfo``): bits, max, min,
    dtype."""

    def __init__(self, type):  # noqa: A002
        dtype = np.dtype(type)
        if dtype.kind not in "iu":
            raise TypeError(f"iinfo: expects an integer dtype, got {dtype}")
        info = np.iinfo(dtype)
        self.dtype, self.bits, self.max, self.min = dtype.name, int(info.bits), int(info.max), \
            int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
