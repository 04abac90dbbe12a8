"""PyTorch's datasets from ``torch.utils.data``: ``Dataset``, ``TensorDataset``, ``Subset``,
``StackDataset``, ``ConcatDataset``, ``IterableDataset``, ``ChainDataset`` and
``random_split``, so that a PyTorch training loop's data side ports by renaming (``from
torch.utils.data import DataLoader`` becomes ``from nn import DataLoader``, or ``from
nn.utils.data import DataLoader``; the loader is in ``torch_dataloader``, the samplers in
``torch_samplers``, the collation in ``torch_collate``).

>>> import numpy as np, autograd_core as ag, nn
>>> loader = nn.DataLoader(nn.TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5)),
...                        batch_size=2)
>>> [(X.shape, y.tolist()) for X, y in loader]
[((2, 2), [0, 1]), ((2, 2), [2, 3]), ((1, 2), [4])]

Batches are constants (Values), so ``X.to(device)`` and ``y.float()`` work as on
PyTorch's tensors. ``random_split`` draws from ``generator`` (an ``ag.Generator``, as
PyTorch's ``torch.Generator``) or from the global stream ``ag.manual_seed`` seeds.
(``nn.data.BatchLoader`` is the numpy-in, numpy-out loader the course uses.)
"""

import bisect
import numbers

import numpy as np

import autograd_core as ag

from .torch_collate import batch_constant as _batch
from .torch_samplers import check_generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "Subset",
           "ConcatDataset", "ChainDataset", "random_split"]


class Dataset:
    """A map from an index to one example: subclasses define ``__getitem__`` and
    ``__len__``, as PyTorch's map-style datasets. ``a + b`` is ``ConcatDataset([a, b])``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])

    def __class_getitem__(cls, item):
        """``Dataset[int]``, PyTorch's type hint, is the class itself."""
        return cls


class IterableDataset(Dataset):
    """A stream of examples: subclasses define ``__iter__`` (and ``__len__`` only if the
    stream has a known length), as PyTorch's iterable-style datasets. A ``DataLoader`` reads
    it in order, with no sampler. ``a + b`` is ``ChainDataset([a, b])``."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: it is read by "
                        "iterating, not by index")

    def __len__(self):
        raise TypeError(f"object of type '{type(self).__name__}' has no len() (an "
                        "IterableDataset has one only if it defines __len__)")

    def __add__(self, other):
        return ChainDataset([self, other])


def _array(x):
    return x.data if isinstance(x, ag.Value) else np.asarray(x)


class TensorDataset(Dataset):
    """Example i is ``(t[i] for t in tensors)``: arrays or Values with the same first axis."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one array")
        self.tensors = tuple(_array(t) for t in tensors)
        lengths = [len(t) if t.ndim else None for t in self.tensors]
        if None in lengths or len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset: the arrays must have the same first axis, got "
                             f"shapes {[t.shape for t in self.tensors]}")

    def __getitem__(self, index):
        return tuple(_batch(np.asarray(t[index])) for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0])


class StackDataset(Dataset):
    """Example i of several datasets side by side, as PyTorch's: ``StackDataset(a, b)``
    gives ``(a[i], b[i])``, ``StackDataset(image=a, label=b)`` gives ``{"image": a[i],
    "label": b[i]}``. The datasets must have the same length."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("StackDataset: give the datasets either positionally (tuples of "
                             "examples) or by keyword (dicts), not both")
        if not args and not kwargs:
            raise ValueError("StackDataset: give at least one dataset")
        datasets = list(args) if args else list(kwargs.values())
        lengths = [len(d) for d in datasets]
        if len(set(lengths)) != 1:
            names = [f"#{k}" for k in range(len(args))] if args else list(kwargs)
            raise ValueError(f"StackDataset: the datasets must have the same length, got "
                             f"{dict(zip(names, lengths))}")
        self.datasets = tuple(args) if args else dict(kwargs)
        self._length = lengths[0]

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {name: d[index] for name, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """The examples of several map-style datasets one after the other.

    ``cumulative_sizes[k]`` is the number of examples in datasets 0..k, so example i lives
    in the first dataset whose cumulative size exceeds i.
    """

    def __init__(self, datasets):
        datasets = list(datasets)
        if not datasets:
            raise AssertionError("ConcatDataset: datasets should not be an empty iterable")
        for k, d in enumerate(datasets):
            if isinstance(d, IterableDataset):
                raise AssertionError(f"ConcatDataset: does not support IterableDataset, got "
                                     f"{type(d).__name__} at datasets[{k}]")
        self.datasets = datasets
        self.cumulative_sizes = np.cumsum([len(d) for d in datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if isinstance(idx, (bool, np.bool_)) or not isinstance(idx, numbers.Integral):
            raise TypeError(f"ConcatDataset: idx must be an integer, got {idx!r}")
        if idx < 0:
            if -idx > len(self):
                raise ValueError(f"ConcatDataset: absolute value of index should not exceed "
                                 f"dataset length {len(self)}, got idx={idx}")
            idx = len(self) + idx
        if idx >= len(self):
            raise IndexError(f"ConcatDataset: idx={idx} is out of range for {len(self)} "
                             "examples")
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        return self.datasets[k][idx - (self.cumulative_sizes[k - 1] if k else 0)]


class ChainDataset(IterableDataset):
    """The examples of several iterable datasets one stream after the other (each is read
    when the chain reaches it)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def _members(self):
        for k, d in enumerate(self.datasets):
            if not isinstance(d, IterableDataset):
                raise AssertionError(f"ChainDataset: only supports IterableDataset, got "
                                     f"{type(d).__name__} at datasets[{k}]")
            yield d

    def __iter__(self):
        for d in self._members():
            yield from d

    def __len__(self):
        return sum(len(d) for d in self._members())


def as_generator(generator, where):
    """PyTorch's ``generator=`` (an ``ag.Generator``), or an int seed for one."""
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return ag.Generator().manual_seed(generator)
    return check_generator(generator, where)


def random_split(dataset, lengths, generator=None):
    """Non-overlapping ``Subset``s of the given lengths, or fractions summing to 1 (the
    remainder handed out one by one from the first, as PyTorch). The split is a
    permutation drawn from ``generator`` (an ``ag.Generator`` or an int seed), so
    ``random_split(ds, [0.8, 0.2], generator=ag.Generator().manual_seed(42))`` gives the
    same split in every run and process; the global stream if None."""
    generator = as_generator(generator, "random_split")
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1) < 1e-9:
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if not all(isinstance(x, numbers.Integral) and x >= 0 for x in lengths) \
            or sum(lengths) != n:
        raise ValueError(f"random_split: lengths must be ints >= 0 summing to the dataset's "
                         f"length {n}, or fractions summing to 1, got {lengths!r}")
    order = ag.randperm(n, generator=generator).numpy()
    splits, start = [], 0
    for length in lengths:
        splits.append(Subset(dataset, order[start:start + length]))
        start += length
    return splits
