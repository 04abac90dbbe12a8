"""fit/evaluate with sample_weight and class_weight (Keras's semantics), metric objects in
compile, and whole-model saving with nn.load_model."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
try:  # PyTorch is an optional extra: only the comparisons with it need it
    import torch
except ImportError:
    torch = None

import autograd_core as ag
import nn
import optim

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed (make test EXTRAS=dev,torch)")

REPO = Path(__file__).resolve().parent.parent


def regression(seed=0, n=8):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 1))


@needs_torch
def test_one_weighted_step_matches_torch():
    x, y = regression()
    w = np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.0, 0.0, 4.0])
    model = nn.Sequential([nn.Input((3,)), nn.Dense(1, seed=0)])
    model.compile(optim.SGD(learning_rate=0.1), "mse")
    W = torch.tensor(model.layers[0].W.numpy(), dtype=torch.float64, requires_grad=True)
    b = torch.tensor(model.layers[0].b.numpy(), dtype=torch.float64, requires_grad=True)
    per_sample = ((torch.tensor(x) @ W + b - torch.tensor(y)) ** 2).mean(-1)
    loss = (torch.tensor(w) * per_sample).sum() / len(x)       # sum(w * l) / N
    loss.backward()
    history = model.fit(x, y, batch_size=8, shuffle=False, verbose=0, sample_weight=w)
    assert history.history["loss"][0] == pytest.approx(loss.item(), rel=1e-5)
    np.testing.assert_allclose(model.layers[0].W.numpy(),
                               (W - 0.1 * W.grad).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_class_weight_is_sample_weight_by_class():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 4))
    labels = rng.integers(0, 3, 30)
    class_weight = {0: 1.0, 1: 5.0, 2: 0.5}

    def trained(**kwargs):
        ag.random.set_seed(0)
        model = nn.Sequential([nn.Input((4,)), nn.Dense(3, activation="softmax", seed=0)])
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, labels, epochs=2, batch_size=8, seed=1, verbose=0, **kwargs)
        return model.get_weights()

    by_class = trained(class_weight=class_weight)
    by_sample = trained(sample_weight=np.array([class_weight[c] for c in labels]))
    for a, b in zip(by_class, by_sample):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert not np.allclose(by_class[0], trained()[0])
    # One-hot targets give the same classes (their argmax), and both weights multiply.
    ag.random.set_seed(0)
    model = nn.Sequential([nn.Input((4,)), nn.Dense(3, activation="softmax", seed=0)])
    model.compile("sgd", "categorical_crossentropy")
    model.fit(x, np.eye(3)[labels], epochs=2, batch_size=8, seed=1, verbose=0,
              class_weight={1: 5.0, 2: 0.5})       # class 0 missing: weight 1, as Keras
    np.testing.assert_allclose(model.get_weights()[0], by_class[0], rtol=1e-6)


def test_evaluate_and_validation_data_take_sample_weights():
    x, y = regression(n=10)
    w = np.linspace(0, 2, 10)
    model = nn.Sequential([nn.Input((3,)), nn.Dense(1, seed=0)])
    model.compile("sgd", "mse", metrics=["mae"])
    pred = model.predict(x)
    l_i, a_i = ((pred - y) ** 2).mean(-1), np.abs(pred - y).mean(-1)
    loss, mae = model.evaluate(x, y, batch_size=10, verbose=0, sample_weight=w)
    assert loss == pytest.approx((w * l_i).sum() / 10, rel=1e-5)        # sum(w l) / N
    assert mae == pytest.approx((w * a_i).sum() / w.sum(), rel=1e-5)   # weighted mean
    history = model.fit(x, y, epochs=1, batch_size=10, verbose=0,
                        validation_data=(x, y, w))
    assert history.history["val_loss"][0] < history.history["loss"][0] * 10
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}


@pytest.mark.parametrize("kwargs, error, message", [
    ({"sample_weight": np.ones(7)}, ValueError, r"sample_weight must hold one weight per "
                                                r"sample, shape \(8,\), got shape \(7,\)"),
    ({"sample_weight": np.ones((8, 2))}, ValueError, r"shape \(8,\), got shape \(8, 2\)"),
    ({"sample_weight": -np.ones(8)}, ValueError, r"sample_weight must be finite and >= 0; 8 "
                                                 r"of 8 are not, the first sample_weight\[0\]"),
    ({"sample_weight": np.r_[np.ones(7), np.nan]}, ValueError, r"sample_weight\[7\] = nan"),
    ({"sample_weight": np.array(["a"] * 8)}, TypeError, "sample_weight must hold numbers"),
    ({"class_weight": {0: 1.0, 5: 2.0}}, ValueError, r"unknown class 5: the model's output "
                                                     r"\(8, 3\) has classes 0..2"),
    ({"class_weight": {0: -1.0}}, ValueError, "class_weight's weights must be finite"),
    ({"class_weight": [1.0, 2.0]}, TypeError, "class_weight must be a non-empty dict"),
    ({"validation_data": (np.ones((2, 3)), np.zeros(2, int), np.ones(3))}, ValueError,
     r"fit \(validation_data\): sample_weight must hold one weight per sample"),
])
def test_bad_weights_fail_before_any_update(kwargs, error, message):
    x = np.random.default_rng(0).normal(size=(8, 3))
    labels = np.arange(8) % 3
    model = nn.Sequential([nn.Input((3,)), nn.Dense(3, activation="softmax", seed=0)])
    model.compile("adam", "sparse_categorical_crossentropy")
    before = model.get_weights()
    with pytest.raises(error, match=message):
        model.fit(x, labels, verbose=0, **kwargs)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 0


def test_a_model_built_on_lists_of_one_takes_lists_of_one():
    a = nn.Input((2,))
    model = nn.Model([a], [nn.Dense(1, seed=0)(a)])
    model.compile("sgd", "mse")
    model.fit([np.ones((4, 2))], [np.ones((4, 1))], verbose=0)
    assert [p.shape for p in model.predict([np.ones((3, 2))])] == [(3, 1)]


def test_class_weight_needs_a_single_output():
    a = nn.Input((2,))
    model = nn.Model(a, [nn.Dense(1)(a), nn.Dense(1)(a)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="class_weight is only supported for models with a "
                                         "single output; this one has 2"):
        model.fit(np.ones((4, 2)), [np.ones((4, 1))] * 2, class_weight={0: 1.0}, verbose=0)


class CountingMetric:
    """A metric object of Keras's protocol that records how the loop calls it."""

    name = "counting"

    def __init__(self):
        self.calls = []
        self.reset_state()

    def reset_state(self):
        self.calls = getattr(self, "calls", []) + ["reset"]
        self.total = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.calls.append(("update", len(y_true), None if sample_weight is None
                           else float(np.sum(sample_weight))))
        self.total += len(y_true)

    def result(self):
        return self.total


