"""PyTorch's Transformer: ``nn.TransformerEncoderLayer``, ``nn.TransformerDecoderLayer``,
their stacks ``nn.TransformerEncoder`` and ``nn.TransformerDecoder``, and ``nn.Transformer``.
Each layer is blocks (self-attention; in a decoder, attention over the encoder's output,
the "memory"; a feed-forward block), each with a residual connection and a LayerNorm, as in
"Attention Is All You Need" (post-norm) or, with ``norm_first``, before each block:

    post-norm:  x <- norm_i(x + block_i(x))          pre-norm:  x <- x + block_i(norm_i(x))
    ff(x) = dropout(linear2(dropout(activation(linear1(x)))))

The sub-modules and their names are PyTorch's (``self_attn``, ``linear1``, ``norm1``...),
so a PyTorch model's state dict loads.
"""

import copy

import numpy as np

import autograd_core as ag

from . import functional, init
from .basic_layers import Dropout, _flag
from .module import Module
from .torch_attention import MultiheadAttention
from .torch_containers import ModuleList
from .torch_layers import Linear, _size
from .torch_norm import LayerNorm

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
           "TransformerDecoder", "Transformer"]

_ACTIVATIONS = {"relu": ag.relu, "gelu": functional.gelu}


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: the arguments, the feed-forward block,
    the norms and dropouts, and the order of the residual blocks."""

    def __init__(self, kind, d_model, nhead, dim_feedforward, dropout, activation,
                 layer_norm_eps, batch_first, norm_first, bias, name, device, dtype,
                 attentions, norms):
        where = kind if name is None else f"{kind} {name!r}"
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
        made = {what: MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                         batch_first=batch_first, **factory)
                for what in attentions}
        super().__init__(name)  # every argument checked (the attentions' too)
        for what, attention in made.items():
            setattr(self, what, attention)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        for i in range(1, norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                **factory))
        for i in range(1, norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = activation

    def _residual(self, x, blocks):
        """x through ``blocks`` [(norm, block)], each with its residual connection."""
        for norm, block in blocks:
            x = x + block(norm(x)) if self.norm_first else norm(x + block(x))
        return x

    @staticmethod
    def _attention(attention, dropout, memory=None, mask=None, key_padding_mask=None,
                   is_causal=False):
        def block(x):
            keys = x if memory is None else memory
            out, _ = attention(x, keys, keys, attn_mask=mask,
                               key_padding_mask=key_padding_mask, need_weights=False,
                               is_causal=is_causal)
            return dropout(out)
        return block

    def _feed_forward(self, dropout):
        def block(x):
            return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))
        return block


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention, then the feed-forward block.

    Args (PyTorch's): d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation="relu" ("gelu", or a function), layer_norm_eps=1e-5, batch_first=False,
    norm_first=False, bias=True; device and dtype as Linear's."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 name=None, *, device=None, dtype=None):
        super().__init__("TransformerEncoderLayer", d_model, nhead, dim_feedforward, dropout,
                         activation, layer_norm_eps, batch_first, norm_first, bias, name,
                         device, dtype, attentions=("self_attn",), norms=2)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src (S, N, E) ((N, S, E) with batch_first; or (S, E)); the masks as
        MultiheadAttention's attn_mask and key_padding_mask."""
        return self._residual(src, [
            (self.norm1, self._attention(self.self_attn, self.dropout1, None, src_mask,
                                         src_key_padding_mask, is_causal)),
            (self.norm2, self._feed_forward(self.dropout2))])


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention, attention over the encoder's output (``memory``), then the
    feed-forward block. Args as TransformerEncoderLayer's."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 name=None, *, device=None, dtype=None):
        super().__init__("TransformerDecoderLayer", d_model, nhead, dim_feedforward, dropout,
                         activation, layer_norm_eps, batch_first, norm_first, bias, name,
                         device, dtype, attentions=("self_attn", "multihead_attn"), norms=3)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
                memory_is_causal=False):
        """tgt (T, N, E), memory (S, N, E) (batch first with batch_first); the masks as
        MultiheadAttention's, over the targets (tgt_*) and over the memory (memory_*)."""
        return self._residual(tgt, [
            (self.norm1, self._attention(self.self_attn, self.dropout1, None, tgt_mask,
                                         tgt_key_padding_mask, tgt_is_causal)),
            (self.norm2, self._attention(self.multihead_attn, self.dropout2, memory,
                                         memory_mask, memory_key_padding_mask,
                                         memory_is_causal)),
            (self.norm3, self._feed_forward(self.dropout3))])


