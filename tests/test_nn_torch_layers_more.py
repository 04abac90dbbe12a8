"""PyTorch's LayerNorm, BatchNorm1d/2d, ModuleList, ModuleDict, Identity, AvgPool2d,
AdaptiveAvgPool2d, Conv1d, LogSoftmax, GELU, SiLU, ELU and Softplus, and Keras's
LayerNormalization: each against torch.nn's layer of the same name from the same weights
(copied in with load_state_dict), in float64 over hypothesis-drawn shapes: outputs and the
gradients of the input and of every parameter, in train and eval mode; BatchNorm's running
statistics over several steps; second derivatives of LayerNorm against torch's double
backward; LayerNormalization against its formula in numpy; state_dict keys and loading for
a model of containers; bad arguments refused, changing nothing."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FAST = settings(max_examples=15, deadline=None)
TOL = dict(rtol=1e-9, atol=1e-11)


def _float64():
    ag.set_default_dtype(ag.float64)  # conftest puts the default back after each test


def _randomize(tlayer, rng):
    """Random parameters in torch's layer (so weight 1 and bias 0 hide nothing)."""
    with torch.no_grad():
        for p in tlayer.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))


def _copy_in(layer, tlayer):
    """torch's state_dict, converted to numpy, into ours: every key fits, none is left."""
    state = {k: v.detach().numpy() for k, v in tlayer.state_dict().items()}
    assert list(layer.state_dict()) == list(state)
    assert layer.load_state_dict(state) == ([], [])


def _assert_same_run(layer, tlayer, x, g, *args):
    """The same output of ``layer(x, *args)``, and the same gradients of sum(y * g) for the
    input and for every parameter of torch's layer, under the same name in ours."""
    xv = ag.Value(x)
    layer.zero_grad()
    y = layer(xv, *args)
    (y * g).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    tlayer.zero_grad()
    yt = tlayer(xt, *args)
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **TOL)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), **TOL)
    ours = dict(layer.named_parameters())
    for name, p in tlayer.named_parameters():
        if p.grad is None:  # a parameter the output does not use
            assert ours[name].grad is None, name
        else:
            np.testing.assert_allclose(ours[name].grad, p.grad.numpy(), err_msg=name, **TOL)
    for name, v in ours.items():  # the running statistics never get a gradient
        if not v.trainable:
            assert v.grad is None, name


# --- LayerNorm (PyTorch) --------------------------------------------------------------------

@FAST
@given(batch=st.sampled_from([(), (3,), (2, 3)]), normalized=st.sampled_from([(4,), (3, 2)]),
       affine=st.booleans(), bias=st.booleans(), eps=st.sampled_from([1e-5, 0.1]),
       as_int=st.booleans(), seed=st.integers(0, 2**16))
def test_layernorm_matches_torch(batch, normalized, affine, bias, eps, as_int, seed):
    _float64()
    rng = np.random.default_rng(seed)
    shape_arg = normalized[0] if as_int and len(normalized) == 1 else normalized
    layer = nn.LayerNorm(shape_arg, eps=eps, elementwise_affine=affine, bias=bias)
    tlayer = torch.nn.LayerNorm(shape_arg, eps=eps, elementwise_affine=affine,
                                bias=bias).double()
    _randomize(tlayer, rng)
    _copy_in(layer, tlayer)
    x = rng.standard_normal(batch + normalized) * 3 + 1
    g = rng.standard_normal(x.shape)
    for mode in ("train", "eval"):  # the same in both
        getattr(layer, mode)(), getattr(tlayer, mode)()
        _assert_same_run(layer, tlayer, x, g)
    assert [n for n, _ in layer.named_parameters()] == \
        [n for n, _ in tlayer.named_parameters()]


def test_layernorm_defaults_and_config():
    layer = nn.LayerNorm(5)
    assert layer.normalized_shape == (5,) and layer.eps == 1e-5
    np.testing.assert_array_equal(layer.weight.numpy(), np.ones(5))
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(5))
    assert nn.LayerNorm(5, bias=False).bias is None
    assert nn.LayerNorm(5, elementwise_affine=False).parameters() == []
    config = nn.LayerNorm((2, 3), eps=0.01, bias=False).get_config()
    json.dumps(config)
    assert nn.LayerNorm(**config).get_config() == config


def _second_order(layer_fn, params, x, w, vs):
    """Our gradients of L = sum(f(x) * w) and the gradient of s = sum_i <dL/di, v_i> for
    i in (x, *params): a Hessian-vector product, by differentiating the gradient."""
    xv = ag.Value(x)
    inputs = [xv] + list(params)
    grads = ag.gradients((layer_fn(xv) * w).sum(), inputs, create_graph=True)
    s = sum(((gr * v).sum() for gr, v in zip(grads, vs)), ag.constant(0.0))
    hvps = ag.gradients(s, inputs, allow_unused=True)  # s does not depend on a bias
    return ([gr.numpy() for gr in grads],
            [np.zeros(i.shape) if h is None else h.numpy() for i, h in zip(inputs, hvps)])


