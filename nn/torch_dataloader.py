"""PyTorch's ``DataLoader``: batches of a dataset, one pass per ``for`` loop.

A map-style dataset is read through a sampler (the order of its indices) and a batch
sampler (how they group); an ``IterableDataset`` is read in its own order, ``batch_size``
examples at a time. Each batch is ``collate_fn(list of examples)``, ``default_collate``
unless given. PyTorch's arguments and their rules hold, so loaders port by renaming:

>>> import numpy as np, autograd_core as ag, nn
>>> ds = nn.TensorDataset(np.arange(6.0), np.arange(6) % 2)
>>> g = ag.Generator().manual_seed(0)
>>> [len(y) for _, y in nn.DataLoader(ds, batch_size=4, shuffle=True, generator=g)]
[4, 2]

Batches are made in the calling thread: there are no worker processes, whatever
``num_workers`` says, and ``get_worker_info()`` is None, as in PyTorch's main process.
"""

import math
import numbers

import numpy as np

from .torch_collate import batch_constant, default_collate, default_convert
from .torch_data import IterableDataset, TensorDataset, as_generator
from .torch_samplers import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info():
    """PyTorch's ``get_worker_info``: None, since data is always loaded in the calling
    process (as in PyTorch's main process)."""
    return None


class DataLoader:
    """Batches of a dataset, one pass per ``for`` loop (PyTorch's ``DataLoader``).

    Args (PyTorch's, in its order):
        dataset: a map-style dataset (``__getitem__``; ``__len__`` for the default
            samplers) or an ``IterableDataset``.
        batch_size: examples per batch (1); None yields the examples one by one, each
            through ``default_convert``.
        shuffle: a new random order every pass (False; a map-style dataset only).
        sampler: the order of the indices (an iterable of indices, e.g. a
            ``WeightedRandomSampler``); excludes ``shuffle``.
        batch_sampler: the batches of indices (an iterable of lists); excludes
            ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``.
        num_workers: accepted (>= 0), but batches are made in the calling thread.
        collate_fn: makes a batch from a list of examples (``default_collate``).
        pin_memory: accepted; there is no device memory to pin.
        drop_last: skip a last batch smaller than batch_size (False).
        timeout: accepted (>= 0); nothing waits for a worker.
        worker_init_fn, multiprocessing_context: accepted; never called or used, as
            PyTorch's with num_workers=0.
        generator: the ``ag.Generator`` (or an int seed for one) that ``shuffle`` draws
            from; the global stream (``ag.manual_seed``) if None.
        prefetch_factor: only with num_workers > 0, as PyTorch's; unused.
        persistent_workers: only with num_workers > 0, as PyTorch's; unused.
        pin_memory_device, in_order: accepted; unused.
    """

    # Fixed at construction, as PyTorch's: they were checked against each other.
    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
               "persistent_workers")

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        where = "DataLoader"
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ValueError(f"{where}: num_workers option should be a non-negative integer, "
                             f"got num_workers={num_workers!r}")
        if not isinstance(timeout, numbers.Real) or timeout < 0:
            raise ValueError(f"{where}: timeout option should be non-negative, got "
                             f"timeout={timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(f"{where}: prefetch_factor option could only be specified with "
                             f"num_workers > 0, got prefetch_factor={prefetch_factor!r}")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(f"{where}: prefetch_factor option should be non-negative, got "
                             f"prefetch_factor={prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError(f"{where}: persistent_workers option needs num_workers > 0")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
                batch_size, numbers.Integral) or batch_size < 1):
            raise ValueError(f"{where}: batch_size should be a positive integer value or None, "
                             f"but got batch_size={batch_size!r}")
        iterable = isinstance(dataset, IterableDataset)
        # PyTorch checks the dataset's kind first, so that the error about an iterable
        # dataset comes before any about the samplers.
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(f"{where} with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle!r}")
            if sampler is not None:
                raise ValueError(f"{where} with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler!r}")
            if batch_sampler is not None:
                raise ValueError(f"{where} with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler="
                                 f"{batch_sampler!r}")
        elif not hasattr(dataset, "__getitem__"):
            raise TypeError(f"{where}: dataset must be an IterableDataset or have __getitem__ "
                            f"(a map-style dataset), got {type(dataset).__name__}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError(f"{where}: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError(f"{where}: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if batch_sampler is None and batch_size is None and drop_last:
            raise ValueError(f"{where}: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        generator = as_generator(generator, where)
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2  # PyTorch's default, kept for code that reads it
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        if sampler is None and not iterable:  # an iterable dataset keeps its own order
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, bool(drop_last)
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.collate_fn = collate_fn or (default_convert if batch_size is None
                                         and batch_sampler is None else default_collate)
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self._iterable = iterable

    def __setattr__(self, name, value):
        if name in self._FROZEN and "_iterable" in self.__dict__:
            raise ValueError(f"DataLoader: {name} attribute should not be set after DataLoader "
                             "is initialized")
        super().__setattr__(name, value)

    def __iter__(self):
        if self._iterable:
            return self._stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return self._batches()

    def _batches(self):
        plain = type(self.dataset) is TensorDataset and self.collate_fn is default_collate
        getitems = getattr(self.dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            if plain:  # the common case, one gather per array instead of one per example
                rows = np.asarray(indices, dtype=np.int64)
                yield [batch_constant(t[rows]) for t in self.dataset.tensors]
            elif getitems is not None:  # PyTorch's hook for reading a batch at once
                yield self.collate_fn(getitems(list(indices)))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def _stream(self):
        examples = iter(self.dataset)
        if self.batch_size is None:
            for example in examples:
                yield self.collate_fn(example)
            return
        while True:
            batch = []
            for example in examples:
                batch.append(example)
                if len(batch) == self.batch_size:
                    break
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def __len__(self):
        """Batches per pass (examples, without batching). An ``IterableDataset`` has a
        length only if it defines ``__len__``."""
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.sampler if self.batch_sampler is None else self.batch_sampler)
