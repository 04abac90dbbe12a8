"""Symbolic tensors: what ``nn.Input`` returns and what a layer returns when called on one.

A ``KerasTensor`` holds no numbers, only a shape with a ``None`` batch axis, a dtype, and
its history: the ``Node`` (a layer called on some inputs) that produced it. Calling any
Module on KerasTensors records such a Node and returns new KerasTensors, so a few lines
of ordinary-looking calls draw the model's graph::

    x = Input((784,))            # KerasTensor (None, 784), made by an InputLayer
    h = Dense(64)(x)             # Node(Dense, inputs=(x,)) -> KerasTensor (None, 64)

``nn.Model(x, h)`` then walks the Nodes back from its outputs and replays them on data.

The output shape comes from running the layer once, for real, on a batch of one sample
of zeros (without a graph and in inference mode): the layer builds its weights there, as
it would at its first call on data, and its own shape checks fire at once.
"""

import numpy as np

import autograd_core as ag

__all__ = ["KerasTensor", "Node", "is_symbolic", "call_symbolic"]


class KerasTensor:
    """A placeholder for a batch of data: shape (None, ...), dtype, and where it came from.

    Attributes:
        shape: (None, ...), the batch axis unknown.
        dtype: a numpy dtype.
        node: the Node that produced it (a layer call, or an Input).
        index: which of that node's outputs it is.
    """

    def __init__(self, shape, dtype, node=None, index=0):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.node = node
        self.index = index

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def name(self):
        return self.node.layer.name if self.node is not None else "?"

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args, **kwargs):
        # Numpy would silently make an object array of it; say what happened instead.
        raise TypeError(f"{self!r} is symbolic, it holds no numbers: call a layer on it, "
                        "or build a Model(inputs, outputs) and call that on data")


class Node:
    """One call of a layer in a graph: ``outputs = layer(*args, **kwargs)``.

    ``args`` and ``kwargs`` keep the call's structure (a list given to ``Add``, say) with
    KerasTensors in it; ``inputs`` lists those KerasTensors in order.
    """

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs = layer, args, kwargs
        self.inputs = tuple(flatten((args, kwargs)))
        self.outputs = outputs                     # the KerasTensors, a flat list
        self.single = None                          # set by call_symbolic

    def __repr__(self):
        return f"Node({self.layer.name}, inputs={[t.name for t in self.inputs]})"


def flatten(structure):
    """The KerasTensors (or other leaves) of nested lists, tuples and dicts, in order."""
    if isinstance(structure, (list, tuple)):
        for item in structure:
            yield from flatten(item)
    elif isinstance(structure, dict):
        for item in structure.values():
            yield from flatten(item)
    elif isinstance(structure, KerasTensor):
        yield structure


def map_structure(fn, structure):
    """``structure`` with every KerasTensor t replaced by fn(t)."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, item) for key, item in structure.items()}
    if isinstance(structure, KerasTensor):
        return fn(structure)
    return structure


def is_symbolic(args, kwargs):
    """Whether a call's arguments hold a KerasTensor (then the call is recorded)."""
    return next(flatten((args, kwargs)), None) is not None


# The lengths given to an axis of unknown length when a layer runs on symbolic inputs:
# two, to tell the output axes that follow it. 32 apart, so that five halvings (strided
# convolutions, poolings) still tell them apart; 48 keeps a few pixels through such a
# stack while the trial runs stay small.
_PROBES = (48, 80)


def call_symbolic(layer, args, kwargs):
    """Record ``layer(*args, **kwargs)`` as a Node and return its output KerasTensor(s).

    The layer runs once on a batch of one sample of zeros, without a graph and in
    inference mode: that builds it and gives the output shapes. An input axis of unknown
    length (None) is given a length, twice (``_PROBES``).
    """
    def run(size):
        def zeros(t):  # an axis of unknown length (Input((None,))) gets ``size``
            return np.zeros((1,) + tuple(size if n is None else n for n in t.shape[1:]),
                            t.dtype)
        with ag.no_grad(), layer._using_mode(False):
            out = layer(*map_structure(zeros, args), **map_structure(zeros, kwargs))
        return out, ([out] if not isinstance(out, (list, tuple)) else list(out))

    out, outs = run(_PROBES[0])
    single = not isinstance(out, (list, tuple))
    shapes = [np.shape(value) for value in outs]
    if any(None in t.shape[1:] for t in flatten((args, kwargs))):
        # Axes of unknown length (a sequence's time axis, an image's height): run once
        # more with another length; an output axis that changed with it is unknown too.
        try:
            _, again = run(_PROBES[1])
        except (ValueError, TypeError) as e:
            raise type(e)(f"{type(layer).__name__} {layer.name!r} cannot take an input axis "
                          f"of unknown length (None) here; give it a length in Input(...) "
                          f"({e})") from None
        shapes = [tuple(n if n == m else None for n, m in zip(shape, np.shape(other)))
                  for shape, other in zip(shapes, again)]
    node = Node(layer, args, kwargs, [])
    node.single = single
    layer._inbound_nodes = [*getattr(layer, "_inbound_nodes", ()), node]  # layer.output
    for i, (value, shape) in enumerate(zip(outs, shapes)):
        if not shape:
            raise ValueError(f"{type(layer).__name__} {layer.name!r}: called on symbolic "
                             f"inputs, it returned a scalar; a layer must keep the batch axis")
        dtype = value.dtype if isinstance(value, (ag.Value, np.ndarray)) else np.float64
        node.outputs.append(KerasTensor((None,) + tuple(shape[1:]), dtype, node, i))
    return node.outputs[0] if single else type(out)(node.outputs)
