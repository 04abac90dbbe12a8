"""Whole models in one file: the architecture as JSON, the weights as arrays, never pickled.

``model.save(path)`` writes a zip archive (Keras's ``.keras`` layout) of two members:

- ``config.json``: the model's class and layers, each layer as its class name and
  ``get_config()`` (Keras's argument names), how the layers connect (functional models),
  and the ``compile`` settings when they are names and plain numbers;
- ``model.weights.npz``: every Variable, as ``save_weights`` writes them;
- ``optimizer.npz``, when the compiled optimizer has made updates: its ``iterations`` and
  its state (Adam's moments...), each array named by its list and the model's name for its
  Variable ("momentums/0.W"), so that ``fit`` resumes where it left off, as in Keras.

``load_model(path)`` rebuilds each layer as ``cls.from_config(config)`` (by default
``cls(**config)``), the class found by name among nn's layers or in ``custom_objects``,
replays the graph (which builds the weights), then loads the weights with every check of
``load_weights``, and the optimizer's state with the same checks. An optimizer made with
its parameters (PyTorch style) is made again with the same Variables, named in the config.
The file is written atomically and read with bounds: the JSON may not exceed
``MAX_CONFIG_BYTES`` and the weights must be stored, not compressed, so no member can
inflate beyond the file's own size.

A layer without ``get_config`` is described by the arguments of its ``__init__`` that it
keeps as attributes of the same name (``units``, ``rate``, ``name``...). Initializers are
not saved: the weights come from the file; regularizers and constraints are (they shape
the training), in Keras's ``{"class_name": "L2", "config": {"l2": 0.001}}`` form, read back
by ``nn.regularizers`` and ``nn.constraints`` (a class of one's own through
``custom_objects``).
An ``MLP`` is saved as the ``Sequential`` of its layers, and a model used as a layer as a
model.

The architecture alone is ``model_config`` (what ``model.get_config()`` and
``model.to_json()`` give), made into a new model, with new weights, by
``model_from_config`` and ``model_from_json`` (``Model.from_config`` and
``Sequential.from_config`` call them). A subclassed Model (a ``call`` of
its own) is refused: its code is not data; use ``save_weights``.
"""

import inspect
import io
import json
import os
import zipfile

import numpy as np

import optim

from . import activations, constraints, losses, regularizers, saving
from autograd_core.atomic import atomic_write
from .functional_model import Input, InputLayer
from .keras_module import KerasModule, with_dtype
from .module import Module
from .symbolic import map_structure

__all__ = ["save_model", "load_model", "layer_config", "model_config", "model_from_config",
           "model_from_json", "MAX_CONFIG_BYTES"]

FORMAT = "autograd_core.model/1"
MAX_CONFIG_BYTES = 16 * 2**20
_CONFIG, _WEIGHTS, _OPTIMIZER = "config.json", "model.weights.npz", "optimizer.npz"


