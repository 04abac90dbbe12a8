"""PyTorch's remaining top-level functions that are compositions of ops or constants here:
``cumulative_trapezoid``, ``frobenius_norm``, ``nuclear_norm``, the conjugation questions of
real data (``isreal``, ``is_conj``, ``is_neg``, ``resolve_conj``, ``resolve_neg``,
``conj_physical``), and the makers ``scalar_tensor``, ``asarray``, ``frombuffer``,
``empty_strided`` and ``empty_permuted``.

The differentiable ones are written with existing ops, so their derivatives are those ops'.
Values hold real numbers, so conjugation is the identity and nothing is a lazy conjugate.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..engine import Value, _data, constant
from . import cumulative, norms, numpy_reductions
from ._composing import _dim, _value
from .factories import _check_device, _dtype, _made, _shape, tensor
from .numpy_signals import _real_value

__all__ = ["cumulative_trapezoid", "frobenius_norm", "nuclear_norm", "isreal", "is_conj",
           "is_neg", "resolve_conj", "resolve_neg", "conj_physical", "scalar_tensor",
           "asarray", "frombuffer", "empty_strided", "empty_permuted"]


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """PyTorch's ``torch.cumulative_trapezoid(y, x=None, *, dx=None, dim=-1)``: the running
    integral of y along dim by the trapezoidal rule,
    out[k] = sum_{j <= k} (x[j+1] - x[j]) (y[j+1] + y[j]) / 2, one element fewer than y
    along dim. x: a vector along dim or y's shape; else the spacing dx (1)."""
    if np.ndim(_data(y)) == 0:
        raise IndexError("cumulative_trapezoid: y must have at least one dimension, got a "
                         "0-d Value")
    areas, axis = numpy_reductions._trapezoids(y, x, dx, dim, "cumulative_trapezoid",
                                              RuntimeError)
    return cumulative.cumsum(areas, axis)


def frobenius_norm(input, dim, keepdim=False):  # noqa: A002 (PyTorch's argument names)
    """PyTorch's ``torch.frobenius_norm(input, dim, keepdim=False)`` (deprecated there for
    ``linalg.vector_norm(input, 2, dim, keepdim)``): sqrt(sum(x**2)) over at most two dims."""
    x = _value(input, "frobenius_norm")
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"frobenius_norm: expected at most 2 dims, got dim={dim!r}")
    return norms.vector_norm(x, 2, axis=dims, keepdims=keepdim)