def test_metric_objects_follow_the_keras_protocol():
    x, y = regression(n=10)
    metric = CountingMetric()
    model = nn.Sequential([nn.Input((3,)), nn.Dense(1)])
    model.compile("sgd", "mse", metrics=[metric, "mse"])
    metric.calls.clear()
    history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0,
                        sample_weight=np.full(10, 2.0))
    assert metric.calls == ["reset", ("update", 4, 8.0), ("update", 4, 8.0), ("update", 2, 4.0)] * 2
    assert history.history["counting"] == [10.0, 10.0]
    wrapper = model._metrics[1][2]
    assert isinstance(wrapper, nn.MeanMetricWrapper) and wrapper.name == "mse"


# --- whole-model saving ---------------------------------------------------------------------
def trained_classifier():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    model = nn.Sequential([nn.Input((4,)), nn.Dense(8, activation="prelu"), nn.Dropout(0.1),
                           nn.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=3, verbose=0, seed=0)
    return model, x, labels


def test_sequential_saves_and_loads_in_a_fresh_process(tmp_path):
    model, x, labels = trained_classifier()
    path = tmp_path / "model.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "expected.npy", model.predict(x))
    script = (
        "import sys, numpy as np, nn\n"
        "m = nn.load_model(sys.argv[1])\n"
        "x = np.load(sys.argv[2]); expected = np.load(sys.argv[3])\n"
        "np.testing.assert_array_equal(m.predict(x), expected)\n"
        "print(type(m).__name__, m.loss.name, m.metrics_names, m.count_params())\n")
    out = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path / "x.npy"),
                          str(tmp_path / "expected.npy")], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["Sequential", "sparse_categorical_crossentropy",
                                  "['loss',", "'accuracy']", str(model.count_params())]
    loaded = nn.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dropout", "Dense"]
    assert loaded.layers[1].rate == 0.1
    assert type(loaded.optimizer).__name__ == "Adam"
    before = loaded.evaluate(x, labels, verbose=0)[0]
    loaded.fit(x, labels, epochs=5, verbose=0, seed=0)        # training continues
    assert loaded.evaluate(x, labels, verbose=0)[0] < before
    assert {i.filename for i in zipfile.ZipFile(path).infolist()} == {
        "config.json", "model.weights.npz", "optimizer.npz"}


