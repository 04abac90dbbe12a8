"""Keras's ``MultiHeadAttention`` layer: the Transformer's attention, with Keras's weights
(one kernel per projection, per head) and call (``layer(query, value, key)``).

For each of ``num_heads`` heads h:

    q_h = query @ Wq[:, h] + bq[h]        (batch, T, key_dim)    k_h and v_h alike
    scores_h = softmax(q_h k_h^T / sqrt(key_dim) + mask)         (batch, T, S)
    output = sum_h (scores_h v_h) @ Wo[h] + bo                   (batch, T, output_dim)

A mask marks with True (or 1) the keys a query may attend; a masked score gets Keras's
large negative number (-1e9; -3e4 in float16), so a fully masked row attends uniformly, as
in Keras, rather than giving NaN. PyTorch's layer is ``nn.MultiheadAttention``.
"""

import numpy as np

import autograd_core as ag

from . import functional, initializers, regularizers
from .keras_module import KerasModule
from .basic_layers import _constraint_configs, _constraints, _regularizer_configs

__all__ = ["MultiHeadAttention"]


class MultiHeadAttention(KerasModule):
    """Args (Keras's):
        num_heads, key_dim: the heads, and the size of each head's queries and keys.
        value_dim: each head's values (key_dim by default).
        dropout=0.0: the probability of dropping an attention score, in training.
        use_bias=True.
        output_shape: the output's last axis (the query's by default).
        attention_axes: None (or (1,)): attention over the sequence axis of (batch, T, dim)
            inputs, the only layout here.
        kernel_initializer="glorot_uniform", bias_initializer="zeros", the regularizers and
        constraints of the kernels and biases, seed, name, dtype: as Dense's.

    Weights (built at the first call): query/key/value kernels (dim, num_heads, key_dim or
    value_dim) and biases (num_heads, key_dim or value_dim); the output kernel (num_heads,
    value_dim, output_dim) and bias (output_dim,), Keras's shapes.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, name=None, *, dtype=None):
        kernel_constraint, bias_constraint = _constraints(
            "MultiHeadAttention", name, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        where = "MultiHeadAttention" if name is None else f"MultiHeadAttention {name!r}"
        sizes = {}
        for what, value in (("num_heads", num_heads), ("key_dim", key_dim),
                            ("value_dim", key_dim if value_dim is None else value_dim),
                            ("output_shape", 1 if output_shape is None else output_shape)):
            if isinstance(value, (tuple, list)) and len(value) == 1:
                value = value[0]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value <= 0:
                raise ValueError(f"{where}: {what} must be a positive integer, got {value!r}")
            sizes[what] = int(value)
        if attention_axes not in (None, 1, (1,), [1]):
            raise NotImplementedError(f"{where}: attention_axes={attention_axes!r}: only the "
                                      "sequence axis of (batch, T, dim) inputs (None) is "
                                      "supported")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout < 1:
            raise ValueError(f"{where}: dropout must be in [0, 1), got {dropout!r}")
        penalties = [regularizers.for_layer(r, what, where) for what, r in (
            ("kernel_regularizer", kernel_regularizer), ("bias_regularizer", bias_regularizer),
            ("activity_regularizer", activity_regularizer))]
        kernel_init = initializers.get(kernel_initializer, seed)
        bias_init = initializers.get(bias_initializer, None if seed is None else seed + 1)
        super().__init__(name, dtype=dtype)  # every argument checked: now a name is taken
        self.num_heads, self.key_dim = sizes["num_heads"], sizes["key_dim"]
        self.value_dim = sizes["value_dim"]
        self.output_dim = None if output_shape is None else sizes["output_shape"]
        self.dropout, self.use_bias = float(dropout), bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_init, bias_init
        self.kernel_regularizer, self.bias_regularizer, self.activity_regularizer = penalties
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.kernels, self.biases = {}, {}  # by projection: "query", "key", "value", "output"

    # --- the weights -------------------------------------------------------------------------
    def build(self, query_dim, value_dim=None, key_dim=None):
        """Make the four projections for queries, values and keys of these sizes (the
        inputs' last axes; shapes are read for their last axis too, as Keras's build)."""
        def size(n):
            return int(n[-1]) if isinstance(n, (tuple, list)) else int(n)
        query_dim = size(query_dim)
        value_dim = query_dim if value_dim is None else size(value_dim)
        key_dim = value_dim if key_dim is None else size(key_dim)
        heads, dtype = self.num_heads, self._float_dtype()
        out = self.output_dim or query_dim
        shapes = {"query": ((query_dim, heads, self.key_dim), (heads, self.key_dim)),
                  "key": ((key_dim, heads, self.key_dim), (heads, self.key_dim)),
                  "value": ((value_dim, heads, self.value_dim), (heads, self.value_dim)),
                  "output": ((heads, self.value_dim, out), (out,))}
        for what, (kernel, bias) in shapes.items():
            self.kernels[what] = ag.Variable(self.kernel_initializer(kernel, dtype),
                                             name=f"{self.name}/{what}/kernel",
                                             constraint=self.kernel_constraint)
            self.biases[what] = ag.Variable(
                self.bias_initializer(bias, dtype), name=f"{self.name}/{what}/bias",
                constraint=self.bias_constraint) if self.use_bias else None

    def _members(self):
        # Keras's order of the weights: each projection's kernel, then its bias.
        for what in self.kernels:
            yield f"{what}.kernel", self.kernels[what]
            if self.biases[what] is not None:
                yield f"{what}.bias", self.biases[what]

    def _regularized_weights(self):
        return tuple(pair for what in self.kernels for pair in (
            (f"{what}.kernel_regularizer", self.kernel_regularizer, self.kernels[what]),
            (f"{what}.bias_regularizer", self.bias_regularizer, self.biases[what])))

    # --- the call ----------------------------------------------------------------------------
    def forward(self, query, value, key=None, query_mask=None, value_mask=None,
                key_mask=None, attention_mask=None, return_attention_scores=False,
                use_causal_mask=False):
        """The attention of ``query`` (batch, T, dim) over ``value`` (batch, S, dim) with
        ``key`` (the value by default); with ``return_attention_scores``, also the scores
        (batch, num_heads, T, S).

        Masks (True or 1 where allowed, as Keras's): ``attention_mask`` (batch, T, S);
        ``query_mask`` (batch, T), ``value_mask`` and ``key_mask`` (batch, S), as an
        Embedding(mask_zero=True) would give them; ``use_causal_mask``: query i attends keys
        0..i only. ``layer(..., training=True)`` (or the layer's training mode) turns the
        dropout on."""
        where = f"MultiHeadAttention {self.name!r}"
        dtype = self._float_dtype() if not self.kernels else self.kernels["query"].dtype
        q, v = (x if isinstance(x, ag.Value) else ag.constant(np.asarray(x, dtype))
                for x in (query, value))
        k = v if key is None else (key if isinstance(key, ag.Value)
                                   else ag.constant(np.asarray(key, dtype)))
        if q.ndim != 3 or v.ndim != 3 or k.ndim != 3 or q.shape[0] != v.shape[0] \
                or v.shape[:2] != k.shape[:2]:
            raise ValueError(f"{where}: expected query (batch, T, dim), value and key (batch, "
                             f"S, dim), got shapes {q.shape}, {v.shape} and {k.shape}")
        if not self.kernels:
            self.build(q.shape[-1], v.shape[-1], k.shape[-1])
        mask = self._mask(q, v, query_mask, value_mask, key_mask, attention_mask,
                          use_causal_mask, where)
        project = {what: self._project(x, what) for what, x in
                   (("query", q), ("key", k), ("value", v))}
        queries = ag.transpose(project["query"], (0, 2, 1, 3))  # (batch, heads, T, key_dim)
        keys = ag.transpose(project["key"], (0, 2, 3, 1))        # (batch, heads, key_dim, S)
        values = ag.transpose(project["value"], (0, 2, 1, 3))   # (batch, heads, S, value_dim)
        scores = ag.matmul(queries * dtype.type(1 / np.sqrt(self.key_dim)), keys)
        if mask is not None:  # Keras's adder: a large negative number where masked
            large = -3e4 if dtype == np.float16 else -1e9
            scores = scores + np.where(mask[:, None], dtype.type(0), dtype.type(large))
        scores = ag.softmax(scores, axis=-1)
        attended = functional.dropout(scores, self.dropout, training=True) \
            if self.training and self.dropout > 0 else scores
        heads = ag.transpose(ag.matmul(attended, values), (0, 2, 1, 3))  # (b, T, h, v)
        out = ag.tensordot(heads, self.kernels["output"], axes=2)
        if self.biases["output"] is not None:
            out = out + self.biases["output"]
        return (out, scores) if return_attention_scores else out

    def _project(self, x, what):
        """x (batch, len, dim) through a projection: (batch, len, heads, size)."""
        y = ag.tensordot(x, self.kernels[what], axes=1)
        return y if self.biases[what] is None else y + self.biases[what]

    def _mask(self, q, v, query_mask, value_mask, key_mask, attention_mask, causal, where):
        """The (batch, T, S) boolean mask of allowed places, or None for no mask."""
        n, t, s = q.shape[0], q.shape[1], v.shape[1]
        mask = np.ones((n, t, s), bool)
        given = False
        row, column = (slice(None), slice(None), None), (slice(None), None)  # broadcast
        for what, m, shape, place in (("query_mask", query_mask, (n, t), row),
                                      ("value_mask", value_mask, (n, s), column),
                                      ("key_mask", key_mask, (n, s), column),
                                      ("attention_mask", attention_mask, (n, t, s), ...)):
            if m is None:
                continue
            m = np.asarray(m.data if isinstance(m, ag.Value) else m).astype(bool)
            if m.shape != shape:
                raise ValueError(f"{where}: {what} must have shape {shape}, got {m.shape}")
            mask &= m[place]
            given = True
        if causal:
            mask &= np.tril(np.ones((t, s), bool))
            given = True
        return mask if given else None

    def get_config(self):
        config = super().get_config()
        config.update(num_heads=self.num_heads, key_dim=self.key_dim,
                      value_dim=self.value_dim, dropout=self.dropout, use_bias=self.use_bias,
                      output_shape=self.output_dim, attention_axes=None,
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer),
                      **_regularizer_configs(self), **_constraint_configs(self))
        return config
