"""Keras's weight regularizers: the penalties against numpy, their gradients against
central differences and PyTorch, ``layer.losses`` / ``model.losses``, fit and evaluate
with the penalties in the loss (against a numpy SGD loop), activity penalties divided by
the batch size, configs and saved models, and the refusals."""

import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

try:  # PyTorch is an optional extra: only the comparisons with it need it
    import torch
except ImportError:
    torch = None

import autograd_core as ag
import nn
import optim
from nn import regularizers


def value(v):
    return float(np.asarray(v.numpy() if isinstance(v, ag.Value) else v))


def total(losses):
    return sum(value(p) for p in losses)


# --- the formulas ----------------------------------------------------------------------
def orthogonal_numpy(x, factor, mode):
    """Keras 3's OrthogonalRegularizer written out in numpy: factor/2 times the mean over
    ordered pairs i != j... divided by the unordered pair count, of |cos(u_i, u_j)|."""
    vectors = x if mode == "rows" else x.T
    norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-7)
    u = vectors / norms
    n = len(u)
    off = [abs(u[i] @ u[j]) for i in range(n) for j in range(n) if i != j]
    return factor * 0.5 * sum(off) / (n * (n - 1) / 2)


weights = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
                     elements=st.floats(-10, 10, allow_nan=False, width=64))
factors = st.floats(0, 5, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(weights, factors, factors)
def test_l1_l2_l1l2_match_numpy(w, a, b):
    assert value(regularizers.L1(a)(w)) == pytest.approx(a * np.abs(w).sum(), rel=1e-12,
                                                          abs=1e-12)
    assert value(regularizers.L2(b)(w)) == pytest.approx(b * (w ** 2).sum(), rel=1e-12,
                                                          abs=1e-12)
    assert value(regularizers.L1L2(a, b)(ag.Variable(w))) == pytest.approx(
        a * np.abs(w).sum() + b * (w ** 2).sum(), rel=1e-12, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(2, 6)),
                  elements=st.floats(-3, 3, allow_nan=False, width=64)),
       factors, st.sampled_from(["rows", "columns"]))
def test_orthogonal_matches_numpy(w, factor, mode):
    got = value(regularizers.OrthogonalRegularizer(factor, mode)(w))
    assert got == pytest.approx(orthogonal_numpy(w, factor, mode), rel=1e-9, abs=1e-12)


def test_orthogonal_is_zero_for_orthogonal_rows_and_refuses_other_ranks():
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 5)))
    assert value(regularizers.OrthogonalRegularizer(1.0)(q[:3])) == pytest.approx(0, abs=1e-12)
    # three equal rows: every |cosine| is 1, so the penalty is the factor itself
    equal_rows = regularizers.OrthogonalRegularizer(0.3)(np.ones((3, 4)))
    assert value(equal_rows) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="rank-2.*shape \\(3,\\)"):
        regularizers.OrthogonalRegularizer()(np.ones(3))


def test_keras_docstring_values():
    # Keras's regularizers docstring: L2(2.) of ones (5, 5) is 50; the Dense example's
    # losses sum to 5.25 (kernel 0.25, activity 25 divided by the batch of 5).
    assert value(regularizers.L2(2.0)(np.ones((5, 5), np.float32))) == 50.0
    layer = nn.Dense(5, input_dim=5, kernel_initializer="ones",
                     kernel_regularizer=regularizers.L1(0.01),
                     activity_regularizer=regularizers.L2(0.01))
    layer(np.ones((5, 5), np.float32) * 2.0)
    assert total(layer.losses) == pytest.approx(5.25, rel=1e-6)


def test_penalty_keeps_the_weights_dtype():
    w = ag.Variable(np.ones((2, 3), np.float32))
    for reg in (regularizers.L1(), regularizers.L2(), regularizers.L1L2(0.1, 0.2),
                regularizers.OrthogonalRegularizer()):
        assert reg(w).dtype == np.float32


# --- gradients -------------------------------------------------------------------------
def central_difference(f, w, h=1e-6):
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        up, down = w.copy(), w.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.7),
                                 regularizers.L1L2(0.2, 0.5),
                                 regularizers.OrthogonalRegularizer(0.4, "rows"),
                                 regularizers.OrthogonalRegularizer(0.4, "columns")],
                         ids=repr)
