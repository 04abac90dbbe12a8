"""Sequential: layers applied one after the other, Keras's simplest model.

>>> import nn
>>> model = Sequential([nn.Input((784,)),
...                     nn.Dense(512, activation="relu"),
...                     nn.Dense(10, activation="softmax")])
>>> model.count_params(), model.output_shape
(407050, (None, 10))
"""

from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

import autograd_core as ag

from . import model_saving
from .functional_model import InputLayer
from .basic_layers import Dense
from .masking import call_masked
from .models import Model, _final_activation, _logits
from .module import Module
from .symbolic import KerasTensor

__all__ = ["Sequential", "MLP"]


class Sequential(Model):
    """y = layer_n(... layer_2(layer_1(x))): layers applied in order (Keras's Sequential).

    Args:
        layers: a list of Modules (more can be ``add``-ed); the first entry may be
            ``nn.Input(shape)``, which gives the model its input shape, as in Keras.
            PyTorch's form, the modules as arguments (``Sequential(nn.Linear(784, 512),
            nn.ReLU(), ...)``), is the same model, and so is one ``OrderedDict`` of named
            modules (``Sequential(OrderedDict(conv1=nn.Conv2d(1, 20, 5), ...))``), whose
            names then name the parameters ("conv1.weight") and the layers
            (``model.conv1``).
        name: "sequential" by default.

    When the input shape is known (from ``nn.Input`` or the first layer's
    ``input_shape``), every layer is built as it is added (a one-sample pass without
    gradients), so ``summary()`` and ``trainable_variables`` work before any data is seen.
    Parameters are named by position, "0.W", "0.b", ..., or by the OrderedDict's names.
    """

    def __init__(self, *modules, layers=None, name=None):
        named = []
        if modules and (modules[0] is None or isinstance(modules[0], (list, tuple))):
            # Keras's positional form: Sequential(layers, name)
            if len(modules) > 2 or layers is not None or (
                    len(modules) == 2 and not isinstance(modules[1], (str, type(None)))):
                raise TypeError("Sequential: give a list of layers (and a name), as Keras, or "
                                "the modules one by one as arguments, as PyTorch")
            layers = modules[0]
            if len(modules) == 2 and modules[1] is not None:
                name = modules[1]
        elif modules:
            if layers is not None:
                raise TypeError("Sequential: give the layers either as arguments or as "
                                "layers=[...], not both")
            if isinstance(modules[0], Mapping):  # PyTorch's Sequential(OrderedDict(...))
                if len(modules) > 1:
                    raise TypeError("Sequential: give one OrderedDict of named modules, or the "
                                    "modules as arguments, not both")
                named = list(modules[0].items())
                for key, module in named:
                    _check_key(key)
                    if not isinstance(module, Module):
                        raise TypeError(f"Sequential: {key!r} must name a Module, got "
                                        f"{type(module).__name__}")
            else:
                layers = modules
        super().__init__(name=name)
        self._layers = []
        self._names = []  # each layer's name in parameter names: "0", "1", ... or its key
        # The graph of the stack on nn.Input tensors once the input shape is known, as
        # Keras's: model.inputs, model.outputs and each layer's .output (the outputs of
        # the layers so far, then the input; see _record).
        self._input_tensor, self._tensors = None, []
        for layer in layers or []:
            self.add(layer)
        for key, module in named:
            self._add(module, key)

    @property
    def layers(self):
        return self._layers

    def add(self, layer):
        """Append a layer; build it if the shape coming into it is known."""
        self._add(layer, None)

    def append(self, module):
        """PyTorch's ``add``: append a module and return the Sequential."""
        self.add(module)
        return self

    def _add(self, layer, key):
        """``add``, the layer named ``key`` in parameter names (its position if None)."""
        if isinstance(layer, KerasTensor):
            if self._layers or self.input_shape is not None:
                raise ValueError(f"Sequential {self.name!r}: nn.Input(...) can only be the "
                                 "first entry")
            self.input_shape = layer.shape
            self._input_dtype = layer.dtype
            self._input_tensor = layer
            return
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.add: expected a layer (a Module), got "
                            f"{type(layer).__name__} {layer!r}")
        key = str(len(self._layers)) if key is None else _check_key(key)
        if key in self._names:
            raise ValueError(f"Sequential {self.name!r}: two layers named {key!r}")
        if self._layers:
            shape = self._layers[-1].output_shape
        else:
            shape = self.input_shape or layer.input_shape
        tensor = None
        if shape is not None:  # build it first: a layer that does not fit is not added
            self._record()  # the layers added before the shape was known
            start = self._input_tensor or self._new_input(shape)
            # a call on the tensor before it: builds the layer on one sample of zeros, in
            # inference mode, and records the call (the layer's .output)
            tensor = layer(self._tensors[-1] if self._tensors else start)
        if not self._layers and self.input_shape is None:
            self.input_shape = layer.input_shape
        self._layers.append(layer)
        self._names.append(key)
        if shape is not None:
            self._output_shape = layer.output_shape
            self._input_tensor = start
            self._tensors.append(tensor)

    def build(self, input_shape=None):
        """Keras's ``model.build((None, 784))``: build every layer for inputs of that shape
        (one sample of zeros through the stack, in inference mode and without a graph), so
        that ``summary()``, the weights and ``model.inputs`` exist before any data.

        Args:
            input_shape: the input's shape, batch axis first (its size is not used); None
                for a model that knows its input shape already.
        """
        where = f"Sequential {self.name!r}: build"
        known = self.input_shape or getattr(self, "_build_input_shape", None)
        if input_shape is None:
            if known is None:
                raise ValueError(f"{where}: give the input shape, batch axis first, as "
                                 "build((None, 784))")
            input_shape = known
        shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
        if not shape or len(shape) < 2 or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0
                for n in shape[1:]):
            raise ValueError(f"{where}: input_shape must be the input's shape with the batch "
                             f"axis first, such as (None, 784), got {input_shape!r}")
        if known is not None and tuple(known[1:]) != shape[1:]:
            raise ValueError(f"{where}: the model takes inputs of shape {tuple(known)}, not "
                             f"{shape}")
        if not self._layers:
            raise ValueError(f"{where}: the model has no layers to build; add some first")
        dtype = getattr(self, "_input_dtype", None) or ag.get_default_dtype()
        with ag.no_grad(), self._using_mode(False):
            self(np.zeros((1,) + shape[1:], dtype))
        self._output_shape = self._layers[-1].output_shape
        self.input_shape = (None,) + shape[1:]
        self._record()
        self.built = True

    def _weights_made(self):
        """Every layer is built once the input shape is known, from nn.Input, the first
        layer's input_shape, or a first call on data."""
        return (self.input_shape or getattr(self, "_build_input_shape", None)) is not None

    def _new_input(self, shape):
        """The input tensor of a stack whose shape came from its first layer or from data,
        as Keras makes one (named after the model: no name is taken until it is used)."""
        return InputLayer(tuple(shape[1:]), getattr(self, "_input_dtype", None),
                          f"{self.name}_input").output

    def _record(self):
        """Call the layers not yet in the symbolic graph on the tensors before them (their
        first such call gives their ``.output``), once the input shape is known."""
        if len(self._tensors) == len(self._layers) and (self._input_tensor is not None
                                                        or not self._layers):
            return
        shape = self.input_shape or getattr(self, "_build_input_shape", None)
        if shape is None:
            return
        if self._input_tensor is None:
            self._input_tensor = self._new_input(shape)
        for layer in self._layers[len(self._tensors):]:
            self._tensors.append(layer(self._tensors[-1] if self._tensors
                                       else self._input_tensor))

    @property
    def inputs(self):
        """[the input KerasTensor] once the input shape is known (else None), as Keras's."""
        self._record()
        return None if self._input_tensor is None else [self._input_tensor]

    @property
    def outputs(self):
        """[the last layer's output KerasTensor] once the input shape is known, else None."""
        self._record()
        if self._input_tensor is None:
            return None
        last = self._tensors[-1] if self._tensors else self._input_tensor
        return list(last) if isinstance(last, (list, tuple)) else [last]

    def get_config(self):
        """The layers (each its class name and ``get_config()``), the input shape once
        known, and the name, as JSON data: ``Sequential.from_config`` makes the model
        again, with new weights."""
        return model_saving.model_config(self)["config"]

    def pop(self):
        """Remove the last layer (Keras)."""
        if not self._layers:
            raise IndexError(f"Sequential {self.name!r} has no layers to pop")
        layer = self._layers.pop()
        self._names.pop()
        del self._tensors[len(self._layers):]
        self._output_shape = self._layers[-1].output_shape if self._layers else None
        return layer

    def _members(self):
        return zip(self._names, self._layers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            if self._names == [str(i) for i in range(len(self._layers))]:
                return Sequential(self._layers[index])
            return Sequential(OrderedDict(zip(self._names[index], self._layers[index])))
        return self._layers[index]

    def __getattr__(self, attr):
        # PyTorch's model.conv1 for a layer named "conv1" (only called when the usual
        # lookup fails)
        names = self.__dict__.get("_names", ())
        if attr in names:
            return self._layers[names.index(attr)]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __len__(self):
        return len(self._layers)

    def __iter__(self):
        return iter(self._layers)

    def forward(self, x):
        if not self._layers:
            raise ValueError(f"Sequential {self.name!r} has no layers; add some first")
        if self.input_shape is None:  # kept for model.save: the shape that built it
            self._build_input_shape = (None,) + tuple(np.shape(x)[1:])
        mask = None   # Keras's masks, passed from layer to layer (nn.masking)
        for layer in self._layers:
            x, mask = call_masked(layer, (x,), {}, mask)
        return x

    @property
    def output_activation(self):
        """"softmax" or "sigmoid" when the last layer ends with it, else None.

        ``compile`` then computes cross-entropy losses from the logits before it, with
        the engine's fused and stable ops, as Keras effectively does.
        """
        return _final_activation(self._layers[-1]) if self._layers else None

    def forward_logits(self, x):
        """The output before the final softmax or sigmoid (see ``output_activation``)."""
        with ag.name_scope(self.name):
            mask = None
            for layer in self._layers[:-1]:
                x, mask = call_masked(layer, (x,), {}, mask)
            last = self._layers[-1]
            with ag.name_scope(last.name):
                return _logits(last, x)

    def summary(self, line_length=65, print_fn=print):
        if not self._layers or any(layer.output_shape is None for layer in self._layers):
            raise ValueError(f"summary: Sequential {self.name!r} has not been built yet: "
                             "start it with nn.Input(shape), give its first layer an "
                             "input_shape=(...), or call it on a batch of data first")
        super().summary(line_length, print_fn)


def _check_key(key):
    """A layer's name in an OrderedDict: a non-empty string without ".", as PyTorch's."""
    if not isinstance(key, str) or not key or "." in key:
        raise ValueError(f"Sequential: layer names must be non-empty strings without '.', "
                         f"got {key!r}")
    return key


class MLP(Sequential):
    """A multi-layer perceptron: Dense layers n_in -> hidden_sizes... -> n_out.

    Args:
        n_in: the input size.
        hidden_sizes: the width of each hidden layer, e.g. [512] or [200, 60].
        n_out: the output size.
        activation: of the hidden layers ("relu").
        output_activation: of the last layer (None: linear outputs).
        seed: seeds the layers' initializers (seed, seed + 2, ...) for reproducibility.
        name: "mlp" by default.

    >>> MLP(784, [512], 10, output_activation="softmax").count_params()
    407050

    micrograd's call, ``MLP(nin, nouts)`` with the output size last in ``nouts``, works too:
    ``MLP(3, [4, 4, 1])`` is 3 -> 4 -> 4 -> 1, relu between, a linear output (41 params).
    """

    def __init__(self, n_in, hidden_sizes, n_out=None, activation="relu",
                 output_activation=None, seed=None, name=None):
        if n_out is None:  # micrograd's MLP(nin, nouts)
            if isinstance(hidden_sizes, (int, np.integer)) or not list(hidden_sizes):
                raise ValueError(f"MLP: without n_out, the second argument lists every "
                                 f"layer's size, the output's last (micrograd's "
                                 f"MLP(3, [4, 4, 1])), got {hidden_sizes!r}")
            *hidden_sizes, n_out = list(hidden_sizes)
        sizes = list(hidden_sizes) + [n_out]
        acts = [activation] * len(hidden_sizes) + [output_activation]
        layers = [Dense(units, activation=act, input_dim=n_in if i == 0 else None,
                        seed=None if seed is None else seed + 2 * i)
                  for i, (units, act) in enumerate(zip(sizes, acts))]
        super().__init__(layers, name)
