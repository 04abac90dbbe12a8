"""PyTorch's ``nn.TransformerEncoderLayer`` and ``nn.TransformerEncoder``: self-attention
and a feed-forward block, each with a residual connection and a LayerNorm, as in
"Attention Is All You Need" (post-norm) or, with ``norm_first``, before each block.

    post-norm:  x <- norm1(x + dropout(self_attn(x)));  x <- norm2(x + ff(x))
    pre-norm:   x <- x + dropout(self_attn(norm1(x)));  x <- x + ff(norm2(x))
    ff(x) = dropout(linear2(dropout(activation(linear1(x)))))

The sub-modules and their names are PyTorch's (``self_attn``, ``linear1``, ``norm1``...),
so a PyTorch model's state dict loads.
"""

import copy

import autograd_core as ag

from . import functional
from .layers import Dropout, _flag
from .module import Module
from .torch_attention import MultiheadAttention
from .torch_containers import ModuleList
from .torch_layers import Linear, _size
from .torch_norm import LayerNorm

__all__ = ["TransformerEncoderLayer", "TransformerEncoder"]

_ACTIVATIONS = {"relu": ag.relu, "gelu": functional.gelu}


class TransformerEncoderLayer(Module):
    """Args (PyTorch's): d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation="relu" ("gelu", or a function), layer_norm_eps=1e-5, batch_first=False,
    norm_first=False, bias=True; device and dtype as Linear's."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 name=None, *, device=None, dtype=None):
        where = "TransformerEncoderLayer" if name is None else \
            f"TransformerEncoderLayer {name!r}"
        d_model, dim_feedforward = (_size(n, what, where) for what, n in (
            ("d_model", d_model), ("dim_feedforward", dim_feedforward)))
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"{where}: activation should be relu/gelu, not {activation!r}")
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise TypeError(f"{where}: activation must be 'relu', 'gelu' or a function, got "
                            f"{activation!r}")
        norm_first = _flag(norm_first, "norm_first", where)
        factory = {"device": device, "dtype": dtype}
        self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                       batch_first=batch_first, **factory)
        super().__init__(name)  # every argument checked (the attention's too)
        self.self_attn = self_attn
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src (S, N, E) ((N, S, E) with batch_first; or (S, E)); the masks as
        MultiheadAttention's attn_mask and key_padding_mask."""
        x = src
        if self.norm_first:
            x = x + self._attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))

    def _attention(self, x, mask, key_padding_mask, is_causal):
        out, _ = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)
        return self.dropout1(out)

    def _feed_forward(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm`` if given.

    Args (PyTorch's): encoder_layer, num_layers, norm=None; ``enable_nested_tensor`` and
    ``mask_check``, PyTorch's speed switches, are accepted and change nothing here.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True, name=None):
        where = "TransformerEncoder" if name is None else f"TransformerEncoder {name!r}"
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"{where}: encoder_layer must be a layer, got "
                            f"{type(encoder_layer).__name__}")
        num_layers = _size(num_layers, "num_layers", where)
        if norm is not None and not isinstance(norm, Module):
            raise TypeError(f"{where}: norm must be a layer or None, got {type(norm).__name__}")
        del enable_nested_tensor, mask_check
        super().__init__(name)
        # PyTorch deep-copies the layer: each copy has weights of its own, equal at first.
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