def test_penalty_gradients_against_central_differences(reg):
    w = np.random.default_rng(1).normal(size=(4, 3))
    v = ag.Variable(w.copy())
    reg(v).backward()
    numeric = central_difference(lambda a: value(reg(a)), w)
    np.testing.assert_allclose(v.grad, numeric, rtol=1e-6, atol=1e-8)


def test_l1_l2_gradients_are_the_formulas():
    w = np.random.default_rng(2).normal(size=(3, 4))
    v = ag.Variable(w.copy())
    regularizers.L1L2(0.3, 0.05)(v).backward()
    np.testing.assert_allclose(v.grad, 0.3 * np.sign(w) + 2 * 0.05 * w, rtol=1e-12)


def dense_mse_step(l2, seed=3):
    """One forward/backward of a Dense with an L2 kernel penalty: (W, b, x, y, W.grad,
    b.grad, the loss)."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    with_dtype = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)
    try:
        layer = nn.Dense(3, input_dim=4, kernel_regularizer=regularizers.L2(l2),
                         bias_initializer="random_normal", seed=seed)
    finally:
        ag.set_default_dtype(with_dtype)
    W, b = layer.W.numpy().copy(), layer.b.numpy().copy()
    loss = ag.mean(ag.square(layer(x) - y)) + sum(layer.losses)
    loss.backward()
    return W, b, x, y, layer.W.grad, layer.b.grad, value(loss)


def test_dense_l2_gradient_is_data_gradient_plus_2_l2_W():
    l2 = 0.05
    W, b, x, y, grad_W, grad_b, loss = dense_mse_step(l2)
    residual = x @ W + b - y
    grad_data = x.T @ (2 * residual / residual.size)
    np.testing.assert_allclose(grad_W, grad_data + 2 * l2 * W, rtol=1e-10)
    np.testing.assert_allclose(grad_b, (2 * residual / residual.size).sum(0), rtol=1e-10)
    assert loss == pytest.approx(np.mean(residual ** 2) + l2 * np.sum(W ** 2), rel=1e-12)
    numeric = central_difference(
        lambda a: np.mean((x @ a + b - y) ** 2) + l2 * np.sum(a ** 2), W)
    np.testing.assert_allclose(grad_W, numeric, rtol=1e-6)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_dense_l2_gradient_against_torch():
    l2 = 0.05
    W, b, x, y, grad_W, grad_b, loss = dense_mse_step(l2, seed=4)
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    out = torch.tensor(x) @ Wt + bt
    lt = torch.mean((out - torch.tensor(y)) ** 2) + l2 * torch.sum(Wt ** 2)
    lt.backward()
    assert loss == pytest.approx(lt.item(), rel=1e-12)
    np.testing.assert_allclose(grad_W, Wt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(grad_b, bt.grad.numpy(), rtol=1e-10)


# --- losses of layers and models ---------------------------------------------------------
def test_weight_penalties_follow_the_current_weights():
    layer = nn.Dense(3, input_dim=2, kernel_regularizer="l2", bias_regularizer="l1",
                     bias_initializer="ones")
    assert total(layer.losses) == pytest.approx(
        0.01 * np.sum(layer.W.numpy() ** 2) + 0.01 * 3, rel=1e-6)
    layer.W.assign(np.full((2, 3), 2.0, np.float32))
    assert total(layer.losses) == pytest.approx(0.01 * 4 * 6 + 0.03, rel=1e-6)
    # a frozen weight carries no penalty, as in Keras (trainable weights only)
    layer.W.trainable = False
    assert total(layer.losses) == pytest.approx(0.03, rel=1e-6)


def test_activity_penalty_is_divided_by_the_batch_size_and_reset_each_call():
    rng = np.random.default_rng(5)
    layer = nn.Dense(4, input_dim=3, activation="tanh",
                     activity_regularizer=regularizers.L1L2(0.1, 0.2))
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = layer(x).numpy().astype(np.float64)
    expected = (0.1 * np.abs(y).sum() + 0.2 * (y ** 2).sum()) / 8
    assert [value(p) for p in layer.losses] == [pytest.approx(expected, rel=1e-5)]
    layer(np.concatenate([x, x]))       # the same samples twice: the same penalty
    assert [value(p) for p in layer.losses] == [pytest.approx(expected, rel=1e-5)]
    layer(x[:1])
    y1 = np.tanh(x[:1].astype(np.float64) @ layer.W.numpy() + layer.b.numpy())
    assert [value(p) for p in layer.losses] == [
        pytest.approx(0.1 * np.abs(y1).sum() + 0.2 * (y1 ** 2).sum(), rel=1e-5)]


def test_model_losses_gather_every_layer_and_the_activity_of_the_latest_call():
    model = nn.Sequential([
        nn.Input((3,)),
        nn.Dense(4, activation="relu", kernel_regularizer=regularizers.L2(0.1),
                 activity_regularizer=regularizers.L1(0.5)),
        nn.Dense(2, bias_regularizer=regularizers.L1(0.2), bias_initializer="ones")])
    first, second = model.layers
    x = np.random.default_rng(6).normal(size=(5, 3)).astype(np.float32)
    h = np.maximum(x @ first.W.numpy() + first.b.numpy(), 0)
    weights_only = 0.1 * np.sum(first.W.numpy() ** 2) + 0.2 * 2
    assert total(model.losses) == pytest.approx(weights_only, rel=1e-5)
    model(x)
    assert total(model.losses) == pytest.approx(weights_only + 0.5 * np.abs(h).sum() / 5,
                                                 rel=1e-5)
    assert total(first.losses) == pytest.approx(
        0.1 * np.sum(first.W.numpy() ** 2) + 0.5 * np.abs(h).sum() / 5, rel=1e-5)
    model(x[:2])
    assert total(model.losses) == pytest.approx(
        weights_only + 0.5 * np.abs(h[:2]).sum() / 2, rel=1e-5)


def test_a_copy_or_another_models_call_keeps_each_models_latest_losses():
    # A call forgets its own tree's losses of the previous call (and only when a module
    # holds some: models without any skip that walk); a deep copy holding losses forgets
    # them at its next call too, and another model's call leaves them alone.
    import copy

    def regularized():
        return nn.Sequential([nn.Input((3,)), nn.Dense(2, activity_regularizer=regularizers.L1(1.0))])
    a, plain = regularized(), nn.Sequential([nn.Input((3,)), nn.Dense(2)])
    x = np.ones((2, 3), np.float32)
    a(x)
    b = copy.deepcopy(a)
    a.clear_losses()
    assert len(b.losses) == 1 and a.losses == []
    plain(x)                              # another model's call
    assert len(b.losses) == 1 and plain.losses == []
    b(x[:1])                              # b's own call: only its latest penalty remains
    dense = b.layers[0]
    h = x[:1] @ dense.W.numpy() + dense.b.numpy()
    assert [value(p) for p in b.losses] == [pytest.approx(np.abs(h).sum(), rel=1e-5)]


def test_conv_and_embedding_penalties():
    conv = nn.Conv2D(2, 3, kernel_regularizer=regularizers.L2(0.3),
                     bias_regularizer=regularizers.L1(0.1), bias_initializer="ones",
                     activity_regularizer=regularizers.L2(0.01), input_shape=(5, 5, 1))
    x = np.random.default_rng(7).normal(size=(2, 5, 5, 1)).astype(np.float32)
    y = conv(x).numpy().astype(np.float64)
    assert total(conv.losses) == pytest.approx(
        0.3 * np.sum(conv.W.numpy() ** 2) + 0.1 * 2 + 0.01 * np.sum(y ** 2) / 2, rel=1e-5)
    conv1 = nn.Conv1D(3, 2, kernel_regularizer="l1")
    conv1(np.ones((1, 4, 2), np.float32))
    assert total(conv1.losses) == pytest.approx(0.01 * np.abs(conv1.W.numpy()).sum(), rel=1e-5)
    emb = nn.Embedding(10, 4, embeddings_regularizer=regularizers.L2(0.5),
                       activity_regularizer=regularizers.L1(1.0))
    ids = np.array([[1, 2, 2], [0, 9, 1]])
    out = emb(ids).numpy()
    assert total(emb.losses) == pytest.approx(
        0.5 * np.sum(emb.embeddings.numpy() ** 2) + np.abs(out).sum() / 2, rel=1e-5)
    activity, weights = emb.losses  # Keras's order: the call's losses, then the weights'
    weights.backward()
    np.testing.assert_allclose(emb.embeddings.grad, 2 * 0.5 * emb.embeddings.numpy(),
                               rtol=1e-6)


def test_layer_subclass_activity_regularizer_and_add_weight_regularizer():
    class Scale(nn.Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1],), initializer="ones",
                                     regularizer=regularizers.L1(0.25))

        def call(self, x):
            return x * self.w

    layer = Scale(activity_regularizer="l2")
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    layer(x)
    assert total(layer.losses) == pytest.approx(0.01 * np.sum(x ** 2) / 3 + 0.25 * 2)
    with pytest.raises(ValueError, match="l1 must be a finite number >= 0"):
        layer.add_weight((2,), name="other", regularizer=regularizers.L1L2(l1=-1))
    assert "other" not in layer._added


def test_a_regularizer_returning_no_scalar_is_refused_naming_the_layer():
    layer = nn.Dense(2, input_dim=3, kernel_regularizer=lambda w: w * 0.1, name="d_bad")
    with pytest.raises(ValueError, match="Dense 'd_bad': kernel_regularizer must return a "
                                         "scalar, got shape \\(3, 2\\).*shape \\(3, 2\\)"):
        layer.losses


# --- fit and evaluate -------------------------------------------------------------------
def test_fit_matches_a_numpy_sgd_loop_with_the_penalties():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
    l2, l1, lr = 0.05, 0.02, 0.1
    with_dtype = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)
    try:
        layer = nn.Dense(3, input_dim=4, kernel_regularizer=regularizers.L2(l2),
                         bias_regularizer=regularizers.L1(l1),
                         bias_initializer="random_normal", seed=9)
        model = nn.Sequential([layer])
        model.compile(optimizer=optim.SGD(learning_rate=lr), loss="mse")
        W, b = layer.W.numpy().copy(), layer.b.numpy().copy()
        history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    finally:
        ag.set_default_dtype(with_dtype)
    epoch_losses = []
    for _ in range(2):
        batch_losses = []
        for lo in (0, 4):
            xb, yb = x[lo:lo + 4], y[lo:lo + 4]
            residual = xb @ W + b - yb
            batch_losses.append(np.mean(residual ** 2) + l2 * np.sum(W ** 2)
                                + l1 * np.abs(b).sum())
            g = 2 * residual / residual.size
            W, b = (W - lr * (xb.T @ g + 2 * l2 * W),
                    b - lr * (g.sum(0) + l1 * np.sign(b)))
        epoch_losses.append(np.mean(batch_losses))
    np.testing.assert_allclose(layer.W.numpy(), W, rtol=1e-10)
    np.testing.assert_allclose(layer.b.numpy(), b, rtol=1e-10)
    # fit logs the loss it minimises, penalties included (Keras's loss tracker)
    np.testing.assert_allclose(history.history["loss"], epoch_losses, rtol=1e-10)
    # evaluate's loss includes the penalties too, from the weights as they are now
    residual = x @ W + b - y
    assert model.evaluate(x, y, batch_size=8, verbose=0) == pytest.approx(
        np.mean(residual ** 2) + l2 * np.sum(W ** 2) + l1 * np.abs(b).sum(), rel=1e-10)


def test_fit_with_an_activity_regularizer_on_a_softmax_output():
    # The fused softmax + cross-entropy path skips the output, which the activity penalty
    # needs: evaluate's loss is the plain cross-entropy plus the penalty of the outputs.
    rng = np.random.default_rng(10)
    x = rng.normal(size=(6, 3)).astype(np.float32)
    labels = rng.integers(0, 4, size=6)
    model = nn.Sequential([nn.Input((3,)),
                           nn.Dense(4, activation="softmax",
                                    activity_regularizer=regularizers.L2(0.5))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert model.output_activation is None
    p = model.predict(x).astype(np.float64)
    expected = -np.mean(np.log(p[np.arange(6), labels])) + 0.5 * np.sum(p ** 2) / 6
    assert model.evaluate(x, labels, batch_size=6, verbose=0) == pytest.approx(expected,
                                                                              rel=1e-5)


def test_tensorflow_overfit_and_underfit_l2_model():
    # TensorFlow's tutorial "Overfit and underfit", its l2_model, on random data: 28
    # features, a binary label. (Its InverseTimeDecay halves the rate only after 1000
    # epochs; Adam at 0.001 stands for it over two.)
    FEATURES = 28
    rng = np.random.default_rng(11)
    x = rng.normal(size=(64, FEATURES)).astype(np.float32)
    y = (rng.random((64, 1)) < 0.5).astype(np.float32)
    ag.random.set_seed(0)

    l2_model = nn.Sequential([
        nn.Dense(512, activation='elu', kernel_regularizer=regularizers.l2(0.001),
                 input_shape=(FEATURES,)),
        nn.Dense(512, activation='elu', kernel_regularizer=regularizers.l2(0.001)),
        nn.Dense(512, activation='elu', kernel_regularizer=regularizers.l2(0.001)),
        nn.Dense(512, activation='elu', kernel_regularizer=regularizers.l2(0.001)),
        nn.Dense(1),
    ])

    def bce_from_logits(y_true, logits):
        return np.mean(np.logaddexp(0, logits) - y_true * logits, axis=-1)

    l2_model.compile(optimizer=optim.Adam(0.001),
                     loss=nn.losses.BinaryCrossentropy(from_logits=True),
                     metrics=[nn.MeanMetricWrapper(bce_from_logits,
                                                   name="binary_crossentropy"),
                              "accuracy"])
    history = l2_model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
    assert len(history.history["loss"]) == 2
    assert all(np.isfinite(v) for v in history.history["val_loss"])
    kernels = [layer.W.numpy().astype(np.float64) for layer in l2_model.layers[:4]]
    penalty = 0.001 * sum(np.sum(W ** 2) for W in kernels)
    assert total(l2_model.losses) == pytest.approx(penalty, rel=1e-5)
    loss, data_loss, _ = l2_model.evaluate(x, y, batch_size=64, verbose=0)
    assert loss == pytest.approx(data_loss + penalty, rel=1e-4)
    # training's logged loss carries the penalty above its data loss, as Keras's does
    logged = history.history
    assert logged["loss"][-1] > logged["binary_crossentropy"][-1] + 0.5 * penalty


# --- configs, get, serialize, saving ----------------------------------------------------
def test_get_names_classes_configs_and_callables():
    assert regularizers.get(None) is None
    for name, cls, config in [("l1", regularizers.L1, {"l1": 0.01}),
                              ("l2", regularizers.L2, {"l2": 0.01}),
                              ("l1_l2", regularizers.L1L2, {"l1": 0.01, "l2": 0.01}),
                              ("L1L2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
                              ("orthogonal_regularizer", regularizers.OrthogonalRegularizer,
                               {"factor": 0.01, "mode": "rows"})]:
        reg = regularizers.get(name)
        assert type(reg) is cls and reg.get_config() == config
    assert regularizers.l2 is regularizers.L2 and regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.get(regularizers.L2).get_config() == {"l2": 0.01}
    reg = regularizers.L1L2(l2=0.3)
    assert regularizers.get(reg) is reg

    def mine(w):
        return ag.sum(w)
    assert regularizers.get(mine) is mine


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.001),
                                 regularizers.L1L2(0.1, 0.2),
                                 regularizers.OrthogonalRegularizer(0.5, "columns")],
                         ids=repr)
def test_serialize_round_trips(reg):
    config = regularizers.serialize(reg)
    assert config == {"class_name": type(reg).__name__, "config": reg.get_config()}
    again = regularizers.get(json.loads(json.dumps(config)))
    assert type(again) is type(reg) and again.get_config() == reg.get_config()
    assert type(reg).from_config(reg.get_config()).get_config() == reg.get_config()
    w = np.random.default_rng(12).normal(size=(3, 4))
    assert value(again(w)) == value(reg(w))


def test_layer_configs_hold_the_regularizers():
    layer = nn.Dense(3, kernel_regularizer=regularizers.L2(0.001), activity_regularizer="l1")
    config = layer.get_config()
    assert config["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.001}}
    assert config["bias_regularizer"] is None
    assert config["activity_regularizer"] == {"class_name": "L1", "config": {"l1": 0.01}}
    again = nn.Dense(**config)
    assert again.get_config() == config
    conv = nn.Conv2D(2, 3, bias_regularizer=regularizers.L1L2(0.1, 0.2))
    assert nn.Conv2D(**conv.get_config()).get_config() == conv.get_config()
    emb = nn.Embedding(5, 2, embeddings_regularizer="l2")
    assert emb.get_config()["embeddings_regularizer"] == {"class_name": "L2",
                                                          "config": {"l2": 0.01}}


class Spread(regularizers.Regularizer):
    """A regularizer of one's own: factor * variance of the weights."""

    def __init__(self, factor=1.0):
        self.factor = factor

    def __call__(self, x):
        return self.factor * ag.var(x)

    def get_config(self):
        return {"factor": self.factor}