def _torch_second_order(layer_fn, params, x, w, vs):
    xt = torch.tensor(x, requires_grad=True)
    inputs = [xt] + list(params)
    grads = torch.autograd.grad((layer_fn(xt) * torch.tensor(w)).sum(), inputs,
                                create_graph=True)
    s = sum((gr * torch.tensor(v)).sum() for gr, v in zip(grads, vs))
    hvps = torch.autograd.grad(s, inputs, allow_unused=True, materialize_grads=True)
    return [gr.detach().numpy() for gr in grads], [h.numpy() for h in hvps]


@FAST
@given(shape=st.sampled_from([(3, 4), (2, 3, 4), (2, 2, 3)]), trailing=st.integers(1, 2),
       seed=st.integers(0, 2**16))
def test_layernorm_second_derivatives_match_torch_double_backward(shape, trailing, seed):
    """The gradient of a gradient-vector product, for the input and both parameters."""
    _float64()
    rng = np.random.default_rng(seed)
    normalized = shape[-trailing:]
    layer, tlayer = nn.LayerNorm(normalized), torch.nn.LayerNorm(normalized).double()
    _randomize(tlayer, rng)
    _copy_in(layer, tlayer)
    x = rng.standard_normal(shape) * 2
    w = rng.uniform(0.5, 1.5, shape)
    vs = [rng.uniform(-1, 1, shape), rng.uniform(-1, 1, normalized),
          rng.uniform(-1, 1, normalized)]
    firsts, hvps = _second_order(layer, [layer.weight, layer.bias], x, w, vs)
    t_firsts, t_hvps = _torch_second_order(tlayer, [tlayer.weight, tlayer.bias], x, w, vs)
    for what, ours, theirs in zip(("x", "weight", "bias"), firsts, t_firsts):
        np.testing.assert_allclose(ours, theirs, err_msg=f"dL/d{what}", **TOL)
    for what, ours, theirs in zip(("x", "weight", "bias"), hvps, t_hvps):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10,
                                   err_msg=f"H v for {what}")
    assert np.abs(hvps[0]).max() > 1e-3  # LayerNorm is not linear in x: a real test


# --- LayerNormalization (Keras) --------------------------------------------------------------

def _keras_layer_norm(x, axes, gamma, beta, epsilon):
    """Keras's formula in numpy: each sample's mean and biased variance over ``axes``,
    gamma and beta (in ``axes``' order) reshaped to broadcast, as Keras does."""
    axes = [a % x.ndim for a in axes]
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = ((x - mean) ** 2).mean(axis=tuple(axes), keepdims=True)
    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    y = (x - mean) / np.sqrt(var + epsilon)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


@FAST
@given(case=st.sampled_from([((4, 5), -1), ((3, 4, 5), -1), ((3, 4, 5), 1),
                             ((3, 4, 5), [1, 2]), ((2, 3, 4, 5), [-3, -1]),
                             ((2, 3, 4), [2, 1]), ((2, 3, 4, 2), [1, 2, 3])]),
       center=st.booleans(), scale=st.booleans(), seed=st.integers(0, 2**16))
def test_layernormalization_matches_its_formula(case, center, scale, seed):
    _float64()
    shape, axis = case
    rng = np.random.default_rng(seed)
    layer = nn.LayerNormalization(axis=axis, center=center, scale=scale)
    assert layer.parameters() == []  # built lazily, at the first call
    x = rng.standard_normal(shape) * 3 + 2
    layer(x)
    axes = axis if isinstance(axis, list) else [axis]
    sizes = tuple(shape[a] for a in axes)  # Keras's: the sizes along axis, in its order
    weights = [rng.standard_normal(sizes) for _ in range(scale + center)]
    assert [v.shape for v in layer.parameters()] == [sizes] * (scale + center)
    assert [n for n, _ in layer.named_parameters()] == \
        ["gamma"] * scale + ["beta"] * center
    layer.set_weights(weights)
    gamma = weights[0] if scale else None
    beta = weights[-1] if center else None
    xv = ag.Value(x)
    y = layer(xv)
    expect = _keras_layer_norm(x, axes, gamma, beta, 1e-3)  # epsilon 1e-3, Keras's default
    np.testing.assert_allclose(y.numpy(), expect, rtol=1e-12, atol=1e-12)
    # gradients: torch's autograd through the same formula
    g = rng.standard_normal(shape)
    (y * g).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    ts = [torch.tensor(w, requires_grad=True) for w in weights]
    dims = tuple(a % len(shape) for a in axes)
    mean = xt.mean(dim=dims, keepdim=True)
    var = ((xt - mean) ** 2).mean(dim=dims, keepdim=True)
    bshape = [shape[a] if a in dims else 1 for a in range(len(shape))]
    yt = (xt - mean) / torch.sqrt(var + 1e-3)
    if scale:
        yt = yt * ts[0].reshape(bshape)
    if center:
        yt = yt + ts[-1].reshape(bshape)
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), **TOL)
    for v, t in zip(layer.parameters(), ts):
        np.testing.assert_allclose(v.grad, t.grad.numpy(), **TOL)


