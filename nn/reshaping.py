"""Layers that rearrange or look up: ``Reshape`` and ``Embedding`` (Keras's).

An Embedding is a table of vectors, one row per token id; its forward is a lookup,
y[n, t] = E[ids[n, t]], and its gradient adds each output gradient into the row it came
from, so a token seen twice in a batch gets both contributions (``ag.gather``'s backward).

>>> import nn
>>> emb = nn.Embedding(1000, 64, input_length=10)
>>> emb.count_params(), emb([list(range(10))]).shape
(64000, (1, 10, 64))
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from . import initializers, regularizers
from .keras_module import KerasModule, with_dtype
from .basic_layers import (_batch_shape, _batched, _constraint_configs, _constraints, _is_size,
                     _regularizer_configs)

__all__ = ["Reshape", "Embedding"]


class Reshape(KerasModule):
    """y = x reshaped to (batch,) + target_shape; one entry of target_shape may be -1
    (inferred). dL/dx = g reshaped back to x's shape.

    Args:
        target_shape: the sample shape, without the batch axis, e.g. (28, 28, 1) or (-1, 4).
        dtype=None: Keras's, a keyword: floating inputs are cast to it (``nn.keras_module``).
    """

    def __init__(self, target_shape, input_shape=None, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        where = f"Reshape {self.name!r}"
        shape = (target_shape,) if isinstance(target_shape, numbers.Integral) else target_shape
        try:
            shape = tuple(shape)
        except TypeError:
            shape = None
        if not shape or not all(_is_size(n) or (isinstance(n, numbers.Integral) and n == -1)
                                for n in shape) or sum(n == -1 for n in shape) > 1:
            raise ValueError(f"{where}: target_shape must be positive sizes with at most one "
                             f"-1, without the batch axis, like (28, 28, 1), got "
                             f"{target_shape!r}")
        self.target_shape = tuple(int(n) for n in shape)
        self.input_shape = _batch_shape(input_shape, None, where)

    def forward(self, x):
        where = f"Reshape {self.name!r}"
        _batched(x, where)
        size = math.prod(np.shape(x)[1:])
        known = math.prod(n for n in self.target_shape if n != -1)
        if (size != known if -1 not in self.target_shape else size % known):
            raise ValueError(f"{where}: cannot reshape samples of shape {np.shape(x)[1:]} "
                             f"({size} values) to {self.target_shape}")
        return ag.reshape(x, (np.shape(x)[0],) + self.target_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config

    def extra_repr(self):
        return f"target_shape={self.target_shape}"


class Embedding(KerasModule):
    """y[..., :] = E[ids[...]]: integer ids (batch, ...) -> vectors (batch, ..., output_dim)

        dL/dE[i] = sum of g[n, t] over every position where ids[n, t] == i

    Args (Keras's defaults):
        input_dim: the vocabulary size (ids lie in [0, input_dim)).
        output_dim: the vector size.
        embeddings_initializer="uniform": U(-0.05, 0.05), Keras's (PyTorch draws N(0, 1)).
        input_length: the sequence length, if fixed; only checked and reported.
        seed: for the initializer.
        embeddings_regularizer=None: a penalty of E added to ``losses``;
        activity_regularizer=None: of the output, divided by the batch size
            (``nn.regularizers``).
        embeddings_constraint=None: a projection of E applied after each optimizer update
            (``nn.constraints``: ``UnitNorm(axis=1)`` keeps every vector of norm 1).
        mask_zero=False: id 0 is padding: the output carries the mask ids != 0 (see
            ``compute_mask``), which the layers after it in a model pass on and recurrent
            layers use to skip those steps (``nn.masking``). Its row is still looked up;
            as in Keras, input_dim is then the vocabulary size + 1.
        dtype=None: the float dtype of E and so of the output, a keyword (None: the
            default float dtype); the ids stay integers (``nn.keras_module``).
        padding_idx=None: PyTorch's, a keyword: the id of padding, whose row starts at
            zeros and gets no gradient (its lookups still return the row); negative counts
            from the end, as PyTorch's.
        max_norm=None, norm_type=2.0: PyTorch's, keywords: before each lookup, every row
            looked up whose norm_type-norm exceeds max_norm is scaled in place, without
            gradient, by max_norm / (norm + 1e-7), as ``torch.embedding_renorm_``.

    Attributes:
        embeddings: the table E (input_dim, output_dim), Keras's name, created at once.
    """

    # Float ids are looked up, not computed with: cast to float16, 4097.0 would be 4096.
    _autocasts = False

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 input_length=None, name=None, seed=None, embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, *,
                 dtype=None, padding_idx=None, max_norm=None, norm_type=2.0):
        (embeddings_constraint,) = _constraints("Embedding", name,
                                                embeddings_constraint=embeddings_constraint)
        where = "Embedding" if name is None else f"Embedding {name!r}"
        for what, n in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not _is_size(n):
                raise ValueError(f"{where}: {what} must be a positive integer, got {n!r}")
        padding_idx = _padding_idx(padding_idx, int(input_dim), where)
        max_norm, norm_type = _max_norm(max_norm, norm_type, where)
        if not isinstance(mask_zero, (bool, np.bool_)):
            raise TypeError(f"{where}: mask_zero must be True or False, got {mask_zero!r}")
        super().__init__(name, dtype=dtype)
        where = f"Embedding {self.name!r}"
        if input_length is not None and not _is_size(input_length):
            raise ValueError(f"{where}: input_length must be a positive integer or None, got "
                             f"{input_length!r}")
        init = initializers.get("random_uniform" if embeddings_initializer == "uniform"
                                else embeddings_initializer, seed)
        embeddings_regularizer = regularizers.for_layer(embeddings_regularizer,
                                                        "embeddings_regularizer", where)
        activity_regularizer = regularizers.for_layer(activity_regularizer,
                                                      "activity_regularizer", where)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_regularizer = embeddings_regularizer
        self.activity_regularizer = activity_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.input_length = None if input_length is None else int(input_length)
        self.embeddings_initializer = init
        if self.input_length is not None:
            self.input_shape = (None, self.input_length)
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.mask_zero = bool(mask_zero)
        table = init((self.input_dim, self.output_dim), self._float_dtype())
        if padding_idx is not None:
            table = np.array(table)
            table[padding_idx] = 0
        self.embeddings = ag.Variable(table, name=f"{self.name}/embeddings",
                                      constraint=embeddings_constraint)

    def forward(self, ids):
        where = f"Embedding {self.name!r}"
        ids = ids.numpy() if isinstance(ids, ag.Value) else np.asarray(ids)
        _batched(ids, where)
        if ids.dtype.kind == "f":  # Keras casts float ids; refuse what would truncate
            if not np.all(ids == np.round(ids)):
                raise ValueError(f"{where}: ids must be whole numbers, got a float input "
                                 f"of shape {ids.shape} with fractions")
            ids = ids.astype(np.int64)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"{where}: ids must be integers, got dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(f"{where}: ids must lie in [0, {self.input_dim}), got "
                             f"{ids.min()}..{ids.max()} (input shape {ids.shape})")
        if self.input_length is not None and (ids.ndim < 2 or
                                              ids.shape[1] != self.input_length):
            raise ValueError(f"{where}: built for sequences of input_length "
                             f"{self.input_length}, got input of shape {ids.shape}")
        if self.max_norm is not None:
            _renorm_rows(self.embeddings, ids, self.max_norm, self.norm_type)
        vectors = ag.gather(self.embeddings, ids, axis=0)
        if self.padding_idx is None:
            return vectors
        padding = np.expand_dims(ids == self.padding_idx, -1)
        return ag.where(padding, ag.stop_gradient(vectors), vectors)

    @property
    def supports_masking(self):
        """Keras's: the output carries a mask when mask_zero is set."""
        return self.mask_zero

    def compute_mask(self, inputs, mask=None):
        """The output's mask: ids != 0 (batch, timesteps) with mask_zero, else None."""
        if not self.mask_zero:
            return None
        ids = inputs.numpy() if isinstance(inputs, ag.Value) else np.asarray(inputs)
        return ids != 0

    def get_config(self):
        config = {"name": self.name, "input_dim": self.input_dim,
                  "output_dim": self.output_dim,
                  "embeddings_initializer": initializers.serialize(
                      self.embeddings_initializer),
                  "input_length": self.input_length, **_regularizer_configs(self),
                  **_constraint_configs(self)}
        if self.mask_zero:
            config["mask_zero"] = True
        if self.padding_idx is not None:
            config["padding_idx"] = self.padding_idx
        if self.max_norm is not None:
            config.update(max_norm=self.max_norm, norm_type=self.norm_type)
        return with_dtype(config, self._given_dtype)

    def _regularized_weights(self):
        return (("embeddings_regularizer", self.embeddings_regularizer, self.embeddings),)

    # A PyTorch state dict names the table "weight" (nn.state_dict reads it as ours).
    _state_aliases = {"weight": "embeddings"}

    @property
    def weight(self):
        """PyTorch's name of the table, ``embeddings`` (for ``nn.init.uniform_(
        self.encoder.weight, -r, r)``, as PyTorch's tutorials initialise it)."""
        return self.embeddings

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, name=None, *, padding_idx=None,
                        max_norm=None, norm_type=2.0):
        """PyTorch's ``Embedding.from_pretrained``: the layer whose table is ``embeddings``
        (num_embeddings, embedding_dim), frozen unless ``freeze=False``; the row of
        ``padding_idx`` is kept as given (and gets no gradient), as PyTorch's."""
        table = np.asarray(embeddings.numpy() if isinstance(embeddings, ag.Value)
                           else embeddings)
        if table.ndim != 2 or table.dtype.kind != "f":
            raise ValueError(f"Embedding.from_pretrained: embeddings must be a 2-D float "
                             f"table, got shape {table.shape} and dtype {table.dtype}")
        layer = cls(table.shape[0], table.shape[1], name=name, dtype=table.dtype,
                    padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type)
        layer.embeddings.assign(table)
        layer.trainable = not freeze
        return layer

    def extra_repr(self):
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        if self.mask_zero:
            extra += ", mask_zero=True"
        if self.max_norm is not None:
            extra += f", max_norm={self.max_norm}, norm_type={self.norm_type}"
        return f"{self.input_dim}, {self.output_dim}{extra}"


