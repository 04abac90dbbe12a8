"""nn.utils (PyTorch's torch.nn.utils, Keras's keras.utils), nn.backend, and Module's
apply and zero_grad(set_to_none=False): clipping against torch 2.13 itself."""

import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.backend as backend
import nn.utils as utils
from nn import module as nn_module

SHAPES = [(3, 4), (5,), (), (2, 3, 2), (1,)]


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed (make test "
                                               "EXTRAS=dev,torch)")


@pytest.fixture
def names_restored():
    """clear_session empties the process-wide name counts: give other tests theirs back."""
    counts = dict(nn_module._name_counts)
    yield
    nn_module._name_counts.clear()
    nn_module._name_counts.update(counts)


def make_params(shapes, dtype, seed, none_at=(), scale=1.0):
    """Variables of the shapes, with random gradients (None at the indices ``none_at``)."""
    rng = np.random.default_rng(seed)
    params = []
    for i, shape in enumerate(shapes):
        v = ag.Variable(np.zeros(shape, dtype))
        if i not in none_at:
            g = (scale * rng.standard_normal(shape)).astype(dtype)
            v.grad = g if shape else dtype(g)  # a 0-d parameter's gradient is a scalar
        params.append(v)
    return params


def torch_twins(torch, params):
    twins = []
    for p in params:
        t = torch.zeros(p.shape, dtype=getattr(torch, p.dtype.name), requires_grad=True)
        if p.grad is not None:
            t.grad = torch.tensor(np.asarray(p.grad))
        twins.append(t)
    return twins


def grads_of(params):
    return [None if p.grad is None else np.array(p.grad) for p in params]


def assert_grads(params, twins, rtol):
    for p, t in zip(params, twins):
        if t.grad is None:
            assert p.grad is None
        else:
            assert np.asarray(p.grad).dtype == t.grad.numpy().dtype
            np.testing.assert_allclose(np.asarray(p.grad), t.grad.numpy(), rtol=rtol,
                                       atol=0, equal_nan=True)


