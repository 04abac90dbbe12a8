"""Keras's weight constraints: the projections against Keras's formulas in numpy, the
names and configs, ``ag.Variable(constraint=)``, every optimizer applying them after its
update (Keras style and PyTorch style), the layers' constraint arguments through
get_config and saved models, and the refusals, which change nothing."""

import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
import nn
import optim
from nn import constraints
from nn import module as nn_module
from nn.base_layer import Layer
from side_effects import nothing_changes

EPS = 1e-7  # Keras's backend.epsilon()


# --- the formulas, against Keras's written in numpy ----------------------------------------
def norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=tuple(np.atleast_1d(axis)), keepdims=True))


def max_norm(w, max_value, axis):
    n = norms(w, axis)
    return w * (np.clip(n, 0, max_value) / (w.dtype.type(EPS) + n))


def min_max_norm(w, min_value, max_value, rate, axis):
    n = norms(w, axis)
    desired = rate * np.clip(n, min_value, max_value) + (1 - rate) * n
    return w * (desired.astype(w.dtype) / (w.dtype.type(EPS) + n))


def unit_norm(w, axis):
    return w / (w.dtype.type(EPS) + norms(w, axis))


@st.composite
def weights_and_axis(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    w = draw(hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
                        elements=st.floats(-10, 10, allow_nan=False, width=32)))
    axes = list(range(w.ndim))
    axis = draw(st.one_of(st.sampled_from(axes + [-1]),
                          st.lists(st.sampled_from(axes), min_size=1, unique=True)))
    return w, axis


def check(found, expected, w):
    assert found.dtype == w.dtype
    tol = 1e-5 if w.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(found.numpy(), expected, rtol=tol, atol=tol)


@given(weights_and_axis(), st.floats(0, 5), st.floats(0, 5), st.floats(0, 1))
def test_the_norm_constraints_are_keras_formulas(w_axis, a, b, rate):
    w, axis = w_axis
    low, high = min(a, b), max(a, b)
    check(constraints.MaxNorm(high, axis)(w), max_norm(w, high, axis), w)
    check(constraints.MinMaxNorm(low, high, rate, axis)(w),
          min_max_norm(w, low, high, rate, axis), w)
    check(constraints.UnitNorm(axis)(w), unit_norm(w, axis), w)
    check(constraints.NonNeg()(w), np.maximum(w, 0), w)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_norm_scales_only_the_long_columns_and_keeps_zeros_zero(dtype):
    W = np.array([[3.0, 0.1, 0.0], [4.0, 0.1, 0.0]], dtype)  # column norms 5, 0.14, 0
    for w in (W, ag.Variable(W), ag.constant(W)):             # an array, a Variable, a Value
        out = constraints.MaxNorm(2)(w).numpy()
        assert out.dtype == dtype
        np.testing.assert_allclose(out[:, 0], [1.2, 1.6], rtol=1e-6)  # scaled to norm 2
        np.testing.assert_allclose(out[:, 1], [0.1, 0.1], rtol=1e-5)  # kept (but for eps)
        np.testing.assert_array_equal(out[:, 2], [0.0, 0.0])         # no 0 / 0
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm(axis=1)(W).numpy()[:2],
                                              axis=1), [1.0, 1.0], rtol=1e-5)
    # A Conv2D kernel (kh, kw, in, filters): axis=[0, 1, 2] bounds each filter.
    K = np.random.default_rng(0).normal(size=(3, 3, 2, 4)).astype(dtype) * 3
    out = constraints.MaxNorm(1.5, axis=[0, 1, 2])(K).numpy()
    assert np.linalg.norm(K.reshape(-1, 4), axis=0).min() > 1.5
    np.testing.assert_allclose(np.linalg.norm(out.reshape(-1, 4), axis=0), 1.5, rtol=1e-5)


def test_min_max_norm_moves_a_rate_of_the_way():
    w = np.array([[0.3], [0.4]])  # norm 0.5, below min_value 1
    out = constraints.MinMaxNorm(1.0, 2.0, rate=0.5)(w).numpy()
    assert np.linalg.norm(out) == pytest.approx(0.75, rel=1e-6)   # 0.5 * 1 + 0.5 * 0.5


def test_a_constraint_is_differentiable_on_values():
    w = ag.Variable(np.array([[3.0], [4.0]]))
    ag.sum(constraints.UnitNorm()(w)).backward()
    # d/dw of sum(w / |w|): (1 - w * sum(w) / |w|^2) / |w|, eps aside
    expected = (1 - w.numpy() * 7 / 25) / 5
    np.testing.assert_allclose(w.grad, expected, rtol=1e-6)