def nuclear_norm(input, dim=None, keepdim=False):  # noqa: A002
    """PyTorch's ``torch.nuclear_norm(input, keepdim=False)`` of a matrix and
    ``nuclear_norm(input, dim, keepdim=False)`` over two dims (deprecated there for
    ``linalg.matrix_norm(input, 'nuc', dim, keepdim)``): the sum of the singular values."""
    x = _value(input, "nuclear_norm")
    if isinstance(dim, bool):   # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    if dim is None:
        if x.ndim != 2:
            raise RuntimeError(f"nuclear_norm: expects a matrix without dim, got shape "
                               f"{x.shape}")
        dim = (0, 1)
    if isinstance(dim, (int, np.integer)) or len(dim) != 2:
        raise RuntimeError(f"nuclear_norm: dim must be two dims, got {dim!r}")
    d0, d1 = (_dim(x, d, "nuclear_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"nuclear_norm: dims must be different, got {dim!r}")
    return norms._matrix_norm(x, "nuc", (d0, d1), keepdim, "nuclear_norm")


def isreal(input):  # noqa: A002
    """PyTorch's ``torch.isreal``: True everywhere, a constant boolean Value of input's
    shape (a Value holds real numbers)."""
    x = _real_value(_value(input, "isreal"), "isreal")
    return constant(np.ones(x.shape, bool), dtype=bool)


def is_conj(input):  # noqa: A002
    """PyTorch's ``torch.is_conj``: False, no Value is a lazy conjugate."""
    _value(input, "is_conj")
    return False


def is_neg(input):  # noqa: A002
    """PyTorch's ``torch.is_neg``: False, no Value is a lazy negation."""
    _value(input, "is_neg")
    return False


def resolve_conj(input):  # noqa: A002
    """PyTorch's ``torch.resolve_conj``: input itself, as PyTorch returns a tensor that is
    not a lazy conjugate."""
    return _real_value(_value(input, "resolve_conj"), "resolve_conj")


def resolve_neg(input):  # noqa: A002
    """PyTorch's ``torch.resolve_neg``: input itself (see ``resolve_conj``)."""
    return _real_value(_value(input, "resolve_neg"), "resolve_neg")


def conj_physical(input):  # noqa: A002
    """PyTorch's ``torch.conj_physical`` of real data: input itself (dL/dx = g)."""
    return _real_value(_value(input, "conj_physical"), "conj_physical")


def scalar_tensor(s, *, dtype=None, requires_grad=False, device=None):
    """PyTorch's ``torch.scalar_tensor(s)``: a 0-d Value of the number s, in the default
    float dtype unless ``dtype`` says otherwise (an int stays a float, as PyTorch's)."""
    if isinstance(s, Value):
        s = s.item()
    if not isinstance(s, (int, float, np.integer, np.floating, np.bool_)):
        raise TypeError(f"scalar_tensor: s must be a number, got {type(s).__name__}")
    return _made(np.asarray(s, _dtype(dtype, "scalar_tensor")), requires_grad, None,
                 "scalar_tensor", device)


def _shared(array, requires_grad, where):
    """A Value whose data is ``array`` itself (no copy): writes to either show in both."""
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError(f"{where}: only floating point Values can require gradients, got "
                           f"dtype {array.dtype}")
    out = Value(array.reshape(-1)[:0], requires_grad=requires_grad, dtype=array.dtype)
    out.data = array
    return out


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """PyTorch's ``torch.asarray``: obj as a Value, sharing its memory when it can.

    A Value of the dtype asked is returned itself (``copy=True``: a copy, cut from the
    graph); a numpy array of at least one dimension whose dtype fits becomes a Value holding
    that very array, as PyTorch shares a numpy array's memory (``copy=False`` refuses when a
    copy is needed); anything else, a number or a list, a new Value with ``tensor``'s
    dtypes. ``requires_grad=True`` makes the result a leaf that requires grad."""
    _check_device(device, "asarray")
    if copy is not None and not isinstance(copy, bool):
        raise TypeError(f"asarray: copy must be True, False or None, got {copy!r}")
    wanted = None if dtype is None else _dtype(dtype, "asarray")
    if isinstance(obj, Value):
        if wanted is not None and wanted != obj.dtype and copy is False:
            raise ValueError(f"asarray: can't alias a Value of dtype {obj.dtype} into dtype "
                             f"{wanted} (copy=False)")
        if not copy and (wanted is None or wanted == obj.dtype) and not requires_grad:
            return obj
        data = np.array(obj.data, dtype=wanted or obj.dtype)
        return _shared(data, requires_grad, "asarray") if data.ndim else \
            _made(data, requires_grad, None, "asarray")
    if isinstance(obj, np.ndarray) and obj.ndim:
        if wanted is not None and wanted != obj.dtype and copy is False:
            raise ValueError(f"asarray: can't alias an array of dtype {obj.dtype} into dtype "
                             f"{wanted} (copy=False)")
        if not copy and (wanted is None or wanted == obj.dtype) and obj.flags.writeable:
            return _shared(obj, requires_grad, "asarray")
        return _shared(np.array(obj, dtype=wanted or obj.dtype), requires_grad, "asarray")
    if copy is False:
        raise ValueError(f"asarray: can't alias a {type(obj).__name__} (copy=False)")
    made = tensor(obj, dtype=wanted)
    if requires_grad and made.dtype.kind != "f":
        raise RuntimeError(f"asarray: only floating point Values can require gradients, got "
                           f"dtype {made.dtype}")
    made.requires_grad = requires_grad
    return made


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """PyTorch's ``torch.frombuffer(buffer, *, dtype, count=-1, offset=0)``: the bytes of a
    Python buffer (``bytearray``, ``memoryview``, ``array.array``) read as a vector of
    dtype, sharing the buffer's memory. A buffer that cannot be written (``bytes``) is
    copied instead, with a warning (PyTorch shares it and warns that it may be written)."""
    dtype = _dtype(dtype, "frombuffer")
    view = memoryview(buffer)
    length = view.nbytes
    if length == 0 or count == 0:
        raise ValueError(f"frombuffer: both buffer length ({length}) and count ({count}) must "
                         "not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"frombuffer: offset ({offset} bytes) must be non-negative and no "
                         f"greater than buffer length ({length} bytes) minus 1")
    if count < 0 and (length - offset) % dtype.itemsize:
        raise ValueError(f"frombuffer: buffer length ({length - offset} bytes) after offset "
                         f"({offset} bytes) must be a multiple of element size "
                         f"({dtype.itemsize})")
    if count > 0 and count * dtype.itemsize > length - offset:
        raise ValueError(f"frombuffer: requested buffer length ({count} * {dtype.itemsize} "
                         f"bytes) after offset ({offset} bytes) must not be greater than "
                         f"actual buffer length ({length} bytes)")
    array = np.frombuffer(view, dtype, count, offset)
    if not array.flags.writeable:
        warnings.warn("frombuffer: the buffer is not writable; its data is copied (PyTorch "
                      "would share it)", UserWarning, stacklevel=2)
        array = array.copy()
    return _shared(array, requires_grad, "frombuffer")


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """PyTorch's ``torch.empty_strided(size, stride)``: zeros of ``size`` (as ``empty``).
    ``stride`` is checked, one per dim, and then ignored: a Value's array keeps numpy's own
    strides."""
    size = _shape(size, "empty_strided")
    stride = _shape(stride, "empty_strided")
    if len(stride) != len(size):
        raise RuntimeError(f"empty_strided: size {size} has {len(size)} dims but stride "
                           f"{stride} has {len(stride)}")
    return _made(np.zeros(size, _dtype(dtype, "empty_strided")), requires_grad, None,
                 "empty_strided", device)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """PyTorch's ``torch.empty_permuted(size, physical_layout)``: zeros of ``size`` whose
    memory runs in the order of ``physical_layout`` (a permutation of the dims), as
    PyTorch's: the zeros of the permuted shape, viewed back in ``size``'s order."""
    _check_device(device, "empty_permuted")
    size = _shape(size, "empty_permuted")
    order = tuple(int(d) for d in physical_layout)
    if sorted(order) != list(range(len(size))):
        raise RuntimeError(f"empty_permuted: physical_layout must be a permutation of the "
                           f"{len(size)} dims of size {size}, got {tuple(physical_layout)}")
    data = np.zeros(tuple(size[d] for d in order), _dtype(dtype, "empty_permuted"))
    return _shared(np.transpose(data, np.argsort(order)), requires_grad, "empty_permuted") \
        if data.ndim else _made(data, requires_grad, None, "empty_permuted", device)
