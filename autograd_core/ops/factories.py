"""Factories: new Values filled with zeros, ones, a constant, the identity or a range.

Each returns a constant (no gradient is computed for it) unless ``requires_grad=True``
(PyTorch's keyword), which makes it a leaf to differentiate; TensorFlow's way is
``Variable(zeros(...))``. Floats come in the default float dtype (``get_default_dtype()``,
float32 at start) unless ``dtype`` says otherwise; integer ranges and integer fill values
stay integers, as in numpy and PyTorch. PyTorch's ``device=`` is taken too: the CPU is the
only device (``device("cpu")``), so code written for PyTorch ports by renaming.
"""

from __future__ import annotations

import numpy as np

from ..engine import Value, _data, get_default_dtype
from ._operands import plain_dims

__all__ = ["zeros", "ones", "empty", "full", "fill", "zeros_like", "ones_like", "empty_like",
           "full_like", "eye",
           "arange", "range", "linspace", "tensor", "as_tensor", "from_numpy", "is_tensor",
           "numel", "device"]


def _shape(shape, where):
    """An int or a sequence of ints, as numpy takes a shape (TensorFlow code's Values among
    them, ``tf.zeros([n, 2])``, are their numbers)."""
    shape = plain_dims(shape)
    dims = np.atleast_1d(np.asarray(shape)) if np.ndim(shape) == 0 else np.asarray(shape)
    if dims.size and dims.dtype.kind not in "iu" or dims.ndim != 1:
        raise TypeError(f"{where}: shape must be an int or a tuple of ints, got {shape!r}")
    if np.any(dims < 0):
        raise ValueError(f"{where}: negative dimensions in shape {shape!r}")
    return tuple(int(n) for n in dims)


def _dtype(dtype, where):
    try:
        return get_default_dtype() if dtype is None else np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: {dtype!r} is not a dtype; give a shape of several axes "
                        f"as one tuple, {where}((2, 3))") from None


def device(type="cpu"):  # noqa: A002 (PyTorch's argument name)
    """PyTorch's ``torch.device``: "cpu", the only device here, as a string (another one is
    refused)."""
    return _check_device(type, "device")


def _check_device(device, where):
    name = str(device).split(":")[0] if device is not None else "cpu"
    if name != "cpu":
        raise ValueError(f"{where}: autograd_core runs on the CPU only, got device {device!r}")
    return "cpu"


def _dtype_and_device(args, dtype, device, where):
    """PyTorch's ``to(...)`` arguments, dtypes and devices in any order (a device is a
    string that names no dtype: "cpu", "cuda:0"): the device checked, the dtype returned
    (None if none was given)."""
    for a in args:
        if isinstance(a, str):
            try:
                np.dtype(a)
            except TypeError:
                device = a
                continue
        dtype = a
    _check_device(device, where)
    return dtype


def _made(data, requires_grad, name, where, device=None):
    """``data`` as a Value: a constant, or a leaf that requires grad."""
    _check_device(device, where)
    if requires_grad and data.dtype.kind != "f":
        raise TypeError(f"{where}: only float Values can require grad, got dtype {data.dtype}")
    return Value(data, requires_grad=requires_grad, name=name, dtype=data.dtype)


def _size_and_dtype(args, shape, dtype, where):
    """numpy's ``zeros(shape, dtype)`` and PyTorch's ``zeros(2, 3)``: positional integers
    after the first are more sizes (an integer is no dtype, so the two cannot clash);
    ``shape=`` (numpy's and TensorFlow's keyword) instead of positions."""
    if shape is not None:
        if args:
            raise TypeError(f"{where}: shape given twice ({args!r} and shape={shape!r})")
        args = (shape,)
    if not args:
        raise TypeError(f"{where}: missing the shape")
    if len(args) > 1 and not (isinstance(args[-1], (int, np.integer))
                              and not isinstance(args[-1], bool)):
        if dtype is not None:
            raise TypeError(f"{where}: dtype given twice ({args[-1]!r} and {dtype!r})")
        args, dtype = args[:-1], args[-1]
    shape = args[0] if len(args) == 1 else args
    if len(args) > 1 and not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                 for n in args):
        raise TypeError(f"{where}: give a shape as one tuple, zeros((2, 3)), or as integers, "
                        f"zeros(2, 3); got {args!r}")
    return _shape(shape, where), _dtype(dtype, where)