# --- clip_grad_norm_ against torch ----------------------------------------------------------
@pytest.mark.parametrize("norm_type", [1, 2.0, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("ratio", [0.25, 4.0], ids=["clipped", "within"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_norm_matches_torch(torch, norm_type, ratio, dtype):
    params = make_params(SHAPES, dtype, seed=len(str(norm_type)), none_at=(1,))
    twins = torch_twins(torch, params)
    arrays = [p.grad for p in params]
    before = grads_of(params)
    reference = torch.nn.utils.get_total_norm([t.grad for t in twins if t.grad is not None],
                                              norm_type)
    max_norm = ratio * float(reference)

    total = utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(twins, max_norm, norm_type=norm_type)

    rtol = 1e-12 if dtype is np.float64 else 2e-6
    assert isinstance(total, ag.Value) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), expected.item(), rtol=rtol)
    assert_grads(params, twins, rtol)
    for p, a, b in zip(params, arrays, before):
        if isinstance(a, np.ndarray):
            assert p.grad is a  # changed in place: an optimizer holding it sees the clip
        if ratio > 1 and b is not None:
            np.testing.assert_array_equal(np.asarray(p.grad), b)  # the factor was 1
    if ratio < 1:
        clipped = utils.clip_grad_norm_(params, math.inf, norm_type=norm_type).item()
        assert clipped == pytest.approx(max_norm, rel=1e-5)


def test_clip_grad_norm_mixed_dtypes_give_the_wider_one(torch):
    params = make_params([(3,), (2, 2)], np.float32, seed=1) + \
        make_params([(4,)], np.float64, seed=2)
    twins = torch_twins(torch, params)
    total = utils.clip_grad_norm_(params, 0.5)
    expected = torch.nn.utils.clip_grad_norm_(twins, 0.5)
    assert total.dtype == np.float64 and expected.dtype == torch.float64
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-7)
    assert_grads(params, twins, rtol=1e-6)


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_grad_norm_non_finite_as_torch(torch, bad):
    params = make_params([(3,), (2,)], np.float64, seed=3)
    params[0].grad[1] = bad
    twins = torch_twins(torch, params)
    total = utils.clip_grad_norm_(params, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(twins, 1.0)
    np.testing.assert_equal(total.item(), expected.item())
    assert_grads(params, twins, rtol=0)


def test_clip_grad_norm_error_if_nonfinite_changes_nothing(torch):
    params = make_params([(3,), (2,)], np.float64, seed=4)
    params[1].grad[0] = math.inf
    twins = torch_twins(torch, params)
    before = grads_of(params)
    with pytest.raises(RuntimeError, match="clip_grad_norm_.*error_if_nonfinite"):
        utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(twins, 1.0, error_if_nonfinite=True)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.grad, b)


def test_clip_grad_norm_with_no_gradients_returns_zero(torch):
    expected = torch.nn.utils.clip_grad_norm_([], 1.0)
    for params in ([], make_params([(3,)], np.float64, seed=0, none_at=(0,))):
        total = utils.clip_grad_norm_(params, 1.0)
        assert total.item() == expected.item() == 0.0
        assert total.dtype == ag.get_default_dtype() == np.float32
    with pytest.warns(UserWarning, match="empty generator"):
        assert utils.clip_grad_norm_((p for p in []), 1.0).item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty list is no sign of a used-up generator
        utils.clip_grad_norm_([], 1.0)


def test_clip_grad_norm_takes_one_value_and_a_generator():
    (p,) = make_params([(2,)], np.float64, seed=0)
    p.grad = np.array([3.0, 4.0])
    assert utils.clip_grad_norm_(p, 1.0).item() == 5.0
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-6)
    model = nn.Linear(3, 2)
    for v in model.parameters():
        v.grad = np.full(v.shape, 10.0, v.dtype)
    utils.clip_grad_norm_((v for v in model.parameters()), 1.0)
    norm = math.sqrt(sum(float(np.sum(v.grad.astype(np.float64) ** 2))
                         for v in model.parameters()))
    assert norm == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_scales_a_value_gradient():
    x = ag.Variable([3.0, 4.0], dtype="float64")
    ag.sum(x * x / 2).backward(create_graph=True)   # grad = x, a Value
    assert isinstance(x.grad, ag.Value)
    assert utils.clip_grad_norm_([x], 1.0).item() == pytest.approx(5.0)
    assert isinstance(x.grad, ag.Value)
    np.testing.assert_allclose(x.grad.numpy(), [0.6, 0.8], rtol=1e-6)


# --- clip_grad_value_ against torch ---------------------------------------------------------
@pytest.mark.parametrize("clip_value", [0.0, 0.3, 1.0, 10.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_value_matches_torch(torch, clip_value, dtype):
    params = make_params(SHAPES, dtype, seed=5, none_at=(3,), scale=2.0)
    twins = torch_twins(torch, params)
    arrays = [p.grad for p in params]
    assert utils.clip_grad_value_(params, clip_value) is None
    torch.nn.utils.clip_grad_value_(twins, clip_value)
    assert_grads(params, twins, rtol=0)
    for p, a in zip(params, arrays):
        if isinstance(a, np.ndarray):
            assert p.grad is a
        if p.grad is not None:
            assert np.max(np.abs(p.grad)) <= dtype(clip_value)


def test_clip_grad_value_clips_a_value_gradient():
    x = ag.Variable([3.0, -0.5], dtype="float64")
    ag.sum(x * x / 2).backward(create_graph=True)
    utils.clip_grad_value_(x, 1.0)
    assert isinstance(x.grad, ag.Value)
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, -0.5])


