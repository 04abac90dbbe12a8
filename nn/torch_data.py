"""PyTorch's ``torch.utils.data``: ``Dataset``, ``TensorDataset``, ``DataLoader`` and
``random_split``, so that a PyTorch training loop's data side ports by renaming
(``from torch.utils.data import DataLoader`` becomes ``from nn import DataLoader``).

>>> import numpy as np, autograd_core as ag, nn
>>> loader = nn.DataLoader(nn.TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5)),
...                        batch_size=2)
>>> [(X.shape, y.tolist()) for X, y in loader]
[((2, 2), [0, 1]), ((2, 2), [2, 3]), ((1, 2), [4])]

Batches are constants (Values), so ``X.to(device)`` and ``y.float()`` work as on
PyTorch's tensors. Shuffling draws from ``ag.random``'s generator (``ag.manual_seed``
seeds it), or from ``generator`` (a seed or a numpy Generator). Data is loaded in the
calling thread: there are no worker processes (``num_workers`` is accepted as 0 only).
(``nn.data.BatchLoader`` is the numpy-in, numpy-out loader the course uses.)
"""

import numbers

import numpy as np

import autograd_core as ag

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split"]


class Dataset:
    """A map from an index to one example: subclasses define ``__getitem__`` and
    ``__len__``, as PyTorch's map-style datasets."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


def _array(x):
    return x.data if isinstance(x, ag.Value) else np.asarray(x)


def _batch(a):
    """A constant holding ``a`` in its own dtype (class numbers stay integers)."""
    return ag.constant(a, dtype=a.dtype)


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


def _rng(generator):
    return generator if isinstance(generator, np.random.Generator) \
        else np.random.default_rng(generator)


def random_split(dataset, lengths, generator=None):
    """Non-overlapping ``Subset``s of the given lengths, or fractions summing to 1 (the
    remainder handed out one by one from the first, as PyTorch)."""
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
    order = ag.randperm(n).numpy() if generator is None else _rng(generator).permutation(n)
    splits, start = [], 0
    for length in lengths:
        splits.append(Subset(dataset, order[start:start + length]))
        start += length
    return splits


def default_collate(examples):
    """A batch from a list of examples: arrays, Values and numbers stacked along a new
    first axis; tuples, lists and dicts collated entry by entry."""
    first = examples[0]
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple stays one
        return type(first)(*(default_collate(list(column)) for column in zip(*examples)))
    if isinstance(first, (tuple, list)):  # a list of batches, as PyTorch's
        return [default_collate(list(column)) for column in zip(*examples)]
    if isinstance(first, dict):
        return {key: default_collate([e[key] for e in examples]) for key in first}
    if isinstance(first, (str, bytes)):
        return list(examples)
    return _batch(np.stack([_array(e) for e in examples]))


class DataLoader:
    """Batches of a dataset, one pass per ``for`` loop (PyTorch's ``DataLoader``).

    Args (PyTorch's):
        dataset: a ``Dataset`` (``__getitem__`` and ``__len__``), e.g. a ``TensorDataset``.
        batch_size: examples per batch (1); None yields the examples one by one.
        shuffle: a new random order every pass (False).
        drop_last: skip a last batch smaller than batch_size (False).
        collate_fn: makes a batch from a list of examples (``default_collate``).
        generator: a seed or numpy Generator for shuffling (``ag.random``'s if None).
        num_workers: 0 only: examples are loaded in the calling thread.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False,
                 collate_fn=None, generator=None, num_workers=0):
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
                batch_size, numbers.Integral) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, got "
                             f"{batch_size!r}")
        if num_workers != 0:
            raise NotImplementedError(f"DataLoader: num_workers={num_workers!r} is not "
                                      "supported (examples are loaded in this thread)")
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader: dataset must have __getitem__ and __len__, got "
                            f"{type(dataset).__name__}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.collate_fn = collate_fn or default_collate
        self._generator = None if generator is None else _rng(generator)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        if self._generator is None:
            return ag.randperm(n).numpy()
        return self._generator.permutation(n)

    def __iter__(self):
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        plain = type(self.dataset) is TensorDataset and self.collate_fn is default_collate
        for start in range(0, stop, self.batch_size):
            rows = order[start:start + self.batch_size]
            if plain:  # the common case, one gather per array instead of one per example
                yield [_batch(t[rows]) for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in rows])

    def __len__(self):
        """Batches per pass."""
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        full, rest = divmod(n, self.batch_size)
        return full + (rest > 0 and not self.drop_last)
