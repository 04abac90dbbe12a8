"""The functional API: ``Input``, then layers called on symbolic tensors, then a Model.

>>> import nn
>>> inputs = nn.Input((784,))
>>> x = nn.Dense(64, activation="relu")(inputs)
>>> outputs = nn.Dense(10)(x)
>>> model = nn.Model(inputs, outputs)
>>> model.count_params(), model.output_shape
(50890, (None, 10))

A ``Graph`` holds the Nodes between the inputs and the outputs, ordered so that each
runs after the nodes it reads (a topological order, built with an explicit stack), and
replays them on data. A layer called twice is one layer with one set of weights: the
graph has two nodes for it. Skip connections are layers such as ``Add`` that take a list.
"""

import numpy as np

import autograd_core as ag

from .masking import call_masked
from .module import Module, _shape_text
from .symbolic import KerasTensor, Node, map_structure

__all__ = ["Input", "InputLayer", "Graph"]


class InputLayer(Module):
    """Where data enters a functional model: y = x, checked against ``shape``.

    Args:
        shape: the shape of one sample, without the batch axis: (784,), (28, 28, 1); None
            for an axis whose length varies from batch to batch ((None,) for sequences of
            token ids, (None, None, 3) for images of any size).
        dtype: the inputs' dtype (the default float dtype).
        name: "input_layer", "input_layer_1", ... by default (Keras 3's names).
    """

    def __init__(self, shape, dtype=None, name=None):
        super().__init__(name)
        shape = (shape,) if np.isscalar(shape) or shape is None else tuple(shape)
        if not all(n is None or isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                   and n > 0 for n in shape):
            raise ValueError(f"Input: shape must be positive whole sizes (or None for a length "
                             f"that varies) without the batch axis, like (784,) or "
                             f"(None, 8), got {shape!r}")
        self.input_shape = self._output_shape = (None,) + tuple(
            None if n is None else int(n) for n in shape)
        # Keras's dtype="string" is numpy's object dtype (Python strings)
        self.dtype = np.dtype(object) if dtype == "string" else \
            np.dtype(dtype) if dtype is not None else ag.get_default_dtype()
        node = Node(self, (), {}, [])
        node.outputs.append(KerasTensor(self.input_shape, self.dtype, node))
        node.single = True
        self._inbound_nodes = [node]  # the tensor nn.Input returns is its output

    def forward(self, x):
        given = tuple(np.shape(x)[1:])
        if len(given) != len(self.input_shape) - 1 or any(
                n is not None and n != m for n, m in zip(self.input_shape[1:], given)):
            raise ValueError(f"InputLayer {self.name!r}: expected input of shape "
                             f"{_shape_text(self.input_shape)}, got {np.shape(x)}")
        return x

    def get_config(self):
        return {"shape": list(self.input_shape[1:]), "dtype": self.dtype.name,
                "name": self.name}


def Input(shape, dtype=None, name=None):
    """A symbolic batch of inputs, shape (None,) + shape: the start of a functional model.

    Also accepted as the first entry of a ``Sequential``, to give it its input shape.

    Args:
        shape: one sample's shape, without the batch axis.
        dtype: the default float dtype unless given.
        name: the input's name (the key of this input when data is given as a dict).
    Returns:
        A ``KerasTensor``.
    """
    return InputLayer(shape, dtype, name).output