# --- saving -------------------------------------------------------------------------------
def save_model(model, path, include_optimizer=True):
    """Write ``model`` (a Sequential or functional Model) to ``path``, atomically.

    Args:
        include_optimizer: also save the compiled optimizer's state, if it has any (Keras
            2's argument), so that training resumes where it stopped.
    Raises:
        ValueError: the model is subclassed, not built, or a layer cannot be described; or
            its optimizer updates Variables that are not the model's.
    """
    config = {"format": FORMAT, "model": model_config(model, built=True, action="save"),
              "compile": _compile_config(model)}
    text = json.dumps(config, indent=1).encode("utf-8")
    weights = io.BytesIO()
    saving.write_arrays({name: v.numpy() for name, v in model._named_variables()}, weights)
    state = None
    if include_optimizer and config["compile"] is not None:  # else nothing rebuilds it
        state = _optimizer_arrays(model)
    with atomic_write(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(_CONFIG, text)
        archive.writestr(_WEIGHTS, weights.getvalue())
        if state is not None:
            arrays = io.BytesIO()
            saving.write_arrays(state, arrays)
            archive.writestr(_OPTIMIZER, arrays.getvalue())


def _optimizer_arrays(model):
    """The optimizer's ``state_dict`` with each array named by its list and its Variable's
    name in the model ("momentums/0.W"), or None before the first update."""
    optimizer = model.optimizer
    if not optimizer.iterations:
        return None
    names = {id(v): name for name, v in model._named_variables()}
    arrays = {}
    for key, array in optimizer.state_dict().items():
        if key == "iterations" or key.startswith("param_groups."):
            arrays[key] = array  # the count, and several groups' settings as they are now
            continue
        state_list, i = key.rsplit(".", 1)
        p = optimizer.params[int(i)]
        if id(p) not in names:
            raise ValueError(f"save: the optimizer also updates a Variable that is not the "
                             f"model's ({p.name or 'unnamed'}, shape {p.shape}); save with "
                             "include_optimizer=False, or keep that optimizer apart")
        arrays[f"{state_list}/{names[id(p)]}"] = array
    return arrays


def model_config(model, built=False, action="get_config"):
    """``{"class_name": "Sequential" or "Model", "config": ...}``: the architecture as JSON
    data, what ``model.save`` writes, ``get_config`` and ``to_json`` return, and
    ``model_from_config`` rebuilds. ``built``: refuse a Sequential without an input shape
    (a file must hold one, to make its weights before loading them)."""
    where = f"{action}: {type(model).__name__} {model.name!r}"
    # Model and Sequential are found by name (this module is imported by nn.models).
    if isinstance(model, _registry({})["Sequential"]):
        shape = model.input_shape or getattr(model, "_build_input_shape", None)
        if shape is None and built:
            raise ValueError(f"{where} has not been built: start it with nn.Input(shape) or "
                             "call it on data first")
        config = {"name": model.name}
        if shape is not None:
            config["input_shape"] = list(shape[1:])
        dtype = getattr(model, "_input_dtype", None)  # nn.Input(shape, dtype)'s
        if dtype is not None:
            config["input_dtype"] = np.dtype(dtype).name
        config["layers"] = [layer_config(layer) for layer in model.layers]
        if model._names != [str(i) for i in range(len(model.layers))]:
            config["names"] = list(model._names)  # Sequential(OrderedDict(...))'s
        return {"class_name": "Sequential", "config": _plain(config, where)}
    graph = getattr(model, "_graph", None)
    if graph is None:
        raise ValueError(f"{where} is a subclassed model: its call() is code, not data; "
                         "save its weights with save_weights and rebuild it in code")
    nodes = [t.node for t in graph.inputs] + graph.nodes
    number = {id(node): i for i, node in enumerate(nodes)}

    def ref(t):
        return {"node": number[id(t.node)], "index": t.index}

    return {"class_name": "Model",
            "config": {"name": model.name,
                       "layers": [layer_config(layer) for layer in graph.layers],
                       "nodes": [{"layer": node.layer.name,
                                  "args": _plain(map_structure(ref, list(node.args)), where),
                                  "kwargs": _plain(map_structure(ref, node.kwargs), where)}
                                 for node in nodes[len(graph.inputs):]],
                       "inputs": [ref(t) for t in graph.inputs],
                       "outputs": [ref(t) for t in graph.outputs],
                       "single_input": graph.single_input,
                       "single_output": graph.single_output,
                       "input_keys": graph.input_names, "output_keys": graph.output_keys}}


def layer_config(layer):
    """{"class_name", "config"} of a layer, from its ``get_config()`` if its class writes
    one (Module's and KerasModule's own say only the name, input shape and dtype, too
    little to rebuild most layers: the constructor's arguments are read back from the
    layer instead)."""
    where = f"save: layer {layer.name!r} ({type(layer).__name__})"
    models = _registry({})
    if isinstance(layer, models["Sequential"]) or getattr(layer, "_graph", None) is not None:
        return model_config(layer)  # a model used as a layer: its layers and their links
    if getattr(type(layer), "get_config", Module.get_config) not in (
            Module.get_config, KerasModule.get_config, models["Model"].get_config):
        config = layer.get_config()
    else:
        config = {}
        for name, p in inspect.signature(type(layer).__init__).parameters.items():
            if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) \
                    or not hasattr(layer, name):
                continue
            if name == "dtype" and isinstance(layer, KerasModule):
                # as get_config writes it: only a dtype given, and not float32
                with_dtype(config, layer._given_dtype)
                continue
            value = getattr(layer, name)
            if name == "input_shape" and value is not None:
                value = list(value[1:])
            elif isinstance(value, Module):
                value = layer_config(value)
            elif callable(value) and name.endswith("activation"):
                value = activations.name_of(value)
            elif name.endswith("_regularizer"):
                value = regularizers.serialize(value)
            elif name.endswith("_constraint"):
                value = constraints.serialize(value)
            elif callable(value) or _is_initializer(name):
                continue  # initializers and other objects: the defaults (weights are loaded)
            config[name] = value
    return {"class_name": type(layer).__name__, "config": _plain(config, where)}


