"""TensorFlow's input pipeline, ``tf.data``, on numpy: ``ag.data.Dataset``.

A Dataset is a recipe for a sequence of elements. An element is a nest: one array, or a
tuple (``(image, label)``) or dict of them. Transformations (``shuffle``, ``batch``,
``map``...) return new Datasets and compute nothing; every ``for`` loop over a dataset
makes a fresh pass, as TensorFlow's eager iteration does. Inside the pipeline elements are
numpy arrays, so that ``batch`` stacks arrays rather than graph nodes; they become Values
(``ag.constant``, keeping their dtype: integer labels stay integers) as they leave it.

>>> import numpy as np, autograd_core as ag
>>> ds = ag.data.Dataset.from_tensor_slices((np.arange(5.0), np.arange(5))).batch(2)
>>> [(x.shape, str(y.dtype)) for x, y in ds]
[((2,), 'int64'), ((2,), 'int64'), ((1,), 'int64')]
>>> len(ds), int(ds.repeat().cardinality()) == ag.data.INFINITE_CARDINALITY
(3, True)
"""

from __future__ import annotations

import builtins
import itertools
import math
from types import SimpleNamespace

import numpy as np

from . import _data_nests as nests
from . import random
from .value import Value

__all__ = ["Dataset", "TensorSpec", "AUTOTUNE", "INFINITE_CARDINALITY",
           "UNKNOWN_CARDINALITY", "experimental"]

AUTOTUNE = -1              # tf.data.AUTOTUNE: let the runtime choose (nothing to tune here)
INFINITE_CARDINALITY = -1  # TensorFlow's values, so that code comparing with them ports
UNKNOWN_CARDINALITY = -2


class TensorSpec:
    """The shape and dtype of one component of an element (``tf.TensorSpec``); a None in
    ``shape`` is a size that varies (the batch axis before ``drop_remainder``)."""

    def __init__(self, shape, dtype=np.float32, name=None):
        self.shape = None if shape is None else tuple(None if d is None else int(d)
                                                      for d in shape)
        self.dtype, self.name = np.dtype(dtype), name

    def is_compatible_with(self, array):
        shape = np.shape(array)
        return self.shape is None or len(self.shape) == len(shape) and all(
            d is None or d == n for d, n in builtins.zip(self.shape, shape))

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype) == (other.shape,
                                                                              other.dtype)

    __hash__ = None

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype.name}, name={self.name!r})"


def _spec_of(element):
    return nests.map_nest(lambda a: TensorSpec(np.shape(a), np.asarray(a).dtype), element)


def _merged(a, b):
    """The spec both specs fit (TensorFlow's most specific compatible shape)."""
    if a.shape is None or b.shape is None or len(a.shape) != len(b.shape):
        return TensorSpec(None, a.dtype)
    return TensorSpec([m if m == n else None for m, n in builtins.zip(a.shape, b.shape)],
                      a.dtype)


