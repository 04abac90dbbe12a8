"""``ag.func.functional_call`` and ``stack_module_state``, and the transforms over dicts of
Values: PyTorch's tutorials "Per-sample-gradients" and "Model ensembling" ported by
renaming (torch -> ag, torch.nn -> nn, torch.func -> ag.func), checked against a loop of
``backward()`` calls and against torch 2.13 running the same weights in float64; then
the swap's own rules (restoration after a call and after an error, strict mode, tied
weights) on small modules whose outputs are worked out by hand."""

import copy

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.func import functional_call, grad, jacrev, stack_module_state, vmap


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch


def copy_weights(ours, theirs):
    """Our module given a torch module's weights (and buffers), in float64."""
    ours.double()
    ours.load_state_dict({k: v.detach().double().numpy() for k, v in
                          theirs.state_dict().items()})
    return ours


def as_numpy(x):
    return x.numpy() if isinstance(x, ag.Value) else np.asarray(x)


# --- the "Per-sample-gradients" tutorial ----------------------------------------------

class SimpleCNN(nn.Module):
    """The tutorial's model, ported by renaming (torch.flatten -> ag.flatten)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = ag.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def torch_simple_cnn(torch):
    class TorchSimpleCNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 32, 3, 1)
            self.conv2 = torch.nn.Conv2d(32, 64, 3, 1)
            self.fc1 = torch.nn.Linear(9216, 128)
            self.fc2 = torch.nn.Linear(128, 10)

        def forward(self, x):
            x = torch.nn.functional.relu(self.conv1(x))
            x = torch.nn.functional.relu(self.conv2(x))
            x = torch.nn.functional.max_pool2d(x, 2)
            x = torch.flatten(x, 1)
            x = torch.nn.functional.relu(self.fc1(x))
            return torch.nn.functional.log_softmax(self.fc2(x), dim=1)
    return TorchSimpleCNN().double()


def test_per_sample_gradients_tutorial(torch):
    batch_size = 8
    theirs = torch_simple_cnn(torch)
    model = copy_weights(SimpleCNN(), theirs)
    rng = np.random.default_rng(0)
    data_np = rng.standard_normal((batch_size, 1, 28, 28))
    targets_np = rng.integers(0, 10, batch_size)
    data = ag.constant(data_np, dtype=np.float64)
    targets = ag.constant(targets_np, dtype=np.int64)

    def loss_fn(predictions, targets):
        return F.nll_loss(predictions, targets)

    # The tutorial's baseline: one backward() per sample.
    looped = {name: [] for name, _ in model.named_parameters()}
    for i in range(batch_size):
        model.zero_grad()
        loss_fn(model(data[i].unsqueeze(0)), targets[i].unsqueeze(0)).backward()
        for name, p in model.named_parameters():
            looped[name].append(np.array(p.grad))

    # The tutorial's torch.func code, renamed.
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)
        predictions = functional_call(model, (params, buffers), (batch,))
        loss = loss_fn(predictions, targets)
        return loss

    ft_compute_grad = grad(compute_loss)
    ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
    ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)

    # torch's per-sample gradients of the same weights and data.
    t_params = {k: v.detach() for k, v in theirs.named_parameters()}

    def t_compute_loss(params, sample, target):
        predictions = torch.func.functional_call(theirs, params, (sample.unsqueeze(0),))
        return torch.nn.functional.nll_loss(predictions, target.unsqueeze(0))

    t_grads = torch.func.vmap(torch.func.grad(t_compute_loss), in_dims=(None, 0, 0))(
        t_params, torch.from_numpy(data_np), torch.from_numpy(targets_np))

    assert list(ft_per_sample_grads) == [name for name, _ in model.named_parameters()]
    for name, g in ft_per_sample_grads.items():
        g = as_numpy(g)
        assert g.shape == (batch_size,) + params[name].shape
        np.testing.assert_allclose(g, np.stack(looped[name]), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(g, t_grads[name].numpy(), rtol=1e-9, atol=1e-12)
    # The samples differ, so must their gradients (a broadcast of one would pass above
    # only if every sample agreed).
    assert not np.allclose(as_numpy(ft_per_sample_grads["fc2.bias"])[0],
                           as_numpy(ft_per_sample_grads["fc2.bias"])[1])
    # The model's own weights are untouched and still its Parameters.
    for name, p in model.named_parameters():
        assert p is dict(model.named_parameters())[name]
        np.testing.assert_array_equal(p.numpy(), theirs.state_dict()[name].numpy())


# --- the "Model ensembling" tutorial -------------------------------------------------

class SimpleMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.fc3(x)
        return x


def torch_simple_mlp(torch):
    return torch.nn.Sequential(torch.nn.Flatten(1), torch.nn.Linear(784, 128),
                               torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(),
                               torch.nn.Linear(128, 10)).double()


def test_model_ensembling_tutorial(torch):
    num_models = 4
    theirs = [torch_simple_mlp(torch) for _ in range(num_models)]
    models = []
    for t in theirs:
        m = SimpleMLP().double()
        m.load_state_dict({f"fc{int(k[0]) // 2 + 1}.{k.split('.')[1]}": v.numpy()
                           for k, v in t.state_dict().items()})
        models.append(m)
    data_np = np.random.default_rng(1).standard_normal((num_models, 8, 1, 28, 28))
    data = ag.constant(data_np, dtype=np.float64)

    minibatches = data[:num_models]
    predictions_diff_minibatch_loop = [model(minibatch)
                                       for model, minibatch in zip(models, minibatches)]
    minibatch = data[0]
    predictions2 = [model(minibatch) for model in models]

    params, buffers = stack_module_state(models)
    # The tutorial then moves the base model to the 'meta' device, which we do not have:
    # a copy of it serves, its own weights never read.
    base_model = copy.deepcopy(models[0])

    def fmodel(params, buffers, x):
        return functional_call(base_model, (params, buffers), (x,))

    assert [p.size(0) for p in params.values()] == [num_models] * 6
    assert buffers == {}
    predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)
    predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)

    np.testing.assert_allclose(predictions1_vmap.numpy(),
                               ag.stack(predictions_diff_minibatch_loop).numpy(), rtol=1e-12)
    np.testing.assert_allclose(predictions2_vmap.numpy(), ag.stack(predictions2).numpy(),
                               rtol=1e-12)
    t_params, t_buffers = torch.func.stack_module_state(theirs)
    t_base = copy.deepcopy(theirs[0]).to("meta")

    def t_fmodel(params, buffers, x):
        return torch.func.functional_call(t_base, (params, buffers), (x,))

    t_data = torch.from_numpy(data_np)
    np.testing.assert_allclose(predictions1_vmap.numpy(), torch.func.vmap(t_fmodel)(
        t_params, t_buffers, t_data).detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(predictions2_vmap.numpy(), torch.func.vmap(
        t_fmodel, in_dims=(0, 0, None))(t_params, t_buffers, t_data[0]).detach().numpy(),
        rtol=1e-10, atol=1e-12)
    # Different models give different predictions on one minibatch.
    assert not np.allclose(predictions2_vmap.numpy()[0], predictions2_vmap.numpy()[1])


def test_stacked_parameters_are_leaves_that_receive_each_models_gradient():
    models = [nn.Linear(3, 2).double() for _ in range(3)]
    params, buffers = stack_module_state(models)
    assert all(p.requires_grad and p.is_leaf for p in params.values())
    np.testing.assert_array_equal(params["weight"].numpy()[2], models[2].weight.numpy())
    x = ag.constant(np.arange(12.0).reshape(4, 3), dtype=np.float64)

    def fmodel(params, buffers, x):
        return functional_call(models[0], (params, buffers), (x,))

    (vmap(fmodel, in_dims=(0, 0, None))(params, buffers, x) ** 2).sum().backward()
    for i, m in enumerate(models):
        (m(x) ** 2).sum().backward()
        np.testing.assert_allclose(params["weight"].grad[i], m.weight.grad, rtol=1e-12)
        np.testing.assert_allclose(params["bias"].grad[i], m.bias.grad, rtol=1e-12)
    # The stacked copies are new leaves: the model's own weight got only its own backward.
    assert models[0].weight.grad is not None
    np.testing.assert_allclose(models[0].weight.grad, params["weight"].grad[0], rtol=1e-12)


def test_stack_module_state_refuses_mixed_models():
    with pytest.raises(RuntimeError, match="stack_module_state: Expected at least one"):
        stack_module_state([])
    with pytest.raises(RuntimeError, match="same class"):
        stack_module_state([nn.Linear(2, 2), nn.Conv2d(1, 1, 1)])
    with pytest.raises(RuntimeError, match="training/eval"):
        stack_module_state([nn.Linear(2, 2), nn.Linear(2, 2).eval()])
    with pytest.raises(RuntimeError, match=r"'weight' has shapes \[\(2, 2\), \(3, 2\)\]"):
        stack_module_state([nn.Linear(2, 2), nn.Linear(2, 3)])


# --- jacrev over a dict of parameters (the Jacobians tutorial with a module) ---------

def test_jacrev_over_a_dict_of_parameters_matches_torch(torch):
    theirs = torch.nn.Linear(3, 4).double()
    model = copy_weights(nn.Linear(3, 4), theirs)
    x_np = np.random.default_rng(2).standard_normal(3)
    params = {k: v.detach() for k, v in model.named_parameters()}

    def f(params, x):
        return ag.tanh(functional_call(model, params, (x,)))

    jac = jacrev(f)(params, ag.constant(x_np, dtype=np.float64))
    t_jac = torch.func.jacrev(lambda p, x: torch.func.functional_call(theirs, p, (x,)).tanh())(
        dict(theirs.named_parameters()), torch.from_numpy(x_np))
    assert set(jac) == {"weight", "bias"}
    for name in jac:
        assert as_numpy(jac[name]).shape == (4,) + params[name].shape
        np.testing.assert_allclose(as_numpy(jac[name]), t_jac[name].detach().numpy(),
                                   rtol=1e-12, atol=1e-15)
    # argnums=(0, 1): a tuple of the dict and the input's Jacobian; jacrev of
    # functional_call itself, the module passed through undifferentiated.
    both = jacrev(f, argnums=(0, 1))(params, x_np)
    t_both = torch.func.jacrev(lambda p, x: torch.func.functional_call(theirs, p, (x,)).tanh(),
                               argnums=(0, 1))(dict(theirs.named_parameters()),
                                               torch.from_numpy(x_np))
    assert isinstance(both, tuple) and len(both) == 2
    np.testing.assert_allclose(as_numpy(both[0]["bias"]), as_numpy(jac["bias"]), rtol=1e-12)
    np.testing.assert_allclose(as_numpy(both[1]), t_both[1].detach().numpy(), rtol=1e-12)
    plain = jacrev(functional_call, argnums=1)(model, params, (x_np,))
    np.testing.assert_allclose(as_numpy(plain["bias"]), np.eye(4), atol=0)
    np.testing.assert_allclose(as_numpy(plain["weight"])[2], np.outer(np.eye(4)[2], x_np))


def test_hessian_over_a_dict_is_a_dict_of_dicts_as_torchs(torch):
    p = {"a": np.array([1.0, 2.0]), "b": np.array(3.0)}
    H = ag.func.hessian(lambda p: (p["a"] ** 2).sum() * p["b"])(p)
    tH = torch.func.hessian(lambda p: (p["a"] ** 2).sum() * p["b"])(
        {k: torch.from_numpy(v) for k, v in p.items()})
    for i in ("a", "b"):
        assert set(H[i]) == {"a", "b"}
        for j in ("a", "b"):
            np.testing.assert_allclose(as_numpy(H[i][j]), tH[i][j].numpy(), rtol=1e-12)


def test_grad_over_a_dict_with_a_none_leaf_gives_none():
    w = ag.constant([1.0, 2.0], dtype=np.float64)
    g = grad(lambda p: (p["w"] ** 2).sum() if p["b"] is None else None)({"w": w, "b": None})
    assert g["b"] is None
    np.testing.assert_allclose(as_numpy(g["w"]), [2.0, 4.0])


# --- the swap's rules ----------------------------------------------------------------

class Affine(nn.Module):
    """y = x W^T + b, with a buffer added: a module small enough to check by hand."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2).double()
        self.register_buffer("shift", ag.constant([0.0, 0.0], dtype=np.float64))

    def forward(self, x, scale=1.0):
        return self.lin(x) * scale + self.shift