def test_layernormalization_builds_like_keras_and_saves(tmp_path):
    layer = nn.LayerNormalization(input_shape=(3, 4))
    assert [v.shape for v in layer.parameters()] == [(4,), (4,)]
    assert layer.epsilon == 1e-3 and layer.axis == -1
    assert [v.trainable for v in layer.parameters()] == [True, True]
    layer = nn.LayerNormalization(axis=[1, 2], input_shape=(3, 4))
    assert layer.gamma.shape == (3, 4)
    model = nn.Sequential([nn.Input((6,)), nn.Dense(5), nn.LayerNormalization(),
                           nn.Dense(2)])
    assert model.count_params() == 6 * 5 + 5 + 10 + 5 * 2 + 2
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    model.save(tmp_path / "ln.keras")
    loaded = nn.load_model(tmp_path / "ln.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    config = nn.LayerNormalization(axis=[1, 2], epsilon=0.01, center=False,
                                   gamma_regularizer="l2").get_config()
    json.dumps(config)
    assert nn.LayerNormalization(**config).get_config() == config


def test_layernormalization_regularizer_adds_a_loss():
    layer = nn.LayerNormalization(gamma_regularizer=nn.regularizers.L2(0.5), input_shape=(3,))
    assert len(layer.losses) == 1
    assert float(layer.losses[0]) == pytest.approx(0.5 * 3)  # gamma starts at ones


def test_layernormalization_second_derivatives_match_torch():
    _float64()
    rng = np.random.default_rng(3)
    layer = nn.LayerNormalization(input_shape=(5,))
    layer.set_weights([rng.standard_normal(5), rng.standard_normal(5)])
    gamma, beta = (torch.tensor(v.numpy(), requires_grad=True) for v in layer.parameters())
    x, w = rng.standard_normal((3, 5)), rng.uniform(0.5, 1.5, (3, 5))
    vs = [rng.uniform(-1, 1, (3, 5)), rng.uniform(-1, 1, 5), rng.uniform(-1, 1, 5)]
    ours = _second_order(layer, layer.parameters(), x, w, vs)
    theirs = _torch_second_order(lambda t: TF.layer_norm(t, (5,), gamma, beta, eps=1e-3),
                                 [gamma, beta], x, w, vs)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# --- BatchNorm1d and BatchNorm2d -------------------------------------------------------------

@FAST
@given(case=st.sampled_from([("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 2, 5)),
                             ("BatchNorm1d", (2, 3, 1)), ("BatchNorm2d", (3, 2, 4, 5)),
                             ("BatchNorm2d", (2, 3, 2, 2))]),
       momentum=st.sampled_from([0.1, 0.3, None]), affine=st.booleans(),
       track=st.booleans(), eps=st.sampled_from([1e-5, 1e-2]), seed=st.integers(0, 2**16))
def test_batchnorm_matches_torch_over_training_steps_and_eval(case, momentum, affine, track,
                                                              eps, seed):
    _float64()
    cls, shape = case
    rng = np.random.default_rng(seed)
    c = shape[1]
    layer = getattr(nn, cls)(c, eps=eps, momentum=momentum, affine=affine,
                             track_running_stats=track)
    tlayer = getattr(torch.nn, cls)(c, eps=eps, momentum=momentum, affine=affine,
                                    track_running_stats=track).double()
    _randomize(tlayer, rng)
    _copy_in(layer, tlayer)
    for _ in range(3):  # training: batch statistics, and running statistics updated
        x = rng.standard_normal(shape) * rng.uniform(0.5, 3) + rng.uniform(-2, 2)
        _assert_same_run(layer, tlayer, x, rng.standard_normal(shape))
        for name, t in tlayer.state_dict().items():
            np.testing.assert_allclose(layer.state_dict()[name], t.numpy(), err_msg=name,
                                       rtol=1e-12, atol=1e-13)
    if track:
        assert float(layer.num_batches_tracked.numpy()) == 3
        assert not np.allclose(layer.running_var.numpy(), 1)
    layer.eval(), tlayer.eval()
    before = layer.state_dict()
    x = rng.standard_normal(shape) * 2
    _assert_same_run(layer, tlayer, x, rng.standard_normal(shape))  # running statistics
    for name, array in layer.state_dict().items():
        if name.startswith("running") or name == "num_batches_tracked":
            np.testing.assert_array_equal(array, before[name])


def test_batchnorm_running_statistics_are_pytorchs_formula():
    """momentum 0.1 weighs the new batch, and the running variance is the unbiased one,
    where Keras's BatchNormalization keeps 0.99 of the old and the biased variance."""
    _float64()
    x = np.array([[1.0, 10.0], [3.0, 10.0], [8.0, 13.0]])
    bn = nn.BatchNorm1d(2)
    y = bn(x)
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y.numpy(), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * x.var(0, ddof=1),
                               rtol=1e-12)
    bn = nn.BatchNorm1d(2, momentum=None)  # the plain average of every batch so far
    bn(x), bn(2 * x)
    np.testing.assert_allclose(bn.running_mean.numpy(), (mean + 2 * mean) / 2, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(),
                               (x.var(0, ddof=1) + 4 * x.var(0, ddof=1)) / 2, rtol=1e-12)
    assert float(bn.num_batches_tracked.numpy()) == 2