def test_save_and_load_keep_the_regularizers(tmp_path):
    inputs = nn.Input((6,), dtype="int64")
    h = nn.Embedding(10, 3, embeddings_regularizer=regularizers.L2(0.2), name="emb")(inputs)
    h = nn.Flatten()(h)
    h = nn.Dense(4, activation="relu", kernel_regularizer=regularizers.L1L2(0.01, 0.02),
                 activity_regularizer=regularizers.L1(0.3), name="hidden")(h)
    out = nn.Dense(2, kernel_regularizer=Spread(0.7),
                   bias_regularizer="l1",
                   name="out")(h)
    model = nn.Model(inputs, out)
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(13)
    x, y = rng.integers(0, 10, size=(8, 6)), rng.normal(size=(8, 2)).astype(np.float32)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        text = archive.read("config.json").decode()
    assert '"L1L2"' in text and '"Spread"' in text
    with pytest.raises(ValueError, match="Spread"):
        nn.load_model(path)
    again = nn.load_model(path, custom_objects={"Spread": Spread})
    for name in ("emb", "hidden", "out"):
        a = next(layer for layer in model.layers if layer.name == name)
        b = next(layer for layer in again.layers if layer.name == name)
        assert b.get_config() == a.get_config()
    assert type(next(layer for layer in again.layers if layer.name == "out")
                .kernel_regularizer) is Spread
    model(x), again(x)
    assert total(again.losses) == pytest.approx(total(model.losses), rel=1e-6)
    assert again.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0),
                                                           rel=1e-6)