def fixed_affine():
    m = Affine()
    m.lin.weight.assign(np.array([[1.0, 2.0], [3.0, 4.0]]))
    m.lin.bias.assign(np.array([10.0, 20.0]))
    return m


def test_given_weights_are_used_and_missing_ones_kept():
    m = fixed_affine()
    x = ag.constant([[1.0, 1.0]], dtype=np.float64)
    W = ag.constant(np.eye(2), dtype=np.float64)
    # x W^T + b with W = I: [1, 1] + [10, 20]; the module's own bias kept.
    np.testing.assert_allclose(functional_call(m, {"lin.weight": W}, x).numpy(), [[11, 21]])
    # A tuple of dicts, args as a tuple, kwargs, a buffer: (x I + 0) * 2 + [5, 5].
    out = functional_call(m, ({"lin.weight": W, "lin.bias": ag.zeros(2, dtype=np.float64)},
                              {"shift": ag.constant([5.0, 5.0], dtype=np.float64)}),
                          (x,), {"scale": 2.0})
    np.testing.assert_allclose(out.numpy(), [[7, 7]])
    # Gradients reach the given Values, not the module's weights.
    W2 = ag.Value(np.eye(2))
    (functional_call(m, {"lin.weight": W2}, x) ** 2).sum().backward()
    np.testing.assert_allclose(W2.grad, [[22, 22], [42, 42]])   # 2 y_i x_j
    assert m.lin.weight.grad is None
    np.testing.assert_allclose(m(x).numpy(), [[13, 27]])