def test_batchnorm_state_dict_names_and_counts():
    bn = nn.BatchNorm2d(4)
    tbn = torch.nn.BatchNorm2d(4)
    assert list(bn.state_dict()) == list(tbn.state_dict())
    assert [n for n, v in bn.named_parameters() if v.trainable] == ["weight", "bias"]
    assert len(bn.trainable_variables) == 2 and len(bn.non_trainable_variables) == 3
    assert list(nn.BatchNorm1d(3, affine=False).state_dict()) == \
        list(torch.nn.BatchNorm1d(3, affine=False).state_dict())
    assert list(nn.BatchNorm1d(3, track_running_stats=False).state_dict()) == \
        list(torch.nn.BatchNorm1d(3, track_running_stats=False).state_dict()) == \
        ["weight", "bias"]
    config = nn.BatchNorm2d(4, eps=1e-3, momentum=None, affine=False).get_config()
    json.dumps(config)
    assert nn.BatchNorm2d(**config).get_config() == config


def test_batchnorm_in_a_sequential_trains_and_saves(tmp_path):
    """An optimizer over model.parameters() takes the running statistics too (they get no
    gradient, so they are skipped); the model saves and loads whole."""
    import optim
    rng = np.random.default_rng(5)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.random((16, 1))
    for _ in range(3):
        loss = ag.mean((model(x) - y) ** 2)
        loss.backward()
        opt.step()
        opt.zero_grad()
    assert float(model[1].num_batches_tracked.numpy()) == 3
    model.eval()
    model.save(tmp_path / "bn.keras")
    loaded = nn.load_model(tmp_path / "bn.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model(x).numpy())
    np.testing.assert_array_equal(loaded[1].running_var.numpy(), model[1].running_var.numpy())


# --- ModuleList and ModuleDict ---------------------------------------------------------------

class Blocks(nn.Module):
    """A ModuleList of Linear + LayerNorm blocks, then a ModuleDict of heads."""

    def __init__(self, lib):
        super().__init__()
        self.blocks = lib.ModuleList([lib.ModuleList([lib.Linear(4, 4), lib.LayerNorm(4)])
                                      for _ in range(2)])
        self.bn = lib.BatchNorm1d(4)
        self.heads = lib.ModuleDict({"cls": lib.Linear(4, 3), "reg": lib.Linear(4, 1)})

    def forward(self, x, head="cls"):
        for linear, norm in self.blocks:
            x = x + ag.relu(norm(linear(x)))
        return self.heads[head](self.bn(x))


def torch_blocks():
    class TorchBlocks(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleList([
                torch.nn.ModuleList([torch.nn.Linear(4, 4), torch.nn.LayerNorm(4)])
                for _ in range(2)])
            self.bn = torch.nn.BatchNorm1d(4)
            self.heads = torch.nn.ModuleDict({"cls": torch.nn.Linear(4, 3),
                                              "reg": torch.nn.Linear(4, 1)})

        def forward(self, x, head="cls"):
            for linear, norm in self.blocks:
                x = x + torch.relu(norm(linear(x)))
            return self.heads[head](self.bn(x))

    return TorchBlocks()


def test_containers_state_dict_keys_and_loading_match_torch():
    _float64()
    rng = np.random.default_rng(6)
    model, tmodel = Blocks(nn), torch_blocks().double()
    _randomize(tmodel, rng)
    assert list(model.state_dict()) == list(tmodel.state_dict())
    assert [n for n, v in model.named_parameters() if v.trainable] == \
        [n for n, _ in tmodel.named_parameters()]
    assert model.count_params() == sum(p.numel() for p in tmodel.parameters()) + 4 + 4 + 1
    model.load_state_dict({k: v.numpy() for k, v in tmodel.state_dict().items()})
    for head, size in (("cls", 3), ("reg", 1)):
        x = rng.standard_normal((5, 4))
        _assert_same_run(model, tmodel, x, rng.standard_normal((5, size)), head)
    for name, t in tmodel.state_dict().items():  # the BatchNorm ran twice in training
        np.testing.assert_allclose(model.state_dict()[name], t.numpy(), rtol=1e-12,
                                   atol=1e-13, err_msg=name)
    model.eval(), tmodel.eval()
    assert not any(m.training for m in model.modules())
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(model(x, head="reg").numpy(),
                               tmodel(torch.tensor(x), "reg").detach().numpy(), **TOL)
    model.train()
    assert all(m.training for m in model.modules())


def test_containers_weights_save_and_load(tmp_path):
    model, other = Blocks(nn), Blocks(nn)
    x = np.random.default_rng(7).standard_normal((3, 4)).astype(np.float32)
    model(x)  # moves the running statistics: they must travel too
    model.save_weights(tmp_path / "w.npz")
    other.load_weights(tmp_path / "w.npz")
    nn.save(model.state_dict(), tmp_path / "sd.npz")
    third = Blocks(nn)
    third.load_state_dict(nn.load(tmp_path / "sd.npz"))
    model.eval(), other.eval(), third.eval()
    np.testing.assert_array_equal(other(x).numpy(), model(x).numpy())
    np.testing.assert_array_equal(third(x, "reg").numpy(), model(x, "reg").numpy())


def test_modulelist_behaves_as_pytorchs():
    layers = [nn.Linear(2, 2, name=f"l{i}") for i in range(4)]
    tlayers = [torch.nn.Linear(2, 2) for _ in range(4)]
    ml, tml = nn.ModuleList(layers[:2]), torch.nn.ModuleList(tlayers[:2])

    def same_names():
        assert [n for n, _ in ml.named_parameters()] == [n for n, _ in tml.named_parameters()]

    assert len(ml) == 2 and ml[0] is layers[0] and ml[-1] is layers[1]
    assert list(ml) == layers[:2] and layers[1] in ml and layers[2] not in ml
    assert ml.append(layers[2]) is ml
    tml.append(tlayers[2])
    ml.insert(1, layers[3])
    tml.insert(1, tlayers[3])
    same_names()
    assert list(ml) == [layers[0], layers[3], layers[1], layers[2]]
    sliced = ml[1:3]
    assert isinstance(sliced, nn.ModuleList) and list(sliced) == [layers[3], layers[1]]
    assert [n for n, _ in sliced.named_parameters()] == ["0.weight", "0.bias", "1.weight",
                                                         "1.bias"]
    del ml[0]
    del tml[0]
    same_names()
    assert ml.pop(-1) is layers[2] and tml.pop(-1) is tlayers[2]
    ml[0] = layers[0]
    assert list(ml) == [layers[0], layers[1]]
    ml += [layers[2]]
    both = ml + nn.ModuleList([layers[3]])
    assert list(both) == [layers[0], layers[1], layers[2], layers[3]] and len(ml) == 3
    assert ml.extend(iter([layers[3]])) is ml and len(ml) == 4
    ml.eval()
    assert not any(layer.training for layer in layers)
    with pytest.raises(NotImplementedError, match="must define forward"):
        ml(np.zeros((1, 2)))


def test_moduledict_behaves_as_pytorchs():
    a, b, c = nn.Linear(2, 2), nn.Linear(2, 1), nn.ReLU()
    md = nn.ModuleDict([("b", b), ("a", a)])  # pairs: their order kept
    tmd = torch.nn.ModuleDict([("b", torch.nn.Linear(2, 1)), ("a", torch.nn.Linear(2, 2))])
    assert list(md) == list(md.keys()) == ["b", "a"]
    assert [n for n, _ in md.named_parameters()] == [n for n, _ in tmd.named_parameters()]
    assert list(md.values()) == [b, a] and list(md.items()) == [("b", b), ("a", a)]
    assert "a" in md and "c" not in md and len(md) == 2
    assert md["a"] is a and md.a is a
    md["c"] = c
    md.update({"a": b})  # replacing keeps the place
    assert list(md.items()) == [("b", b), ("a", b), ("c", c)]
    assert [n for n, _ in md.named_parameters()] == ["b.weight", "b.bias"]  # b once
    assert md.pop("c") is c and "c" not in md
    del md["a"]
    assert list(md) == ["b"]
    md.clear()
    assert len(md) == 0 and md.parameters() == []


def test_container_errors_change_nothing():
    a = nn.Linear(2, 2)
    ml = nn.ModuleList([a], name="ml")
    with pytest.raises(TypeError, match=r"ModuleList 'ml'.extend: item 1: ndarray .* is not "
                                        r"a Module"):
        ml.extend([nn.ReLU(), np.zeros(2)])
    with pytest.raises(TypeError, match=r"ModuleList 'ml'.append: str 'relu' is not a Module"):
        ml.append("relu")
    with pytest.raises(TypeError, match="expected an iterable of Modules"):
        ml.extend(nn.ReLU())
    with pytest.raises(IndexError, match=r"ModuleList 'ml': index 1 is out of range"):
        ml[1]
    with pytest.raises(TypeError):
        ml["0"]
    assert list(ml) == [a]
    md = nn.ModuleDict({"a": a}, name="md")
    for key, error, message in [("", KeyError, "non-empty string without '.'"),
                                ("x.y", KeyError, "non-empty string without '.'"),
                                ("train", KeyError, "'train' is already an attribute"),
                                ("name", KeyError, "'name' is already an attribute"),
                                (3, TypeError, "keys must be strings")]:
        with pytest.raises(error, match=message):
            md.update({"ok": nn.ReLU(), key: nn.ReLU()})
    with pytest.raises(TypeError, match=r"ModuleDict 'md'\['b'\]: int 3 is not a Module"):
        md["b"] = 3
    with pytest.raises(ValueError, match=r"element #1 has length 3; 2 is required"):
        md.update([("ok", nn.ReLU()), ("b", nn.ReLU(), 1)])
    with pytest.raises(TypeError, match="expected a mapping or an iterable"):
        md.update(5)
    assert list(md.items()) == [("a", a)]
    with pytest.raises(AttributeError, match="no attribute 'zz'"):
        md.zz


# --- Conv1d, pooling and activations ---------------------------------------------------------

@FAST
@given(n=st.integers(1, 3), cin=st.sampled_from([1, 2, 4]), cout_per=st.integers(1, 3),
       groups=st.sampled_from([1, 2]), k=st.integers(1, 3), stride=st.integers(1, 2),
       padding=st.sampled_from([0, 1, 2, "valid", "same", (1,)]), dilation=st.integers(1, 2),
       bias=st.booleans(), length=st.integers(6, 9), seed=st.integers(0, 2**16))
def test_conv1d_matches_torch(n, cin, cout_per, groups, k, stride, padding, dilation, bias,
                              length, seed):
    _float64()
    if cin % groups:
        groups = 1
    if padding == "same":
        stride = 1
    args = (cin, cout_per * groups, k)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias)
    layer = nn.Conv1d(*args, **kwargs)
    bound = 1 / math.sqrt(cin // groups * k)  # PyTorch's init: U(-1/sqrt(fan_in), ...)
    assert np.abs(layer.weight.numpy()).max() <= bound
    tlayer = torch.nn.Conv1d(*args, **kwargs).double()
    assert layer.weight.shape == tuple(tlayer.weight.shape)
    rng = np.random.default_rng(seed)
    _copy_in(layer, tlayer)
    x = rng.standard_normal((n, cin, length))
    with torch.no_grad():
        out_shape = tuple(tlayer(torch.tensor(x)).shape)
    _assert_same_run(layer, tlayer, x, rng.standard_normal(out_shape))
    assert nn.Conv1d(**layer.get_config()).get_config() == layer.get_config()


def test_conv1d_init_spread_and_attributes():
    layer = nn.Conv1d(8, 16, 5)
    assert layer.kernel_size == (5,) and layer.stride == (1,) and layer.padding == (0,)
    bound = 1 / math.sqrt(8 * 5)
    assert 0.9 * bound < np.abs(layer.weight.numpy()).max() <= bound
    assert np.abs(layer.bias.numpy()).max() <= bound
    grouped = nn.Conv1d(4, 64, 5, groups=4)  # fan_in counts one group's inputs: 1 * 5
    assert 0.9 / math.sqrt(5) < np.abs(grouped.weight.numpy()).max() <= 1 / math.sqrt(5)


@FAST
@given(k=st.sampled_from([1, 2, 3, (2, 3)]), stride=st.sampled_from([None, 1, 2, (2, 1)]),
       padding=st.sampled_from([0, 1, (1, 0)]),
       shape=st.sampled_from([(2, 3, 7, 6), (1, 1, 5, 5)]), seed=st.integers(0, 2**16))
def test_avgpool2d_matches_torch(k, stride, padding, shape, seed):
    _float64()
    pads = padding if isinstance(padding, tuple) else (padding, padding)
    kernel = k if isinstance(k, tuple) else (k, k)
    if any(2 * p > q for p, q in zip(pads, kernel)):
        padding = 0
    layer = nn.AvgPool2d(k, stride, padding)
    tlayer = torch.nn.AvgPool2d(k, stride, padding)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    with torch.no_grad():
        out_shape = tuple(tlayer(torch.tensor(x)).shape)
    _assert_same_run(layer, tlayer, x, rng.standard_normal(out_shape))


@FAST
@given(size=st.sampled_from([1, 2, (2, 3), (None, 3), (2, None), (4, 6)]),
       seed=st.integers(0, 2**16))
def test_adaptive_avgpool2d_matches_torch(size, seed):
    _float64()
    layer, tlayer = nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 4, 6))
    with torch.no_grad():
        out_shape = tuple(tlayer(torch.tensor(x)).shape)
    _assert_same_run(layer, tlayer, x, rng.standard_normal(out_shape))


