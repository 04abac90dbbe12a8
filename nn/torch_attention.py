"""PyTorch's ``nn.MultiheadAttention``: attention from several learned projections of the
queries, keys and values at once (the Transformer's layer), built on
``nn.functional.scaled_dot_product_attention``'s sums.

For each of ``num_heads`` heads h, with d = embed_dim / num_heads:

    q_h = (query @ W_q^T + b_q)[..., h*d:(h+1)*d]      (k_h and v_h alike)
    head_h = softmax(q_h k_h^T / sqrt(d) + mask) v_h
    output = concat(head_1, ..., head_H) @ W_o^T + b_o

and the attention weights, averaged over the heads unless asked otherwise. The weights and
their names are PyTorch's (``in_proj_weight`` (3E, E), ``in_proj_bias``, ``out_proj``),
so a PyTorch model's state dict loads.
"""

import math

import numpy as np

import autograd_core as ag

from . import functional, init
from .functional import _mask_bias
from .module import Module
from .torch_layers import Linear, Parameter, _factory_dtype, _flag, _size

__all__ = ["MultiheadAttention"]


def _as_value(x):
    return x if isinstance(x, ag.Value) else ag.constant(x)


class MultiheadAttention(Module):
    """Args (PyTorch's):
        embed_dim: E, the size of the queries and of the output.
        num_heads: H; it must divide E.
        dropout=0.0: the probability of dropping an attention weight, in training mode.
        bias=True: the projections' biases.
        add_bias_kv=False: a learned key and value appended to the keys and values.
        add_zero_attn=False: a key and value of zeros appended after them.
        kdim, vdim: the keys' and values' sizes (E by default; then the three projections
            are one (3E, E) matrix, ``in_proj_weight``).
        batch_first=False: (N, L, E) inputs instead of PyTorch's default (L, N, E).
        device, dtype: as Linear's.

    Attributes:
        in_proj_weight (3E, E) and in_proj_bias (3E,) (or q_proj_weight (E, E),
        k_proj_weight (E, kdim), v_proj_weight (E, vdim) when kdim or vdim is not E),
        out_proj (a Linear(E, E)), bias_k and bias_v (1, 1, E) with add_bias_kv.
        Initialised as PyTorch does: Xavier-uniform projections, zero biases.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, name=None, *,
                 device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "MultiheadAttention", name)
        where = "MultiheadAttention" if name is None else f"MultiheadAttention {name!r}"
        embed_dim = _size(embed_dim, "embed_dim", where)
        num_heads = _size(num_heads, "num_heads", where)
        if embed_dim % num_heads:
            raise ValueError(f"{where}: embed_dim ({embed_dim}) must be divisible by num_heads "
                             f"({num_heads}), as in PyTorch")
        kdim = embed_dim if kdim is None else _size(kdim, "kdim", where)
        vdim = embed_dim if vdim is None else _size(vdim, "vdim", where)
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) \
                or not 0 <= dropout <= 1:
            raise ValueError(f"{where}: dropout must be a probability in [0, 1], got "
                             f"{dropout!r}")
        flags = [_flag(value, what, where) for what, value in (
            ("bias", bias), ("add_bias_kv", add_bias_kv), ("add_zero_attn", add_zero_attn),
            ("batch_first", batch_first))]
        super().__init__(name)  # every argument checked: only now a name is taken
        bias, add_bias_kv, self.add_zero_attn, self.batch_first = flags
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, \
            embed_dim // num_heads
        self.kdim, self.vdim, self.dropout = kdim, vdim, float(dropout)
        dtype = ag.get_default_dtype() if dtype is None else dtype

        def xavier(shape):
            return init.xavier_uniform_(Parameter(np.zeros(shape, dtype)))

        self.in_proj_weight = self.q_proj_weight = self.k_proj_weight = None
        self.v_proj_weight = None
        if kdim == vdim == embed_dim:
            self.in_proj_weight = xavier((3 * embed_dim, embed_dim))
        else:
            self.q_proj_weight = xavier((embed_dim, embed_dim))
            self.k_proj_weight = xavier((embed_dim, kdim))
            self.v_proj_weight = xavier((embed_dim, vdim))
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if bias:
            init.zeros_(self.out_proj.bias)
        self.bias_k = self.bias_v = None
        if add_bias_kv:
            self.bias_k = init.xavier_normal_(Parameter(np.zeros((1, 1, embed_dim), dtype)))
            self.bias_v = init.xavier_normal_(Parameter(np.zeros((1, 1, embed_dim), dtype)))

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """(output, weights): output like query; weights (N, L, S) averaged over the heads
        (or (N, H, L, S)), None unless ``need_weights``.

        Args (PyTorch's):
            query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch first with
                ``batch_first``; or unbatched, (L, E)...).
            key_padding_mask: (N, S): True (or -inf) for the keys to ignore (padding).
            attn_mask: (L, S) or (N * H, L, S): True where a query may NOT attend a key (the
                opposite of scaled_dot_product_attention's booleans), or floats added to
                the scores.
            is_causal: PyTorch's hint that attn_mask is the causal mask; it needs attn_mask.
        """
        where = f"MultiheadAttention {self.name!r}"
        q, k, v = (x if isinstance(x, ag.Value) else ag.constant(
            np.asarray(x, self.out_proj.weight.dtype)) for x in (query, key, value))
        if is_causal and attn_mask is None:
            raise ValueError(f"{where}: is_causal is a hint that attn_mask is the causal "
                             "mask: give attn_mask too (as PyTorch)")
        batched = q.ndim == 3
        if q.ndim not in (2, 3) or k.ndim != q.ndim or v.ndim != q.ndim:
            raise ValueError(f"{where}: expected 3-D (batched) or 2-D (unbatched) query, key "
                             f"and value, got shapes {q.shape}, {k.shape} and {v.shape}")
        if not batched:  # one sequence: a batch of one
            q, k, v = (ag.expand_dims(x, 0) for x in (q, k, v))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(key_padding_mask)[None]
        elif not self.batch_first:  # (L, N, E) -> (N, L, E)
            q, k, v = (ag.swapaxes(x, 0, 1) for x in (q, k, v))
        out, weights = self._attend(q, k, v, key_padding_mask, need_weights, attn_mask,
                                    average_attn_weights, where)
        if not batched:
            out = ag.squeeze(out, 0)
            weights = None if weights is None else ag.squeeze(weights, 0)
        elif not self.batch_first:
            out = ag.swapaxes(out, 0, 1)
        return out, weights

    def _projections(self):
        e = self.embed_dim
        if self.in_proj_weight is not None:
            w = self.in_proj_weight
            weights = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        return weights, biases

    def _attend(self, q, k, v, key_padding_mask, need_weights, attn_mask, average, where):
        n, length = q.shape[0], q.shape[1]
        if q.shape[-1] != self.embed_dim or k.shape[-1] != self.kdim \
                or v.shape[-1] != self.vdim or k.shape[:2] != v.shape[:2] or k.shape[0] != n:
            raise ValueError(f"{where}: expected query (.., {self.embed_dim}), key (.., "
                             f"{self.kdim}) and value (.., {self.vdim}) with one batch and "
                             f"keys as many as values, got (batch first) {q.shape}, "
                             f"{k.shape} and {v.shape}")
        (wq, wk, wv), (bq, bk, bv) = self._projections()
        q, k, v = (ag.linear(x, ag.transpose(w), b)
                   for x, w, b in ((q, wq, bq), (k, wk, bk), (v, wv, bv)))
        dtype = q.dtype
        masks = []  # additive pieces broadcasting to (N, H, L, S), padded as keys are added
        if attn_mask is not None:
            bias = _as_value(_mask_bias(attn_mask, False, dtype))
            if bias.ndim == 3:  # (N * H, L, S)
                bias = ag.reshape(bias, (n, self.num_heads) + bias.shape[1:])
            masks.append(bias)
        if key_padding_mask is not None:  # (N, S)
            masks.append(ag.reshape(_as_value(_mask_bias(key_padding_mask, False, dtype)),
                                    (n, 1, 1, -1)))
        extra = 0
        if self.bias_k is not None:  # a learned key and value after the others
            k = ag.concatenate([k, ag.broadcast_to(self.bias_k, (n, 1, self.embed_dim))], 1)
            v = ag.concatenate([v, ag.broadcast_to(self.bias_v, (n, 1, self.embed_dim))], 1)
            extra += 1
        heads = (n, -1, self.num_heads, self.head_dim)
        q, k, v = (ag.transpose(ag.reshape(x, heads), (0, 2, 1, 3)) for x in (q, k, v))
        if self.add_zero_attn:  # a key and value of zeros after those
            zeros = np.zeros((n, self.num_heads, 1, self.head_dim), dtype)
            k, v = ag.concatenate([k, zeros], 2), ag.concatenate([v, zeros], 2)
            extra += 1
        scores = ag.matmul(q, ag.swapaxes(k, -1, -2)) * dtype.type(1 / math.sqrt(self.head_dim))
        for mask in masks:  # the added keys are never masked: 0 for their columns
            if extra:
                mask = ag.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, extra)])
            scores = scores + mask
        weights = ag.softmax(scores, axis=-1)
        if self.training and self.dropout > 0:
            weights = functional.dropout(weights, self.dropout, training=True)
        out = ag.reshape(ag.transpose(ag.matmul(weights, v), (0, 2, 1, 3)),
                         (n, length, self.embed_dim))
        out = self.out_proj(out)
        if not need_weights:
            return out, None
        return out, (ag.mean(weights, axis=1) if average else weights)

    def get_config(self):
        return {"name": self.name, "embed_dim": self.embed_dim, "num_heads": self.num_heads,
                "dropout": self.dropout, "bias": self.in_proj_bias is not None,
                "add_bias_kv": self.bias_k is not None, "add_zero_attn": self.add_zero_attn,
                "kdim": self.kdim, "vdim": self.vdim, "batch_first": self.batch_first}

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
                + (", batch_first=True" if self.batch_first else ""))