def zeros(*size, shape=None, dtype=None, requires_grad=False, name=None, device=None):
    """A Value of zeros of ``size``: ``np.zeros((2, 3))`` and ``np.zeros(3, np.float64)``,
    ``tf.zeros``, and PyTorch's ``torch.zeros(2, 3)``.

    >>> zeros((2, 3)).shape, zeros(2, 3).shape, zeros(2).dtype, zeros(2, "float64").dtype
    ((2, 3), (2, 3), dtype('float32'), dtype('float64'))
    """
    shape, dtype = _size_and_dtype(size, shape, dtype, "zeros")
    return _made(np.zeros(shape, dtype), requires_grad, name, "zeros", device)


def empty(*size, shape=None, dtype=None, requires_grad=False, name=None, device=None):
    """``np.empty``/``torch.empty``, whose memory is left as it was: here zeros (code that
    uses it fills it first, ``torch.empty(n, 1, dtype=torch.long).fill_(SOS)``, and no
    result then depends on what memory held)."""
    shape, dtype = _size_and_dtype(size, shape, dtype, "empty")
    return _made(np.zeros(shape, dtype), requires_grad, name, "empty", device)


def ones(*size, shape=None, dtype=None, requires_grad=False, name=None, device=None):
    """A Value of ones of ``size``, as ``zeros`` takes it (``np.ones``, ``tf.ones``,
    ``torch.ones``)."""
    shape, dtype = _size_and_dtype(size, shape, dtype, "ones")
    return _made(np.ones(shape, dtype), requires_grad, name, "ones", device)


def _fill_dtype(fill_value, dtype, where):
    """numpy's and PyTorch's choice: the dtype of the fill value, floats the default one."""
    if dtype is not None:
        return _dtype(dtype, where)
    kind = np.asarray(_data(fill_value)).dtype
    if kind.kind not in "biuf":
        raise TypeError(f"{where}: fill_value must be a number, got {fill_value!r}")
    if isinstance(fill_value, (np.ndarray, np.generic, Value)) and kind.kind == "f":
        return kind
    return kind if kind.kind in "biu" else get_default_dtype()


def full(shape, fill_value, dtype=None, requires_grad=False, name=None, device=None):
    """A Value of ``shape`` filled with ``fill_value`` (``np.full``, ``torch.full``); its dtype
    is the fill value's (a Python float: the default float dtype; an int: int64).

    >>> full(2, 7.0).numpy(), full(2, 7).numpy()
    (array([7., 7.], dtype=float32), array([7, 7]))
    """
    dtype = _fill_dtype(fill_value, dtype, "full")
    value = np.asarray(_data(fill_value))
    return _made(np.full(_shape(shape, "full"), value, dtype), requires_grad, name, "full",
                 device)


def fill(dims, value, name=None):
    """TensorFlow's name for ``full``: ``tf.fill(dims, value)``."""
    return full(dims, value, name=name)


def _like(x, fill_value, dtype, requires_grad, name, where, device=None):
    """``fill_value`` in x's shape and dtype (or ``dtype``)."""
    data = _data(x)
    if dtype is not None:
        dtype = _dtype(dtype, where)
    elif isinstance(data, (np.ndarray, np.generic)):
        dtype = data.dtype  # numpy data keeps its dtype
    else:
        dtype = get_default_dtype()  # lists and numbers, as Values take them
    value = np.asarray(_data(fill_value))
    return _made(np.full(np.shape(data), value, dtype), requires_grad, name, where, device)


def zeros_like(x, dtype=None, requires_grad=False, name=None, device=None):
    """Zeros of x's shape and dtype (``np.zeros_like``, ``tf.zeros_like``)."""
    return _like(x, 0, dtype, requires_grad, name, "zeros_like", device)


def empty_like(x, dtype=None, requires_grad=False, name=None, device=None):
    """``np.empty_like``/``torch.empty_like``: zeros of x's shape and dtype (see ``empty``)."""
    return _like(x, 0, dtype, requires_grad, name, "empty_like", device)


def ones_like(x, dtype=None, requires_grad=False, name=None, device=None):
    """Ones of x's shape and dtype (``np.ones_like``, ``tf.ones_like``)."""
    return _like(x, 1, dtype, requires_grad, name, "ones_like", device)


