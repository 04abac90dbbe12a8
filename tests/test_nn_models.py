"""The functional API, subclassing (Layer, Model, Loss), and Input in Sequential, after
Keras's guides ("The Functional API", "Making new layers and models via subclassing")."""

import doctest
import importlib
import pkgutil

import numpy as np
import pytest
try:  # PyTorch is an optional extra: only the comparisons with it need it
    import torch
except ImportError:
    torch = None

import autograd_core as ag
import nn

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed (make test EXTRAS=dev,torch)")


# --- a conv layer written by subclassing, for the guide's toy ResNet ------------------------
class Conv(nn.Layer):
    """y = relu?(x * K + b), Keras's Conv2D for this test: kernel (kh, kw, in, filters)."""

    def __init__(self, filters, size, activation=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.filters, self.size, self.padding = filters, size, padding
        self.activation = nn.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight((self.size, self.size, input_shape[-1], self.filters))
        self.bias = self.add_weight((self.filters,), initializer="zeros")

    def call(self, x):
        return self.activation(ag.conv2d(x, self.kernel, padding=self.padding) + self.bias)


class MaxPool(nn.Layer):
    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, x):
        return ag.max_pool2d(x, self.size)


class GlobalAveragePooling(nn.Layer):
    def call(self, x):
        return ag.mean(x, axis=(1, 2))


def test_toy_resnet_of_the_functional_api_guide():
    inputs = nn.Input((32, 32, 3), name="img")
    x = Conv(32, 3, activation="relu")(inputs)
    x = Conv(64, 3, activation="relu")(x)
    block_1_output = MaxPool(3)(x)
    x = Conv(64, 3, activation="relu", padding="same")(block_1_output)
    x = Conv(64, 3, activation="relu", padding="same")(x)
    block_2_output = nn.add([x, block_1_output])
    x = Conv(64, 3, activation="relu", padding="same")(block_2_output)
    x = Conv(64, 3, activation="relu", padding="same")(x)
    block_3_output = nn.add([x, block_2_output])
    x = Conv(64, 3, activation="relu")(block_3_output)
    x = GlobalAveragePooling()(x)
    x = nn.Dense(256, activation="relu")(x)
    x = nn.Dropout(0.5)(x)
    outputs = nn.Dense(10)(x)
    model = nn.Model(inputs, outputs, name="toy_resnet")

    # Keras's summary of this model: 223,242 parameters.
    assert model.count_params() == 223_242
    assert block_1_output.shape == (None, 9, 9, 64) and block_3_output.shape == (None, 9, 9, 64)
    assert model.output_shape == (None, 10)
    lines = []
    model.summary(print_fn=lines.append)
    add_rows = [i for i, line in enumerate(lines) if line.startswith("add")]
    assert len(add_rows) == 2
    first = lines[add_rows[0]]
    assert "(None, 9, 9, 64)" in first and first.rstrip().endswith("[0][0]")
    assert lines[add_rows[0] + 1].strip().startswith("max_pool")   # the skip connection
    assert "Total params: 223,242" in lines
    y = model.predict(np.random.default_rng(0).random((2, 32, 32, 3), np.float32))
    assert y.shape == (2, 10) and np.isfinite(y).all()


def test_multi_input_multi_output_model_trains_with_losses_by_name():
    title = nn.Input((6,), name="title")
    body = nn.Input((10,), name="body")
    tags = nn.Input((4,), name="tags")
    x = nn.concatenate([nn.Dense(8, activation="relu")(title),
                        nn.Dense(8, activation="relu")(body), tags])
    priority = nn.Dense(1, name="priority")(x)
    department = nn.Dense(3, activation="softmax", name="department")(x)
    model = nn.Model([title, body, tags], [priority, department])
    assert model.output_names == ["priority", "department"]
    model.compile(optimizer="rmsprop",
                  loss={"priority": "binary_crossentropy",
                        "department": "categorical_crossentropy"},
                  loss_weights={"priority": 1.0, "department": 0.2},
                  metrics={"department": ["accuracy"]})
    rng = np.random.default_rng(0)
    n = 64
    x_data = {"title": rng.random((n, 6)), "body": rng.random((n, 10)),
              "tags": rng.integers(0, 2, (n, 4)).astype(float)}
    y_data = {"priority": rng.random((n, 1)), "department": np.eye(3)[rng.integers(0, 3, n)]}
    history = model.fit(x_data, y_data, epochs=3, batch_size=32, verbose=0, seed=0)
    assert set(history.history) == {"loss", "priority_loss", "department_loss",
                                    "department_accuracy"}
    # The total is the weighted sum of the outputs' losses.
    h = history.history
    np.testing.assert_allclose(h["loss"], np.array(h["priority_loss"])
                               + 0.2 * np.array(h["department_loss"]), rtol=1e-5)
    assert h["loss"][-1] < h["loss"][0]
    loss, p_loss, d_loss, acc = model.evaluate(
        [x_data["title"], x_data["body"], x_data["tags"]],
        [y_data["priority"], y_data["department"]], verbose=0)
    assert loss == pytest.approx(p_loss + 0.2 * d_loss, rel=1e-5)
    p, d = model.predict(x_data)
    assert p.shape == (n, 1) and d.shape == (n, 3)
    np.testing.assert_allclose(d.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match=r"fit: x is a dict .*missing \['tags'\]"):
        model.fit({"title": x_data["title"], "body": x_data["body"]}, y_data, verbose=0)
    with pytest.raises(ValueError, match="compile: loss names unknown outputs"):
        model.compile(loss={"prio": "mse"})


