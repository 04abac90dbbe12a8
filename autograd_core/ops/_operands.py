"""Turning what users pass (Values, numbers, lists, arrays) into an op's operands, with
errors that name the op. Every public op function validates here, before ``apply``."""

from __future__ import annotations

import numpy as np

from ..engine import Value, _wrap, constant, get_default_dtype


def operand(x, op_cls, like=None):
    """``x`` as a Value (see ``engine._wrap``); bad data raises a TypeError naming the op."""
    if isinstance(x, Value):
        return x
    try:
        return _wrap(x, like=like)
    except TypeError as e:
        # _wrap cannot know which op it serves; put the op's name where it says "operand".
        raise TypeError(str(e).replace("operand", op_cls.__name__, 1)) from None


def pair(a, b, op_cls):
    """Both operands as Values; a Python number takes the other operand's float dtype, and
    so does an integer or boolean Value (see ``float_with_integer``)."""
    if not isinstance(a, Value):
        a = operand(a, op_cls, like=b if isinstance(b, Value) else None)
    if not isinstance(b, Value):
        b = operand(b, op_cls, like=a)
    if a.data.dtype is not b.data.dtype:
        a, b = float_with_integer(a, b)
    return a, b


def float_with_integer(a, b):
    """A float operand with an integer or boolean one: the integers become constants of the
    float's dtype, as PyTorch and JAX promote (float32 * int64 is float32).

    numpy would make float32 * int64 float64, so a float32 prediction minus int64 labels
    from a DataLoader, or ``x.pow(tensor([1, 2, 3]))``, would silently turn the rest of a
    float32 graph into float64. Integers carry no gradient, so nothing is lost. Two floats
    (float32 and float64) promote as numpy does, to the wider.
    """
    kind_a, kind_b = a.data.dtype.kind, b.data.dtype.kind
    if kind_a == "f" and kind_b in "biu":
        b = constant(b.data.astype(a.data.dtype))
    elif kind_b == "f" and kind_a in "biu":
        a = constant(a.data.astype(b.data.dtype))
    return a, b


def float_operand(x, op_cls):
    """``operand``, with integer or boolean data made a constant of the default float dtype,
    as PyTorch promotes them (``torch.erf`` of an int64 tensor is float32): an op whose
    forward keeps its input's dtype (the special functions, ``np.reciprocal``) would
    otherwise truncate its result to integers."""
    x = operand(x, op_cls)
    if x.data.dtype.kind in "biu":
        x = constant(x.data.astype(get_default_dtype()))
    return x


def as_constant(x, op_name):
    """Wrap data as a constant, keeping integer and boolean dtypes (labels, masks)."""
    if isinstance(x, Value):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{op_name}: expected numbers, got an array of dtype {arr.dtype} "
                        f"(shape {arr.shape})")
    return _wrap(arr) if arr.dtype.kind == "f" else constant(arr, dtype=arr.dtype)


def axis_arg(axis, shape, op_name, allow_none=True, ndim=None):
    """An axis argument as numpy takes it, checked and made non-negative: None, an int, or
    a tuple (a list is read as a tuple), for an input of ``shape`` (whose result has
    ``ndim`` dimensions when that differs, as for stack). Out-of-range or repeated axes
    raise, naming the op and the shape."""
    ndim = len(shape) if ndim is None else ndim
    if axis is None:
        if allow_none:
            return None
        raise TypeError(f"{op_name}: axis must be an integer, got None")
    single = not isinstance(axis, (tuple, list))
    axes = (axis,) if single else tuple(axis)
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op_name}: axis must be an integer or a tuple of integers, "
                            f"got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{op_name}: axis {a} is out of range for an input of shape "
                             f"{tuple(shape)}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op_name}: repeated axis in {axis!r} for an input of shape "
                         f"{tuple(shape)}")
    return out[0] if single else tuple(out)


def axis_or_dim(where, axis, dim, keepdims=False, keepdim=None, *, default=None,
                numpy_only=(), torch_only=()):
    """numpy's ``axis``/``keepdims`` or PyTorch's ``dim``/``keepdim``, for a function that
    takes both: ``(axis, keepdims, torch)``, ``torch`` telling whether PyTorch's keywords
    were used (std, var and max answer as PyTorch then).

    ``axis`` and ``keepdims`` belong to both libraries, as both take them by position
    (``x.sum(1, True)``), which Python cannot tell from by name; ``default`` is the
    function's default axis. ``numpy_only`` and ``torch_only`` name the keywords of one
    library the call gave (``ddof``; ``correction``, ``unbiased``). Naming the axis or
    keepdims twice, or keywords of both libraries, raises a TypeError.
    """
    if dim is not None and axis != default:
        raise TypeError(f"{where}: give axis (numpy) or dim (PyTorch), not both")
    if keepdim is not None and keepdims:
        raise TypeError(f"{where}: give keepdims (numpy) or keepdim (PyTorch), not both")
    theirs = [name for name, v in (("dim", dim), ("keepdim", keepdim)) if v is not None]
    theirs += list(torch_only)
    if numpy_only and theirs:
        raise TypeError(f"{where}: {' and '.join(numpy_only)} (numpy's) with "
                        f"{' and '.join(theirs)} (PyTorch's): give one library's keywords "
                        f"in a call")
    return (axis if dim is None else dim), bool(keepdims if keepdim is None else keepdim), \
        bool(theirs)


def tf_direction(direction, where):
    """TensorFlow's sort ``direction``: True for "DESCENDING"."""
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{where}: direction must be 'ASCENDING' or 'DESCENDING', got "
                         f"{direction!r}")
    return direction == "DESCENDING"


def plain_dims(shape):
    """A shape as TensorFlow code may give it, with Values in it (``tf.shape(x)``, a
    ``reduce_prod`` of sizes, ``[n, 2]`` with n a Value), as plain numbers; anything else
    as it is, for the caller to check. A Value of whole numbers counts as integers even
    in a float dtype: ``constant([5, 8])`` is float here (the default dtype) where
    TensorFlow's is int32."""
    if isinstance(shape, Value):
        return _whole(shape.data)
    if isinstance(shape, (tuple, list)):
        return type(shape)(_whole(d.data) if isinstance(d, Value) else d for d in shape)
    return shape


def _whole(data):
    """A Value's numbers as Python ints (a list for a vector), if they are whole."""
    data = np.asarray(data)
    if data.dtype.kind == "f" and np.all(np.isfinite(data)) and np.all(data == np.round(data)):
        data = data.astype(np.int64)
    if data.dtype.kind in "iu":
        return data.tolist()
    return data[()] if data.ndim == 0 else data