def test_the_modules_own_weights_return_after_a_call_and_after_an_error():
    m = fixed_affine()
    own = {name: v for name, v in m.named_parameters() + m.named_buffers()}
    given = {"lin.weight": ag.zeros((2, 2), dtype=np.float64),
             "lin.bias": ag.zeros(2, dtype=np.float64), "shift": ag.ones(2, dtype=np.float64)}
    functional_call(m, given, ag.ones((1, 2), dtype=np.float64))
    with pytest.raises(ValueError, match="Linear"):   # a wrong input shape: forward raises
        functional_call(m, given, ag.ones((1, 3), dtype=np.float64))
    now = dict(m.named_parameters() + m.named_buffers())
    assert list(now) == list(own) and all(now[k] is own[k] for k in own)
    assert m.lin.weight is own["lin.weight"] and m.shift is own["shift"]
    np.testing.assert_allclose(m(ag.ones((1, 2), dtype=np.float64)).numpy(), [[13, 27]])


def test_nothing_is_swapped_when_a_name_cannot_be_reached():
    m = fixed_affine()
    weight = m.lin.weight
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        functional_call(m, {"lin.weight": ag.zeros((2, 2)), "nosuch.weight": ag.zeros(2)},
                        ag.ones((1, 2)))
    assert m.lin.weight is weight
    with pytest.raises(TypeError, match="'training'.*is not a Value"):
        functional_call(m, {"training": ag.zeros(1)}, ag.ones((1, 2)))
    assert m.training is True
    with pytest.raises(TypeError, match="the value for 'lin.bias' must be a Value"):
        functional_call(m, {"lin.bias": [1.0, 2.0]}, ag.ones((1, 2)))