class Scale(nn.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.gain = self.add_weight((input_shape[-1],), initializer="ones")

    def call(self, x):
        return self.factor * x * self.gain

    def get_config(self):
        return {"factor": self.factor, "name": self.name}


def test_functional_model_with_custom_layer_saves_and_loads(tmp_path):
    a, b = nn.Input((3,), name="a"), nn.Input((2,), name="b")
    shared = nn.Dense(4, activation="tanh")
    h = nn.concatenate([shared(nn.Dense(4)(a)), shared(nn.Dense(4)(b))])
    h = nn.add([Scale(3.0)(h), h])
    model = nn.Model({"a": a, "b": b}, [nn.Dense(1, name="out")(h)])
    model.compile("sgd", ["mse"])
    xs = {"a": np.random.rand(5, 3), "b": np.random.rand(5, 2)}
    path = tmp_path / "f.keras"
    model.save(path)
    with pytest.raises(ValueError, match=r"unknown layer class 'Scale'; pass it in "
                                         r"custom_objects=\{'Scale': Scale\}"):
        nn.load_model(path)
    loaded = nn.load_model(path, custom_objects={"Scale": Scale})
    np.testing.assert_array_equal(loaded.predict(xs)[0], model.predict(xs)[0])
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.count_params() == model.count_params()
    assert [layer.factor for layer in loaded.layers if isinstance(layer, Scale)] == [3.0]
    loaded.fit(xs, [np.zeros((5, 1))], epochs=1, verbose=0)


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.write_bytes(b"not a zip"), "not a saved model"),
    (lambda p: _rewrite(p, {"config.json": b"{"}), "config.json is damaged"),
    (lambda p: _rewrite(p, {"config.json": b'{"format": "other"}'}), "is not of format"),
    (lambda p: _rewrite(p, {"model.weights.npz": None}), "has no model.weights.npz"),
    (lambda p: _rewrite(p, {}, compress=True), "is compressed"),
])
def test_damaged_files_are_refused(tmp_path, damage, message):
    model, _, _ = trained_classifier()
    path = tmp_path / "m.keras"
    model.save(path)
    damage(path)
    with pytest.raises(ValueError, match=message):
        nn.load_model(path)


def _rewrite(path, replace, compress=False):
    members = {i.filename: zipfile.ZipFile(path).read(i) for i in zipfile.ZipFile(path).infolist()}
    members.update(replace)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            if data is not None:
                z.writestr(name, data)


def test_weights_that_do_not_match_the_config_are_refused(tmp_path):
    model, _, _ = trained_classifier()
    path = tmp_path / "m.keras"
    model.save(path)
    other = nn.Sequential([nn.Input((4,)), nn.Dense(9), nn.Dense(3)])
    weights = tmp_path / "w.npz"
    other.save_weights(weights)
    _rewrite(path, {"model.weights.npz": weights.read_bytes()})
    with pytest.raises(ValueError, match=r"load_weights: .*nothing was loaded"):
        nn.load_model(path)


