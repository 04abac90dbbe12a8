"""Models: layers that train themselves, ``compile``, ``fit``, ``evaluate``, ``predict``.

A Model is made in one of Keras's three ways:

- ``Sequential([...])``, a stack of layers (``nn.sequential``);
- the functional API, ``Model(inputs, outputs)`` from ``nn.Input`` and layers called on
  it, with several inputs and outputs, shared layers and skip connections;
- subclassing: ``class MyModel(Model)`` with its layers as attributes and a ``call``.

This module holds what a model is (its graph, its call, its summary, its config and file);
how it trains (``compile``, ``fit``...) is ``nn.trainer``'s ``Trainer``, which Model
inherits.
"""

import json

import autograd_core as ag

from . import data_adapter, model_saving
from .base_layer import Layer
from .cloning import clone_model
from .functional_model import Graph
from .model_saving import load_model, model_from_config, model_from_json
from .trainer import Trainer, _final_activation, _logits

__all__ = ["Model", "model_from_config", "model_from_json", "clone_model", "load_model"]


class Model(Trainer, Layer):
    """A Layer that trains itself: ``compile``, ``fit``, ``evaluate``, ``predict`` (from
    ``Trainer``), and ``save``.

    Args:
        inputs, outputs: for the functional API, the ``nn.Input`` tensors and the tensors
            computed from them (one each, or lists or dicts of them).
        name: the model's name.
        trainable, dtype, ...: as ``Layer``'s, keywords (``dtype`` casts the floating
            inputs; each layer keeps its own).

    A subclass defines ``call`` (or ``forward``) and keeps its layers as attributes.

    For a training loop of your own, ``train_on_batch``, ``test_on_batch`` and
    ``predict_on_batch`` do ``fit``'s, ``evaluate``'s and ``predict``'s work on one batch.

    Attributes:
        optimizer, loss: set by ``compile``.
        history: the ``History`` of the last ``fit``.
        stop_training: set True (by a callback) to end ``fit`` after the current batch.
    """

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        # the trainer's state (nn.trainer), set by compile and fit
        self.optimizer = None
        self.loss = None
        self._loss_specs = []     # (output name, loss or None, loss weight), one per output
        self._metrics = []        # (name in the logs, output index, metric object)
        self._compile_args = None
        self._compiled_variables = None   # what training updates (see compile)
        self.stop_training = False
        self.history = None
        self._graph = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError(f"Model {self.name!r}: give both inputs and outputs")
            graph = self._graph = Graph(inputs, outputs, f"Model {self.name!r}")
            shapes = [t.shape for t in graph.inputs]
            self.input_shape = shapes[0] if graph.single_input else shapes
            shapes = [t.shape for t in graph.outputs]
            self._output_shape = shapes[0] if graph.single_output else shapes
            self.built = True

    # --- the graph, for functional models ------------------------------------------------
    @property
    def layers(self):
        """The layers of a functional model, its InputLayers first (Keras's order)."""
        if self._graph is not None:
            return list(self._graph.layers)
        return self.children()

    @property
    def inputs(self):
        return None if self._graph is None else list(self._graph.inputs)

    @property
    def outputs(self):
        return None if self._graph is None else list(self._graph.outputs)

    @property
    def input(self):
        """The input KerasTensor (a list for several), as ``inputs``."""
        inputs = self.inputs
        if inputs is None:
            return super().input  # a subclassed model: its first symbolic call's
        return inputs[0] if len(inputs) == 1 else inputs

    @property
    def output(self):
        """The output KerasTensor (a list for several), as ``outputs``."""
        outputs = self.outputs
        if outputs is None:
            return super().output
        return outputs[0] if len(outputs) == 1 else outputs

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index`` of ``layers`` (which wins
        when both are given), as Keras's."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: asked for the layer at index {index}, but model "
                                 f"{self.name!r} has {len(layers)} layers")
            return layers[index]
        if name is None:
            raise ValueError("get_layer: give a layer name or index")
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: model {self.name!r} has no layer {name!r}; its layers "
                         f"are {[layer.name for layer in layers]}")

    @property
    def input_names(self):
        return self._graph.names if self._graph is not None else ["input"]

    @property
    def output_names(self):
        return self._graph.output_names if self._graph is not None else ["output"]

    def _members(self):
        if self._graph is None:
            return super()._members()
        return ((layer.name, layer) for layer in self._graph.layers)

    def forward(self, *args, **kwargs):
        if self._graph is None:
            return super().forward(*args, **kwargs)
        if len(args) != 1 or kwargs:
            raise TypeError(f"Model {self.name!r}: call it on one argument: an array, or a "
                            "list of arrays (one per input)")
        x = args[0]
        if isinstance(x, dict):
            x = data_adapter.as_arrays(x, self.input_names, "x", f"Model {self.name!r}")
        return self._graph.run(x)

    @property
    def output_activation(self):
        """"softmax" or "sigmoid" when the single output ends with it, else None."""
        if self._graph is None or not self._graph.single_output:
            return None
        return _final_activation(self._graph.outputs[0].node.layer)

    def forward_logits(self, x):
        """The output before the final softmax or sigmoid (see ``output_activation``)."""
        with ag.name_scope(self.name):
            return self._graph.run(x, last=_logits)

    def summary(self, line_length=None, print_fn=print):
        """Keras's table; a functional model adds the "Connected to" column: the inputs of
        each layer, "dense[0][0]" meaning output 0 of the first call of layer "dense"."""
        if self._graph is None:
            return super().summary(line_length or 65, print_fn)
        entries = [[(layer, shape, params, sources[0] if sources else "")]
                   + [("", "", "", source) for source in sources[1:]]
                   for layer, shape, params, sources in self._graph.summary_rows()]
        self._print_table(("Layer (type)", "Output Shape", "Param #", "Connected to"),
                          (0.33, 0.22, 0.12), entries, line_length or 98, print_fn)

    # --- files ---------------------------------------------------------------------------
    def save(self, path, include_optimizer=True):
        """Write the whole model (architecture, weights, compile settings and, unless told
        not to, the optimizer's state) to one file, atomically; ``nn.load_model(path)``
        reads it back (see ``nn.model_saving``)."""
        model_saving.save_model(self, path, include_optimizer=include_optimizer)

    # --- the architecture as data (Keras's get_config, from_config, to_json) -------------
    def get_config(self):
        """A functional model's layers (each its class name and ``get_config()``) and how
        they connect, as JSON data; ``Model.from_config`` makes the model again, with new
        weights. A subclassed model's ``call`` is code: its config is its arguments (name,
        input shape), as a layer's."""
        if self._graph is None:
            return super().get_config()
        return model_saving.model_config(self)["config"]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The model ``config`` (from ``get_config``) describes, with new weights.

        Args:
            custom_objects: {name: class} for layers (and regularizers) of your own.
        """
        if not (isinstance(config, dict) and "layers" in config):  # a subclass's arguments
            return cls(**config)
        kind = "Model" if "nodes" in config else "Sequential"
        return model_saving.model_from_config({"class_name": kind, "config": config},
                                              custom_objects)

    def to_json(self, **kwargs):
        """The architecture as JSON text (``{"class_name", "config"}``, no weights); keywords
        go to ``json.dumps`` (``indent=2``). ``nn.models.model_from_json`` reads it back."""
        return json.dumps(model_saving.model_config(self, action="to_json"), **kwargs)