def test_strict_names_the_missing_and_unexpected_keys():
    m = fixed_affine()
    with pytest.raises(RuntimeError) as error:
        functional_call(m, {"lin.weight": ag.zeros((2, 2)), "extra": ag.zeros(1)},
                        ag.ones((1, 2)), strict=True)
    message = str(error.value)
    assert message.startswith("functional_call: Error(s) in reparametrizing for Affine")
    assert "Unexpected key(s): 'extra'." in message
    assert "Missing key(s): 'lin.bias', 'shift'." in message
    assert m.lin.weight.numpy()[1, 1] == 4.0 and not hasattr(m, "extra")
    # Every key given: no error.
    full = {k: v.detach() for k, v in m.named_parameters() + m.named_buffers()}
    np.testing.assert_allclose(functional_call(m, full, ag.ones((1, 2), dtype=np.float64),
                                               strict=True).numpy(), [[13, 27]])


def test_an_unexpected_key_is_set_for_the_call_then_removed_when_not_strict():
    seen = []

    class Peek(nn.Module):
        def forward(self, x):
            seen.append(self.extra.numpy().tolist())
            return x
    m = Peek()
    functional_call(m, {"extra": ag.constant([3.0])}, ag.ones(1))
    assert seen == [[3.0]] and not hasattr(m, "extra")


def test_the_dicts_argument_is_checked_as_pytorch_does():
    m = fixed_affine()
    with pytest.raises(ValueError, match=r"\['lin.bias'\] appeared in multiple"):
        functional_call(m, ({"lin.bias": ag.zeros(2)}, {"lin.bias": ag.zeros(2)}), ag.ones(2))
    with pytest.raises(ValueError, match="to be dictionaries"):
        functional_call(m, [{"lin.bias": ag.zeros(2)}, 5], ag.ones(2))
    with pytest.raises(ValueError, match="a dict, or a list/tuple of dicts, but got int"):
        functional_call(m, 5, ag.ones(2))