def test_adaptive_avgpool2d_takes_unequal_windows_as_torch():
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 4))
    got = nn.AdaptiveAvgPool2d(3, name="ap")(ag.Value(x)).data
    want = torch.nn.AdaptiveAvgPool2d(3)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)


ACTIVATIONS = [
    ("Identity", (), ()), ("LogSoftmax", (1,), (1,)), ("LogSoftmax", (-1,), (-1,)),
    ("GELU", (), ()), ("GELU", ("tanh",), ("tanh",)), ("SiLU", (), ()), ("ELU", (), ()),
    ("ELU", (0.4,), (0.4,)), ("Softplus", (), ()), ("Softplus", (2.0, 3.0), (2.0, 3.0)),
    ("Softplus", (-1.5,), (-1.5,)),
]


@FAST
@given(shape=st.sampled_from([(3, 4), (2, 3, 2), (5, 2)]), scale=st.sampled_from([1.0, 4.0]),
       seed=st.integers(0, 2**16))
@pytest.mark.parametrize("cls, args, targs", ACTIVATIONS,
                         ids=[f"{a[0]}{a[1]}" for a in ACTIVATIONS])
def test_activation_modules_match_torch(cls, args, targs, shape, scale, seed):
    _float64()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale
    layer, tlayer = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*targs)
    _assert_same_run(layer, tlayer, x, rng.standard_normal(shape))
    assert type(layer)(**layer.get_config()).get_config() == layer.get_config()


