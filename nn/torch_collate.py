"""PyTorch's ``default_collate`` and ``default_convert``: how a ``DataLoader`` makes one
batch from a list of examples (and converts an example when it does not batch).

The rules are PyTorch's, applied through any nesting: arrays, Values and numbers are
stacked along a new first axis into one constant Value, in their own dtype (Python ints
give int64, floats float64, bools bool, as PyTorch's); a dict gives a dict (of the same
kind) of batches, a namedtuple a namedtuple, any other tuple or list a list of batches
(every example must then have the same length); strings and bytes are left as they come
(a list of them on top, a tuple inside a tuple or list, as PyTorch's).

>>> import numpy as np, nn
>>> batch = nn.default_collate([{"x": np.zeros(2), "y": 1}, {"x": np.ones(2), "y": 0}])
>>> batch["x"].shape, batch["y"].tolist()
((2, 2), [1, 0])
"""

import collections.abc
import copy
import numbers

import numpy as np

import autograd_core as ag

__all__ = ["default_collate", "default_convert"]

_ERROR = ("default_collate: batch must contain arrays, Values, numbers, dicts or lists; "
          "found {}")


def _array(x):
    return x.data if isinstance(x, ag.Value) else np.asarray(x)


def batch_constant(a):
    """A constant holding ``a`` in its own dtype (class numbers stay integers)."""
    return ag.constant(a, dtype=a.dtype)


def _is_leaf(x):
    """What stacks into one Value: PyTorch's tensors, numpy arrays and scalars, numbers."""
    return isinstance(x, (ag.Value, np.ndarray, np.generic, numbers.Real))


def _stack(examples):
    arrays = [_array(e) for e in examples]
    if arrays[0].dtype.kind in "SUOV":  # text, objects, records: nothing to stack
        raise TypeError(_ERROR.format(arrays[0].dtype))
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(f"default_collate: stack expects each example to be of equal "
                           f"size, got shapes {[a.shape for a in arrays]}")
    return batch_constant(np.stack(arrays))


def default_collate(batch):
    """One batch from a list of examples, by PyTorch's rules (see the module's docstring).

    Args:
        batch: a list (or tuple) of examples of the same structure.
    Returns:
        the structure of one example, with a Value (len(batch), *shape) for every leaf.
    """
    first = batch[0]
    if isinstance(first, (str, bytes)):  # as it came: a list on top, a tuple when nested
        return batch
    if _is_leaf(first):
        return _stack(batch)
    if isinstance(first, collections.abc.Mapping):
        collated = {key: default_collate([example[key] for example in batch])
                    for key in first}
        if isinstance(first, collections.abc.MutableMapping):
            clone = copy.copy(first)  # keeps an OrderedDict, a defaultdict's factory...
            clone.update(collated)
            return clone
        try:
            return type(first)(collated)
        except TypeError:
            return collated
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple stays one
        return type(first)(*(default_collate(column) for column in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        size = len(first)
        if any(len(example) != size for example in batch):
            raise RuntimeError(f"default_collate: each element in list of batch should be of "
                               f"equal size, got sizes {[len(e) for e in batch]}")
        columns = [default_collate(column) for column in zip(*batch)]
        if isinstance(first, tuple):  # PyTorch's choice: a tuple of examples -> a list
            return columns
        if isinstance(first, collections.abc.MutableSequence):
            clone = copy.copy(first)
            clone[:] = columns
            return clone
        try:
            return type(first)(columns)
        except TypeError:
            return columns
    raise TypeError(_ERROR.format(type(first)))


def default_convert(data):
    """One example as a ``DataLoader`` without batching gives it (PyTorch's
    ``default_convert``): numpy arrays and numpy scalars become constant Values, through
    dicts, tuples and lists; Python numbers, strings and everything else stay as they are."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "SUOV" \
            or isinstance(data, (np.number, np.bool_)):
        return batch_constant(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.MutableSequence):
        clone = copy.copy(data)
        clone[:] = [default_convert(d) for d in data]
        return clone
    return data