def _is_initializer(name):
    return name.endswith("initializer")


def _plain(value, where):
    """``value`` as JSON data (tuples become lists), or a ValueError naming what is not."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v, where) for k, v in value.items()}
    raise ValueError(f"{where}: cannot write {type(value).__name__} {value!r} as JSON; give "
                     "the class a get_config() of names and numbers")


def _compile_config(model):
    """The compile settings as names and numbers, or None (not compiled, or not simple:
    a loss function or metric object of one's own, a learning-rate schedule)."""
    args = getattr(model, "_compile_args", None)
    if not args:
        return None
    try:
        optimizer = model.optimizer
        opt = {"class_name": type(optimizer).__name__,
               "config": _plain(optimizer.get_config(), "optimizer")}
        if optimizer.pytorch_style:
            # Made with its parameters, it takes PyTorch's formulas and state: it is made
            # again with the same Variables, named, in its order.
            opt["params"] = _parameter_names(model, optimizer.params)
            if len(optimizer.param_groups) > 1:  # and in the same groups, as made
                opt["groups"] = [_plain({**{k: v for k, v in dict(group).items()
                                            if k != "params"},
                                         "params": _parameter_names(model, group["params"])},
                                        "optimizer")
                                 for group in optimizer.param_groups]
        return {"optimizer": opt, "loss": _plain(_loss_spec(args["loss"]), "loss"),
                "metrics": _plain(_metric_spec(args["metrics"]), "metrics"),
                "loss_weights": _plain(args["loss_weights"], "loss_weights")}
    except (ValueError, TypeError):
        return None


def _parameter_names(model, variables):
    """The model's names of ``variables``; ValueError if one is not the model's."""
    names = {id(v): name for name, v in model._named_variables()}
    if any(id(v) not in names for v in variables):
        raise ValueError("the optimizer updates a Variable that is not the model's")
    return [names[id(v)] for v in variables]


def _loss_spec(loss):
    if isinstance(loss, (list, tuple)):
        return [_loss_spec(item) for item in loss]
    if isinstance(loss, dict):
        return {k: _loss_spec(v) for k, v in loss.items()}
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, losses.Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    raise TypeError("a loss function of one's own is not saved")


def _metric_spec(metrics):
    if isinstance(metrics, (list, tuple)):
        return [_metric_spec(m) for m in metrics]
    if isinstance(metrics, dict):
        return {k: _metric_spec(v) for k, v in metrics.items()}
    if metrics is None or isinstance(metrics, str):
        return metrics
    raise TypeError("metric functions and objects are not saved")


# --- loading ------------------------------------------------------------------------------
def load_model(path, custom_objects=None, compile=True):
    """Read a model written by ``model.save(path)``.

    Args:
        path: the file.
        custom_objects: {name: class} for layers and losses of your own (Keras's argument).
        compile: restore the compile settings if they were saved.
    Returns:
        A new Model with the saved weights (and compiled, if it was, with a new optimizer
        that holds the saved state, so ``fit`` resumes where it stopped).
    Raises:
        ValueError: the file is not such an archive, is damaged, names an unknown class,
            or its weights do not match the architecture; nothing is half-built.
    """
    path = os.fspath(path)
    custom_objects = dict(custom_objects or {})
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        try:
            archive = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, EOFError, ValueError, OSError) as err:
            raise ValueError(f"load_model: {path!r} is not a saved model (not a readable zip "
                             f"archive: {err})") from None
        with archive:
            config = _read_config(archive, path)
            model = _build(config["model"], _registry(custom_objects), f"load_model: {path!r}")
            data = _stored_bytes(archive, _WEIGHTS, size, path)
            arrays = saving.read_arrays(model, io.BytesIO(data), len(data), path)
            state = None
            if compile and config.get("compile") and _OPTIMIZER in archive.namelist():
                state = _stored_bytes(archive, _OPTIMIZER, size, path)
    for name, v in model._named_variables():
        v.assign(arrays[name])
    if compile and config.get("compile"):
        _compile(model, config["compile"], custom_objects)
        if state is not None:
            _restore_optimizer(model, state, path)
    return model


