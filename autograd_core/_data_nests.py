"""The helpers behind ``ag.data``'s Dataset: elements as nests (tuples, namedtuples and
dicts of numpy arrays), their conversions in and out of the pipeline, batching with
padding, and TensorFlow's buffered shuffle."""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from .value import Value, constant, get_default_dtype

END = object()


def map_nest(fn, nest):
    if isinstance(nest, dict):
        return {key: map_nest(fn, value) for key, value in nest.items()}
    if isinstance(nest, tuple):
        items = [map_nest(fn, value) for value in nest]
        return type(nest)(*items) if hasattr(nest, "_fields") else tuple(items)
    return fn(nest)


def flatten(nest):
    leaves = []
    map_nest(leaves.append, nest)
    return leaves


def pack(structure, leaves):
    """``structure`` with its leaves replaced, in order, by ``leaves``."""
    it = iter(leaves)
    return map_nest(lambda _: next(it), structure)


def flatten_up_to(structure, nest, what, where):
    """The parts of ``nest`` where ``structure`` has leaves: a shape per component in
    ``padded_shapes``, whose shapes are themselves tuples."""
    if isinstance(structure, (tuple, dict)):
        if not isinstance(nest, (tuple, list, dict)) or len(nest) != len(structure) \
                or isinstance(structure, dict) != isinstance(nest, dict):
            raise ValueError(f"{where}: {what} {nest!r:.100} does not match the elements' "
                             f"structure {map_nest(lambda _: '.', structure)}")
        keys = structure.keys() if isinstance(structure, dict) else range(len(structure))
        return [part for key in keys
                for part in flatten_up_to(structure[key], nest[key], what, where)]
    return [nest]


def same_structure(a, b):
    """Whether two nests have the same containers (and dict keys), leaves aside."""
    return map_nest(lambda _: 0, a) == map_nest(lambda _: 0, b) and type(a) is type(b)


def as_array(x, where):
    """A leaf given by the user as a numpy array. Python numbers and lists take
    TensorFlow's dtypes (float32, int32); numpy arrays and Values keep theirs."""
    if isinstance(x, Value):
        return x.numpy()
    if isinstance(x, (np.ndarray, np.generic)):
        return x
    a = np.asarray(x)
    if a.dtype.kind == "f":
        return a.astype(get_default_dtype())
    if a.dtype.kind == "i":
        return a.astype(np.int32)
    if a.dtype.kind not in "bUS":
        raise TypeError(f"{where}: cannot make a tensor of {type(x).__name__} {x!r:.80}")
    return a


def from_user(x, where):
    """What a user function returned, as a nest of arrays (a list is read as a tuple, as
    TensorFlow does)."""
    if isinstance(x, list):
        x = tuple(x)
    if isinstance(x, (tuple, dict)):
        return map_nest(lambda leaf: from_user(leaf, where), x)
    return as_array(x, where)


def to_value(a):
    """A leaf leaving the pipeline: a Value of its own dtype (text stays a numpy array,
    which a Value cannot hold)."""
    return constant(a, dtype=a.dtype) if np.asarray(a).dtype.kind in "biuf" else a


def call_with(fn, element):
    """``fn`` on an element's Values: a plain tuple's components as separate arguments,
    anything else (a dict, one tensor, a namedtuple) as one, as TensorFlow's ``map``."""
    values = map_nest(to_value, element)
    return fn(*values) if type(values) is tuple else fn(values)


def check_integer(x, what, where, minimum=None):
    if isinstance(x, Value):
        x = x.numpy()
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Integral, np.integer)) \
            and not (isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "iu"):
        raise TypeError(f"{where}: {what} must be an integer, got {type(x).__name__} {x!r}")
    x = int(x)
    if minimum is not None and x < minimum:
        raise ValueError(f"{where}: {what} must be >= {minimum}, got {x}")
    return x


def check_callable(fn, what, where):
    if not callable(fn):
        raise TypeError(f"{where}: {what} must be callable, got {type(fn).__name__} {fn!r:.80}")


def stack(elements, where, padded_shapes=None, padding_values=None):
    """Elements stacked leaf by leaf into one batch (padded first, for ``padded_batch``)."""
    columns = list(zip(*(flatten(e) for e in elements)))
    shapes = [None] * len(columns) if padded_shapes is None else \
        flatten_up_to(elements[0], padded_shapes, "padded_shapes", where)
    pads = flatten_up_to(elements[0], padding_values, "padding_values", where) \
        if isinstance(padding_values, (tuple, dict)) else [padding_values] * len(columns)
    stacked = []
    for k, (column, target, pad) in enumerate(zip(columns, shapes, pads)):
        arrays = [np.asarray(a) for a in column]
        if padded_shapes is not None or padding_values is not None:
            arrays = pad_to(arrays, target, pad, k, where)
        for a in arrays[1:]:
            if a.shape != arrays[0].shape:
                raise ValueError(f"{where}: cannot stack component {k} of shapes "
                                 f"{arrays[0].shape} and {a.shape} into one batch (give "
                                 "padded_batch, or make the shapes equal in map)")
        stacked.append(np.stack(arrays))
    return pack(elements[0], stacked)


def pad_to(arrays, target, pad, k, where):
    """The arrays padded at the end of each axis to ``target`` (None or -1 sizes: the
    largest in the batch)."""
    ndim = arrays[0].ndim
    if any(a.ndim != ndim for a in arrays) or target is not None and len(target) != ndim:
        raise ValueError(f"{where}: component {k} has elements of shapes "
                         f"{sorted({a.shape for a in arrays})} and padded shape {target}; "
                         "padding needs one rank")
    largest = [max(a.shape[i] for a in arrays) for i in range(ndim)]
    target = largest if target is None else list(target)
    sizes = [m if t is None or t == -1 else int(t) for t, m in zip(target, largest)]
    if any(m > s for m, s in zip(largest, sizes)):
        raise ValueError(f"{where}: component {k} has an element of shape {tuple(largest)} "
                         f"larger than its padded shape {tuple(target)}")
    if ndim == 0:  # a scalar has nothing to pad
        return arrays
    value = 0 if pad is None else pad
    return [np.pad(a, [(0, s - n) for n, s in zip(a.shape, sizes)], constant_values=value)
            for a in arrays]


def shuffled(elements, buffer_size, rng):
    """TensorFlow's shuffle: a buffer filled with the first ``buffer_size`` elements, one
    picked uniformly at random and emitted, its place taken by the next input element.
    Element i enters the buffer only after i - buffer_size + 1 elements have left it, so
    it is emitted at position >= i - buffer_size + 1; it may leave arbitrarily late."""
    buffer = list(itertools.islice(elements, buffer_size))
    while buffer:
        i = int(rng.integers(len(buffer)))
        yield buffer[i]
        following = next(elements, END)
        if following is END:  # the input ended: the buffer drains
            buffer[i] = buffer[-1]
            buffer.pop()
        else:
            buffer[i] = following
