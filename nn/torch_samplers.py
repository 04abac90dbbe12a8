"""PyTorch's samplers (``torch.utils.data.Sampler`` and friends): the order in which a
``DataLoader`` visits a map-style dataset's indices, and how it groups them into batches.

A sampler is an iterable of indices (``BatchSampler``: of lists of indices) with a
``__len__``. The random ones draw from ``generator`` (an ``ag.Generator``), or from the
global stream that ``ag.manual_seed`` seeds when it is None; the numbers are numpy's, not
PyTorch's, but one seed always gives one order.

>>> import nn
>>> list(nn.BatchSampler(nn.SequentialSampler(range(10)), batch_size=3, drop_last=False))
[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
"""

import itertools
import numbers

import numpy as np

import autograd_core as ag

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) \
        and value > 0


def check_generator(generator, where):
    if generator is not None and not isinstance(generator, ag.Generator):
        raise TypeError(f"{where}: generator must be an ag.Generator or None, got "
                        f"{type(generator).__name__} {generator!r}")
    return generator


class Sampler:
    """An iterable of dataset indices; subclasses define ``__iter__`` and may define
    ``__len__``."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __class_getitem__(cls, item):
        """``Sampler[int]``, PyTorch's type hint, is the class itself."""
        return cls


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1, every pass."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random order of the indices every pass.

    Args (PyTorch's):
        data_source: what to sample from; only its ``len`` is used.
        replacement: draw each index independently (True) or visit a permutation (False).
        num_samples: indices per pass (len(data_source)); without replacement, more than
            that chains fresh permutations.
        generator: an ``ag.Generator`` (the global stream if None).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        count = len(data_source) if num_samples is None else num_samples
        if not _positive_int(count):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={count!r}")
        check_generator(generator, "RandomSampler")
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator

    @property
    def num_samples(self):
        """Indices per pass; follows the data source's length unless given."""
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self):
        n, count = len(self.data_source), self.num_samples
        if self.replacement:
            yield from ag.randint(0, n, (count,), generator=self.generator).numpy().tolist()
            return
        for _ in range(count // n):
            yield from ag.randperm(n, generator=self.generator).numpy().tolist()
        if count % n:
            yield from ag.randperm(n, generator=self.generator).numpy()[:count % n].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a new random order every pass (without replacement)."""

    def __init__(self, indices, generator=None):
        check_generator(generator, "SubsetRandomSampler")
        self.indices, self.generator = indices, generator

    def __iter__(self):
        for i in ag.randperm(len(self.indices), generator=self.generator).numpy().tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices 0 .. len(weights) - 1, index i drawn with probability weights[i] / sum(weights)
    (the weights need not sum to 1). An index of weight 0 is never drawn.

    Args (PyTorch's):
        weights: non-negative weights (n,), not all zero.
        num_samples: indices per pass.
        replacement: draw independently (True), or never repeat an index within a pass
            (then num_samples must not exceed the count of positive weights).
        generator: an ``ag.Generator`` (the global stream if None).
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _positive_int(num_samples):
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer "
                             f"value, but got num_samples={num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement!r}")
        w = np.asarray(weights.numpy() if isinstance(weights, ag.Value) else weights,
                       np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given "
                             f"weights have shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise ValueError(f"WeightedRandomSampler: weights must be finite, >= 0 and not all "
                             f"zero, got {w.tolist()}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: num_samples={num_samples} without "
                             f"replacement exceeds the {np.count_nonzero(w)} positive weights")
        check_generator(generator, "WeightedRandomSampler")
        self.weights = ag.constant(w, dtype=np.float64)
        self.num_samples, self.replacement = int(num_samples), replacement
        self.generator = generator

    def __iter__(self):
        drawn = ag.multinomial(self.weights, self.num_samples, self.replacement,
                               generator=self.generator)
        yield from drawn.numpy().tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (any iterable of indices); the last
    list is shorter unless ``drop_last`` drops it."""

    def __init__(self, sampler, batch_size, drop_last):
        if not _positive_int(batch_size):
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        batch = list(itertools.islice(indices, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield batch
            batch = list(itertools.islice(indices, self.batch_size))

    def __len__(self):
        full, rest = divmod(len(self.sampler), self.batch_size)
        return full + (rest > 0 and not self.drop_last)