def _padding_idx(padding_idx, num_embeddings, where):
    """PyTorch's padding_idx: None, or an id in [-num_embeddings, num_embeddings), a
    negative one counted from the end; returned in [0, num_embeddings)."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, (bool, np.bool_)) or not isinstance(padding_idx,
                                                                   numbers.Integral):
        raise TypeError(f"{where}: padding_idx must be an int or None, got {padding_idx!r}")
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{where}: padding_idx must be within the {num_embeddings} "
                         f"embeddings, in [{-num_embeddings}, {num_embeddings}), got "
                         f"{padding_idx}")
    return int(padding_idx) % num_embeddings


def _max_norm(max_norm, norm_type, where):
    """PyTorch's max_norm (None or a number > 0) and norm_type (a number), as floats."""
    for what, x in (("max_norm", max_norm), ("norm_type", norm_type)):
        if x is not None and (isinstance(x, (bool, np.bool_))
                              or not isinstance(x, numbers.Real) or math.isnan(x)):
            raise TypeError(f"{where}: {what} must be a number, got {x!r}")
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"{where}: max_norm must be > 0, got {max_norm}")
    if norm_type is None:
        raise TypeError(f"{where}: norm_type must be a number, got None")
    return (None if max_norm is None else float(max_norm)), float(norm_type)


def _renorm_rows(table, ids, max_norm, norm_type):
    """PyTorch's ``embedding_renorm_``: each row of the Variable ``table`` listed in ``ids``
    whose norm_type-norm exceeds max_norm is scaled in place by max_norm / (norm + 1e-7),
    outside the graph (not recorded, no gradient)."""
    rows = np.unique(ids)
    if not rows.size:
        return
    data = table.numpy()
    norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        data = np.array(data)
        scale = max_norm / (norms[over] + 1e-7)
        data[rows[over]] = data[rows[over]] * scale[:, None].astype(data.dtype)
        table.assign(data)
