"""Keras's ``Attention`` (Luong's dot-product attention) and ``AdditiveAttention``
(Bahdanau's): one head, no projections, query (batch, Tq, dim) against value (batch, Tv,
dim) and key (batch, Tv, dim; the value by default):

    Attention           scores = scale * query @ key^T                     (batch, Tq, Tv)
    AdditiveAttention   scores[b, i, j] = sum_d scale_d * tanh(query[b, i, d] + key[b, j, d])
    both                weights = softmax(scores - 1e9 * masked),  output = weights @ value

A value_mask (batch, Tv), False at padded steps, masks those keys; ``use_causal_mask``
masks the keys after each query's step; a query_mask (batch, Tq) zeroes the output's
rows at padded queries. ``Attention(score_mode="concat")`` scores as AdditiveAttention
with one scalar weight: ``concat_score_weight * sum(tanh(scale * (q + k)))``.

>>> import numpy as np
>>> q, v = np.ones((1, 2, 3)), np.arange(6.0).reshape(1, 2, 3)
>>> Attention()([q, v]).shape
(1, 2, 3)

For several heads with projections, ``MultiHeadAttention`` (``nn.attention``).
"""

import numbers

import numpy as np

import autograd_core as ag

from .base_layer import Layer
from .basic_layers import _as_input, _real, dropout_mask
from .keras_module import with_dtype
from .torch_recurrent import _flag

__all__ = ["Attention", "AdditiveAttention"]


class _BaseDenseAttention(Layer):
    """The call both layers share: the inputs and masks checked, the scores masked,
    softmax, dropout of the weights in training, and the weighted sum of the values."""

    supports_masking = True
    _call_has_mask_arg = True

    def __init__(self, dropout, seed, name, dtype, trainable):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        rate = _real(dropout, "dropout", where, 0.0, 1.0)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"{where}: seed must be an integer or None, got {seed!r}")
        super().__init__(name=name, trainable=trainable, dtype=dtype)
        self.dropout = rate
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    @property
    def _where(self):
        return f"{type(self).__name__} {self.name!r}"

    def _checked(self, inputs, mask):
        """[query, value, key] as arrays or Values of shape (batch, T, dim), and the two
        masks (query_mask, value_mask) as booleans or None."""
        where = self._where
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{where}: inputs must be a list [query, value] or [query, value,"
                             f" key], got {type(inputs).__name__}")
        dtype = self._float_dtype()
        query, value, *key = [_as_input(x, dtype) for x in inputs]
        key = key[0] if key else value
        shapes = [tuple(x.shape) for x in (query, value, key)]
        if any(len(s) != 3 for s in shapes) or len({s[0] for s in shapes}) != 1 \
                or shapes[1][1] != shapes[2][1] or not self._dims_agree(*shapes):
            raise ValueError(f"{where}: expected query (batch, Tq, dim), value (batch, Tv, "
                             f"dim_v) and key (batch, Tv, dim){self._dims_rule}, got shapes "
                             f"query {shapes[0]}, value {shapes[1]}, key {shapes[2]}")
        masks = [None, None]
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
                raise ValueError(f"{where}: mask must be a list [query_mask, value_mask], got "
                                 f"{type(mask).__name__}")
            for i, (m, want) in enumerate(zip(mask[:2], [shapes[0][:2], shapes[1][:2]])):
                if m is None:
                    continue
                m = m.numpy() if isinstance(m, ag.Value) else np.asarray(m)
                if m.shape != want:
                    which = ("query_mask", "value_mask")[i]
                    raise ValueError(f"{where}: {which} must be booleans of shape {want}, got"
                                     f" shape {m.shape}")
                masks[i] = m.astype(bool)
        return query, value, key, masks

    _dims_rule = ""

    def _dims_agree(self, query, value, key):
        return query[2] == key[2]

    def forward(self, inputs, mask=None, return_attention_scores=False,
                use_causal_mask=False):
        # Checked before the first call builds: a bad call changes nothing.
        self._checked(inputs, mask)
        return super().forward(inputs, mask=mask,
                               return_attention_scores=return_attention_scores,
                               use_causal_mask=use_causal_mask)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        query, value, key, (query_mask, value_mask) = self._checked(inputs, mask)
        scores = self._scores(query, key)
        keep = None if value_mask is None else value_mask[:, None, :]
        if use_causal_mask:
            tq, tv = scores.shape[-2:]
            causal = np.tril(np.ones((tq, tv), bool))[None]   # query i sees keys j <= i
            keep = causal if keep is None else keep & causal
        if keep is not None:
            big = 65504.0 if scores.dtype == np.float16 else 1.0e9
            scores = scores - big * (~keep).astype(scores.dtype)
        weights = ag.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = weights * dropout_mask(weights.shape, self.dropout, self._rng,
                                             weights.dtype)
        output = ag.matmul(weights, value)
        if query_mask is not None:
            output = output * query_mask[:, :, None].astype(output.dtype)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, mask=None):
        """The query's mask, Keras's."""
        return None if mask is None else mask[0]