def test_identity_ignores_its_arguments_as_pytorch():
    x = np.arange(3.0)
    assert nn.Identity(54, unused_argument1=0.1)(x) is x
    assert nn.Identity(name="skip").name == "skip"


def test_new_layers_save_and_load_in_a_sequential(tmp_path):
    model = nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1), nn.BatchNorm1d(4), nn.GELU(), nn.SiLU(),
        nn.ELU(0.5), nn.Softplus(2.0), nn.Identity(), nn.LayerNorm(6), nn.Flatten(),
        nn.Linear(24, 3), nn.LogSoftmax(dim=1))
    images = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2),
                           nn.AvgPool2d(2), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    rng = np.random.default_rng(8)
    for m, x in ((model, rng.standard_normal((5, 2, 6))),
                 (images, rng.standard_normal((3, 1, 4, 4)))):
        x = x.astype(np.float32)
        m(x)  # one training step moves the running statistics
        m.eval()
        m.save(tmp_path / "m.keras")
        loaded = nn.load_model(tmp_path / "m.keras")
        assert [type(layer) for layer in loaded] == [type(layer) for layer in m]
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), m(x).numpy())
        assert list(loaded.state_dict()) == list(m.state_dict())


def test_keras_and_pytorch_names_stay_apart():
    """The Keras-named layers are not changed by their PyTorch neighbours."""
    assert nn.Softmax is nn.layers.Softmax and nn.Softmax().axis == -1
    assert nn.BatchNormalization().momentum == 0.99 and nn.Conv1D is not nn.Conv1d
    assert {"LayerNorm", "LayerNormalization", "BatchNorm1d", "ModuleList", "GELU"} <= \
        set(nn.__all__)