# --- refusals change nothing ----------------------------------------------------------------
def refused_calls():
    yield "max_norm", lambda ps: utils.clip_grad_norm_(ps, -1.0)
    yield "max_norm", lambda ps: utils.clip_grad_norm_(ps, math.nan)
    yield "max_norm", lambda ps: utils.clip_grad_norm_(ps, "1.0")
    yield "max_norm", lambda ps: utils.clip_grad_norm_(ps, True)
    yield "max_norm", lambda ps: utils.clip_grad_norm_(ps, [1.0, 2.0])
    yield "norm_type", lambda ps: utils.clip_grad_norm_(ps, 1.0, norm_type="fro")
    yield "norm_type", lambda ps: utils.clip_grad_norm_(ps, 1.0, norm_type=math.nan)
    yield "norm_type", lambda ps: utils.clip_grad_norm_(ps, 1.0, norm_type=None)
    yield "foreach", lambda ps: utils.clip_grad_norm_(ps, 1.0, foreach=1)
    yield "foreach", lambda ps: utils.clip_grad_value_(ps, 1.0, foreach="yes")
    yield "parameters\\[1\\]", lambda ps: utils.clip_grad_norm_([ps[0], 3.0, ps[2]], 1.0)
    yield "parameters", lambda ps: utils.clip_grad_norm_(7, 1.0)
    yield "model.parameters()", lambda ps: utils.clip_grad_norm_(nn.Sequential(
        nn.Linear(1, 1)), 1.0)
    yield "clip_value", lambda ps: utils.clip_grad_value_(ps, -0.5)
    yield "clip_value", lambda ps: utils.clip_grad_value_(ps, math.nan)
    yield "clip_value", lambda ps: utils.clip_grad_value_(ps, None)


@pytest.mark.parametrize("argument, call", list(refused_calls()),
                         ids=[f"{i}-{a}" for i, (a, _) in enumerate(refused_calls())])
def test_refusals_change_nothing(argument, call):
    params = make_params([(3,), (2, 2), ()], np.float64, seed=6, scale=5.0)
    arrays = [p.grad for p in params]
    before = grads_of(params)
    with pytest.raises((TypeError, ValueError), match=argument) as info:
        call(params)
    assert str(info.value).startswith(("clip_grad_norm_:", "clip_grad_value_:"))
    for p, a, b in zip(params, arrays, before):
        assert p.grad is a
        np.testing.assert_array_equal(p.grad, b)


def test_an_empty_gradient_has_no_inf_norm(torch):
    params = make_params([(3,), (0,)], np.float64, seed=7, scale=5.0)
    before = grads_of(params)
    with pytest.raises(ValueError, match=r"clip_grad_norm_: parameters\[1\].grad is empty"):
        utils.clip_grad_norm_(params, 1.0, norm_type="inf")
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(torch_twins(torch, params), 1.0, norm_type="inf")
    np.testing.assert_array_equal(params[0].grad, before[0])
    twins = torch_twins(torch, params)   # its 2-norm is 0, as torch's
    total = utils.clip_grad_norm_(params, 1.0)
    np.testing.assert_allclose(total.item(), torch.nn.utils.clip_grad_norm_(twins, 1.0).item())


# --- parameters_to_vector / vector_to_parameters ------------------------------------------
def test_parameters_to_vector_round_trip(torch):
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    params = model.parameters()
    values = [v.numpy().copy() for v in params]
    arrays = [v.data for v in params]
    vec = utils.parameters_to_vector(params)
    assert isinstance(vec, ag.Value) and vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    np.testing.assert_array_equal(vec.numpy(), np.concatenate([a.ravel() for a in values]))
    twins = [torch.nn.Parameter(torch.tensor(a)) for a in values]
    np.testing.assert_array_equal(vec.numpy(),
                                  torch.nn.utils.parameters_to_vector(twins).detach().numpy())

    utils.vector_to_parameters(vec * 2 + 1, params)
    for v, a, old in zip(params, arrays, values):
        assert v.data is a    # overwritten in place, dtype kept
        np.testing.assert_allclose(v.numpy(), old * 2 + 1)
    utils.vector_to_parameters(vec.numpy().astype(np.float64), params)  # numpy, cast back
    for v, old in zip(params, values):
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v.numpy(), old)


def test_parameters_to_vector_is_differentiable():
    a, b = ag.Variable([[1.0, 2.0]]), ag.Variable(3.0)
    ag.sum(utils.parameters_to_vector([a, b]) ** 2).backward()
    np.testing.assert_array_equal(a.grad, [[2.0, 4.0]])
    assert b.grad == 6.0