class Attention(_BaseDenseAttention):
    """Luong's dot-product attention: softmax(scale * query @ key^T) @ value.

    Args (Keras's defaults):
        use_scale=False: True learns a scalar ``scale`` (starting at 1) multiplying the
            scores.
        score_mode="dot": or "concat", sum(tanh(q + k)) times a learned scalar
            ``concat_score_weight``.
        dropout=0.0: the fraction of the attention weights dropped, in training.
        seed=None: for dropout; name, dtype, trainable.

    Call: ``layer([query, value])`` or ``[query, value, key]``, ``mask=[query_mask,
    value_mask]``, ``return_attention_scores=False`` (True: also the weights (batch, Tq,
    Tv)), ``use_causal_mask=False``, ``training``.
    """

    _dims_rule = ", key's dim that of the query"

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, name=None,
                 dtype=None, trainable=True):
        where = "Attention" if name is None else f"Attention {name!r}"
        use_scale = _flag(use_scale, "use_scale", where)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{where}: score_mode must be 'dot' or 'concat', got "
                             f"{score_mode!r}")
        super().__init__(dropout, seed, name, dtype, trainable)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.scale = self.concat_score_weight = None

    def build(self, input_shape):
        if self.use_scale:
            self.scale = self.add_weight((), "ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", name="concat_score_weight")

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ag.matmul(query, ag.swapaxes(key, -1, -2))
            return scores if self.scale is None else scores * self.scale
        q_plus_k = ag.expand_dims(query, -2) + ag.expand_dims(key, -3)  # (batch, Tq, Tv, dim)
        if self.scale is not None:
            q_plus_k = self.scale * q_plus_k
        return self.concat_score_weight * ag.sum(ag.tanh(q_plus_k), axis=-1)

    def get_config(self):
        return with_dtype({"name": self.name, "trainable": self.trainable,
                           "use_scale": self.use_scale, "score_mode": self.score_mode,
                           "dropout": self.dropout, "seed": self.seed}, self._given_dtype)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class AdditiveAttention(_BaseDenseAttention):
    """Bahdanau's additive attention: scores = sum_d scale_d * tanh(query_i + key_j).

    Args (Keras's defaults):
        use_scale=True: a learned ``scale`` of shape (dim,) (glorot_uniform); False: 1.
        dropout=0.0, seed=None, name, dtype, trainable.

    Call as ``Attention``'s; query and key must have the same dim.
    """

    _dims_rule = ", key's dim that of the query"

    def __init__(self, use_scale=True, dropout=0.0, seed=None, name=None, dtype=None,
                 trainable=True):
        where = "AdditiveAttention" if name is None else f"AdditiveAttention {name!r}"
        use_scale = _flag(use_scale, "use_scale", where)
        super().__init__(dropout, seed, name, dtype, trainable)
        self.use_scale = use_scale
        self.scale = None

    def build(self, input_shape):
        if self.use_scale:
            self.scale = self.add_weight((input_shape[0][-1],), "glorot_uniform", name="scale")

    def _scores(self, query, key):
        tanh = ag.tanh(ag.expand_dims(query, -2) + ag.expand_dims(key, -3))
        return ag.sum(tanh if self.scale is None else self.scale * tanh, axis=-1)

    def get_config(self):
        return with_dtype({"name": self.name, "trainable": self.trainable,
                           "use_scale": self.use_scale, "dropout": self.dropout,
                           "seed": self.seed}, self._given_dtype)

    @classmethod
    def from_config(cls, config):
        return cls(**config)