def full_like(x, fill_value, dtype=None, requires_grad=False, name=None, device=None):
    """``fill_value`` in x's shape and dtype (``np.full_like``, ``torch.full_like``)."""
    return _like(x, fill_value, dtype, requires_grad, name, "full_like", device)


def eye(N, M=None, k=0, dtype=None, batch_shape=None, requires_grad=False, name=None,
        device=None):
    """The N x M identity: ones on diagonal ``k`` (``np.eye``; ``tf.eye``'s ``batch_shape``
    stacks copies of it).

    >>> eye(2).numpy()
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    data = np.eye(N, M, k, dtype=_dtype(dtype, "eye"))
    if batch_shape is not None:
        data = np.broadcast_to(data, _shape(batch_shape, "eye") + data.shape)
    return _made(data, requires_grad, name, "eye", device)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False, name=None,
           device=None):
    """Evenly spaced numbers in [start, stop) (``np.arange``; ``arange(n)`` is 0, ..., n-1).
    Integer arguments give integers (int64), as numpy; floats the default float dtype.

    >>> arange(3).numpy(), arange(0, 1, 0.5).numpy()
    (array([0, 1, 2]), array([0. , 0.5], dtype=float32))
    """
    if stop is None:
        start, stop = 0, start
    data = np.arange(start, stop, step, dtype=None if dtype is None else _dtype(dtype, "arange"))
    if dtype is None and data.dtype.kind == "f":
        data = data.astype(get_default_dtype())
    return _made(data, requires_grad, name, "arange", device)


def range(start, limit=None, delta=1, dtype=None, name=None):  # noqa: A001 - tf.range
    """TensorFlow's name for ``arange``: ``tf.range(start, limit, delta)``."""
    return arange(start, limit, delta, dtype=dtype, name=name)


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0, requires_grad=False,
             name=None, device=None):
    """``num`` evenly spaced numbers from start to stop, stop included unless ``endpoint``
    is False (``np.linspace``; PyTorch's ``linspace(start, end, steps)``).

    >>> linspace(0, 1, 3).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """
    data = np.linspace(_data(start), _data(stop), num,
                       endpoint=endpoint, axis=axis)
    return _made(data.astype(_dtype(dtype, "linspace")), requires_grad, name, "linspace",
                 device)


def tensor(data, dtype=None, requires_grad=False, device=None):
    """PyTorch's ``torch.tensor``: a new Value holding a copy of ``data``, with PyTorch's
    dtypes: Python floats (and lists of them) the default float dtype, integers int64,
    booleans bool, numpy arrays their own dtype.

    >>> tensor([1, 2]).dtype, tensor([1.0, 2.0]).dtype, tensor(3.0, requires_grad=True).is_leaf
    (dtype('int64'), dtype('float32'), True)
    """
    if isinstance(data, Value):
        data = data.data
    if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
        kind = np.asarray(data).dtype.kind
        dtype = np.int64 if kind in "iu" else np.bool_ if kind == "b" else None
    if dtype is None and isinstance(data, (np.ndarray, np.generic)):
        dtype = data.dtype
    value = Value(data, requires_grad=False, dtype=dtype)
    return _made(np.array(value.data), requires_grad, None, "tensor", device)


def as_tensor(data, dtype=None, device=None):
    """PyTorch's ``torch.as_tensor``: ``data`` itself when it is already a Value of that
    dtype, else a new constant Value of it (with ``tensor``'s dtypes)."""
    if isinstance(data, Value) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return tensor(data, dtype=dtype, device=device)


def is_tensor(obj):
    """PyTorch's ``torch.is_tensor``: whether ``obj`` is a Value."""
    return isinstance(obj, Value)


def numel(x):
    """PyTorch's ``torch.numel``: the number of elements of x (numpy's ``np.size``)."""
    return int(np.size(x.data if isinstance(x, Value) else x))


def from_numpy(array):
    """PyTorch's ``torch.from_numpy``: a constant Value of a numpy array, in its own dtype.
    (PyTorch shares the array's memory; here the Value holds a copy, as every Value made
    from user data does, so that optimizers can update it in place.)"""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    return Value(array, requires_grad=False, dtype=array.dtype)