class Tied(nn.Module):
    """Two layers sharing one weight (tied embeddings): y = W (W x) + b2."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2, bias=False).double()
        self.b = nn.Linear(2, 2).double()
        self.b.weight = self.a.weight
        self.b.bias.assign(np.zeros(2))

    def forward(self, x):
        return self.b(self.a(x))


def test_named_parameters_remove_duplicate_false_lists_tied_names():
    m = Tied()
    assert [n for n, _ in m.named_parameters()] == ["a.weight", "b.bias"]
    names = [n for n, _ in m.named_parameters(remove_duplicate=False)]
    assert names == ["a.weight", "b.weight", "b.bias"]
    assert [n for n, _ in m.named_parameters(prefix="net", recurse=False)] == []
    assert [n for n, _ in m.a.named_parameters(prefix="net")] == ["net.weight"]


def test_tie_weights_replaces_a_shared_weight_under_every_name():
    m = Tied()
    m.a.weight.assign(np.eye(2))
    x = ag.constant([[1.0, 2.0]], dtype=np.float64)
    W = ag.constant([[2.0, 0.0], [0.0, 3.0]], dtype=np.float64)
    # tied: y = W W x = [4, 18]; untied: y = I (W x) = [2, 6]
    np.testing.assert_allclose(functional_call(m, {"a.weight": W}, x).numpy(), [[4, 18]])
    np.testing.assert_allclose(functional_call(m, {"a.weight": W}, x, tie_weights=False)
                               .numpy(), [[2, 6]])
    # The same Value under both names is fine; two different ones are ambiguous.
    np.testing.assert_allclose(functional_call(m, {"a.weight": W, "b.weight": W}, x).numpy(),
                               [[4, 18]])
    with pytest.raises(ValueError, match=r"multiple values for keys \['a.weight', "
                                         r"'b.weight'\], which are tied"):
        functional_call(m, {"a.weight": W, "b.weight": W * 1}, x)
    assert m.a.weight is m.b.weight
    np.testing.assert_array_equal(m.b.weight.numpy(), np.eye(2))
    # strict counts the tied name as given.
    functional_call(m, {"a.weight": W, "b.bias": ag.zeros(2, dtype=np.float64)}, x,
                    strict=True)


def test_tie_weights_agrees_with_torch(torch):
    class TorchTied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(2, 2, bias=False)
            self.b = torch.nn.Linear(2, 2)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))
    theirs = TorchTied().double()
    ours = Tied()
    # torch's state_dict lists the tied weight under both names; ours under its first
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()},
                         strict=False)
    W_np = np.array([[0.5, -1.0], [2.0, 0.25]])
    x_np = np.array([[1.0, -2.0], [0.5, 3.0]])
    for tie in (True, False):
        got = functional_call(ours, {"a.weight": ag.constant(W_np, dtype=np.float64)},
                              ag.constant(x_np, dtype=np.float64), tie_weights=tie)
        want = torch.func.functional_call(theirs, {"a.weight": torch.from_numpy(W_np)},
                                          torch.from_numpy(x_np), tie_weights=tie)
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12)


def test_weights_held_in_lists_and_containers():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.Ws = [ag.Variable(np.eye(2)), ag.Variable(2 * np.eye(2))]
            self.seq = nn.Sequential(nn.Linear(2, 2).double())
            self.ps = nn.ParameterList([nn.Parameter(np.ones(2))])

        def forward(self, x):
            return self.seq(x @ self.Ws[0] @ self.Ws[1])
    m = Stack()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["Ws.0", "Ws.1", "seq.0.weight", "seq.0.bias", "ps.0"]
    W1 = m.Ws[1]
    x = ag.constant([[1.0, 1.0]], dtype=np.float64)
    given = {"Ws.1": ag.constant(np.zeros((2, 2))), "seq.0.bias": ag.constant([1.0, 2.0])}
    np.testing.assert_allclose(functional_call(m, given, x).numpy(), [[1.0, 2.0]])
    assert m.Ws[1] is W1
    # A ParameterList wraps what it is given in a new Parameter, which would cut the
    # gradient: refused before anything changes.
    with pytest.raises(TypeError, match="cannot swap 'ps.0'"):
        functional_call(m, {"Ws.1": ag.zeros((2, 2)), "ps.0": ag.zeros(2)}, x)
    assert m.Ws[1] is W1


def test_stateless_is_the_older_name():
    assert nn.utils.stateless.functional_call is ag.func.functional_call


def test_randint_takes_pytorchs_high_size_overload():
    ag.manual_seed(3)
    t = ag.randint(10, (64,))
    assert t.shape == (64,) and 0 <= t.numpy().min() and t.numpy().max() < 10
    assert len(np.unique(t.numpy())) > 1