# --- the optimizer's state in the file: fit resumes where it stopped, as in Keras ----------
def compiled_regression(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    model = nn.Sequential([nn.Input((3,)), nn.Dense(4, activation="tanh"), nn.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model, x, y


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "adagrad", "sgd"])
def test_fit_after_load_model_continues_as_if_never_stopped(tmp_path, optimizer):
    model, x, y = compiled_regression()
    if optimizer != "adam":
        model.compile(optimizer=nn_optimizer(optimizer), loss="mse")
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = nn.load_model(path)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 12
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    for (name, v), (_, w) in zip(model.named_parameters(), loaded.named_parameters()):
        np.testing.assert_allclose(w.numpy(), v.numpy(), rtol=1e-6, atol=1e-7, err_msg=name)
    # Without its state the optimizer starts afresh, and the weights part ways.
    model.save(path, include_optimizer=False)
    assert "optimizer.npz" not in zipfile.ZipFile(path).namelist()
    fresh = nn.load_model(path)
    assert fresh.optimizer.iterations == 0
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    fresh.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    if optimizer != "sgd":  # plain SGD keeps no state: the same either way
        assert not np.allclose(fresh.layers[0].W.numpy(), model.layers[0].W.numpy(),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("make", [
    lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=0.01),
    lambda p: optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.2),
    lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    lambda p: optim.Nadam(p[:2]),  # only the first layer: the state and the rebuild say so
], ids=["adam", "sgd", "rmsprop", "adagrad", "nadam-first-layer"])
def test_a_pytorch_style_optimizer_is_saved_and_made_again_with_its_variables(tmp_path,
                                                                              make):
    """An optimizer made with its parameters keeps PyTorch's formulas and state: the file
    names its Variables, load_model makes it again with them (PyTorch style, in its
    order), and fit continues exactly as it would have."""
    model, x, y = compiled_regression()
    model.compile(optimizer=make(list(model.parameters())), loss="mse")
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = nn.load_model(path)
    assert loaded.optimizer.pytorch_style
    assert [id(p) for p in loaded.optimizer.params] == \
        [id(p) for p in list(loaded.parameters())[:len(model.optimizer.params)]]
    assert sorted(loaded.optimizer.state_dict()) == sorted(model.optimizer.state_dict())
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    for (name, v), (_, w) in zip(model.named_parameters(), loaded.named_parameters()):
        np.testing.assert_array_equal(w.numpy(), v.numpy(), err_msg=name)


def nn_optimizer(name):
    return {"rmsprop": optim.RMSprop(momentum=0.5, centered=True), "adagrad": optim.Adagrad(),
            "sgd": optim.SGD(0.05, momentum=0.9)}[name]


def test_an_optimizer_state_that_does_not_fit_is_refused(tmp_path):
    model, x, y = compiled_regression()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    good = zipfile.ZipFile(path).read("optimizer.npz")
    arrays = dict(np.load(io.BytesIO(good)))
    assert sorted(arrays) == ["iterations", "momentums/0.W", "momentums/0.b", "momentums/1.W",
                              "momentums/1.b", "velocities/0.W", "velocities/0.b",
                              "velocities/1.W", "velocities/1.b"]
    for change, message in [
            ({"momentums/0.W": np.zeros((3, 5), np.float32)}, r"momentums/0.W: shape \(3, 5\)"),
            ({"velocities/9.W": np.zeros(1, np.float32)}, "Variables the model does not have"),
            ({"iterations": np.float32(2.0)}, "iterations: dtype float32")]:
        bad = io.BytesIO()
        np.savez(bad, **{**arrays, **change})
        _rewrite(path, {"optimizer.npz": bad.getvalue()})
        with pytest.raises(ValueError, match=message):
            nn.load_model(path)
    _rewrite(path, {"optimizer.npz": b"PK garbage"})
    with pytest.raises(ValueError, match="optimizer.npz is damaged"):
        nn.load_model(path)
    assert nn.load_model(path, compile=False).optimizer is None