@needs_torch
def test_shared_layer_and_skip_connection_match_torch():
    a, b = nn.Input((3,)), nn.Input((3,))
    shared = nn.Dense(3, activation="tanh", seed=1)
    out = nn.Add()([shared(a), shared(shared(b)), a])    # used three times, plus a skip
    model = nn.Model([a, b], out)
    assert model.count_params() == 12                    # one set of weights
    xa, xb = np.random.default_rng(0).normal(size=(2, 4, 3))
    W, bias = (torch.tensor(v.numpy(), dtype=torch.float64, requires_grad=True)
               for v in (shared.W, shared.b))
    ta, tb = torch.tensor(xa), torch.tensor(xb)

    def dense(t):
        return torch.tanh(t @ W + bias)
    expected = dense(ta) + dense(dense(tb)) + ta
    expected.sum().backward()
    y = model([xa.astype(np.float32), xb.astype(np.float32)])
    ag.sum(y).backward()
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shared.W.grad, W.grad.numpy(), rtol=1e-4, atol=1e-5)
    lines = []
    model.summary(print_fn=lines.append)
    row = next(i for i, line in enumerate(lines) if line.startswith(shared.name))
    # One row for the shared layer, "Connected to" listing each of its three calls.
    assert [lines[row].split()[-1], lines[row + 1].strip(), lines[row + 2].strip()] == \
        [f"{a.name}[0][0]", f"{b.name}[0][0]", f"{shared.name}[1][0]"]


def test_graph_errors_name_the_problem():
    a, b = nn.Input((2,)), nn.Input((2,))
    y = nn.Dense(1)(nn.Add()([a, b]))
    with pytest.raises(ValueError, match="graph disconnected.*not among the inputs"):
        nn.Model(a, y)
    with pytest.raises(ValueError, match=r"Add 'add\w*': the inputs' shapes must be equal"):
        nn.Add()([a, nn.Input((3,))])
    with pytest.raises(ValueError, match="expected input of shape"):
        nn.Model([a, b], y)([np.ones((1, 3)), np.ones((1, 2))])
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(a) + 1


def test_input_as_first_entry_of_sequential():
    model = nn.Sequential([nn.Input((28, 28, 1)), nn.Flatten(), nn.Dense(10)])
    assert model.input_shape == (None, 28, 28, 1)
    assert [layer.output_shape for layer in model.layers] == [(None, 784), (None, 10)]
    assert model.count_params() == 7850
    assert [name for name, _ in model.named_parameters()] == ["1.W", "1.b"]
    with pytest.raises(ValueError, match="only be the first entry"):
        model.add(nn.Input((3,)))


# --- subclassing --------------------------------------------------------------------------
class Linear(nn.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal",
                                 trainable=True)
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ag.matmul(inputs, self.w) + self.b


def test_linear_layer_of_the_subclassing_guide():
    x = np.ones((2, 2))
    layer = Linear(4, 2)
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), np.ones((2, 2)) @ layer.w.numpy(), rtol=1e-6)
    assert layer.weights == [layer.w, layer.b]
    assert [name for name, _ in layer.named_parameters()] == ["w", "b"]