# --- names and configs --------------------------------------------------------------------
@pytest.mark.parametrize("name, cls, config", [
    ("max_norm", constraints.MaxNorm, {"max_value": 2.0, "axis": 0}),
    ("MaxNorm", constraints.MaxNorm, {"max_value": 2.0, "axis": 0}),
    ("min_max_norm", constraints.MinMaxNorm,
     {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    ("non_neg", constraints.NonNeg, {}),
    ("NonNeg", constraints.NonNeg, {}),
    ("unit_norm", constraints.UnitNorm, {"axis": 0}),
])
def test_names_give_keras_defaults(name, cls, config):
    found = constraints.get(name)
    assert type(found) is cls and found.get_config() == config
    assert getattr(constraints, cls.__name__) is cls


def test_lowercase_names_are_the_classes_and_get_passes_objects_through():
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm
    c = constraints.MaxNorm(3)
    assert constraints.get(c) is c and constraints.get(None) is None
    assert type(constraints.get(constraints.UnitNorm)) is constraints.UnitNorm

    def clip(w):
        return ag.clip(w, -1, 1)
    assert constraints.get(clip) is clip


@pytest.mark.parametrize("c", [constraints.MaxNorm(3, axis=[0, 1]),
                               constraints.MinMaxNorm(0.5, 2.0, 0.7, axis=1),
                               constraints.NonNeg(), constraints.UnitNorm(axis=-1),
                               constraints.Constraint()])
def test_serialize_and_deserialize_round_trip(c):
    config = constraints.serialize(c)
    assert config == {"class_name": type(c).__name__, "config": c.get_config()}
    again = constraints.deserialize(json.loads(json.dumps(config)))
    assert type(again) is type(c) and again.get_config() == c.get_config()
    assert constraints.get(config).get_config() == c.get_config()
    w = np.random.default_rng(1).normal(size=(3, 4)) * 3
    np.testing.assert_array_equal(np.asarray(again(w)), np.asarray(c(w)))
    assert constraints.serialize(None) is None


class Clip(constraints.Constraint):
    """A user's constraint: every weight in [-limit, limit]."""

    def __init__(self, limit=1.0):
        self.limit = limit

    def __call__(self, w):
        return ag.clip(w, -self.limit, self.limit)

    def get_config(self):
        return {"limit": self.limit}


def test_a_users_constraint_through_custom_objects():
    config = constraints.serialize(Clip(0.25))
    with pytest.raises(ValueError, match="unknown constraint config"):
        constraints.deserialize(config)
    again = constraints.deserialize(config, custom_objects={"Clip": Clip})
    assert type(again) is Clip and again.limit == 0.25
    assert repr(again) == "Clip(limit=0.25)"


# --- ag.Variable(constraint=) and the optimizers -------------------------------------------
def test_variable_keeps_its_constraint_and_refuses_what_is_not_callable():
    c = constraints.NonNeg()
    v = ag.Variable([1.0, -2.0], constraint=c)
    assert v.constraint is c and v.numpy().tolist() == [1.0, -2.0]  # kept, not run
    assert ag.Variable([1.0]).constraint is None and nn.Parameter(np.ones(2)).constraint is None
    made = []
    with pytest.raises(TypeError, match="constraint must be a callable"):
        ag.Variable(lambda: made.append(1) or np.ones(2), constraint="max_norm")
    assert made == []  # refused before the initial value was made
    with pytest.raises(TypeError, match="got int 3"):
        v.constraint = 3
    assert v.constraint is c
    v.constraint = None
    assert v.constraint is None


OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad,
              optim.Adadelta, optim.Adamax, optim.Nadam]


def one_step(cls, style, v, lr=0.5):
    """One update of ``v`` with the gradient of sum(w * c), in the optimizer's style."""
    c = np.array([1.0, -1.0, 2.0, -0.5], np.float32)
    if style == "pytorch":
        opt = cls([v], lr=lr)
        ag.sum(v * c).backward()
        opt.step()
    else:
        opt = cls(learning_rate=lr)
        opt.apply_gradients([(c, v)])
    return opt


@pytest.mark.parametrize("style", ["keras", "pytorch"])
@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_every_optimizer_projects_after_its_update(cls, style):
    start = np.array([-1.0, 0.5, 0.01, 2.0], np.float32)
    twin = ag.Variable(start)
    one_step(cls, style, twin)
    assert twin.numpy().min() < 0  # without the constraint, a weight is negative
    v = ag.Variable(start, constraint=constraints.NonNeg())
    opt = one_step(cls, style, v)
    np.testing.assert_array_equal(v.numpy(), np.maximum(twin.numpy(), 0))
    assert opt.iterations == 1


class Recording(constraints.Constraint):
    def __init__(self):
        self.seen = []

    def __call__(self, w):
        self.seen.append((w, np.array(w.numpy()), ag.is_grad_enabled()))
        return w


@pytest.mark.parametrize("style", ["keras", "pytorch"])
def test_the_constraint_sees_the_updated_variable_outside_any_graph(style):
    c = Recording()
    v = ag.Variable([1.0, 2.0], constraint=c)
    frozen = ag.Variable([3.0], constraint=Recording())  # no gradient: not updated
    if style == "pytorch":
        opt = optim.SGD([v, frozen], lr=0.5)
        ag.sum(v * v).backward()                          # g = 2v
        opt.step()
    else:
        with pytest.warns(UserWarning, match="Gradients do not exist"):
            optim.SGD(0.5).apply_gradients([(2 * v.numpy(), v), (None, frozen)])
    (w, data, recording), = c.seen
    assert w is v and not recording
    np.testing.assert_array_equal(data, [0.0, 0.0])       # v - 0.5 * 2v, after the update
    assert frozen.constraint.seen == []                   # Keras: only what was updated


def test_a_scalar_variable_and_a_tensorflow_style_lambda():
    w = ag.Variable(-1.0, constraint=constraints.NonNeg())
    optim.SGD(0.1).minimize(lambda: w * 3.0, [w])
    assert float(w) == 0.0
    u = ag.Variable([0.5, -0.5], constraint=lambda x: ag.clip(x, -0.6, 0.6))
    optim.Adam(learning_rate=1.0).minimize(lambda: ag.sum(u * np.float32([-1, 1])), [u])
    np.testing.assert_allclose(u.numpy(), [0.6, -0.6])


def test_a_constraint_of_the_wrong_shape_is_named():
    v = ag.Variable([1.0, 2.0], constraint=lambda w: ag.sum(w))
    with pytest.raises(ValueError, match="shape"):
        optim.SGD(0.1).apply_gradients([(np.ones(2, np.float32), v)])


# --- layers trained with a constraint --------------------------------------------------------
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    return x, (3 * x.sum(1, keepdims=True)).astype(np.float32)


def column_norms(W):
    return np.linalg.norm(W.numpy(), axis=0)


def mlp(constraint):
    return nn.Sequential([nn.Dense(8, activation="relu", input_shape=(4,), seed=1,
                                   kernel_constraint=constraint), nn.Dense(1, seed=2)])


@pytest.mark.parametrize("optimizer", [lambda: optim.SGD(0.05), lambda: optim.Adam(0.05)])
def test_fit_keeps_every_column_norm_within_max_norm(optimizer):
    x, y = data()
    seen = {}
    for constraint in (None, constraints.MaxNorm(1.0)):
        model = mlp(constraint)
        model.compile(optimizer=optimizer(), loss="mse")
        after = seen[constraint is None] = []
        model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0, callbacks=[
            nn.LambdaCallback(on_train_batch_end=lambda batch, logs, model=model, after=after:
                              after.append(column_norms(model.layers[0].W).max()))])
    assert len(seen[False]) == 20
    assert max(seen[True]) > 1.2                     # the unconstrained twin grows past it
    assert max(seen[False]) <= 1.0 * (1 + 1e-6)      # after every step


