"""Values computed when first read: the matrix products a Hessian-vector product never reads.

Speed, fenced here, in ``linalg.matmul`` and in one line of the walk (``engine._walk``).

``hvp`` records the gradient g(x) and then walks back from g, seeded with v: that second
walk reads the graph that computed g, and never g's values. The largest of them are the
weights' gradients, matrix products such as X^T dz for a layer's input X, each as much
work as the layer's forward. Computed as they are recorded, the seeded HVP of the
784-512-10 loss at batch 128 made four products of 784x512 size where three give the same
H v (PyTorch's double backward makes the four).

So while ``hvp`` records g (``deferring()``), ``matmul`` makes a matrix product a
``Deferred`` Value: its shape and dtype are known at once, and its data is computed on its
first read, by an op that uses it, a user who prints it, or a backward that needs it. The
product's own backward (dL/da = g b^T, dL/db = a^T g) never reads it, so the walk passes
that backward no output for a Deferred node, and a gradient only walked back from is
never computed. Nothing is computed twice, and nothing that would not have been computed
without deferring.

Measured on that loss (``ag.autograd.functional.vhp`` over its four parameters, with the
products computed as made patched back in, interleaved in one process): 3.16 ms -> 2.54-2.58
ms on two threads, 5.52-5.54 ms -> 4.27-4.49 ms on one; from 2.26-2.33x one gradient to
1.73-1.85x (``benchmarks/hvp.py`` compares it with PyTorch's).

A Deferred node keeps its two inputs in ``_in1`` as a tuple, the layout of an op of three
inputs or more (see ``Value.inputs``): the walk's branch for that layout is the one place
it looks for a Deferred node, so the walk of any other node costs nothing more.

Used only where no Value made in the deferring block outlives the call that made it
(``hvp``, ``vhp`` and ``jvp`` without ``create_graph``), unless a hook the caller
registered keeps one: that one is computed when read, from its inputs as they are then.
An input changed in place since raises; the data under a view of one (``W.T`` after an
optimizer step on ``W``) would not, which is why gradients handed to the caller are never
deferred.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from .engine import _check_unchanged
from .modes import _local
from .value import Size, Value, _new_object, _serial, changes

_DATA = Value.__dict__["data"]  # the slot that holds a Value's data


class Deferred(Value):
    """A Value whose data its op computes from its inputs when it is first read."""

    __slots__ = ("_shape", "_dtype")

    @property
    def data(self):
        try:
            return _DATA.__get__(self)
        except AttributeError:  # not computed yet
            pass
        if changes.latest > self.serial:  # an input changed in place since it was made
            _check_unchanged(self)
        data = self.op.forward(*[x.data for x in self.inputs])
        _DATA.__set__(self, data)
        return data

    @data.setter
    def data(self, data):
        _DATA.__set__(self, data)
        self._shape, self._dtype = np.shape(data), np.asarray(data).dtype

    @property
    def computed(self):
        """The data if it was computed, else None (what the walk passes its op's
        backward, which does not read it)."""
        try:
            return _DATA.__get__(self)
        except AttributeError:
            return None

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def ndim(self):
        return len(self._shape)

    @property
    def size(self):
        return Size(math.prod(self._shape), self._shape)


@contextlib.contextmanager
def deferring():
    """Matrix products made in this block (this thread's) are ``Deferred`` Values."""
    state = _local.state
    before = state.deferring
    state.deferring = True
    try:
        yield
    finally:
        state.deferring = before


def product(op, a, b):
    """``a @ b`` for two matrices as a Deferred node of ``op`` (a MatMul), or None when it
    should be computed now: recording off, or a mode on that checks or keeps each op's
    result as it is made (anomaly mode, a tape, a name scope)."""
    state = _local.state
    if not (state.plain and (a.requires_grad or b.requires_grad)):
        return None
    v = _new_object(Deferred)
    v._shape, v._dtype = (a.shape[0], b.shape[1]), np.result_type(a.dtype, b.dtype)
    v.grad = None
    v.requires_grad = True
    v.name = None
    op.needs_grad, op.scope = (a.requires_grad, b.requires_grad), None
    v.op = op
    v._in0, v._in1 = None, (a, b)  # the layout the walk looks for (see the docstring)
    v.serial = next(_serial)
    v.changed = -1
    return v
