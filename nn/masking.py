"""Keras's masking: which time steps of a padded batch of sequences are real.

A mask is a boolean array (batch, timesteps), True at the steps that hold data. A layer
makes one (``Embedding(mask_zero=True)``: ids != 0; ``Masking(mask_value)``: any feature
!= mask_value), the layers after it that support masking pass it on (``Dense`` applied
per step, ``Dropout``, ``Activation``, ...), and a recurrent layer consumes it: at a
masked step it keeps its previous state, so a sequence's final state is the state at its
last real step, whatever padding follows.

Keras 3's rules (``keras/src/layers/layer.py``), followed by ``call_masked``, which
``Sequential`` and the functional ``Model`` use to chain their layers:

- a layer whose call takes ``mask=`` (``_call_has_mask_arg``) is given the mask of its
  first input;
- a layer that ``supports_masking`` gives its output the mask ``compute_mask(inputs,
  mask)`` (by default the input's mask unchanged);
- any other layer drops the mask, with Keras's warning.

Outside a model, pass the mask yourself, as Keras's guide does in subclassed layers:
``lstm(emb(ids), mask=emb.compute_mask(ids))``.

>>> import numpy as np
>>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
>>> Masking(mask_value=0.0).compute_mask(x)
array([[ True, False,  True]])
"""

import numbers
import warnings

import numpy as np

import autograd_core as ag

from .keras_module import KerasModule
from .basic_layers import _as_input, _is_size

__all__ = ["Masking", "call_masked", "supports_masking"]


class Masking(KerasModule):
    """y[n, t] = x[n, t] if any(x[n, t] != mask_value) else 0;  mask[n, t] = that condition.

    The masked steps are set to zero (no gradient flows to them) and the mask goes on to
    the next layers, as Keras's ``Masking`` before a recurrent layer.

    Args:
        mask_value=0.0: the value of every feature of a padding step.
        input_shape: the sample shape without the batch axis, (timesteps, features).
        name: "masking", "masking_1", ...
        dtype=None: Keras's, a keyword: floating inputs are cast to it.
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, input_shape=None, name=None, *, dtype=None):
        where = "Masking" if name is None else f"Masking {name!r}"
        if isinstance(mask_value, (bool, np.bool_)) or \
                not isinstance(mask_value, numbers.Real):
            raise TypeError(f"{where}: mask_value must be a number, got {mask_value!r}")
        shape = None
        if input_shape is not None:
            shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else ()
            if not shape or not all(n is None or _is_size(n) for n in shape):
                raise ValueError(f"{where}: input_shape must be the sample shape without the "
                                 f"batch axis, None for any length, like (20, 8), got "
                                 f"{input_shape!r}")
            shape = (None,) + tuple(None if n is None else int(n) for n in shape)
        super().__init__(name, dtype=dtype)
        self.mask_value = float(mask_value)
        self.input_shape = shape

    def _keep(self, x):
        """any(x != mask_value) over the features, keeping that axis: (batch, ..., 1)."""
        data = x.numpy() if isinstance(x, ag.Value) else np.asarray(x)
        if data.ndim < 2:
            raise ValueError(f"Masking {self.name!r}: expected input of shape (batch, "
                             f"timesteps, features), got {data.shape}")
        return np.any(data != self.mask_value, axis=-1, keepdims=True)

    def forward(self, x):
        x = _as_input(x, self._float_dtype())
        return ag.where(self._keep(x), x, np.zeros((), x.dtype))

    def compute_mask(self, inputs, mask=None):
        """The mask of the output: any(x != mask_value, axis=-1), (batch, timesteps)."""
        return self._keep(inputs)[..., 0]

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config

    def extra_repr(self):
        return f"mask_value={self.mask_value}"


# Layers of nn that pass a mask on unchanged, as Keras's with supports_masking = True
# whose call does not use the mask; a class may also say so itself with the attribute.
_PASSES_MASK = frozenset({
    "Dense", "EinsumDense", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Identity",
    "Dropout", "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization",
    "LayerNormalization", "UnitNormalization", "GroupNormalization", "Rescaling",
    "Normalization"})

# Keras's layers whose call uses the mask, which nn's do not: a mask reaching one is
# refused rather than ignored, as the numbers would differ from Keras's.
_USES_MASK = frozenset({
    "BatchNormalization", "Softmax", "MultiHeadAttention",
    "Attention", "AdditiveAttention", "GroupedQueryAttention"})


def _nn_class_names(layer):
    return {cls.__name__ for cls in type(layer).__mro__
            if cls.__module__.split(".")[0] == "nn"}


def supports_masking(layer):
    """Whether ``layer`` gives its output a mask: its ``supports_masking`` attribute, else
    whether it is one of nn's layers that Keras lets pass a mask (Dense, Dropout, ...)."""
    given = getattr(layer, "supports_masking", None)
    if given is not None:
        return bool(given)
    return not _PASSES_MASK.isdisjoint(_nn_class_names(layer))


def call_masked(layer, args, kwargs, mask):
    """``layer(*args, **kwargs)`` where the first input carries ``mask`` (or None), by
    Keras's rules (the module docstring).

    Returns:
        (output, the output's mask): a mask (batch, timesteps), None, or for a layer of
        several outputs a list with one entry (a mask or None) per output.
    """
    if mask is not None and getattr(layer, "_call_has_mask_arg", False) \
            and kwargs.get("mask") is None:
        kwargs = {**kwargs, "mask": mask}
    elif kwargs.get("mask") is not None:
        mask = kwargs["mask"]
    output = layer(*args, **kwargs)
    compute = getattr(layer, "compute_mask", None)
    if compute is not None and supports_masking(layer):
        return output, compute(args[0] if args else None, mask)
    if mask is None:
        return output, None
    if supports_masking(layer):
        return output, mask
    names = _nn_class_names(layer) & _USES_MASK
    if names and not getattr(layer, "_call_has_mask_arg", False):
        raise NotImplementedError(
            f"{type(layer).__name__} {layer.name!r}: got an input with a mask (from "
            f"Embedding(mask_zero=True) or Masking), which Keras's {min(names)} uses and "
            "this one does not support: its output would differ from Keras's")
    if getattr(layer, "_call_has_mask_arg", False) and \
            not getattr(layer, "return_sequences", True):
        return output, None   # it used the mask, and its output has no time axis
    warnings.warn(f"Layer {layer.name!r} (of type {type(layer).__name__}) was passed an "
                  "input with a mask attached to it. However, this layer does not support "
                  "masking and will therefore destroy the mask information. Downstream "
                  "layers will not see the mask.", stacklevel=3)
    return output, None