def test_sequential_save_and_load_with_regularizers(tmp_path):
    model = nn.Sequential([nn.Input((3,)),
                           nn.Dense(2, kernel_regularizer="l2", activity_regularizer="l1_l2")])
    path = tmp_path / "s.keras"
    model.save(path)
    again = nn.load_model(path)
    assert again.layers[0].get_config()["activity_regularizer"] == {
        "class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.01}}
    x = np.ones((4, 3), np.float32)
    model(x), again(x)
    assert total(again.losses) == pytest.approx(total(model.losses), rel=1e-6)


def test_a_plain_function_regularizer_cannot_be_saved(tmp_path):
    model = nn.Sequential([nn.Input((3,)),
                           nn.Dense(2, kernel_regularizer=lambda w: ag.sum(w))])
    with pytest.raises(ValueError, match="cannot write function"):
        model.save(tmp_path / "f.keras")
    assert not (tmp_path / "f.keras").exists()


# --- refusals ----------------------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: regularizers.L1(-0.1), "L1: l1 must be a finite number >= 0, got -0.1"),
    (lambda: regularizers.L2(float("nan")), "L2: l2 must be a finite number >= 0, got nan"),
    (lambda: regularizers.L1L2(l1=0.1, l2=float("inf")), "L1L2: l2 must be a finite number"),
    (lambda: regularizers.L2("0.1"), "l2 must be a finite number >= 0, got '0.1'"),
    (lambda: regularizers.L1(True), "l1 must be a finite number >= 0, got True"),
    (lambda: regularizers.OrthogonalRegularizer(-1), "factor must be a finite number"),
    (lambda: regularizers.OrthogonalRegularizer(mode="diagonal"),
     "mode must be 'rows' or 'columns', got 'diagonal'"),
    (lambda: regularizers.get("l3"), "unknown regularizer 'l3'"),
    (lambda: regularizers.get({"class_name": "L9", "config": {}}),
     "unknown regularizer config"),
])
def test_bad_regularizers_are_refused(make, message):
    with pytest.raises(ValueError, match=message.replace("(", "\\(").replace(")", "\\)")):
        make()


def test_bad_arguments_of_layers_are_refused_before_any_change():
    with pytest.raises(TypeError, match="expected None, a name"):
        regularizers.get(0.01)
    for make in (lambda: nn.Dense(3, kernel_regularizer="l3"),
                 lambda: nn.Dense(3, activity_regularizer={"class_name": "L2",
                                                           "config": {"l2": -2}}),
                 lambda: nn.Conv2D(2, 3, bias_regularizer="nope"),
                 lambda: nn.Conv1D(2, 3, activity_regularizer="l22"),
                 lambda: nn.Embedding(4, 2, embeddings_regularizer="l0")):
        with pytest.raises(ValueError, match="'.*': (activity|bias|kernel|embeddings)_"
                                             "regularizer: "):
            make()
    layer = nn.Dense(3, input_dim=2, kernel_regularizer="l2")
    before = layer.get_config()
    with pytest.raises(ValueError):
        nn.Dense(**{**before, "kernel_regularizer": {"class_name": "L2",
                                                     "config": {"l2": -1.0}}})
    assert layer.get_config() == before