def test_a_pytorch_style_loop_keeps_the_max_norm():
    x, y = data()
    found = {}
    for constraint in (None, constraints.MaxNorm(1.0)):
        model = mlp(constraint)
        opt = optim.SGD(model.parameters(), lr=0.05)
        after = found[constraint is None] = []
        for start in range(0, 64 * 5, 16):
            batch = slice(start % 64, start % 64 + 16)
            loss = ag.mean(ag.square(model(x[batch]) - y[batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            after.append(column_norms(model.layers[0].W).max())
    assert max(found[True]) > 1.2
    assert max(found[False]) <= 1.0 * (1 + 1e-6)


def test_non_neg_keeps_the_kernel_non_negative():
    x, y = data()
    y = -y  # pulls the weights below zero
    lows = []
    for constraint in (None, "non_neg"):
        model = nn.Sequential([nn.Dense(1, input_shape=(4,), seed=3,
                                        kernel_constraint=constraint)])
        model.compile(optimizer=optim.SGD(0.05), loss="mse")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        lows.append(model.layers[0].W.numpy().min())
    assert lows[0] < -0.5 and lows[1] == 0.0


def test_add_weight_takes_a_constraint():
    class Linear(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), constraint="non_neg")
            self.b = self.add_weight(shape=(2,), initializer="zeros")

        def call(self, x):
            return ag.matmul(x, self.w) + self.b

    layer = Linear()
    layer(np.ones((1, 3), np.float32))
    assert type(layer.w.constraint) is constraints.NonNeg and layer.b.constraint is None
    counts = dict(nn_module._name_counts)
    with pytest.raises(ValueError, match="add_weight: constraint: .*unknown constraint"):
        layer.add_weight(shape=(2,), constraint="nonneg")
    assert len(layer.weights) == 2 and nn_module._name_counts == counts


# --- the layers' arguments and configs ---------------------------------------------------------
C = constraints.MaxNorm(2.5, axis=0)
LAYERS = [
    (lambda **c: nn.Dense(3, input_shape=(4,), **c), ("kernel", "bias")),
    (lambda **c: nn.Conv2D(2, 3, input_shape=(5, 5, 2), **c), ("kernel", "bias")),
    (lambda **c: nn.Conv1D(2, 3, input_shape=(6, 2), **c), ("kernel", "bias")),
    (lambda **c: nn.DepthwiseConv2D(3, input_shape=(5, 5, 2), **c), ("depthwise", "bias")),
    (lambda **c: nn.Embedding(10, 4, **c), ("embeddings",)),
    (lambda **c: nn.BatchNormalization(input_shape=(3,), **c), ("beta", "gamma")),
    (lambda **c: nn.LayerNormalization(input_shape=(3,), **c), ("beta", "gamma")),
    (lambda **c: nn.SimpleRNN(3, input_shape=(4, 2), **c),
     ("kernel", "recurrent", "bias")),
    (lambda **c: nn.LSTM(3, input_shape=(4, 2), **c), ("kernel", "recurrent", "bias")),
    (lambda **c: nn.GRU(3, input_shape=(4, 2), **c), ("kernel", "recurrent", "bias")),
]


@pytest.mark.parametrize("make, weights", LAYERS)
def test_layers_give_their_weights_the_constraints_and_write_them(make, weights):
    args = {f"{w}_constraint": C for w in weights}
    layer = make(**args)
    assert all(v.constraint is C for v in layer.trainable_variables)
    assert all(v.constraint is None for v in layer.non_trainable_variables)
    config = layer.get_config()
    json.dumps(config)
    assert {k: config[k] for k in args} == {k: constraints.serialize(C) for k in args}
    again = type(layer)(**config)
    assert again.get_config() == config
    assert [v.constraint.get_config() for v in again.trainable_variables] == \
        [C.get_config()] * len(layer.trainable_variables)
    plain = make().get_config()
    assert all(plain[k] is None for k in args)
    assert all(v.constraint is None for v in make().trainable_variables)


def test_bidirectional_copies_carry_the_constraints():
    layer = nn.Bidirectional(nn.LSTM(3, kernel_constraint=C), input_shape=(4, 2))
    assert layer.forward_layer.kernel.constraint is C
    assert layer.backward_layer.kernel.constraint is C
    again = nn.Bidirectional.from_config(json.loads(json.dumps(layer.get_config())))
    assert again.backward_layer.kernel.constraint.get_config() == C.get_config()


def test_conv2d_transpose_still_rebuilds_from_its_config():
    layer = nn.Conv2DTranspose(2, 3, input_shape=(4, 4, 1))
    assert type(layer)(**layer.get_config()).get_config() == layer.get_config()


def test_save_and_load_keep_the_constraints(tmp_path):
    inputs = nn.Input((6,), dtype="int64")
    h = nn.Embedding(10, 3, embeddings_constraint=constraints.UnitNorm(axis=1),
                     name="emb")(inputs)
    h = nn.Flatten()(h)
    h = nn.Dense(4, activation="relu", kernel_constraint=constraints.MaxNorm(2),
                 bias_constraint="non_neg", name="hidden")(h)
    out = nn.Dense(2, kernel_constraint=Clip(0.3), name="out")(h)
    model = nn.Model(inputs, out)
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(13)
    x, y = rng.integers(0, 10, size=(8, 6)), 5 * rng.normal(size=(8, 2)).astype(np.float32)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        text = archive.read("config.json").decode()
    assert '"UnitNorm"' in text and '"Clip"' in text
    with pytest.raises(ValueError, match="kernel_constraint: .*'Clip'.*pass a constraint of "
                                         "your own in custom_objects"):
        nn.load_model(path)
    again = nn.load_model(path, custom_objects={"Clip": Clip})
    layers = {layer.name: layer for layer in again.layers}
    for layer in model.layers:
        assert layers[layer.name].get_config() == layer.get_config()
    assert type(layers["out"].W.constraint) is Clip
    again.fit(x, y, epochs=3, batch_size=4, verbose=0)  # the constraints act after loading
    assert np.abs(layers["out"].W.numpy()).max() <= 0.3 + 1e-7
    assert column_norms(layers["hidden"].W).max() <= 2 * (1 + 1e-6)
    assert layers["hidden"].b.numpy().min() >= 0
    np.testing.assert_allclose(np.linalg.norm(layers["emb"].embeddings.numpy(), axis=1), 1,
                               rtol=1e-5)


def test_a_plain_function_constraint_cannot_be_saved(tmp_path):
    model = nn.Sequential([nn.Input((3,)), nn.Dense(2, kernel_constraint=lambda w: w)])
    with pytest.raises(ValueError, match="cannot write function"):
        model.save(tmp_path / "f.keras")
    assert not (tmp_path / "f.keras").exists()


# --- refusals ----------------------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: constraints.MaxNorm(-1), "MaxNorm: max_value must be a finite number >= 0"),
    (lambda: constraints.MaxNorm("2"), "max_value must be a finite number >= 0, got '2'"),
    (lambda: constraints.MaxNorm(axis=1.5), "MaxNorm: axis must be an int or a non-empty"),
    (lambda: constraints.UnitNorm(axis=[]), "UnitNorm: axis must be an int or a non-empty"),
    (lambda: constraints.MinMaxNorm(2.0, 1.0), "min_value must not exceed max_value"),
    (lambda: constraints.MinMaxNorm(rate=1.5), "rate must lie in \\[0, 1\\], got 1.5"),
    (lambda: constraints.MinMaxNorm(rate=float("nan")), "rate must be a finite number"),
    (lambda: constraints.get("maxnorm"), "unknown constraint 'maxnorm'"),
    (lambda: constraints.get(3), "expected None, a name, a config dict or a callable"),
    (lambda: constraints.get({"class_name": "Max", "config": {}}),
     "unknown constraint config"),
])
def test_bad_constraints_are_refused(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


@pytest.mark.parametrize("make, weights", LAYERS)
@pytest.mark.parametrize("bad, error", [(5, TypeError), ("bogus", ValueError)])
def test_a_bad_constraint_argument_changes_nothing(make, weights, bad, error):
    what = f"{weights[-1]}_constraint"
    nothing_changes(lambda: pytest.raises(error, make, **{what: bad}))
    with pytest.raises(error, match=f": {what}: constraints.get"):
        make(**{what: bad})


def test_the_refusal_names_the_layer():
    with pytest.raises(ValueError, match="^Dense 'd1': kernel_constraint: .*'bogus'"):
        nn.Dense(2, kernel_constraint="bogus", name="d1")


def test_conv2d_transpose_takes_constraints_and_saves_them():
    layer = nn.Conv2DTranspose(3, 3, kernel_constraint=constraints.NonNeg(),
                               bias_constraint="max_norm", input_shape=(4, 4, 2))
    config = layer.get_config()
    assert config["kernel_constraint"] == {"class_name": "NonNeg", "config": {}}
    again = nn.Conv2DTranspose(**config)
    assert isinstance(again.W.constraint, constraints.NonNeg)
    assert isinstance(again.b.constraint, constraints.MaxNorm)
    model = nn.Sequential([nn.Input((4, 4, 2)), layer])
    model.compile("sgd", "mse")
    model.fit(np.ones((2, 4, 4, 2)), -np.ones((2, 6, 6, 3)), verbose=0)
    assert (layer.W.numpy() >= 0).all()


def test_a_layer_without_get_config_saves_its_constraints(tmp_path):
    """model_saving reads a plain Module's arguments back from its attributes: a
    constraint among them is written in Keras's form, not dropped."""
    class Scaled(nn.Module):
        def __init__(self, units, kernel_constraint=None, name=None):
            super().__init__(name)
            self.units = units
            self.kernel_constraint = constraints.get(kernel_constraint)
            self.W = ag.Variable(np.ones((2, units), np.float32),
                                 constraint=self.kernel_constraint)

        def forward(self, x):
            return x @ self.W

    model = nn.Sequential([nn.Input((2,)), Scaled(3, "non_neg")])
    model.save(tmp_path / "m.keras")
    loaded = nn.load_model(tmp_path / "m.keras", custom_objects={"Scaled": Scaled})
    assert isinstance(loaded.layers[0].kernel_constraint, constraints.NonNeg)