class Graph:
    """The layers between ``inputs`` and ``outputs``, in an order that can run.

    Args:
        inputs: a KerasTensor made by ``Input``, or a list (or dict) of them.
        outputs: a KerasTensor, or a list (or dict) of them.

    Attributes:
        nodes: the layer calls in running order (Input nodes excluded).
        layers: each layer once: the InputLayers, then in order of first use.
    """

    def __init__(self, inputs, outputs, where="Model"):
        self.input_names = list(inputs) if isinstance(inputs, dict) else None
        self.output_keys = list(outputs) if isinstance(outputs, dict) else None
        self.single_input = isinstance(inputs, KerasTensor)
        self.single_output = isinstance(outputs, KerasTensor)
        self.inputs = _tensors(inputs, "inputs", where)
        self.outputs = _tensors(outputs, "outputs", where)
        for t in self.inputs:
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(f"{where}: inputs must come from nn.Input(...), got "
                                 f"{t!r}, made by {type(t.node.layer).__name__}")
        self.nodes = _ordered_nodes(self.outputs)
        given = {id(t) for t in self.inputs}
        for node in self.nodes:
            if isinstance(node.layer, InputLayer) and id(node.outputs[0]) not in given:
                raise ValueError(f"{where}: graph disconnected: the outputs depend on the "
                                 f"input {node.layer.name!r}, which is not among the "
                                 f"inputs [{', '.join(t.name for t in self.inputs)}]")
        self.nodes = [node for node in self.nodes if not isinstance(node.layer, InputLayer)]
        self.layers = [t.node.layer for t in self.inputs]
        seen = {id(layer) for layer in self.layers}
        for node in self.nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                self.layers.append(node.layer)
        names = [layer.name for layer in self.layers]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"{where}: layer names must be unique in a model, these repeat: "
                             f"{', '.join(twice)}")

    @property
    def names(self):
        """The inputs' names: the keys of ``x`` given as a dict."""
        return [t.node.layer.name for t in self.inputs]

    @property
    def output_names(self):
        """The outputs' names: the keys of ``y`` given as a dict, and the log prefixes."""
        return self.output_keys or [t.node.layer.name for t in self.outputs]

    def run(self, x, last=None):
        """The outputs for data ``x`` (an array, or a list of arrays, one per input).

        Args:
            last: replaces the call of the single output's layer (for the logits).
        Returns:
            A Value, or a list of them for several outputs.
        """
        # one array for a model built on a list of one input is that input, as in Keras
        one = len(self.inputs) == 1 and isinstance(x, (np.ndarray, ag.Value))
        xs = [x] if self.single_input or one else list(x)
        if len(xs) != len(self.inputs):
            raise ValueError(f"the model has {len(self.inputs)} inputs, got {len(xs)} arrays")
        values, masks = {}, {}   # masks: Keras's, by tensor, where not None (nn.masking)
        for t, value in zip(self.inputs, xs):
            values[id(t)] = t.node.layer(value)
        final = self.outputs[0].node if last is not None else None
        for node in self.nodes:
            args = map_structure(lambda t: values[id(t)], node.args)
            kwargs = map_structure(lambda t: values[id(t)], node.kwargs)
            if node is final:
                with ag.name_scope(node.layer.name):
                    out = last(node.layer, *args, **kwargs)
                out_masks = None
            else:
                first = node.args[0] if node.args else None
                mask = masks.get(id(first)) if isinstance(first, KerasTensor) else None
                out, out_masks = call_masked(node.layer, args, kwargs, mask)
            outs = [out] if node.single else out
            for t, value in zip(node.outputs, outs):
                values[id(t)] = value
            if out_masks is not None:
                for t, m in zip(node.outputs, [out_masks] if node.single else out_masks):
                    if m is not None:
                        masks[id(t)] = m
        outs = [values[id(t)] for t in self.outputs]
        return outs[0] if self.single_output else outs

    def summary_rows(self):
        """(name (type), output shape, params, connected to) for each layer, Keras-style:
        "dense[0][0]" is output 0 of the first call (node) of layer "dense"."""
        calls = {}
        for t in self.inputs:
            calls[id(t.node.layer)] = [t.node]
        for node in self.nodes:
            calls.setdefault(id(node.layer), []).append(node)

        def ref(t):
            return f"{t.node.layer.name}[{calls[id(t.node.layer)].index(t.node)}][{t.index}]"

        rows = []
        for layer in self.layers:
            nodes = calls[id(layer)]
            shapes = {t.shape for node in nodes for t in node.outputs}
            shape = (_shape_text(next(iter(shapes))) if len(shapes) == 1 else "multiple")
            sources = [ref(t) for node in nodes for t in node.inputs]
            rows.append((f"{layer.name} ({type(layer).__name__})", shape,
                         layer.count_params(), sources))
        return rows


def _tensors(structure, what, where):
    """The KerasTensors of ``inputs``/``outputs`` as a list, or a TypeError naming it."""
    if isinstance(structure, KerasTensor):
        items = [structure]
    elif isinstance(structure, dict):
        items = list(structure.values())
    elif isinstance(structure, (list, tuple)):
        items = list(structure)
    else:
        items = [structure]
    bad = [item for item in items if not isinstance(item, KerasTensor)]
    if bad or not items:
        raise TypeError(f"{where}: {what} must be symbolic tensors from nn.Input(...) and "
                        f"layers called on them, got {type(bad[0]).__name__ if bad else 'none'}")
    return items


def _ordered_nodes(outputs):
    """Every node the outputs depend on, each after the nodes it reads (explicit stack,
    depth first: deep graphs do not hit Python's recursion limit)."""
    order, done = [], set()
    stack = [(t.node, False) for t in reversed(outputs)]
    while stack:
        node, inputs_done = stack.pop()
        if id(node) in done:
            continue
        if inputs_done:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((t.node, False) for t in reversed(node.inputs) if id(t.node) not in done)
    return order