class Dataset:
    """A sequence of elements, iterated afresh by every ``for`` loop (``tf.data.Dataset``).

    Made by the constructors (``from_tensor_slices``, ``range``, ``from_generator``...) and
    the transformations, not directly: ``make()`` starts a pass (an iterator of elements as
    numpy nests), ``cardinality`` is the number of elements (or INFINITE/UNKNOWN), and
    ``spec()`` gives the element_spec when asked.
    """

    def __init__(self, make, cardinality, spec):
        self._make, self._cardinality, self._spec = make, cardinality, spec

    # --- constructors ---------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row: ``tensors`` (an array, or a tuple/dict nest of them) sliced
        along the first axis, which every component must share. numpy arrays are sliced
        as they are at each pass, not copied (TensorFlow copies them once): change them
        in place and the dataset changes too.

        >>> import numpy as np, autograd_core as ag
        >>> [int(y) for _, y in ag.data.Dataset.from_tensor_slices((np.ones((3, 2)), [4, 5, 6]))]
        [4, 5, 6]
        """
        where = "Dataset.from_tensor_slices"
        structure = _user_nest(tensors, where)
        columns = nests.flatten(structure)
        if not columns:
            raise ValueError(f"{where}: tensors holds no tensor, got {tensors!r:.80}")
        shapes = nests.map_nest(np.shape, structure)
        if any(np.ndim(a) == 0 for a in columns):
            raise ValueError(f"{where}: every component needs a first axis to slice; got shapes "
                             f"{shapes}")
        n = len(columns[0])
        if any(len(a) != n for a in columns):
            raise ValueError(f"{where}: every component must have the same first dimension, "
                             f"got shapes {shapes}")

        def make():
            for i in builtins.range(n):
                yield nests.pack(structure, [a[i] for a in columns])

        return Dataset(make, n, lambda: nests.map_nest(
            lambda a: TensorSpec(a.shape[1:], a.dtype), structure))

    @staticmethod
    def from_tensors(tensors, name=None):
        """One element: ``tensors`` whole."""
        structure = _user_nest(tensors, "Dataset.from_tensors")
        return Dataset(lambda: iter([structure]), 1, lambda: _spec_of(structure))

    @staticmethod
    def range(*args, dtype=np.int64, name=None):
        """``range(stop)``, ``range(start, stop)`` or ``range(start, stop, step)`` as scalar
        int64 elements (Python's ``range``)."""
        where = "Dataset.range"
        if not 1 <= len(args) <= 3:
            raise TypeError(f"{where}: takes 1 to 3 arguments (start, stop, step), got "
                            f"{len(args)}")
        bounds = [nests.check_integer(a, "each argument", where) for a in args]
        if len(bounds) == 3 and bounds[2] == 0:
            raise ValueError(f"{where}: step must not be zero")
        values, dtype = builtins.range(*bounds), np.dtype(dtype)
        return Dataset(lambda: (dtype.type(i) for i in values), len(values),
                       lambda: TensorSpec((), dtype))

    @staticmethod
    def zip(*datasets, name=None):
        """Elements of several datasets side by side, in their nest: ``zip((a, b))`` or
        ``zip(a, b)`` gives ``(a_i, b_i)``; it ends with the shortest."""
        where = "Dataset.zip"
        if len(datasets) == 1:  # zip((a, b)), or zip(a): a's own elements
            datasets = datasets[0]
        inputs = nests.flatten(datasets)
        if not inputs or any(not isinstance(d, Dataset) for d in inputs):
            raise TypeError(f"{where}: datasets must be a tuple or dict of Datasets, got "
                            f"{nests.map_nest(lambda d: type(d).__name__, datasets)}")
        cardinality = _shortest([d._cardinality for d in inputs])

        def make():
            passes = [d._make() for d in inputs]
            while True:
                elements = [next(p, nests.END) for p in passes]
                if any(e is nests.END for e in elements):
                    return
                yield nests.pack(datasets, elements)

        return Dataset(make, cardinality,
                       lambda: nests.pack(datasets, [d.element_spec for d in inputs]))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """The elements ``generator(*args)`` yields, called anew for every pass; each is
        checked against ``output_signature`` (a nest of TensorSpec) or ``output_types``
        (a nest of dtypes, with ``output_shapes``) and cast to its dtypes."""
        where = "Dataset.from_generator"
        nests.check_callable(generator, "generator", where)
        if output_signature is None:
            if output_types is None:
                raise TypeError(f"{where}: give output_signature (a nest of TensorSpec) or "
                                "output_types, the elements' dtypes")
            shapes = [None] * len(nests.flatten(output_types)) if output_shapes is None \
                else nests.flatten_up_to(output_types, output_shapes, "output_shapes", where)
            output_signature = nests.pack(output_types, [
                TensorSpec(s, t) for s, t in builtins.zip(shapes, nests.flatten(output_types))])
        specs = nests.flatten(output_signature)
        if any(not isinstance(s, TensorSpec) for s in specs):
            raise TypeError(f"{where}: output_signature must be a nest of TensorSpec, got "
                            f"{output_signature!r:.100}")
        call_args = () if args is None else tuple(args)

        def make():
            for element in generator(*call_args):
                yield _checked(element, output_signature, specs, where)

        return Dataset(make, UNKNOWN_CARDINALITY, lambda: output_signature)

    # --- what a dataset is ----------------------------------------------------------------
    def __iter__(self):
        for element in self._make():
            yield nests.map_nest(nests.to_value, element)

    def as_numpy_iterator(self):
        """The elements as numpy arrays (a scalar as a numpy scalar)."""
        return iter(self._make())

    def cardinality(self):
        """The number of elements as an int64 Value: INFINITE_CARDINALITY (-1) after
        ``repeat()``, UNKNOWN_CARDINALITY (-2) after ``filter`` or ``from_generator``."""
        return nests.to_value(np.int64(self._cardinality))

    def __len__(self):
        if self._cardinality == INFINITE_CARDINALITY:
            raise TypeError("Dataset.__len__: the dataset is infinite (repeat()); "
                            "cardinality() says so without raising")
        if self._cardinality == UNKNOWN_CARDINALITY:
            raise TypeError("Dataset.__len__: the dataset length is unknown (filter, "
                            "from_generator, unbatch); cardinality() says so without raising")
        return self._cardinality

    def __bool__(self):  # as TensorFlow: a dataset is true even when __len__ would raise
        return True

    @property
    def element_spec(self):
        """The elements' structure, a TensorSpec per component. For ``map``, read from the
        first element (the function is called once more)."""
        if not hasattr(self, "_element_spec"):
            self._element_spec = self._spec()
        return self._element_spec

    def __repr__(self):  # not the element_spec: a map's would run its function
        n = {INFINITE_CARDINALITY: "infinite", UNKNOWN_CARDINALITY: "unknown"}.get(
            self._cardinality, self._cardinality)
        return f"<Dataset cardinality={n}>"

    # --- transformations: each returns a new Dataset --------------------------------------
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Consecutive elements stacked ``batch_size`` at a time along a new first axis;
        the last batch holds the remainder unless ``drop_remainder``."""
        where = "Dataset.batch"
        batch_size = nests.check_integer(batch_size, "batch_size", where, minimum=1)
        return self._batched(batch_size, drop_remainder, where)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """``batch`` with each component padded at the end of its axes, with
        ``padding_values`` (0), to ``padded_shapes`` (None or -1 sizes, or no shapes:
        the largest in the batch)."""
        where = "Dataset.padded_batch"
        batch_size = nests.check_integer(batch_size, "batch_size", where, minimum=1)
        return self._batched(batch_size, drop_remainder, where, padded_shapes,
                             0 if padding_values is None else padding_values)

    def _batched(self, size, drop_remainder, where, padded_shapes=None, padding_values=None):
        def make():
            chunk = []
            for element in self._make():
                chunk.append(element)
                if len(chunk) == size:
                    yield nests.stack(chunk, where, padded_shapes, padding_values)
                    chunk = []
            if chunk and not drop_remainder:
                yield nests.stack(chunk, where, padded_shapes, padding_values)

        n = self._cardinality
        if n >= 0:
            n = n // size if drop_remainder else math.ceil(n / size)

        def spec():  # padded sizes vary from batch to batch: None
            first = size if drop_remainder else None
            return nests.map_nest(lambda s: TensorSpec(
                None if s.shape is None else (first,) + (
                    s.shape if padding_values is None else (None,) * len(s.shape)),
                s.dtype), self.element_spec)

        return Dataset(make, n, spec)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """TensorFlow's buffered shuffle (see ``_data_nests.shuffled``); a buffer as large
        as the dataset shuffles it uniformly. Every pass draws a new order unless
        ``reshuffle_each_iteration=False``; the orders come from ``seed``, else from
        ``ag.random``'s generator at this call, so ``ag.random.set_seed`` repeats them."""
        where = "Dataset.shuffle"
        buffer_size = nests.check_integer(buffer_size, "buffer_size", where, minimum=1)
        if seed is None:
            seed = int(random._gen(None).integers(2**63))
        seed = nests.check_integer(seed, "seed", where, minimum=0)
        passes = itertools.count()

        def make():
            k = next(passes) if reshuffle_each_iteration else 0
            return nests.shuffled(self._make(), buffer_size, np.random.default_rng([seed, k]))

        return Dataset(make, self._cardinality, lambda: self.element_spec)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """``map_func`` on every element; a tuple's components come as separate
        arguments (``map(lambda x, y: (x / 255, y))``), a dict as one."""
        where = "Dataset.map"
        nests.check_callable(map_func, "map_func", where)

        def make():
            for element in self._make():
                yield nests.from_user(nests.call_with(map_func, element), where)

        def spec():
            first = next(make(), nests.END)
            if first is nests.END:
                raise ValueError(f"{where}: the dataset is empty, so its element_spec cannot "
                                 "be read from an element")
            return _spec_of(first)

        return Dataset(make, self._cardinality, spec)

    def filter(self, predicate, name=None):
        """The elements for which ``predicate`` (called as ``map``'s function) is True."""
        where = "Dataset.filter"
        nests.check_callable(predicate, "predicate", where)

        def make():
            for element in self._make():
                keep = nests.from_user(nests.call_with(predicate, element), where)
                if not isinstance(keep, (np.ndarray, np.generic)) or keep.shape != () \
                        or keep.dtype != np.bool_:
                    raise TypeError(f"{where}: predicate must return a scalar bool, got "
                                    f"{_spec_of(keep)}")
                if keep:
                    yield element

        return Dataset(make, UNKNOWN_CARDINALITY, lambda: self.element_spec)

    def repeat(self, count=None, name=None):
        """The dataset ``count`` times over, forever when ``count`` is None or -1."""
        count = -1 if count is None else nests.check_integer(count, "count", "Dataset.repeat")

        def make():
            k = 0
            while count < 0 or k < count:
                empty = True
                for element in self._make():
                    empty = False
                    yield element
                if empty:  # an empty dataset repeated stays empty, even forever
                    return
                k += 1

        n = self._cardinality  # TensorFlow's rules, unknown and infinite included
        if count < 0:
            n = 0 if n == 0 else INFINITE_CARDINALITY
        elif count == 0:
            n = 0
        elif n >= 0:
            n *= count
        return Dataset(make, n, lambda: self.element_spec)

    def take(self, count, name=None):
        """The first ``count`` elements (all of them when ``count`` is -1)."""
        count = nests.check_integer(count, "count", "Dataset.take")
        n = self._cardinality
        if count >= 0 and n != UNKNOWN_CARDINALITY:
            n = count if n == INFINITE_CARDINALITY else min(n, count)
        return Dataset(lambda: itertools.islice(self._make(), count if count >= 0 else None),
                       n, lambda: self.element_spec)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none when ``count`` is -1)."""
        count = nests.check_integer(count, "count", "Dataset.skip")

        def make():
            elements = self._make()
            if count < 0:
                for _ in elements:
                    pass
            yield from itertools.islice(elements, max(count, 0), None)

        n = self._cardinality
        if n >= 0:
            n = 0 if count < 0 else max(0, n - count)
        return Dataset(make, n, lambda: self.element_spec)

    def prefetch(self, buffer_size, name=None):
        """The dataset itself: elements are made in the calling thread, when asked for."""
        return self

    def cache(self, filename="", name=None):
        """The same elements, computed once: the first complete pass is kept in memory
        and every later pass replays it (a shuffle before ``cache`` is frozen, a ``map``
        runs once). A ``filename`` is accepted and ignored: nothing is written."""
        kept = []

        def make():
            if kept:
                yield from kept[0]
                return
            elements = []
            for element in self._make():
                elements.append(element)
                yield element
            kept.append(elements)

        return Dataset(make, self._cardinality, lambda: self.element_spec)

    def unbatch(self, name=None):
        """Every element's rows as elements of their own (``batch``'s inverse)."""
        where = "Dataset.unbatch"

        def make():
            for element in self._make():
                columns = [np.asarray(a) for a in nests.flatten(element)]
                if any(a.ndim == 0 for a in columns) or any(len(a) != len(columns[0])
                                                            for a in columns):
                    raise ValueError(f"{where}: every component needs the same first "
                                     f"dimension, got shapes {nests.map_nest(np.shape, element)}")
                for i in builtins.range(len(columns[0])):
                    yield nests.pack(element, [a[i] for a in columns])

        return Dataset(make, UNKNOWN_CARDINALITY, lambda: nests.map_nest(
            lambda s: TensorSpec(None if s.shape is None else s.shape[1:], s.dtype),
            self.element_spec))

    def enumerate(self, start=0, name=None):
        """``(i, element)`` pairs, i an int64 counting from ``start``."""
        start = nests.check_integer(start, "start", "Dataset.enumerate")

        def make():
            for i, element in builtins.enumerate(self._make(), start):
                yield np.int64(i), element

        return Dataset(make, self._cardinality,
                       lambda: (TensorSpec((), np.int64), self.element_spec))

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then ``dataset``'s, which must have the same structure
        and dtypes."""
        where = "Dataset.concatenate"
        if not isinstance(dataset, Dataset):
            raise TypeError(f"{where}: dataset must be a Dataset, got {type(dataset).__name__}")
        a, b = self.element_spec, dataset.element_spec
        if not nests.same_structure(a, b) or [s.dtype for s in nests.flatten(a)] != [
                s.dtype for s in nests.flatten(b)]:
            raise TypeError(f"{where}: the datasets' elements differ: {a} and {b}")
        m, n = self._cardinality, dataset._cardinality
        if INFINITE_CARDINALITY in (m, n):
            total = INFINITE_CARDINALITY
        else:
            total = UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in (m, n) else m + n
        merged = nests.pack(a, [_merged(s, t) for s, t in builtins.zip(nests.flatten(a),
                                                                          nests.flatten(b))])
        return Dataset(lambda: itertools.chain(self._make(), dataset._make()), total,
                       lambda: merged)

    def reduce(self, initial_state, reduce_func, name=None):
        """``state = reduce_func(state, element)`` over every element; the last state."""
        nests.check_callable(reduce_func, "reduce_func", "Dataset.reduce")
        state = nests.map_nest(nests.to_value, _user_nest(initial_state, "Dataset.reduce"))
        for element in self:
            state = reduce_func(state, element)
        return state

    def apply(self, transformation_func):
        """``transformation_func(self)``, for chaining a function of a dataset."""
        return transformation_func(self)