def _restore_optimizer(model, data, path):
    """Give the model's new optimizer the state saved in ``data`` (an ``optimizer.npz``),
    after checking every name, shape and dtype against the model's Variables."""
    optimizer, params = model.optimizer, dict(model._named_variables())
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [n[:-len(".npy")] for n in archive.namelist() if n.endswith(".npy")]
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as err:
        raise ValueError(f"load_model: {path!r}: {_OPTIMIZER} is damaged ({err})") from None
    owners = {name.split("/", 1)[1] for name in members if "/" in name}
    unknown = sorted(owners - set(params))
    if unknown:
        raise ValueError(f"load_model: {path!r}: {_OPTIMIZER} holds state for Variables the "
                         f"model does not have: {unknown}")
    if optimizer.pytorch_style:  # made with its Variables: their order is the optimizer's
        order = [name for name in _parameter_names(model, optimizer.params) if name in owners]
    else:  # Keras style: told its Variables below, in the model's order
        order = [name for name in params if name in owners]
    expected = {"iterations": np.empty((), np.int64)}
    # Several groups: their settings, as the optimizer made from the config holds them.
    groups = {key: np.asarray(value) for key, value in optimizer.state_dict().items()
              if key.startswith("param_groups.")}
    expected.update(groups)
    for state_list in optimizer.state_names:
        expected.update((f"{state_list}/{name}", params[name]) for name in order)
    for count_list in optimizer.count_names:  # PyTorch's per-Variable update counts
        expected.update((f"{count_list}/{name}", np.empty((), np.int64)) for name in order)
    arrays = saving.read_arrays(model, io.BytesIO(data), len(data), path, expected=expected)
    optimizer.build([params[name] for name in order])
    optimizer.load_state_dict({
        "iterations": arrays["iterations"], **{key: arrays[key] for key in groups},
        **{f"{state_list}.{i}": arrays[f"{state_list}/{name}"]
           for state_list in (*optimizer.state_names, *optimizer.count_names)
           for i, name in enumerate(order)}})


def _stored_bytes(archive, name, size, path):
    """The bytes of member ``name``, which must be stored (not compressed), so that it can
    hold no more than the file's ``size``; read with that bound."""
    info = _member(archive, name, size, path)
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"load_model: {path!r}: {name} is compressed; it must be stored")
    with archive.open(info) as inner:
        return inner.read(size + 1)


def _member(archive, name, size, path):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"load_model: {path!r} has no {name}; is it a saved model?") from None
    if info.file_size > size and info.compress_type == zipfile.ZIP_STORED:
        raise ValueError(f"load_model: {path!r}: {name} claims {info.file_size:,} bytes, more "
                         f"than the file's {size:,}")
    return info


