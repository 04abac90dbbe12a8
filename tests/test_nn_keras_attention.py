"""Keras's MultiHeadAttention: against PyTorch's attention with the same weights (Keras's
per-head kernels mapped to PyTorch's in_proj_weight), its masks, its config and saving,
and keras.io's "Text classification with Transformer" block, ported by renaming."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from side_effects import nothing_changes

RNG = np.random.default_rng(0)
E, H, D = 8, 2, 4


def torch_twin(layer):
    """torch's MultiheadAttention holding ``layer``'s weights."""
    torch = pytest.importorskip("torch")
    twin = torch.nn.MultiheadAttention(E, H, batch_first=True, dtype=torch.float64)
    k, b = layer.kernels, layer.biases
    with torch.no_grad():
        twin.in_proj_weight.copy_(torch.tensor(np.concatenate(
            [k[w].numpy().reshape(E, H * D).T for w in ("query", "key", "value")])))
        twin.in_proj_bias.copy_(torch.tensor(np.concatenate(
            [b[w].numpy().reshape(H * D) for w in ("query", "key", "value")])))
        twin.out_proj.weight.copy_(torch.tensor(k["output"].numpy().reshape(H * D, E).T))
        twin.out_proj.bias.copy_(torch.tensor(b["output"].numpy()))
    return torch, twin


@pytest.mark.parametrize("masks", ["none", "value_mask", "causal", "attention_mask"])
def test_matches_pytorchs_attention_with_the_same_weights(masks):
    layer = nn.MultiHeadAttention(H, D, dtype="float64")
    q0, v0 = RNG.normal(size=(3, 6, E)), RNG.normal(size=(3, 6, E))
    layer(q0, v0)  # builds it
    torch, twin = torch_twin(layer)
    keep = RNG.random((3, 6, 6)) > 0.4
    keep[:, :, 0] = True
    ours_kw, theirs_kw = {}, {}
    if masks == "value_mask":
        ours_kw["value_mask"] = np.arange(6) < np.array([[6], [4], [2]])
        theirs_kw["key_padding_mask"] = torch.tensor(~ours_kw["value_mask"])
    elif masks == "causal":
        ours_kw["use_causal_mask"] = True
        theirs_kw["attn_mask"] = torch.tensor(~np.tril(np.ones((6, 6), bool)))
    elif masks == "attention_mask":
        ours_kw["attention_mask"] = keep
        theirs_kw["attn_mask"] = torch.tensor(np.repeat(~keep, H, axis=0))
    q, v = ag.Value(q0, requires_grad=True), ag.Value(v0, requires_grad=True)
    tq, tv = torch.tensor(q0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    out, scores = layer(q, v, return_attention_scores=True, **ours_kw)
    tout, tscores = twin(tq, tv, tv, average_attn_weights=False, **theirs_kw)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), tscores.detach().numpy(), atol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(q.grad, tq.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(v.grad, tv.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_weights_shapes_and_a_fully_masked_row():
    layer = nn.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=7)
    out = layer(np.ones((2, 4, 6)), np.ones((2, 5, 9)), np.ones((2, 5, 10)))
    assert out.shape == (2, 4, 7)
    assert [v.shape for v in layer.parameters()] == [(6, 2, 3), (2, 3), (10, 2, 3), (2, 3),
                                                     (9, 2, 5), (2, 5), (2, 5, 7), (7,)]
    _, scores = layer(np.ones((1, 2, 6)), np.ones((1, 5, 9)), np.ones((1, 5, 10)),
                      attention_mask=np.zeros((1, 2, 5), bool), return_attention_scores=True)
    np.testing.assert_allclose(scores.numpy(), 0.2)  # Keras: uniform, not NaN


def test_in_a_functional_model_that_saves_and_loads(tmp_path):
    x = nn.Input((6, E))
    y = nn.MultiHeadAttention(H, D, name="attention")(x, x)
    model = nn.Model(x, nn.GlobalAveragePooling1D()(y))
    data = RNG.normal(size=(2, 6, E)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    loaded = nn.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), model.predict(data, verbose=0))
    config = model.get_layer("attention").get_config()
    assert nn.MultiHeadAttention.from_config(config).get_config() == config


def test_refusals_change_nothing():
    for call in (lambda: nn.MultiHeadAttention(0, 4), lambda: nn.MultiHeadAttention(2, 4.5),
                 lambda: nn.MultiHeadAttention(2, 4, attention_axes=(1, 2)),
                 lambda: nn.MultiHeadAttention(2, 4, dropout=1.0),
                 lambda: nn.MultiHeadAttention(2, 4, kernel_constraint="nope")):
        def refused(call=call):
            with pytest.raises((ValueError, NotImplementedError)):
                call()
        nothing_changes(refused)
    layer = nn.MultiHeadAttention(2, 4)
    with pytest.raises(ValueError, match=r"value_mask must have shape \(2, 3\)"):
        layer(np.ones((2, 3, 4)), np.ones((2, 3, 4)), value_mask=np.ones((2, 4)))


def test_keras_text_classification_with_transformer_trains():
    """keras.io/examples/nlp/text_classification_with_transformer, scaled down: the
    TransformerBlock and TokenAndPositionEmbedding layers as written there."""
    class TransformerBlock(nn.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = nn.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = nn.Sequential([nn.Dense(ff_dim, activation="relu"),
                                      nn.Dense(embed_dim)])
            self.layernorm1 = nn.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = nn.LayerNormalization(epsilon=1e-6)
            self.dropout1 = nn.Dropout(rate)
            self.dropout2 = nn.Dropout(rate)

        def call(self, inputs):
            attn_output = self.att(inputs, inputs)
            attn_output = self.dropout1(attn_output)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output)
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(nn.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = nn.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = nn.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = x.shape[-1]
            positions = ag.arange(0, maxlen, 1)
            return self.token_emb(x) + self.pos_emb(positions)

    ag.manual_seed(0)
    maxlen, vocab_size, embed_dim, num_heads, ff_dim = 10, 20, 8, 2, 16
    inputs = nn.Input(shape=(maxlen,), dtype="int64")
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, num_heads, ff_dim)(x)
    x = nn.GlobalAveragePooling1D()(x)
    x = nn.Dropout(0.1)(x)
    x = nn.Dense(8, activation="relu")(x)
    outputs = nn.Dense(2, activation="softmax")(x)
    model = nn.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=optim.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    tokens = RNG.integers(1, vocab_size, size=(128, maxlen))
    labels = (tokens == 3).any(axis=1).astype(np.int64)  # does the text hold word 3?
    history = model.fit(tokens, labels, batch_size=32, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9