class _Stack(Module):
    """``num_layers`` copies of a layer applied in turn, then ``norm`` if given; PyTorch
    deep-copies the layer, so each copy has weights of its own, equal at first."""

    def __init__(self, kind, layer, num_layers, norm, name):
        where = kind if name is None else f"{kind} {name!r}"
        if not isinstance(layer, Module):
            raise TypeError(f"{where}: the layer to stack must be a layer, got "
                            f"{type(layer).__name__}")
        num_layers = _size(num_layers, "num_layers", where)
        if norm is not None and not isinstance(norm, Module):
            raise TypeError(f"{where}: norm must be a layer or None, got {type(norm).__name__}")
        super().__init__(name)
        self.layers = ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def _run(self, x, **call):
        for layer in self.layers:
            x = layer(x, **call)
        return x if self.norm is None else self.norm(x)


class TransformerEncoder(_Stack):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm`` if given.

    Args (PyTorch's): encoder_layer, num_layers, norm=None; ``enable_nested_tensor`` and
    ``mask_check``, PyTorch's speed switches, are accepted and change nothing here.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True, name=None):
        del enable_nested_tensor, mask_check
        super().__init__("TransformerEncoder", encoder_layer, num_layers, norm, name)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        return self._run(src, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                         is_causal=bool(is_causal))


class TransformerDecoder(_Stack):
    """``num_layers`` copies of ``decoder_layer``, each given the encoder's output
    (``memory``), then ``norm`` if given. Args (PyTorch's): decoder_layer, num_layers,
    norm=None."""

    def __init__(self, decoder_layer, num_layers, norm=None, name=None):
        super().__init__("TransformerDecoder", decoder_layer, num_layers, norm, name)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None,
                memory_is_causal=False):
        return self._run(tgt, memory=memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)


class Transformer(Module):
    """PyTorch's encoder-decoder Transformer: ``encoder`` (num_encoder_layers layers and a
    final LayerNorm) reads ``src``; ``decoder`` (num_decoder_layers layers and a final
    LayerNorm) reads ``tgt`` and the encoder's output.

    Args (PyTorch's): d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
    dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
    custom_decoder=None (modules used instead), layer_norm_eps=1e-5, batch_first=False,
    norm_first=False, bias=True; device and dtype. Every weight matrix starts
    Xavier-uniform, as PyTorch's ``_reset_parameters`` makes it.
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False,
                 norm_first=False, bias=True, name=None, *, device=None, dtype=None):
        layer = dict(d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward,
                     dropout=dropout, activation=activation, layer_norm_eps=layer_norm_eps,
                     batch_first=batch_first, norm_first=norm_first, bias=bias,
                     device=device, dtype=dtype)
        norm = dict(eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
        encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            TransformerEncoderLayer(**layer), num_encoder_layers, LayerNorm(d_model, **norm))
        decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            TransformerDecoderLayer(**layer), num_decoder_layers, LayerNorm(d_model, **norm))
        super().__init__(name)
        self.encoder, self.decoder = encoder, decoder
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """src (S, N, E), tgt (T, N, E) (batch first with batch_first) -> (T, N, E)."""
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask of ``sz`` steps, PyTorch's: 0 on and below the diagonal, -inf
        above (a float mask, added to the scores)."""
        ag.device("cpu" if device is None else device)
        dtype = ag.get_default_dtype() if dtype is None else np.dtype(dtype)
        return ag.constant(np.triu(np.full((sz, sz), -np.inf, dtype), 1))
