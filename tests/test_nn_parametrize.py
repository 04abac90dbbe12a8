"""``nn.utils.parametrize`` and ``nn.utils.parametrizations`` (weight_norm, spectral_norm):
PyTorch's "Parametrizations" tutorial ported by renaming, and both libraries run side by
side from the same weights."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.utils.parametrize as parametrize
import optim
from nn.utils.parametrizations import spectral_norm, weight_norm

torch = pytest.importorskip("torch", reason="the parametrizations are compared with PyTorch's")
tparametrize = torch.nn.utils.parametrize


def _pair(make_ours, make_theirs):
    theirs = make_theirs().double()
    ours = make_ours().double()
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _tutorial_modules(lib, module_base):
    """The tutorial's parametrizations, written once for either library."""
    class Symmetric(module_base):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Skew(module_base):
        def forward(self, X):
            A = X.triu(1)
            return A - A.transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu(1)

    class CayleyMap(module_base):
        def __init__(self, n):
            super().__init__()
            self.register_buffer("Id", lib.eye(n, dtype=lib.float64))

        def forward(self, X):
            return lib.linalg.solve(self.Id - X, self.Id + X)

        def right_inverse(self, A):
            return lib.linalg.solve(A + self.Id, self.Id - A)

    class MatrixExponential(module_base):
        def forward(self, X):
            return lib.matrix_exp(X)
    return Symmetric, Skew, CayleyMap, MatrixExponential


def _both():
    ours = _tutorial_modules(ag, nn.Module)
    theirs = _tutorial_modules(torch, torch.nn.Module)
    return ours, theirs


def test_tutorial_matches_torch_weights_names_and_gradients():
    (Sym, Skew, Cayley, MExp), (TSym, TSkew, TCayley, TMExp) = _both()
    x = np.random.default_rng(0).normal(size=(5, 3))
    for chain, tchain in [((Sym,), (TSym,)), ((Skew, lambda: Cayley(3)), (TSkew, lambda: TCayley(3))),
                          ((Skew, MExp), (TSkew, TMExp)), ((Sym, MExp), (TSym, TMExp))]:
        ours, theirs = _pair(lambda: nn.Linear(3, 3), lambda: torch.nn.Linear(3, 3))
        for make, tmake in zip(chain, tchain):
            parametrize.register_parametrization(ours, "weight", make())
            tparametrize.register_parametrization(theirs, "weight", tmake())
        assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
        assert [n for n, _ in ours.named_parameters()] == \
            [n for n, _ in theirs.named_parameters()]
        assert list(ours.state_dict()) == list(theirs.state_dict())
        np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
        (ours(ag.constant(x)) ** 2).sum().backward()
        (theirs(torch.tensor(x)) ** 2).sum().backward()
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_right_inverse_assignment_and_removal_match_torch():
    (_, Skew, Cayley, _), (_, TSkew, TCayley, _) = _both()
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(3, 3))
    X = X - X.T
    ours, theirs = _pair(lambda: nn.Linear(3, 3), lambda: torch.nn.Linear(3, 3))
    for m, lib_p, S in ((ours, parametrize, Skew), (theirs, tparametrize, TSkew)):
        lib_p.register_parametrization(m, "weight", S())
    ours.weight = ag.constant(X)
    theirs.weight = torch.tensor(X)
    np.testing.assert_allclose(ours.weight.numpy(), X, atol=1e-15)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy())
    for leave in (True, False):
        o, t = _pair(lambda: nn.Linear(3, 3), lambda: torch.nn.Linear(3, 3))
        for m, lib_p, S, C in ((o, parametrize, Skew, Cayley), (t, tparametrize, TSkew, TCayley)):
            lib_p.register_parametrization(m, "weight", S())
            lib_p.register_parametrization(m, "weight", C(3))
        Q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
        Q = Q if np.linalg.det(Q) > 0 else -Q
        o.weight = ag.constant(Q)
        t.weight = torch.tensor(Q)
        parametrize.remove_parametrizations(o, "weight", leave_parametrized=leave)
        tparametrize.remove_parametrizations(t, "weight", leave_parametrized=leave)
        assert type(o) is nn.Linear and not parametrize.is_parametrized(o)
        assert [n for n, _ in o.named_parameters()] == [n for n, _ in t.named_parameters()]
        np.testing.assert_allclose(o.weight.numpy(), t.weight.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_cached_computes_once_per_block_and_per_thread():
    calls = []

    class Noisy(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X
    layer = nn.Linear(4, 4)
    parametrize.register_parametrization(layer, "weight", Noisy())
    calls.clear()
    layer.weight + layer.weight.T
    layer.weight.sum()
    assert len(calls) == 3
    calls.clear()
    with parametrize.cached():
        layer.weight + layer.weight.T
        layer.weight.sum()
    assert len(calls) == 1
    calls.clear()
    layer(ag.constant(np.ones((2, 4))))  # one computation per forward, as PyTorch's layer reads
    assert len(calls) == 1


@pytest.mark.parametrize("make, tmake, shape, kw", [
    (lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3), (2, 4), {}),
    (lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3), (2, 4), {"dim": None}),
    (lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3), (2, 4), {"dim": 1}),
    (lambda: nn.Conv2d(2, 3, 3), lambda: torch.nn.Conv2d(2, 3, 3), (2, 2, 5, 5), {}),
])
def test_weight_norm_trains_as_torch(make, tmake, shape, kw):
    ours, theirs = _pair(make, tmake)
    weight_norm(ours, **kw)
    torch.nn.utils.parametrizations.weight_norm(theirs, **kw)
    _train_side_by_side(ours, theirs, shape)