def _read_config(archive, path):
    info = _member(archive, _CONFIG, MAX_CONFIG_BYTES, path)
    if info.file_size > MAX_CONFIG_BYTES:
        raise ValueError(f"load_model: {path!r}: {_CONFIG} is {info.file_size:,} bytes, over "
                         f"the limit of {MAX_CONFIG_BYTES:,}")
    try:
        with archive.open(info) as f:
            text = f.read(MAX_CONFIG_BYTES + 1)
        config = json.loads(text.decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as err:
        raise ValueError(f"load_model: {path!r}: {_CONFIG} is damaged ({err})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"load_model: {path!r}: {_CONFIG} is not of format {FORMAT!r}")
    return config


def _registry(custom_objects):
    """nn's layer classes by name (every Module subclass defined in nn), then the user's."""
    found, stack = {}, [Module]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] == "nn":
            found.setdefault(cls.__name__, cls)
    found.update(custom_objects)
    return found


def _layer(spec, registry, where):
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise ValueError(f"{where}: a layer entry is malformed: {spec!r:.200}")
    name = spec.get("class_name")
    cls = registry.get(name)
    if cls is None:
        raise ValueError(f"{where}: unknown layer class {name!r}; pass it in "
                         f"custom_objects={{{name!r}: {name}}}")
    if name in ("Sequential", "Model") and "layers" in spec["config"]:
        return _build(spec, registry, where)  # a model used as a layer: with the registry
    config = {k: _nested(k, v, registry, where) for k, v in spec["config"].items()}
    try:
        if callable(getattr(cls, "from_config", None)):
            return cls.from_config(config)
        return cls(**config)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: cannot rebuild {name} from its config "
                         f"{config!r:.300}: {err}") from None


def _nested(key, value, registry, where):
    """A layer's config entry: a nested {"class_name", "config"} is a regularizer under a
    "..._regularizer" key and a constraint under a "..._constraint" key (the user's classes
    found too), a layer (Residual's inner) when its class is one; otherwise (an
    initializer, as Keras writes them) the layer reads it itself. An activation named as
    one of ``custom_objects``' functions is that function (Keras's
    ``custom_objects={"custom_activation": custom_activation}``)."""
    if isinstance(value, str) and key.endswith("activation"):
        found = registry.get(value)
        return found if callable(found) and not isinstance(found, type) else value
    if not isinstance(value, dict) or "config" not in value:
        return value
    for suffix, kind, module in (("_regularizer", "regularizer", regularizers),
                                 ("_constraint", "constraint", constraints)):
        if key.endswith(suffix):
            try:
                return module.deserialize(value, registry)
            except (TypeError, ValueError) as err:
                raise ValueError(f"{where}: {key}: {err}; pass a {kind} of "
                                 "your own in custom_objects") from None
    if value.get("class_name") in registry:
        return _layer(value, registry, where)
    return value


def _build(spec, registry, where):
    """The model that ``spec`` ({"class_name", "config"}, as ``model_config`` writes it)
    describes, with new weights; a ValueError naming what is wrong with a malformed one."""
    try:
        return _build_checked(spec, registry, where)
    except (KeyError, IndexError, TypeError, AttributeError) as err:
        # a hand-edited or truncated config: say so rather than show an internal error
        raise ValueError(f"{where}: the model config is malformed ({type(err).__name__}: "
                         f"{err})") from None


def _build_checked(spec, registry, where):
    kind, config = spec.get("class_name"), spec.get("config")
    if kind not in ("Sequential", "Model"):
        raise ValueError(f"{where}: unknown model class {kind!r}")
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError(f"{where}: a {kind} config needs a list of layers, got "
                         f"{config!r:.200}")
    if kind == "Sequential":
        layers = [_layer(item, registry, where) for item in config["layers"]]
        names = config.get("names", [None] * len(layers))
        if not isinstance(names, list) or len(names) != len(layers):
            raise ValueError(f"{where}: the Sequential's names do not match its "
                             f"{len(layers)} layers")
        model = registry["Sequential"](name=config.get("name"))
        if config.get("input_shape") is not None:
            model._add(Input(tuple(config["input_shape"]), dtype=config.get("input_dtype")),
                       None)
        for layer, key in zip(layers, names):
            model._add(layer, key)
        return model
    layers = {}
    for item in config["layers"]:
        layer = _layer(item, registry, where)
        layers[layer.name] = layer
    tensors = []   # the output KerasTensors of each node, in the file's order
    for layer_name in [n for n in layers if isinstance(layers[n], InputLayer)]:
        tensors.append([layers[layer_name].output])

    def tensor(ref):
        return tensors[ref["node"]][ref["index"]]

    def resolve(structure):
        if isinstance(structure, dict) and set(structure) == {"node", "index"}:
            return tensor(structure)
        if isinstance(structure, list):
            return [resolve(item) for item in structure]
        if isinstance(structure, dict):
            return {k: resolve(v) for k, v in structure.items()}
        return structure

    for node in config["nodes"]:
        out = layers[node["layer"]](*resolve(node["args"]), **resolve(node["kwargs"]))
        tensors.append(list(out) if isinstance(out, (list, tuple)) else [out])
    inputs = [tensor(ref) for ref in config["inputs"]]
    outputs = [tensor(ref) for ref in config["outputs"]]
    if config.get("input_keys"):
        inputs = dict(zip(config["input_keys"], inputs))
    elif config["single_input"]:
        inputs = inputs[0]
    if config.get("output_keys"):
        outputs = dict(zip(config["output_keys"], outputs))
    elif config["single_output"]:
        outputs = outputs[0]
    return registry["Model"](inputs, outputs, name=config["name"])