class ComputeSum(nn.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(np.sum(np.asarray(inputs), axis=0))
        return self.total


def test_non_trainable_weight_of_the_subclassing_guide():
    x = np.ones((2, 2))
    layer = ComputeSum(2)
    assert layer(x).numpy().tolist() == [2.0, 2.0]
    assert layer(x).numpy().tolist() == [4.0, 4.0]
    assert len(layer.weights) == 1 and len(layer.non_trainable_weights) == 1
    assert layer.trainable_weights == []


class ActivityRegularizationLayer(nn.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ag.mean(inputs))
        return inputs


class OuterLayer(nn.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


def test_add_loss_resets_at_each_outer_call():
    layer = OuterLayer()
    assert len(layer.losses) == 0
    layer(np.zeros((1, 1)))
    assert len(layer.losses) == 1
    layer(np.zeros((1, 1)))
    assert len(layer.losses) == 1     # the loss of the latest call only
    layer(np.full((1, 1), 3.0))
    assert float(layer.losses[0]) == pytest.approx(0.03)


def test_add_loss_is_added_to_the_training_loss():
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 3)), rng.random((16, 1))

    def make(rate):
        inputs = nn.Input((3,))
        h = nn.Dense(4, seed=0)(inputs)
        h = ActivityRegularizationLayer(rate)(h)
        return nn.Model(inputs, nn.Dense(1, seed=2)(h))

    plain, regularised = make(0.0), make(10.0)
    for m in (plain, regularised):
        m.compile("sgd", "mse")
    extra = 10.0 * float(np.mean(plain.layers[1](x).numpy()))
    assert regularised.evaluate(x, y, batch_size=16, verbose=0) == pytest.approx(
        plain.evaluate(x, y, batch_size=16, verbose=0) + extra, rel=1e-5)
    assert len(regularised.losses) == 1
    before = regularised.get_weights()
    regularised.fit(x, y, batch_size=16, verbose=0)
    plain.fit(x, y, batch_size=16, verbose=0)
    # The added loss changes the gradient of the first layer's weights.
    assert not np.allclose(regularised.get_weights()[0], plain.get_weights()[0])
    assert not np.allclose(regularised.get_weights()[0], before[0])


class MLPBlock(nn.Model):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Dense(8, activation="relu")
        self.out = nn.Dense(1)

    def call(self, inputs, training=None):
        self.seen_training = training
        return self.out(self.hidden(inputs))


def test_subclassed_model_trains_and_gets_the_training_flag():
    rng = np.random.default_rng(1)
    x = rng.random((32, 2))
    y = x.sum(axis=1, keepdims=True)
    model = MLPBlock()
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=20, verbose=0, seed=0)
    assert model.seen_training is True
    model.predict(x)
    assert model.seen_training is False
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert [n for n, _ in model.named_parameters()] == ["hidden.W", "hidden.b", "out.W", "out.b"]
    with pytest.raises(ValueError, match="subclassed model"):
        model.save("never-written.keras")


class WeightedHuber(nn.losses.Loss):
    def __init__(self, delta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.delta = delta

    def call(self, y_true, y_pred):
        error = y_pred - np.asarray(y_true, dtype=y_pred.dtype)
        small = ag.abs(error) <= self.delta
        quadratic = 0.5 * ag.square(error)
        linear = self.delta * ag.abs(error) - 0.5 * self.delta ** 2
        return ag.mean(ag.where(small, quadratic, linear), axis=-1)

    def get_config(self):
        return {"delta": self.delta, **super().get_config()}


@needs_torch
def test_custom_loss_subclass_matches_torch_and_trains():
    rng = np.random.default_rng(2)
    y_true, y_pred = rng.normal(size=(6, 2)) * 2, rng.normal(size=(6, 2))
    w = rng.random(6)
    loss = WeightedHuber(delta=1.0)
    assert loss.name == "weighted_huber"
    expected = torch.nn.functional.huber_loss(torch.tensor(y_pred), torch.tensor(y_true),
                                              reduction="none", delta=1.0).mean(-1)
    assert float(loss(y_true, ag.constant(y_pred))) == pytest.approx(float(expected.mean()))
    # Keras's "sum_over_batch_size" with weights: sum(w * l) / N.
    assert float(loss(y_true, ag.constant(y_pred), sample_weight=w)) == pytest.approx(
        float((torch.tensor(w) * expected).sum() / 6))
    assert float(WeightedHuber(reduction="sum")(y_true, ag.constant(y_pred))) == \
        pytest.approx(float(expected.sum()))
    model = nn.Sequential([nn.Input((2,)), nn.Dense(2)])
    model.compile("adam", WeightedHuber())
    history = model.fit(y_pred, y_true, epochs=5, verbose=0, seed=0)
    assert len(history.history["loss"]) == 5 and np.isfinite(history.history["loss"]).all()


def test_a_loss_without_call_says_so():
    class Nothing(nn.losses.Loss):
        pass
    with pytest.raises(NotImplementedError, match="Nothing must define call"):
        Nothing()([1.0], ag.constant([1.0]))


# Every module of nn: their docstrings' examples run as written (offline: none downloads).
DOCTEST_MODULES = ["nn"] + [m.name for m in pkgutil.walk_packages(nn.__path__, "nn.")]


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