def _user_nest(tensors, where):
    """A nest given by the user as numpy arrays (a list is one tensor, as TensorFlow)."""
    def leaf(x):
        if isinstance(x, Dataset):
            raise TypeError(f"{where}: a Dataset is not a tensor (Dataset.zip pairs datasets)")
        return nests.as_array(x, where)
    return nests.map_nest(leaf, tensors)


def _checked(element, signature, specs, where):
    """A generator's element as arrays of the signature's structure, dtypes and shapes."""
    if isinstance(element, list):
        element = tuple(element)
    leaves = nests.flatten_up_to(signature, element, "the element", where) \
        if isinstance(signature, (tuple, dict)) else [element]
    arrays = []
    for k, (leaf, spec) in builtins.enumerate(builtins.zip(leaves, specs)):
        # read as numpy reads it, not as_array's float32: the signature says the dtype
        a = leaf.numpy() if isinstance(leaf, Value) else np.asarray(leaf)
        if a.dtype.kind not in "biufUS":
            raise TypeError(f"{where}: generator yielded component {k}, a "
                            f"{type(leaf).__name__}, which is not a tensor")
        if not np.can_cast(a.dtype, spec.dtype, "same_kind"):
            raise TypeError(f"{where}: generator yielded component {k} of dtype {a.dtype}, "
                            f"which does not convert to the expected {spec.dtype}")
        if not spec.is_compatible_with(a):
            raise ValueError(f"{where}: generator yielded component {k} of shape {a.shape} "
                             f"where {spec.shape} was expected")
        arrays.append(np.asarray(a, spec.dtype))
    return nests.pack(signature, arrays)


def _shortest(cardinalities):
    """TensorFlow's zip: the shortest known length; unknown if one is."""
    if UNKNOWN_CARDINALITY in cardinalities:
        return UNKNOWN_CARDINALITY
    known = [n for n in cardinalities if n != INFINITE_CARDINALITY]
    return min(known) if known else INFINITE_CARDINALITY


experimental = SimpleNamespace(  # tf.data.experimental's names that older code uses
    AUTOTUNE=AUTOTUNE, INFINITE_CARDINALITY=INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY=UNKNOWN_CARDINALITY, cardinality=lambda dataset: dataset.cardinality())
