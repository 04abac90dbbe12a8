"""Tests for nn's Module, layers, activations and initializers."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
import nn
from nn import activations, initializers
from nn.basic_layers import (
    Activation, Dense, Dropout, Flatten, LeakyReLU, Neuron, Perceptron, PReLU, ReLU,
    Residual, Softmax,
)
from nn.sequential import MLP, Sequential
from nn.module import Module

# --- Module ---------------------------------------------------------------------------


class Pair(Module):
    """Two Dense layers sharing nothing, plus a direct Variable between them."""

    def __init__(self):
        super().__init__()
        self.first = Dense(3, input_dim=2, seed=0)
        self.scale = ag.Variable([2.0], name="scale")
        self.rest = [Dense(1, input_dim=3, seed=1)]
        self.frozen = ag.Variable([1.0], trainable=False)

    def forward(self, x):
        return self.rest[0](self.first(x) * self.scale) * self.frozen


def test_named_parameters_order_own_variables_first_then_submodules():
    m = Pair()
    names = [name for name, _ in m.named_parameters()]
    assert names == ["scale", "frozen", "first.W", "first.b", "rest.0.W", "rest.0.b"]
    assert m.parameters()[2] is m.first.W


def test_trainable_and_non_trainable_variables():
    m = Pair()
    assert m.non_trainable_variables == [m.frozen]
    assert m.trainable_variables == [m.scale, m.first.W, m.first.b, m.rest[0].W, m.rest[0].b]
    assert m.count_params() == 1 + 1 + 2 * 3 + 3 + 3 + 1


def test_shared_variable_and_shared_layer_appear_once():
    shared = Dense(2, input_dim=2, seed=0)
    other = Dense(2, input_dim=2, seed=1)
    other.W = shared.W                      # tied weights
    model = Sequential([shared, other, shared])
    params = model.parameters()
    assert len(params) == 3                 # shared.W, shared.b, other.b
    assert len({id(p) for p in params}) == 3
    assert [n for n, _ in model.named_parameters()] == ["0.W", "0.b", "1.b"]


def test_train_eval_propagates_and_call_training_flag_restores():
    model = Sequential([Dense(2, input_dim=2), Dropout(0.5), Residual(Dense(2, input_dim=2))])
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert len(model.modules()) == 5
    model.train()
    seen = []

    class Spy(Module):
        def forward(self, x):
            seen.append(self.training)
            return x

    model.add(Spy())
    assert seen == [False]                  # the build pass on add() runs in inference mode
    model(np.ones((1, 2)), training=False)
    assert seen == [False, False]
    assert all(m.training for m in model.modules())     # restored


def test_zero_grad():
    m = Pair()
    loss = ag.sum(m(np.ones((4, 2))))
    loss.backward()
    assert m.first.W.grad is not None
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_repr_is_nested():
    model = Sequential([Dense(4, activation="relu", input_shape=(3,)),
                        Residual(Dense(4, input_dim=4)), Dropout(0.25)])
    text = repr(model)
    assert text.splitlines() == [
        "Sequential(",
        "  (0): Dense(3 -> 4, activation=relu)",
        "  (1): Residual(",
        "    (inner): Dense(4 -> 4, activation=linear)",
        "  )",
        "  (2): Dropout(rate=0.25)",
        ")",
    ]


def test_unique_keras_names():
    a, b = Dense(1), Dense(1)
    assert re.fullmatch(r"dense(_\d+)?", a.name) and re.fullmatch(r"dense_\d+", b.name)
    assert a.name != b.name
    assert Dense(1, name="out").name == "out"
    assert LeakyReLU().name.startswith("leaky_re_lu")


def test_layers_run_in_their_name_scope():
    layer = Dense(2, input_dim=3, name="hidden")
    model = Sequential([layer], name="net")
    y = model(np.ones((1, 3)))
    assert y.op.scope == "net/hidden"
    scopes = {node.op.scope for node in ag.topological_order(y) if node.op is not None}
    assert scopes == {"net/hidden"}


def test_get_and_set_weights_check_shapes_first():
    m = Pair()
    before = m.get_weights()
    bad = [w + 1 for w in before]
    bad[-1] = np.zeros(5)
    with pytest.raises(ValueError, match="shapes do not match"):
        m.set_weights(bad)
    for w, v in zip(before, m.parameters()):
        np.testing.assert_array_equal(w, v.numpy())
    m.set_weights([w + 1 for w in before])
    np.testing.assert_array_equal(m.scale.numpy(), [3.0])


# --- Dense --------------------------------------------------------------------------------


def test_dense_forward_is_the_formula():
    rng = np.random.default_rng(0)
    layer = Dense(3, activation="tanh", input_shape=(4,), seed=1)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    expected = np.tanh(x @ layer.W.numpy() + layer.b.numpy())
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6)
    assert layer.kernel is layer.W and layer.bias is layer.b
    assert layer.W.shape == (4, 3) and layer.b.shape == (3,)
    assert layer.output_shape == (None, 3)


def test_dense_builds_lazily_like_keras():
    layer = Dense(5)
    assert layer.W is None and layer.parameters() == []
    y = layer(np.ones((2, 7)))
    assert layer.W.shape == (7, 5) and y.shape == (2, 5)
    assert Dense(5, input_dim=7).W.shape == (7, 5)


def test_dense_rejects_wrong_input_with_shapes():
    layer = Dense(2, input_shape=(3,), name="d")
    with pytest.raises(ValueError, match=r"Dense 'd'.*\(batch, 3\).*\(4, 5\)"):
        layer(np.ones((4, 5)))
    with pytest.raises(ValueError, match="units"):
        Dense(0)
    with pytest.raises(ValueError, match="not both"):
        Dense(2, input_shape=(3,), input_dim=3)


def test_dense_without_bias_and_inputs_cast_to_weights_dtype():
    layer = Dense(2, use_bias=False, input_dim=3, seed=0)
    assert layer.b is None and len(layer.parameters()) == 1
    y = layer(np.ones((1, 3), dtype=np.float64))   # float64 data, float32 weights
    assert y.dtype == np.float32
    y = layer([[1, 2, 3]])
    np.testing.assert_allclose(y.numpy(), [[1, 2, 3]] @ layer.W.numpy(), rtol=1e-5, atol=1e-6)


def test_dense_gradients_are_the_lecture_equations():
    # dL/dW = x^T g,  dL/db = sum_n g,  dL/dx = g W^T  (lecture 004's dense-layer gradients)
    rng = np.random.default_rng(1)
    layer = Dense(3, input_dim=4, seed=2)
    x = ag.Variable(rng.normal(size=(5, 4)))
    g = rng.normal(size=(5, 3)).astype(np.float32)
    layer(x).backward(g)
    np.testing.assert_allclose(layer.W.grad, x.numpy().T @ g, rtol=1e-5)
    np.testing.assert_allclose(layer.b.grad, g.sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(x.grad, g @ layer.W.numpy().T, rtol=1e-5)


def test_dense_gradcheck_float64():
    ag.set_default_dtype(ag.float64)
    layer = Dense(3, activation="sigmoid", input_dim=4, seed=3)
    rng = np.random.default_rng(0)

    def f(x, W, b):
        layer.W, layer.b = W, b
        return layer(x)
    errors = ag.gradcheck(f, [rng.normal(size=(2, 4)), layer.W.numpy(), layer.b.numpy()])
    assert max(errors) < 1e-6


def test_perceptron_step_has_zero_gradient():
    p = Perceptron(2, seed=0)
    assert Neuron is Perceptron and p.W.shape == (2, 1)
    p.W.assign([[1.0], [1.0]])
    p.b.assign([-1.5])                       # an AND gate
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = p(x)
    np.testing.assert_array_equal(y.numpy().ravel(), [0, 0, 0, 1])
    ag.sum(y).backward()
    np.testing.assert_array_equal(p.W.grad, 0)
    np.testing.assert_array_equal(p.b.grad, 0)


# --- activations ---------------------------------------------------------------------------


def test_activations_get_by_name_and_values():
    x = np.array([[-2.0, 0.0, 3.0]], np.float32)
    expected = {
        "relu": np.maximum(x, 0),
        "sigmoid": 1 / (1 + np.exp(-x)),
        "tanh": np.tanh(x),
        "softmax": np.exp(x) / np.exp(x).sum(),
        "leaky_relu": np.where(x > 0, x, 0.2 * x),
        "linear": x,
        "step": (x > 0).astype(np.float32),
    }
    for name, want in expected.items():
        got = activations.get(name)(ag.constant(x))
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, err_msg=name)
    assert activations.get(None) is activations.linear
    assert activations.get(np.tanh) is np.tanh
    assert isinstance(activations.get("prelu"), PReLU)
    with pytest.raises(ValueError, match="unknown activation 'swishy'"):
        activations.get("swishy")


def test_dense_accepts_engine_functions_and_names_them():
    layer = Dense(2, activation=ag.sigmoid, input_dim=2)
    assert "activation=sigmoid" in repr(layer)


def test_activation_layers():
    x = np.array([[-1.0, 2.0]], np.float32)
    np.testing.assert_allclose(ReLU()(x).numpy(), [[0, 2]])
    np.testing.assert_allclose(Activation("tanh")(x).numpy(), np.tanh(x), rtol=1e-6)
    np.testing.assert_allclose(LeakyReLU()(x).numpy(), [[-0.3, 2]], rtol=1e-6)
    np.testing.assert_allclose(Softmax()(x).numpy().sum(), 1, rtol=1e-6)


def test_prelu_slope_is_trainable_per_unit():
    layer = PReLU()
    x = ag.constant([[-2.0, 3.0, -1.0], [4.0, -5.0, 0.5]])
    y = layer(x)
    assert layer.alpha.shape == (3,)
    np.testing.assert_allclose(layer.alpha.numpy(), 0.25)
    np.testing.assert_allclose(y.numpy(), [[-0.5, 3.0, -0.25], [4.0, -1.25, 0.5]])
    ag.sum(y).backward()
    np.testing.assert_allclose(layer.alpha.grad, [-2.0, -5.0, -1.0])   # sum of min(x, 0)
    dense = Dense(3, activation="prelu", input_dim=2)
    assert [n for n, _ in dense.named_parameters()] == ["W", "b", "activation.alpha"]


# --- other layers ---------------------------------------------------------------------------


def test_flatten():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(Flatten()(x), x.reshape(2, 12))
    v = ag.Variable(x)
    y = Flatten()(v)
    assert y.shape == (2, 12)
    ag.sum(y * 2).backward()
    np.testing.assert_array_equal(v.grad, np.full((2, 3, 4), 2.0))


def test_dropout_inverted_scaling_only_in_training():
    layer = Dropout(0.25, seed=0)
    x = np.ones((200, 100), np.float32)
    y = layer(x).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.01
    assert abs(y.mean() - 1.0) < 0.02                  # E[y] = x
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)


def test_dropout_seeded_and_global_seed_reproducible():
    x = np.ones((4, 5), np.float32)
    a, b = Dropout(0.5, seed=3)(x).numpy(), Dropout(0.5, seed=3)(x).numpy()
    np.testing.assert_array_equal(a, b)
    ag.random.set_seed(11)
    c = Dropout(0.5)(x).numpy()
    ag.random.set_seed(11)
    np.testing.assert_array_equal(c, Dropout(0.5)(x).numpy())


def test_dropout_gradient_follows_the_mask():
    v = ag.Variable(np.ones((3, 4)))
    y = Dropout(0.5, seed=1)(v)
    ag.sum(y).backward()
    np.testing.assert_array_equal(v.grad, y.numpy())     # mask / (1 - rate)


def test_residual_adds_the_input_and_its_gradient():
    inner = Dense(3, activation="tanh", input_dim=3, seed=0)
    block = Residual(inner)
    x = ag.Variable(np.random.default_rng(0).normal(size=(2, 3)))
    y = block(x)
    np.testing.assert_allclose(y.numpy(), x.numpy() + inner(x).numpy(), rtol=1e-6)
    g = np.ones((2, 3), np.float32)
    y.backward(g)
    h = np.tanh(x.numpy() @ inner.W.numpy() + inner.b.numpy())
    expected = g + ((1 - h ** 2) * g) @ inner.W.numpy().T        # identity + inner path
    np.testing.assert_allclose(x.grad, expected, rtol=1e-5)
    with pytest.raises(ValueError, match=r"inner maps shape \(2, 3\) to \(2, 4\)"):
        Residual(Dense(4))(x)


# --- Sequential and MLP ---------------------------------------------------------------------


def test_sequential_add_index_len_and_eager_build():
    model = Sequential()
    model.add(Flatten(input_shape=(28, 28)))
    model.add(Dense(200, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    assert len(model) == 3 and isinstance(model[1], Dense)
    assert model[1].W.shape == (784, 200)           # built as added, no data seen
    assert [l.output_shape for l in model] == [(None, 784), (None, 200), (None, 10)]
    head = model[:2]
    assert isinstance(head, Sequential) and head.layers == model.layers[:2]
    assert model.output_activation == "softmax"
    with pytest.raises(TypeError, match="expected a layer"):
        model.add("dense")


def test_sequential_forward_and_logits():
    model = Sequential([Dense(4, activation="relu", input_dim=3, seed=0),
                        Dense(2, activation="softmax", seed=1)])
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    z = model.forward_logits(x).numpy()
    p = model(x).numpy()
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(1, keepdims=True), rtol=1e-5)
    h = np.maximum(x @ model[0].W.numpy() + model[0].b.numpy(), 0)
    np.testing.assert_allclose(z, h @ model[1].W.numpy() + model[1].b.numpy(), rtol=1e-5)
    assert Sequential([Dense(2, activation="relu", input_dim=1)]).output_activation is None
    assert Sequential([Dense(2, input_dim=1), Softmax()]).output_activation == "softmax"


def test_summary_of_the_course_mnist_network():
    model = Sequential([Dense(512, activation="relu", input_shape=(784,), name="dense_3"),
                        Dense(10, activation="softmax", name="dense_4")])
    lines = []
    model.summary(print_fn=lines.append)
    rows = [line for line in lines if "(Dense)" in line]
    assert rows[0].split() == ["dense_3", "(Dense)", "(None,", "512)", "401920"]
    assert rows[1].split() == ["dense_4", "(Dense)", "(None,", "10)", "5130"]
    assert "Total params: 407,050" in lines
    assert "Trainable params: 407,050" in lines
    assert "Non-trainable params: 0" in lines
    assert lines[0] == f'Model: "{model.name}"'
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]


def test_summary_counts_non_trainable_and_needs_a_built_model():
    model = Sequential([Dense(3, input_dim=2)])
    model[0].b.trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    assert "Trainable params: 6" in lines and "Non-trainable params: 3" in lines
    lazy = Sequential([Dense(3)])
    with pytest.raises(ValueError, match="not been built"):
        lazy.summary()
    lazy(np.ones((1, 4)))
    lines = []
    lazy.summary(print_fn=lines.append)
    assert "Total params: 15" in lines


def test_mlp():
    model = MLP(784, [512], 10, output_activation="softmax", seed=0)
    assert model.count_params() == 407050
    assert [l.units for l in model] == [512, 10]
    assert activations.name_of(model[0].activation) == "relu"
    assert model.output_activation == "softmax"
    again = MLP(784, [512], 10, output_activation="softmax", seed=0)
    np.testing.assert_array_equal(model[0].W.numpy(), again[0].W.numpy())
    deep = MLP(3, [8, 6], 2)
    assert [p.shape for p in deep.parameters()] == [(3, 8), (8,), (8, 6), (6,), (6, 2), (2,)]
    assert deep(np.ones((4, 3))).shape == (4, 2)


# --- initializers ---------------------------------------------------------------------------

SHAPE = (400, 600)   # fan_in 400, fan_out 600


@pytest.mark.parametrize("name, check", [
    ("zeros", lambda w: np.all(w == 0)),
    ("ones", lambda w: np.all(w == 1)),
    ("glorot_uniform", lambda w: (np.abs(w).max() <= np.sqrt(6 / 1000))
        and abs(w.std() - np.sqrt(2 / 1000)) < 0.02 * np.sqrt(2 / 1000)
        and np.abs(w).max() > 0.99 * np.sqrt(6 / 1000)),
    ("glorot_normal", lambda w: abs(w.std() - np.sqrt(2 / 1000)) < 0.02 * np.sqrt(2 / 1000)
        and np.abs(w).max() <= 2 * np.sqrt(2 / 1000) / 0.87962566103423978),
    ("he_uniform", lambda w: np.abs(w).max() <= np.sqrt(6 / 400)
        and abs(w.std() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)),
    ("he_normal", lambda w: abs(w.std() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
        and np.abs(w).max() <= 2 * np.sqrt(2 / 400) / 0.87962566103423978),
    ("lecun_normal", lambda w: abs(w.std() - np.sqrt(1 / 400)) < 0.02 * np.sqrt(1 / 400)),
    ("random_normal", lambda w: abs(w.std() - 0.05) < 0.001),
    ("random_uniform", lambda w: np.abs(w).max() <= 0.05
        and abs(w.std() - 0.1 / np.sqrt(12)) < 0.001),
    ("truncated_normal", lambda w: np.abs(w).max() <= 0.1
        and abs(w.std() - 0.05 * 0.8796) < 0.001),
])
def test_initializer_statistics(name, check):
    w = initializers.get(name, seed=0)(SHAPE)
    assert w.shape == SHAPE and w.dtype == np.float32
    assert name == "ones" or abs(w.mean()) < 0.002
    assert check(w), name


def test_initializers_are_seeded_and_by_class_name():
    a = initializers.get("GlorotUniform", seed=5)((30, 20))
    np.testing.assert_array_equal(a, initializers.GlorotUniform(seed=5)((30, 20)))
    assert not np.array_equal(a, initializers.GlorotUniform(seed=6)((30, 20)))
    ag.random.set_seed(1)
    b = initializers.HeNormal()((30, 20))
    ag.random.set_seed(1)
    np.testing.assert_array_equal(b, initializers.HeNormal()((30, 20)))
    np.testing.assert_array_equal(initializers.Constant(0.3)((2,), np.float64), [0.3, 0.3])
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        initializers.get("glorot")


def test_dense_seed_gives_identical_weights():
    a, b = Dense(4, input_dim=3, seed=7), Dense(4, input_dim=3, seed=7)
    np.testing.assert_array_equal(a.W.numpy(), b.W.numpy())
    c = Dense(4, input_dim=3, kernel_initializer=initializers.Constant(2.0))
    np.testing.assert_array_equal(c.W.numpy(), 2.0)


@given(st.lists(st.integers(1, 6), min_size=0, max_size=4))
def test_compute_fans(shape):
    fan_in, fan_out = initializers.compute_fans(shape)
    if len(shape) == 0:
        assert (fan_in, fan_out) == (1, 1)
    elif len(shape) == 1:
        assert fan_in == fan_out == shape[0]
    else:
        receptive = int(np.prod(shape[:-2]))
        assert (fan_in, fan_out) == (shape[-2] * receptive, shape[-1] * receptive)


# --- the package ---------------------------------------------------------------------------


def test_package_exports():
    for name in nn.__all__:
        assert hasattr(nn, name), name
    assert nn.to_categorical is nn.data.to_categorical
    assert nn.Standardizer is nn.data.Standardizer
