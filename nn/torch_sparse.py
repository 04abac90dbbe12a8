"""PyTorch's ``EmbeddingBag`` and ``Bilinear``, with their functions ``embedding_bag`` and
``bilinear`` (``torch.nn.functional``'s names and arguments).

An EmbeddingBag looks up a bag of ids and reduces their vectors to one, without building
the (bags, ids, dim) tensor in between: y[b] = sum, mean or max of E[i] over the ids i of
bag b. Its gradient adds each bag's output gradient into the rows of the bag's ids (for
"max", only into the row that held each maximum).

A Bilinear layer is the form y_o = x1^T A_o x2 + b_o, one matrix A_o per output:

>>> import numpy as np, nn.torch_sparse as S
>>> bag = S.EmbeddingBag(10, 3, mode="sum")
>>> bag(np.array([[1, 2], [4, 5]])).shape, S.Bilinear(4, 5, 2)(np.ones((7, 4)),
...                                                              np.ones((7, 5))).shape
((2, 3), (7, 2))
"""

import math

import numpy as np

import autograd_core as ag

from .module import Module
from .reshaping import _max_norm, _padding_idx
from .torch_functions import _MODES, _unsupported, bilinear, embedding_bag  # noqa: F401
from .torch_layers import Parameter, _factory_dtype, _size

__all__ = ["EmbeddingBag", "Bilinear", "embedding_bag", "bilinear"]


class EmbeddingBag(Module):
    """y[b] = sum, mean or max of weight[i] over the ids i of bag b (``embedding_bag``).

    Args (PyTorch's): num_embeddings, embedding_dim; max_norm=None, norm_type=2.0 (as
    Embedding's); scale_grad_by_freq=False and sparse=False (True is refused);
    mode="mean" ("sum", "max"); include_last_offset=False; padding_idx=None (that row
    starts at zeros; its ids count for nothing). Keywords: device, dtype.

    ``forward(input, offsets=None, per_sample_weights=None)``: input (B, n) or (L,) with
    offsets (B,) (B + 1 with include_last_offset) -> (B, embedding_dim).

    Attributes:
        weight: (num_embeddings, embedding_dim), drawn from N(0, 1) as PyTorch's.
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, name=None, *, device=None,
                 dtype=None):
        dtype = _factory_dtype(device, dtype, "EmbeddingBag", name)
        where = "EmbeddingBag" if name is None else f"EmbeddingBag {name!r}"
        num_embeddings = _size(num_embeddings, "num_embeddings", where)
        embedding_dim = _size(embedding_dim, "embedding_dim", where)
        max_norm, norm_type = _max_norm(max_norm, norm_type, where)
        _unsupported(where, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
        if mode not in _MODES:
            raise ValueError(f"{where}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        if not isinstance(include_last_offset, (bool, np.bool_)):
            raise TypeError(f"{where}: include_last_offset must be True or False, got "
                            f"{include_last_offset!r}")
        padding_idx = _padding_idx(padding_idx, num_embeddings, where)
        shape = (num_embeddings, embedding_dim)
        if _weight is not None:
            table = np.asarray(_weight.data if isinstance(_weight, ag.Value) else _weight)
            if table.shape != shape or table.dtype.kind != "f":
                raise ValueError(f"{where}: _weight must be a float table of shape {shape}, "
                                 f"got shape {table.shape} and dtype {table.dtype}")
            table = np.array(table, table.dtype if dtype is None else dtype)
        else:
            table = ag.random.normal(shape, dtype=ag.get_default_dtype() if dtype is None
                                     else dtype).numpy()
            if padding_idx is not None:
                table[padding_idx] = 0
        super().__init__(name)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.mode = max_norm, norm_type, mode
        self.include_last_offset, self.padding_idx = bool(include_last_offset), padding_idx
        self.weight = Parameter(table)

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             mode=self.mode, per_sample_weights=per_sample_weights,
                             include_last_offset=self.include_last_offset,
                             padding_idx=self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """The bag whose table is ``embeddings`` (num_embeddings, embedding_dim), kept as
        given (its padding row too), frozen unless ``freeze=False``."""
        table = np.asarray(embeddings.data if isinstance(embeddings, ag.Value)
                           else embeddings)
        if table.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-D, got "
                             f"shape {table.shape}")
        bag = cls(table.shape[0], table.shape[1], max_norm, norm_type, scale_grad_by_freq,
                  mode, sparse, table, include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def get_config(self):
        return {"name": self.name, "num_embeddings": self.num_embeddings,
                "embedding_dim": self.embedding_dim, "max_norm": self.max_norm,
                "norm_type": self.norm_type, "mode": self.mode,
                "include_last_offset": self.include_last_offset,
                "padding_idx": self.padding_idx}

    def extra_repr(self):
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}{extra}"


class Bilinear(Module):
    """y = x1^T A x2 + b: y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o]

    Args (PyTorch's): in1_features, in2_features, out_features, bias=True; keywords
    device=None ("cpu"), dtype=None.

    Attributes:
        weight: (out_features, in1_features, in2_features); bias: (out_features,) or None;
        both drawn from U(-1/sqrt(in1_features), 1/sqrt(in1_features)), PyTorch's default.
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, name=None, *,
                 device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "Bilinear", name)
        where = "Bilinear" if name is None else f"Bilinear {name!r}"
        in1 = _size(in1_features, "in1_features", where)
        in2 = _size(in2_features, "in2_features", where)
        out = _size(out_features, "out_features", where)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"{where}: bias must be True or False, got {bias!r}")
        super().__init__(name)
        self.in1_features, self.in2_features, self.out_features = in1, in2, out
        dtype = ag.get_default_dtype() if dtype is None else dtype
        bound = 1 / math.sqrt(in1)
        self.weight = Parameter(ag.random.uniform((out, in1, in2), -bound, bound,
                                                  dtype=dtype).numpy())
        self.bias = Parameter(ag.random.uniform((out,), -bound, bound,
                                                dtype=dtype).numpy()) if bias else None

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def get_config(self):
        return {"name": self.name, "in1_features": self.in1_features,
                "in2_features": self.in2_features, "out_features": self.out_features,
                "bias": self.bias is not None}

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