@pytest.mark.parametrize("make, tmake, shape", [
    (lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3), (2, 4)),
    (lambda: nn.Conv2d(2, 3, 3), lambda: torch.nn.Conv2d(2, 3, 3), (2, 2, 5, 5)),
    (lambda: nn.ConvTranspose2d(2, 3, 3), lambda: torch.nn.ConvTranspose2d(2, 3, 3),
     (2, 2, 5, 5)),
])
def test_spectral_norm_trains_as_torch(make, tmake, shape):
    ours, theirs = _pair(make, tmake)
    spectral_norm(ours)
    torch.nn.utils.parametrizations.spectral_norm(theirs)
    # The random start of u and v differs between the libraries: take PyTorch's.
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    _train_side_by_side(ours, theirs, shape)
    ours.eval()
    theirs.eval()
    w = ours.weight.numpy()
    np.testing.assert_allclose(w, theirs.weight.detach().numpy(), rtol=1e-9, atol=1e-12)
    # the largest singular value of the weight as a matrix (output channels first) is
    # about 1, as far as the few power iterations have found it
    out_axis = 1 if isinstance(ours, nn.ConvTranspose2d) else 0
    matrix = np.moveaxis(w, out_axis, 0).reshape(w.shape[out_axis], -1)
    assert abs(np.linalg.svd(matrix, compute_uv=False)[0] - 1) < 0.05


def _train_side_by_side(ours, theirs, shape):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(2)
    opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        x = rng.normal(size=shape)
        opt.zero_grad()
        topt.zero_grad()
        (ours(ag.constant(x)) ** 2).mean().backward()
        (theirs(torch.tensor(x)) ** 2).mean().backward()
        opt.step()
        topt.step()
    for (name, p), q in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(p, q.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_refusals_change_nothing():
    layer = nn.Linear(3, 2)
    before = layer.weight

    class Grow(nn.Module):
        def forward(self, X):
            return ag.concatenate([X, X])
    with pytest.raises(ValueError, match="shape and dtype"):
        parametrize.register_parametrization(layer, "weight", Grow())
    with pytest.raises(ValueError, match="no parameter, buffer or parametrized tensor"):
        parametrize.register_parametrization(layer, "kernel", Grow())
    with pytest.raises(TypeError, match="must be an nn.Module"):
        parametrize.register_parametrization(layer, "weight", lambda x: x)
    assert type(layer) is nn.Linear and layer.weight is before
    assert "parametrizations" not in dict(layer.named_children())
    with pytest.raises(ValueError, match="has no parametrization"):
        parametrize.remove_parametrizations(layer, "weight")
    # unsafe=True lets the shape change, as in PyTorch
    parametrize.register_parametrization(layer, "weight", Grow(), unsafe=True)
    assert layer.weight.shape == (4, 3)


def test_an_optimizer_made_before_registration_still_updates_the_weight():
    """The original is the Parameter the layer had, as in PyTorch (it changes in place)."""
    (Sym, _, _, _), _ = _both()
    layer = nn.Linear(3, 3)
    opt = optim.SGD(layer.parameters(), lr=0.5)
    parametrize.register_parametrization(layer, "weight", Sym())
    before = layer.weight.numpy().copy()
    (layer(ag.constant(np.ones((1, 3)))) ** 2).sum().backward()
    opt.step()
    assert not np.allclose(layer.weight.numpy(), before)
    np.testing.assert_allclose(layer.weight.numpy(), layer.weight.numpy().T)


def test_older_functions_give_the_older_torch_functions_numbers():
    """torch.nn.utils.weight_norm / spectral_norm (the older API, which names its tensors
    weight_g, weight_v, weight_orig, weight_u): the same maths as parametrizations."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 4))
    ours, theirs = _pair(lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3))
    nn.utils.weight_norm(ours)
    torch.nn.utils.weight_norm(theirs)
    np.testing.assert_allclose(ours.parametrizations.weight.original0.numpy(),
                               theirs.weight_g.detach().numpy(), rtol=1e-12)
    (ours(ag.constant(x)) ** 2).sum().backward()
    (theirs(torch.tensor(x)) ** 2).sum().backward()
    np.testing.assert_allclose(ours.parametrizations.weight.original0.grad,
                               theirs.weight_g.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.parametrizations.weight.original1.grad,
                               theirs.weight_v.grad.numpy(), rtol=1e-10)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-12)

    ours, theirs = _pair(lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3))
    nn.utils.spectral_norm(ours)
    torch.nn.utils.spectral_norm(theirs)
    sn = ours.parametrizations.weight[0]
    sn._u.assign(theirs.weight_u.numpy())   # the random start: PyTorch's
    sn._v.assign(theirs.weight_v.numpy())
    for _ in range(3):
        out, tout = ours(ag.constant(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10)
    (out ** 2).sum().backward()
    (tout ** 2).sum().backward()
    np.testing.assert_allclose(ours.parametrizations.weight.original.grad,
                               theirs.weight_orig.grad.numpy(), rtol=1e-9)
    nn.utils.remove_spectral_norm(ours)
    assert type(ours) is nn.Linear
