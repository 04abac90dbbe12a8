"""``clone_model``: the same architecture with new layers and new weights (Keras's).

Each layer is made again from its config (``model_saving.layer_config``: its class and
``get_config()``, or the arguments it keeps), so the clone's weights are drawn afresh by
the layers' initializers; a layer used twice (shared) is cloned once and used twice. A
functional model's graph is replayed on new inputs, a Sequential's layers are stacked
again. A subclassed model's ``call`` is code, not data, and is refused, as Keras does.
"""

from .functional_model import Input, InputLayer
from .model_saving import _layer, _registry, layer_config
from .module import Module
from .symbolic import KerasTensor, map_structure

__all__ = ["clone_model"]


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model of the same architecture as ``model``, with new weights.

    Args:
        model: a Sequential or a functional Model.
        input_tensors: new inputs for the clone (``nn.Input`` tensors, one per input of
            the model, in a list or alone); by default inputs like the model's.
        clone_function: called with each layer, returns the layer to use in its place
            (Keras's hook: return the layer itself to share it, or a layer made to
            other settings); by default a new layer from the layer's config.
    Returns:
        A Sequential or a Model: not compiled, as in Keras.
    Raises:
        ValueError: the model is subclassed, or ``input_tensors`` does not match its
            inputs. TypeError: ``clone_function`` did not return a layer.
    """
    registry = _registry({})
    where = f"clone_model: {type(model).__name__} {getattr(model, 'name', '')!r}"
    clone = _checked(clone_function or _fresh, where)
    if isinstance(model, registry["Sequential"]):
        entries = _sequential_inputs(model, input_tensors, where)
        clones = [clone(layer) for layer in model.layers]
        new = registry["Sequential"](name=model.name)
        for entry in entries:
            new._add(entry, None)
        positional = model._names == [str(i) for i in range(len(model.layers))]
        for layer, key in zip(clones, model._names):
            new._add(layer, None if positional else key)
        return new
    graph = getattr(model, "_graph", None)
    if graph is None:
        raise ValueError(f"{where} is a subclassed model: its call() is code, not data; make "
                         "a new one in code (type(model)(...)) instead")
    inputs = _functional_inputs(graph, input_tensors, where)
    tensors = {id(old): new for old, new in zip(graph.inputs, inputs)}
    layers = {}  # id(layer) -> its clone, so that a shared layer stays shared

    def new_tensor(t):
        return tensors[id(t)]

    for node in graph.nodes:
        layer = layers.get(id(node.layer))
        if layer is None:
            layer = layers[id(node.layer)] = clone(node.layer)
        out = layer(*map_structure(new_tensor, node.args),
                    **map_structure(new_tensor, node.kwargs))
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        tensors.update((id(old), new) for old, new in zip(node.outputs, outs))
    outputs = [tensors[id(t)] for t in graph.outputs]
    if graph.input_names is not None:
        inputs = dict(zip(graph.input_names, inputs))
    elif graph.single_input:
        inputs = inputs[0]
    if graph.output_keys is not None:
        outputs = dict(zip(graph.output_keys, outputs))
    elif graph.single_output:
        outputs = outputs[0]
    return registry["Model"](inputs, outputs, name=model.name)


def _fresh(layer):
    """A new layer made from ``layer``'s config: its class and arguments, new weights."""
    registry = _registry({type(m).__name__: type(m) for m in _modules(layer)})
    if isinstance(layer, registry["Sequential"]) or getattr(layer, "_graph", None) is not None:
        return clone_model(layer)  # a model used as a layer: cloned as a model
    return _layer(layer_config(layer), registry, f"clone_model: layer {layer.name!r}")


def _modules(layer):
    """The layer and the layers inside it (a wrapper's), whose classes may be the user's."""
    return layer.modules() if hasattr(layer, "modules") else [layer]


def _checked(clone, where):
    def checked(layer):
        new = clone(layer)
        if not isinstance(new, Module):
            raise TypeError(f"{where}: clone_function must return a layer, got "
                            f"{type(new).__name__} for layer {layer.name!r}")
        return new
    return checked


def _sequential_inputs(model, input_tensors, where):
    """The entries that start the clone of a Sequential: its new Input, if any."""
    if input_tensors is None:
        if model.input_shape is None:
            return []
        return [Input(model.input_shape[1:], dtype=getattr(model, "_input_dtype", None))]
    tensors = _as_tensors(input_tensors, where)
    if len(tensors) != 1:
        raise ValueError(f"{where}: a Sequential has one input; input_tensors holds "
                         f"{len(tensors)}")
    return tensors


def _functional_inputs(graph, input_tensors, where):
    """The clone's input tensors, one per input of the graph, in its order."""
    if input_tensors is None:
        return [_new_input(t.node.layer) for t in graph.inputs]
    tensors = _as_tensors(input_tensors, where)
    if len(tensors) != len(graph.inputs):
        raise ValueError(f"{where}: the model has {len(graph.inputs)} inputs; input_tensors "
                         f"holds {len(tensors)}")
    for i, (old, new) in enumerate(zip(graph.inputs, tensors)):
        if tuple(new.shape[1:]) != tuple(old.shape[1:]):
            raise ValueError(f"{where}: input {i} has shape {old.shape}; input_tensors[{i}] "
                             f"has shape {new.shape}")
    return tensors


def _new_input(layer: InputLayer):
    return Input(layer.input_shape[1:], dtype=layer.dtype, name=layer.name)


def _as_tensors(input_tensors, where):
    tensors = list(input_tensors) if isinstance(input_tensors, (list, tuple)) \
        else [input_tensors]
    bad = [type(t).__name__ for t in tensors if not isinstance(t, KerasTensor)]
    if bad:
        raise TypeError(f"{where}: input_tensors must be nn.Input tensors, got {bad}")
    return tensors
