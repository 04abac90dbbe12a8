"""optim.Muon against torch.optim.Muon (torch 2.13): the Newton–Schulz orthogonalization
in bfloat16 (to one ulp in rare entries), whole trajectories in float32 and float64 from
the same weights and the same gradients, each option, parameter groups, state_dict, and
torch's refusals."""

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim.muon import Muon, newton_schulz

torch = pytest.importorskip("torch")
from torch.optim._muon import _zeropower_via_newtonschulz  # noqa: E402

RNG = np.random.default_rng(11)
X = RNG.normal(size=(12, 5))
Y = RNG.normal(size=(12, 3))
W0 = RNG.normal(size=(5, 4)) * 0.5     # tall: the iteration runs on its transpose
V0 = RNG.normal(size=(4, 3)) * 0.5     # wide


@pytest.mark.parametrize("shape", [(4, 6), (7, 3), (16, 16), (30, 50)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_newton_schulz_is_torchs_in_bfloat16(shape, dtype):
    G = RNG.normal(size=shape).astype(dtype)
    want = _zeropower_via_newtonschulz(torch.tensor(G), (3.4445, -4.775, 2.0315), 5, 1e-7)
    got = newton_schulz(G, (3.4445, -4.775, 2.0315), 5, 1e-7)
    want = want.float().numpy()
    # float32 sums in another order can round an entry to the neighbouring bfloat16: one
    # ulp (2**-8 relative) at most, in a rare entry
    np.testing.assert_allclose(got, want, rtol=2 ** -7, atol=0)
    assert np.mean(got != want) < 0.01
    # and it orthogonalizes: singular values near 1 (torch's quintic leaves them in ~(0.5, 1.5))
    s = np.linalg.svd(got.astype(np.float64), compute_uv=False)
    assert 0.4 < s.min() and s.max() < 1.6


def _trajectory(dtype, kwargs, steps=6, groups=False):
    """Ours and torch's over ``steps`` steps of the same two-layer loss, from the same start."""
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    W, V = ag.Variable(W0.astype(dtype)), ag.Variable(V0.astype(dtype))
    Wt, Vt = (torch.tensor(a.astype(dtype), requires_grad=True) for a in (W0, V0))
    if groups:
        opt = Muon([{"params": [W]}, {"params": [V], "lr": 0.03, "nesterov": False}], **kwargs)
        opt_t = torch.optim.Muon([{"params": [Wt]},
                                  {"params": [Vt], "lr": 0.03, "nesterov": False}], **kwargs)
    else:
        opt, opt_t = Muon([W, V], **kwargs), torch.optim.Muon([Wt, Vt], **kwargs)
    x, y = ag.constant(X.astype(dtype)), ag.constant(Y.astype(dtype))
    xt, yt = torch.tensor(X.astype(dtype), dtype=tdtype), torch.tensor(Y.astype(dtype))
    got, want = [], []
    for _ in range(steps):
        opt.zero_grad()
        ag.mean(ag.square(ag.tanh(x @ W) @ V - y)).backward()
        opt_t.zero_grad()
        torch.mean((torch.tanh(xt @ Wt) @ Vt - yt) ** 2).backward()
        opt.step()
        opt_t.step()
        got.append((W.numpy().copy(), V.numpy().copy()))
        want.append((Wt.detach().numpy().copy(), Vt.detach().numpy().copy()))
    return got, want, opt, opt_t


FORMS = [dict(), dict(lr=0.02), dict(lr=0.05, weight_decay=0.0, momentum=0.9, nesterov=False),
         dict(lr=0.01, adjust_lr_fn="match_rms_adamw", ns_steps=3),
         dict(lr=0.02, ns_coefficients=(2.0, -1.5, 0.5), eps=1e-5, adjust_lr_fn="original")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", FORMS)
def test_trajectory_matches_torch(dtype, kwargs):
    got, want, _, _ = _trajectory(dtype, kwargs)
    # the orthogonalization is bfloat16 in both: a last-bit difference in a gradient may
    # round an entry of O to the neighbouring bfloat16 (a step ~lr * 2**-7 apart), which
    # later gradients carry on; short of that the steps agree to the float's precision
    lr = kwargs.get("lr", 1e-3)
    for (W, V), (Wt, Vt) in zip(got, want):
        np.testing.assert_allclose(W, Wt, rtol=0, atol=lr * 2 ** -5)
        np.testing.assert_allclose(V, Vt, rtol=0, atol=lr * 2 ** -5)
    tight = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got[0][0], want[0][0], rtol=0, atol=tight)
    np.testing.assert_allclose(got[0][1], want[0][1], rtol=0, atol=tight)
    assert not np.allclose(got[-1][0], W0)   # it moved


def test_param_groups_match_torch():
    got, want, opt, opt_t = _trajectory(np.float64, dict(lr=0.02), groups=True)
    for (W, V), (Wt, Vt) in zip(got, want):
        np.testing.assert_allclose(W, Wt, atol=0.02 * 2 ** -5)
        np.testing.assert_allclose(V, Vt, atol=0.03 * 2 ** -5)
    np.testing.assert_allclose(got[0][0], want[0][0], atol=1e-12)
    np.testing.assert_allclose(got[0][1], want[0][1], atol=1e-12)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in opt_t.param_groups]
    assert opt.param_groups[1]["nesterov"] is False


def test_momentum_buffer_and_state_dict_resume():
    got, want, opt, opt_t = _trajectory(np.float64, dict(lr=0.02), steps=3)
    for i, p in enumerate(opt_t.param_groups[0]["params"]):
        np.testing.assert_allclose(opt.momentum_buffers[i],
                                   opt_t.state[p]["momentum_buffer"].numpy(), atol=1e-12)
    state = opt.state_dict()
    assert sorted(state) == ["iterations", "momentum_buffers.0", "momentum_buffers.1"]
    W, V = opt.params
    again = Muon([W, V], lr=0.02)
    again.load_state_dict(state)
    W.grad = V.grad = None
    W.grad, V.grad = np.ones(W.shape), np.ones(V.shape)
    before = [p.numpy().copy() for p in (W, V)]
    opt.step()
    after_first = [p.numpy().copy() for p in (W, V)]
    for p, b in zip((W, V), before):
        p.assign(b)
    again.step()
    for p, a in zip((W, V), after_first):
        np.testing.assert_array_equal(p.numpy(), a)


def test_defaults_and_signature_are_torchs():
    import inspect
    ours = inspect.signature(Muon).parameters
    theirs = inspect.signature(torch.optim.Muon).parameters
    for name, p in theirs.items():
        assert name in ours
        assert ours[name].default == p.default or p.default is inspect.Parameter.empty
    W = ag.Variable(np.zeros((2, 3), np.float32))
    opt = Muon([W])
    assert (opt.param_groups[0]["lr"], opt.weight_decay, opt.momentum, opt.nesterov,
            opt.ns_coefficients, opt.param_groups[0]["eps"], opt.ns_steps,
            opt.adjust_lr_fn) == (1e-3, 0.1, 0.95, True, (3.4445, -4.775, 2.0315), 1e-7, 5,
                                  None)
    assert "Muon" in optim.__all__ and optim.Muon is Muon


@pytest.mark.parametrize("shape", [(3,), (2, 2, 2), ()])
def test_refuses_what_torch_refuses_not_2d(shape):
    with pytest.raises(ValueError, match="2D parameters"):
        torch.optim.Muon([torch.zeros(shape, requires_grad=True)])
    with pytest.raises(ValueError, match=r"Muon.*2D parameters.*params\[1\].*" +
                       str(shape).replace("(", r"\(").replace(")", r"\)")):
        Muon([ag.Variable(np.zeros((2, 2), np.float32)), ag.Variable(np.zeros(shape,
                                                                              np.float32))])


@pytest.mark.parametrize("kwargs", [dict(lr=-1.0), dict(momentum=-0.1),
                                    dict(weight_decay=-1.0), dict(adjust_lr_fn="nope")])
def test_refuses_bad_hyper_parameters_as_torch(kwargs):
    with pytest.raises(ValueError):
        torch.optim.Muon([torch.zeros((2, 2), requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match="Muon"):
        Muon([ag.Variable(np.zeros((2, 2), np.float32))], **kwargs)


def test_refuses_keras_style_and_bad_group_without_changing_anything():
    with pytest.raises(TypeError, match="Muon"):
        Muon(0.01)
    W = ag.Variable(np.ones((2, 2), np.float32))
    opt = Muon([W], lr=0.1)
    with pytest.raises(ValueError, match="add_param_group.*2D"):
        opt.add_param_group({"params": [ag.Variable(np.ones(3, np.float32))]})
    assert len(opt.param_groups) == 1 and len(opt.params) == 1
    with pytest.raises(ValueError, match="ns_steps"):
        Muon([W], ns_steps=100)
    with pytest.raises(ValueError, match="ns_coefficients"):
        Muon([W], ns_coefficients=(1.0, 2.0))