# --- bad arguments ----------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.LayerNorm(0, name="n"), ValueError,
     r"LayerNorm 'n': normalized_shape must be a positive integer, got 0"),
    (lambda: nn.LayerNorm((), name="n"), ValueError, r"normalized_shape must be a positive"),
    (lambda: nn.LayerNorm(True), ValueError, r"normalized_shape must be a positive"),
    (lambda: nn.LayerNorm(4, eps=-1.0, name="n"), ValueError, r"LayerNorm 'n': eps must lie"),
    (lambda: nn.LayerNorm(4, eps="1e-5"), TypeError, r"eps must be a number"),
    (lambda: nn.LayerNorm(4, elementwise_affine="no"), TypeError,
     r"elementwise_affine must be True or False"),
    (lambda: nn.BatchNorm1d(0, name="b"), ValueError,
     r"BatchNorm1d 'b': num_features must be a positive integer"),
    (lambda: nn.BatchNorm2d(3, momentum=1.5, name="b"), ValueError,
     r"BatchNorm2d 'b': momentum must lie in \[0, 1\]"),
    (lambda: nn.BatchNorm2d(3, momentum="0.1"), TypeError, r"momentum must be a number"),
    (lambda: nn.BatchNorm1d(3, eps=float("nan")), ValueError, r"eps must lie"),
    (lambda: nn.BatchNorm1d(3, affine=None), TypeError, r"affine must be True or False"),
    (lambda: nn.BatchNorm1d(3, track_running_stats="yes"), TypeError,
     r"track_running_stats must be True or False"),
    (lambda: nn.LayerNormalization(axis="last", name="l"), TypeError,
     r"LayerNormalization 'l': axis must be an int or a non-empty list of ints"),
    (lambda: nn.LayerNormalization(axis=[]), TypeError, r"axis must be an int or a non-empty"),
    (lambda: nn.LayerNormalization(axis=[1, 1]), ValueError, r"axis lists an axis twice"),
    (lambda: nn.LayerNormalization(epsilon=0), ValueError, r"epsilon must be positive"),
    (lambda: nn.LayerNormalization(rms_scaling="yes"), TypeError,
     r"rms_scaling must be True or False"),
    (lambda: nn.LayerNormalization(center="yes"), TypeError, r"center must be True or False"),
    (lambda: nn.LayerNormalization(axis=3, input_shape=(4, 5), name="l"), ValueError,
     r"LayerNormalization 'l': axis 3 does not name distinct feature axes of an input of "
     r"rank 3"),
    (lambda: nn.LayerNormalization(axis=[1, -2], input_shape=(4, 5)), ValueError,
     r"axis \[1, -2\] does not name distinct"),
    (lambda: nn.LayerNormalization(axis=0, input_shape=(4,)), ValueError, r"axis 0 is the batch"),
    (lambda: nn.LayerNormalization(gamma_regularizer="l7"), ValueError, r"gamma_regularizer"),
    (lambda: nn.Conv1d(3, 4, 3, groups=2, name="c"), ValueError,
     r"Conv1d 'c': in_channels must be divisible by groups .*in_channels=3, groups=2"),
    (lambda: nn.Conv1d(2, 4, (3, 3)), ValueError, r"kernel_size must be an int >= 1 or a "
                                                  r"tuple of one, got \(3, 3\)"),
    (lambda: nn.Conv1d(2, 4, 3, stride=0), ValueError, r"stride must be an int >= 1"),
    (lambda: nn.Conv1d(2, 4, 3, padding=-1), ValueError, r"padding must be an int >= 0"),
    (lambda: nn.Conv1d(2, 4, 3, padding="full"), ValueError,
     r"padding must be an int, a tuple of one, 'valid' or 'same', got 'full'"),
    (lambda: nn.Conv1d(2, 4, 3, stride=2, padding="same"), ValueError,
     r"padding='same' is not supported for strided convolutions"),
    (lambda: nn.Conv1d(2, 4, 3, bias="no"), TypeError, r"bias must be True or False"),
    (lambda: nn.AvgPool2d(2, padding=2, name="p"), ValueError,
     r"AvgPool2d 'p': padding \(2, 2\) must be at most half the kernel_size"),
    (lambda: nn.AvgPool2d(2, ceil_mode=True), NotImplementedError, r"ceil_mode=True"),
    (lambda: nn.AvgPool2d(2, divisor_override=3), NotImplementedError, r"divisor_override=3"),
    (lambda: nn.AvgPool2d(3, padding=1, count_include_pad=False), NotImplementedError,
     r"count_include_pad=False with padding"),
    (lambda: nn.AdaptiveAvgPool2d(0, name="a"), ValueError,
     r"AdaptiveAvgPool2d 'a': output_size must be a positive int"),
    (lambda: nn.AdaptiveAvgPool2d((2, 2, 2)), ValueError, r"output_size must be"),
    (lambda: nn.AdaptiveAvgPool2d(True), ValueError, r"output_size must be"),
    (lambda: nn.LogSoftmax(name="s"), ValueError, r"LogSoftmax 's': give dim"),
    (lambda: nn.LogSoftmax(1.0), TypeError, r"dim must be an int"),
    (lambda: nn.GELU("erf", name="g"), ValueError,
     r"GELU 'g': approximate must be 'none' or 'tanh', got 'erf'"),
    (lambda: nn.SiLU(inplace="yes"), TypeError, r"inplace must be True or False"),
    (lambda: nn.ELU(alpha="1", name="e"), TypeError, r"ELU 'e': alpha must be a number"),
    (lambda: nn.ELU(alpha=math.inf), ValueError, r"alpha must be finite"),
    (lambda: nn.Softplus(beta=0, name="s"), ValueError,
     r"Softplus 's': beta must be finite and not 0"),
    (lambda: nn.Softplus(threshold=None), TypeError, r"threshold must be a number"),
])
def test_bad_arguments_are_refused_naming_the_layer(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_inputs_are_refused_and_change_nothing():
    bn = nn.BatchNorm1d(3, name="b")
    before = bn.state_dict()
    with pytest.raises(ValueError, match=r"BatchNorm1d 'b': expected 3 channels on axis 1, "
                                         r"got input of shape \(4, 2\)"):
        bn(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"BatchNorm1d 'b': expected input \(N, C\) or "
                                         r"\(N, C, L\), got shape \(2, 3, 4, 5\)"):
        bn(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"expected more than 1 value per channel when "
                                         r"training .*\(1, 3\)"):
        bn(np.ones((1, 3)))
    for name, array in bn.state_dict().items():
        np.testing.assert_array_equal(array, before[name])
    assert bn.eval()(np.ones((1, 3))).shape == (1, 3)  # eval: the running statistics
    with pytest.raises(ValueError, match=r"BatchNorm2d 'b2': expected input \(N, C, H, W\)"):
        nn.BatchNorm2d(3, name="b2")(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"LayerNorm 'n': expected input of shape \(\*, 2, "
                                         r"3\) \(normalized_shape=\(2, 3\)\), got \(4, 3, 2\)"):
        nn.LayerNorm((2, 3), name="n")(np.zeros((4, 3, 2)))
    ln = nn.LayerNormalization(axis=[1, 2], name="l")
    with pytest.raises(ValueError, match=r"axis \[1, 2\] does not name distinct feature axes "
                                         r"of an input of rank 2"):
        ln(np.zeros((3, 4)))
    assert ln.parameters() == []  # not built by a refused input
    ln(np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match=r"LayerNormalization 'l': built for sizes \(4, 5\) "
                                         r"on axis \[1, 2\], got input of shape \(3, 4, 6\)"):
        ln(np.zeros((3, 4, 6)))
    with pytest.raises(ValueError, match=r"Conv1d 'c': expected sequences \(N, 2, L\), got "
                                         r"shape \(1, 3, 5\)"):
        nn.Conv1d(2, 2, 3, name="c")(np.zeros((1, 3, 5)))
    with pytest.raises(ValueError, match=r"AvgPool2d 'p': expected images"):
        nn.AvgPool2d(2, name="p")(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match=r"LogSoftmax 's': dim 2 is out of range for an "
                                         r"input of shape \(2, 3\)"):
        nn.LogSoftmax(2, name="s")(np.zeros((2, 3)))
    ln_torch = nn.LayerNorm(3)
    weights = ln_torch.state_dict()
    with pytest.raises(RuntimeError, match=r"size mismatch for weight"):
        ln_torch.load_state_dict({"weight": np.zeros(4), "bias": np.ones(3)})
    for name, array in ln_torch.state_dict().items():
        np.testing.assert_array_equal(array, weights[name])


def test_keras_layers_take_pytorchs_keywords():
    """nn.Dropout, nn.Softmax and nn.LeakyReLU are Keras's layers; PyTorch's spellings
    of their arguments work too, and both at once are refused."""
    assert nn.Dropout().rate == 0.5 and nn.Dropout(p=0.25).rate == 0.25
    assert nn.Dropout(0.3).rate == 0.3
    assert nn.Softmax(dim=1).axis == 1 and nn.Softmax().axis == -1
    assert nn.LeakyReLU(negative_slope=0.01).alpha == 0.01 and nn.LeakyReLU().alpha == 0.3
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    np.testing.assert_allclose(nn.Softmax(dim=0)(x).numpy(),
                               np.exp(x) / np.exp(x).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(nn.LeakyReLU(negative_slope=0.1, inplace=True)(x).numpy(),
                               np.where(x > 0, x, 0.1 * x))
    for make in (lambda: nn.Dropout(0.2, p=0.3), lambda: nn.Softmax(0, dim=1),
                 lambda: nn.LeakyReLU(0.1, negative_slope=0.2), lambda: nn.Dropout(p=1.5),
                 lambda: nn.Dropout(0.1, inplace="yes")):
        with pytest.raises((TypeError, ValueError)):
            make()