def test_parameters_to_vector_dtype_and_single_value(torch):
    a = ag.Variable(np.ones(2, np.float32))
    b = ag.Variable(np.ones((1, 2), np.float64))
    twins = [torch.ones(2), torch.ones(1, 2, dtype=torch.float64)]
    expected = torch.nn.utils.parameters_to_vector(twins)
    assert utils.parameters_to_vector([a, b]).dtype == np.float64 == expected.numpy().dtype
    assert utils.parameters_to_vector(b).shape == (2,)


@pytest.mark.parametrize("vec, match", [
    (np.zeros(4), "vec has 4 elements, the 2 parameters 5"),
    (np.zeros(6), "vec has 6 elements"),
    (np.zeros((5, 1)), "vec must be 1-D"),
    ([0.0] * 5, "vec must be a Value or a numpy array"),
    (np.zeros(5, complex), "vec must hold real numbers"),
])
def test_vector_to_parameters_refusals_change_nothing(vec, match):
    params = [ag.Variable(np.arange(3.0)), ag.Variable(np.ones((1, 2)))]
    before = [v.numpy().copy() for v in params]
    with pytest.raises((TypeError, ValueError), match="vector_to_parameters: " + match):
        utils.vector_to_parameters(vec, params)
    for v, b in zip(params, before):
        np.testing.assert_array_equal(v.numpy(), b)


def test_parameters_to_vector_refuses_nothing():
    with pytest.raises(ValueError, match="parameters_to_vector: parameters is empty"):
        utils.parameters_to_vector([])


# --- Module.apply ---------------------------------------------------------------------------
class Node(nn.Module):
    def __init__(self, label, *kids):
        super().__init__(name=label)
        for i, kid in enumerate(kids):
            setattr(self, f"kid{i}", kid)


def build(module_class, shared_leaf):
    """The same tree in either library: ``module_class(label, *children)``; one leaf is held
    by two parents, and a list of modules is entered."""
    shared = shared_leaf("shared")
    return module_class(
        "root",
        module_class("a", module_class("a1"), module_class("a2", shared)),
        module_class("b"),
        module_class("c", module_class("c1", module_class("c11")), shared),
    )


def test_apply_visits_in_pytorchs_order(torch):
    class TorchNode(torch.nn.Module):
        def __init__(self, label, *kids):
            super().__init__()
            self.label = label
            for i, kid in enumerate(kids):
                setattr(self, f"kid{i}", kid)

    ours, theirs = [], []
    root = build(Node, Node)
    assert root.apply(lambda m: ours.append(m.name)) is root
    build(TorchNode, TorchNode).apply(lambda m: theirs.append(m.label))
    assert ours == theirs == ["a1", "shared", "a2", "a", "b", "c11", "c1", "shared", "c",
                              "root"]


def test_apply_enters_containers_and_survives_a_cycle():
    first, second = Node("first"), Node("second")
    holder = Node("holder")
    holder.layers = [first, {"x": second}]
    seen = []
    holder.apply(lambda m: seen.append(m.name))
    assert seen == ["first", "second", "holder"]
    second.back = holder   # a child that is its own ancestor
    seen.clear()
    holder.apply(lambda m: seen.append(m.name))
    assert seen == ["first", "second", "holder"]


def test_apply_init_idiom_from_pytorchs_docs():
    @ag.no_grad()
    def init_weights(m):
        if type(m) is nn.Linear:
            m.weight.fill_(1.0)

    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    assert net.apply(init_weights) is net
    for layer in net.children():
        np.testing.assert_array_equal(layer.weight.numpy(), np.ones((2, 2)))


def test_apply_xavier_init():
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    net = nn.Sequential(nn.Linear(30, 20), nn.ReLU(), nn.Linear(20, 10))
    old = [layer.weight.numpy().copy() for layer in (net.children()[0], net.children()[2])]
    net.apply(init_weights)
    for layer, w in zip((net.children()[0], net.children()[2]), old):
        bound = math.sqrt(6 / (layer.in_features + layer.out_features))
        assert np.all(np.abs(layer.weight.numpy()) <= bound)
        assert np.abs(layer.weight.numpy()).max() > bound / 2   # spread over the range
        assert not np.array_equal(layer.weight.numpy(), w)
        np.testing.assert_array_equal(layer.bias.numpy(), 0)


