"""Keras's ``keras.utils.plot_model``: a model's layers as boxes and its tensors as arrows,
drawn with Graphviz (the system's ``dot``, or Graphviz compiled to WebAssembly when it is not
installed: ``ag.render``).

>>> import nn
>>> x = nn.Input((784,), name="digits")
>>> h = nn.Dense(64, activation="relu", name="hidden")(x)
>>> model = nn.Model(x, nn.Dense(10, name="logits")(h), name="mnist")
>>> print(model_to_dot(model, show_shapes=True).source.splitlines()[3])
  "digits" [label="digits (InputLayer)|{input:|output:}|{(None, 784)|(None, 784)}"]
"""

from pathlib import Path

import autograd_core as ag

from autograd_core.atomic import atomic_write
from .functional_model import InputLayer
from .module import _shape_text
from .symbolic import KerasTensor

__all__ = ["plot_model", "model_to_dot", "ModelDrawing"]

_RANKDIRS = ("TB", "LR", "BT", "RL")
_FORMATS = ("png", "svg", "pdf")  # what ag.render writes


class ModelDrawing:
    """A model's drawing: ``source`` (DOT text), shown as a picture in Jupyter, and the
    file ``plot_model`` wrote (``path``), if any."""

    def __init__(self, source, name, path=None):
        self.source, self.name, self.path = source, name, path

    def __str__(self):
        return self.source

    def __repr__(self):
        saved = f", saved as {self.path}" if self.path is not None else ""
        return f"<ModelDrawing of model {self.name!r}{saved}>"

    def _repr_svg_(self):  # what Jupyter shows
        return ag.render(self, "svg").decode("utf-8")


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
                 show_trainable=False):
    """The model as Graphviz DOT text (a ``ModelDrawing``), Keras's ``model_to_dot``; the
    arguments are ``plot_model``'s."""
    where = "plot_model"
    if rankdir not in _RANKDIRS:
        raise ValueError(f"{where}: rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    for what, flag in (("show_shapes", show_shapes), ("show_dtype", show_dtype),
                       ("show_layer_names", show_layer_names),
                       ("expand_nested", expand_nested),
                       ("show_layer_activations", show_layer_activations),
                       ("show_trainable", show_trainable)):
        if not isinstance(flag, bool):
            raise TypeError(f"{where}: {what} must be True or False, got {flag!r}")
    layers, edges = _layer_graph(model, where)
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    lines = [f'digraph "{_escape(model.name)}" {{',
             f"  graph [rankdir={rankdir} dpi={int(dpi)}]",
             '  node [shape=record fontname="Helvetica" fontsize=11]']
    ids = {}
    for layer in layers:
        ids[id(layer)] = _id(layer, ids)
        lines.append(f'  {ids[id(layer)]} [label="{_label(layer, **options)}"]')
    for source, target in edges:
        lines.append(f"  {ids[id(source)]} -> {ids[id(target)]}")
    lines.append("}")
    del expand_nested  # a model inside a model is one box, Keras's default (see plot_model)
    return ModelDrawing("\n".join(lines) + "\n", model.name)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False):
    """Draw a Sequential or functional model to ``to_file`` (Keras's ``plot_model``).

    Args:
        model: a Sequential (built: its input shape known) or a functional Model.
        to_file: the picture's path; its suffix picks the format: .png, .svg or .pdf. Written
            atomically. None draws without writing a file.
        show_shapes: each layer's input and output shapes.
        show_dtype: each layer's output dtype.
        show_layer_names: the layers' names beside their classes.
        rankdir: "TB" (top to bottom), "LR", "BT" or "RL", Graphviz's.
        expand_nested: accepted for Keras's code; a model used as a layer is drawn as one
            box (Keras's default, False).
        dpi: a PNG's pixels per inch.
        show_layer_activations: a Dense's or a convolution's activation.
        show_trainable: whether each layer is trainable ("T" or "NT", as Keras).
    Returns:
        A ``ModelDrawing``, which Jupyter shows as the picture.
    Raises:
        ValueError: a subclassed model (its ``call`` is code: there is no graph to draw),
            an unbuilt Sequential, or an unknown file suffix; nothing is written.
    """
    fmt = None
    if to_file is not None:
        fmt = Path(to_file).suffix.lower().lstrip(".")
        if fmt not in _FORMATS:
            raise ValueError(f"plot_model: to_file must end in .png, .svg or .pdf, got "
                             f"{str(to_file)!r}")
    drawing = model_to_dot(model, show_shapes, show_dtype, show_layer_names, rankdir,
                           expand_nested, dpi, show_layer_activations, show_trainable)
    if to_file is not None:
        picture = ag.render(drawing, fmt, dpi=dpi)
        with atomic_write(to_file) as f:
            f.write(picture)
        drawing.path = str(to_file)
    return drawing