# --- the architecture alone (Keras's get_config, to_json and their inverses) ---------------
def model_from_config(config, custom_objects=None):
    """A new model, with new weights, from ``{"class_name", "config"}`` as ``model_config``
    (and ``json.loads(model.to_json())``) gives it (Keras's ``model_from_config``)."""
    if not isinstance(config, dict):
        raise TypeError(f"model_from_config: expected a dict, got {type(config).__name__}")
    return _build(config, _registry(dict(custom_objects or {})), "model_from_config")


def model_from_json(json_string, custom_objects=None):
    """A new model, with new weights, from ``model.to_json()``'s text (Keras's
    ``model_from_json``); the text may not exceed ``MAX_CONFIG_BYTES``."""
    if isinstance(json_string, bytes):
        json_string = json_string.decode("utf-8")
    if not isinstance(json_string, str):
        raise TypeError(f"model_from_json: expected the JSON text, got "
                        f"{type(json_string).__name__}")
    if len(json_string) > MAX_CONFIG_BYTES:
        raise ValueError(f"model_from_json: the text is {len(json_string):,} characters, over "
                         f"the limit of {MAX_CONFIG_BYTES:,}")
    try:
        config = json.loads(json_string)
    except ValueError as err:
        raise ValueError(f"model_from_json: not JSON ({err})") from None
    if not isinstance(config, dict):
        raise ValueError(f"model_from_json: expected a JSON object, got {config!r:.100}")
    return _build(config, _registry(dict(custom_objects or {})), "model_from_json")


def _compile(model, config, custom_objects):
    opt = config["optimizer"]
    optimizer_class = custom_objects.get(opt["class_name"]) or getattr(optim, opt["class_name"])
    if "params" in opt:  # made with its parameters (PyTorch style): made so again
        params = dict(model._named_variables())
        missing = [name for name in opt["params"] if name not in params]
        if missing:
            raise ValueError(f"load_model: the optimizer was made with Variables the model "
                             f"does not have: {missing}")
        if "groups" in opt:  # PyTorch's parameter groups, each with its settings
            groups = [{**group, "params": [params[name] for name in group["params"]]}
                      for group in opt["groups"]]
            optimizer = optimizer_class(groups, **opt["config"])
        else:
            optimizer = optimizer_class([params[name] for name in opt["params"]],
                                        **opt["config"])
    else:
        optimizer = optimizer_class(**opt["config"])
    registry = {**{name: getattr(losses, name) for name in losses.__all__
                   if isinstance(getattr(losses, name), type)}, **custom_objects}

    def loss(spec):
        if isinstance(spec, list):
            return [loss(item) for item in spec]
        if isinstance(spec, dict) and "class_name" not in spec:
            return {k: loss(v) for k, v in spec.items()}
        if isinstance(spec, dict):
            return registry[spec["class_name"]].from_config(spec["config"])
        return spec

    model.compile(optimizer=optimizer, loss=loss(config["loss"]), metrics=config["metrics"],
                  loss_weights=config["loss_weights"])