def test_apply_refuses_a_non_callable_first():
    with pytest.raises(TypeError, match="Sequential.apply: fn must be callable"):
        nn.Sequential(nn.Linear(1, 1)).apply("init")


# --- Module.zero_grad ---------------------------------------------------------------------
def test_zero_grad_keeps_the_arrays_when_not_set_to_none():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    ag.sum(model(np.ones((4, 3), np.float32))).backward()
    params = model.parameters()
    params[-1].grad = None
    arrays = [p.grad for p in params]
    model.zero_grad(set_to_none=False)
    for p, a in zip(params, arrays):
        if a is None:
            assert p.grad is None
        else:
            assert p.grad is a
            np.testing.assert_array_equal(a, 0)
    model.zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_of_scalar_and_value_gradients():
    holder = Node("holder")
    holder.s = ag.Variable(np.float32(2.0))
    holder.x = ag.Variable(np.ones(3))
    ag.sum(holder.x * holder.x * holder.s).backward(create_graph=True)
    assert isinstance(holder.x.grad, ag.Value)
    holder.zero_grad(set_to_none=False)
    assert holder.s.grad == 0 and holder.s.grad.dtype == np.float32
    assert isinstance(holder.x.grad, np.ndarray) and holder.x.grad.dtype == np.float64
    np.testing.assert_array_equal(holder.x.grad, np.zeros(3))


# --- Keras's clear_session, floatx, epsilon -----------------------------------------------
def test_clear_session_restarts_the_names(names_restored):
    old = nn.Dense(2)
    nn.Dense(2)
    backend.clear_session()
    assert nn.Dense(2).name == "dense"
    assert nn.Dense(2).name == "dense_1"
    assert nn.Linear(2, 2).name == "linear"
    utils.clear_session(free_memory=False)
    assert nn.Dense(2).name == "dense"
    assert old.name.startswith("dense")   # an existing layer keeps its name


def test_keras_utils_names_are_the_same_functions():
    assert utils.clear_session is backend.clear_session
    assert utils.to_categorical is nn.to_categorical
    np.testing.assert_array_equal(utils.to_categorical([[1], [0]], 3), [[0, 1, 0], [1, 0, 0]])


def test_floatx_is_the_default_dtype():
    assert backend.floatx() == "float32"
    backend.set_floatx("float64")
    assert ag.get_default_dtype() == np.float64 and backend.floatx() == "float64"
    assert nn.Linear(2, 2).weight.dtype == np.float64
    assert nn.Dense(2, input_shape=(3,)).W.dtype == np.float64


@pytest.mark.parametrize("value", ["bfloat16", "int32", None, "float", "nonsense", 3])
def test_set_floatx_refusals_change_nothing(value):
    with pytest.raises(ValueError, match="set_floatx: unknown value"):
        backend.set_floatx(value)
    assert ag.get_default_dtype() == np.float32


def test_epsilon_is_what_the_losses_clip_with():
    assert backend.epsilon() == nn.losses.EPSILON == 1e-7


@pytest.mark.parametrize("kwargs", [dict(), dict(batch_first=True),
                                    dict(padding_value=-1.0, padding_side="left")])
def test_pad_sequence_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 3)) for n in (4, 2, 5)]
    mine = [ag.Value(s, requires_grad=True) for s in seqs]
    torchs = [torch.tensor(s, requires_grad=True) for s in seqs]
    y = nn.utils.rnn.pad_sequence(mine, **kwargs)
    ty = torch.nn.utils.rnn.pad_sequence(torchs, **kwargs)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for a, b in zip(mine, torchs):
        np.testing.assert_allclose(a.grad, b.grad.numpy())
    if kwargs.get("padding_side", "right") == "right":
        back = nn.utils.rnn.unpad_sequence(y, [4, 2, 5], kwargs.get("batch_first", False))
        for part, s in zip(back, seqs):
            np.testing.assert_array_equal(part.numpy(), s)
    with pytest.raises(ValueError, match="same trailing shape"):
        nn.utils.rnn.pad_sequence([np.ones((2, 3)), np.ones((2, 4))])