def _layer_graph(model, where):
    """The layers to draw, in order, and the (layer, layer) arrows between them."""
    graph = getattr(model, "_graph", None)
    if graph is not None:
        nodes = [t.node for t in graph.inputs] + list(graph.nodes)
        layers, seen = [], set()
        for node in nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
        edges = []
        for node in graph.nodes:
            for t in node.inputs:
                pair = (t.node.layer, node.layer)
                if not any(a is pair[0] and b is pair[1] for a, b in edges):
                    edges.append(pair)
        return layers, edges
    inputs = model.inputs if hasattr(model, "_names") else None  # a Sequential's graph
    if inputs is None:
        kind = "Sequential" if hasattr(model, "_names") else "subclassed model"
        reason = ("has no input shape yet: start it with nn.Input(shape), or call "
                  "build((None, ...)) or the model on data first") if kind == "Sequential" \
            else "is code (its call), not a graph of layers"
        raise ValueError(f"{where}: the {kind} {model.name!r} {reason}")
    layers = [inputs[0].node.layer] + list(model.layers)
    return layers, list(zip(layers[:-1], layers[1:]))


def _id(layer, ids):
    """A DOT node ID from the layer's name, quoted (a layer may be named "node" or
    "graph", DOT's keywords), unique among the drawn layers."""
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in layer.name) or "layer"
    taken = set(ids.values())
    name, k = f'"{base}"', 1
    while name in taken:
        name, k = f'"{base}_{k}"', k + 1
    return name


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    """A record: "name (Class)", then optionally its activation, trainability, dtype and
    shapes, each a field of the box."""
    kind = type(layer).__name__
    title = f"{layer.name} ({kind})" if show_layer_names else kind
    fields = [_escape(title)]
    if show_layer_activations and callable(getattr(layer, "activation", None)):
        name = getattr(layer.activation, "__name__", type(layer.activation).__name__)
        fields.append(_escape(f"activation: {name}"))
    if show_trainable:
        fields.append("Trainable: " + ("T" if layer.trainable else "NT"))
    if show_dtype:
        fields.append(_escape(f"dtype: {_dtype(layer)}"))
    if show_shapes:
        fields.append("{input:|output:}|{" + _escape(_shapes(_input_shape(layer))) + "|"
                      + _escape(_shapes(layer.output_shape)) + "}")
    return "|".join(fields)


def _input_shape(layer):
    if isinstance(layer, InputLayer):
        return layer.input_shape
    nodes = layer.__dict__.get("_inbound_nodes")
    if nodes:
        shapes = [t.shape for t in nodes[0].inputs if isinstance(t, KerasTensor)]
        return shapes[0] if len(shapes) == 1 else shapes
    return layer.input_shape


def _shapes(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shapes(s) for s in shape) + "]"
    return _shape_text(shape)


def _dtype(layer):
    dtype = getattr(layer, "dtype", None)
    if dtype is None:
        params = layer._variables()
        dtype = params[0].dtype if params else None
    return getattr(dtype, "name", dtype) or "?"


def _escape(text):
    """Text for a DOT record field: the record's own characters escaped."""
    text = str(text).replace("\\", "\\\\")
    for c in '{}|<>"':
        text = text.replace(c, "\\" + c)
    return text
