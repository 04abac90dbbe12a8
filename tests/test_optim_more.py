"""Adadelta, Adamax and Nadam: Keras's formulas by hand and in a numpy loop, torch.optim's
Adadelta, Adamax and NAdam for 100 steps, state_dict, argument checks, and compile by name.

The torch tests train the tiny float64 tanh model of test_optim_torch.py (the same data and
starting point) and agree to 1e-9, in PyTorch style (zero_grad/backward/step) and in Keras
style (minimize). Each case names every hyper-parameter, so that both styles run the values
named. A Keras-style optimizer follows Keras's formulas: where they differ from PyTorch's, torch
is given the arguments that make the mathematics identical. (A PyTorch-style one follows
torch.optim's formulas and defaults: test_optim_torch.py compares them with torch's own.)

- Adadelta: the formulas are the same in both, so both sides get the same arguments:
  PyTorch's defaults (lr=1.0, rho=0.9, eps=1e-6: the PyTorch MNIST example's
  ``Adadelta(model.parameters(), lr=1.0)``), and Keras's rho=0.95, eps=1e-7 with lr=1.0.
- Adamax: Keras divides by u + eps with u <- max(b2*u, |g|); torch folds eps into the
  maximum, u <- max(b2*u, |g| + eps), and divides by u. With eps = 0 on both sides the rules
  are the same. For eps > 0 no torch argument reproduces Keras's (torch's eps decays with u,
  Keras's does not); the two denominators differ by less than eps, about 1e-8 in the
  parameters here, so a 1e-9 comparison would tell them apart, and does
  (test_adamax_eps_placement_differs_from_torch). Keras's eps > 0 is checked against the
  numpy loop instead, and by test_adamax_eps_is_added_to_u_outside_the_maximum.
- Nadam: both add eps to sqrt(v_hat) and keep the running product of the momentum schedule
  u_t = b1*(1 - 0.5*0.96**(momentum_decay*t)). Keras 3 uses 0.96**t, which is torch's
  momentum_decay=1.0 (our default), and torch's default momentum_decay=4e-3 is our
  momentum_decay=0.004: each side gets the other's value. torch's eps is set to ours (1e-7,
  or torch's 1e-8 for the PyTorch port). torch keeps its product in float32 (its scalar
  dtype), which leaves ~3e-11 in the parameters. test_nadam_schedules_differ shows the two
  schedules are different algorithms, so the agreement is no accident.
"""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from optim import Adadelta, Adamax, Nadam

P0 = np.array([1.0, -2.0, 3.0])
G1 = np.array([0.5, -1.0, 2.0])
G2 = np.array([-0.3, 0.4, 1.0])


def run(opt_factory, grads, p0=P0):
    """Apply ``grads`` one after another with apply_gradients; the parameter after each."""
    p = ag.Variable(p0.copy())
    opt = opt_factory()
    out = []
    for g in grads:
        opt.apply_gradients([(g, p)])
        out.append(p.numpy().copy())
    return out


def keras_u(t, b1=0.9):
    """Keras 3's momentum schedule, written out: b1 * (1 - 0.5 * 0.96**t)."""
    return b1 * (1.0 - 0.5 * 0.96 ** t)


# --- one or two steps by hand -----------------------------------------------------------------

def test_adadelta_by_hand():
    p1, p2 = run(lambda: Adadelta(0.5, rho=0.9, epsilon=1e-6), [G1, G2])
    s1 = 0.1 * G1 ** 2
    delta1 = np.sqrt(0.0 + 1e-6) / np.sqrt(s1 + 1e-6) * G1
    d1 = 0.1 * delta1 ** 2
    s2 = 0.9 * s1 + 0.1 * G2 ** 2
    delta2 = np.sqrt(d1 + 1e-6) / np.sqrt(s2 + 1e-6) * G2
    np.testing.assert_allclose(p1, P0 - 0.5 * delta1, rtol=1e-14)
    np.testing.assert_allclose(p2, P0 - 0.5 * delta1 - 0.5 * delta2, rtol=1e-14)


def test_adamax_by_hand():
    p1, p2 = run(lambda: Adamax(0.1), [G1, G2])
    m1, u1 = 0.1 * G1, np.abs(G1)
    e1 = P0 - 0.1 / 0.1 * m1 / (u1 + 1e-7)
    m2, u2 = 0.9 * m1 + 0.1 * G2, np.maximum(0.999 * u1, np.abs(G2))
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, e1 - 0.1 / (1 - 0.9 ** 2) * m2 / (u2 + 1e-7), rtol=1e-14)
    # G2's middle element is below 0.999*|G1| there, its last above: both branches of max.
    assert u2[1] == 0.999 * 1.0 and u2[2] == 0.999 * 2.0 and u2[0] == 0.999 * 0.5


def test_nadam_first_steps_by_hand_follow_keras_3():
    p1, p2 = run(lambda: Nadam(0.01), [G1, G2])
    u1, u2, u3 = 0.468, 0.9 * (1 - 0.5 * 0.9216), 0.9 * (1 - 0.5 * 0.884736)  # 0.96**t
    m1, v1 = 0.1 * G1, 0.001 * G1 ** 2
    m_hat = u2 * m1 / (1 - u1 * u2) + (1 - u1) * G1 / (1 - u1)
    e1 = P0 - 0.01 * m_hat / (np.sqrt(v1 / 0.001) + 1e-7)
    m2, v2 = 0.9 * m1 + 0.1 * G2, 0.999 * v1 + 0.001 * G2 ** 2
    m_hat = u3 * m2 / (1 - u1 * u2 * u3) + (1 - u2) * G2 / (1 - u1 * u2)
    e2 = e1 - 0.01 * m_hat / (np.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-7)
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, e2, rtol=1e-14)


def test_nadam_momentum_schedule_and_product():
    keras, torch_like = Nadam(), Nadam(momentum_decay=0.004)
    assert keras.momentum_schedule(1) == pytest.approx(0.468, rel=1e-15)
    assert keras.momentum_schedule(100) == pytest.approx(0.9 * (1 - 0.5 * 0.96 ** 100))
    assert torch_like.momentum_schedule(100) == pytest.approx(0.9 * (1 - 0.5 * 0.96 ** 0.4))
    assert keras.u_product(3) == pytest.approx(keras_u(1) * keras_u(2) * keras_u(3), rel=1e-15)
    # Asked again for an earlier step (a state loaded from before), it multiplies afresh.
    assert keras.u_product(1) == pytest.approx(0.468, rel=1e-15)
    assert keras.u_product(0) == 1.0


def test_adamax_eps_is_added_to_u_outside_the_maximum():
    # A gradient of the size of eps, then a zero one, tells the placements apart: at step 2
    # Keras divides by b2*|g1| + eps, PyTorch by max(b2*(|g1| + eps), 0 + eps), whose eps
    # has decayed with u: 1.999e-7 against 1.998e-7.
    eps, g = 1e-7, np.array([1e-7])
    p1, p2 = run(lambda: Adamax(1.0, epsilon=eps), [g, np.zeros(1)], p0=np.zeros(1))
    m2, u2 = 0.9 * 0.1 * g, 0.999 * g
    np.testing.assert_allclose(p2 - p1, -1.0 / (1 - 0.9 ** 2) * m2 / (u2 + eps), rtol=1e-12)
    torch_u2 = 0.999 * (g + eps)
    assert not np.allclose(p2 - p1, -1.0 / (1 - 0.9 ** 2) * m2 / torch_u2, rtol=1e-4)


def test_keras_defaults():
    assert Adadelta().get_config() == {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7}
    assert Adamax().get_config() == {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                     "epsilon": 1e-7}
    assert Nadam().get_config() == {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                    "epsilon": 1e-7, "momentum_decay": 1.0}


def test_both_calling_styles_and_config_round_trip():
    w = ag.Variable([1.0])
    for cls in (Adadelta, Adamax, Nadam):
        assert cls(0.5).learning_rate == 0.5                   # Keras: Nadam(0.5)
        assert cls(learning_rate=0.5).learning_rate == 0.5
        torch_style = cls([w], lr=0.3)                         # torch: NAdam(params, lr=0.3)
        assert torch_style.params == [w] and torch_style.learning_rate == 0.3
        # A config rebuilds the optimizer in its style: Keras's alone, PyTorch's with params.
        opt = cls(0.3, epsilon=1e-3, clipnorm=1.0)
        assert cls(**opt.get_config()).get_config() == opt.get_config()
        opt = cls([w], lr=0.3, epsilon=1e-3, clipnorm=1.0)
        assert cls([w], **opt.get_config()).get_config() == opt.get_config()
        with pytest.raises(TypeError, match="learning rate twice"):
            cls(0.5, lr=0.1)
    assert repr(Nadam(0.01)) == ("Nadam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, "
                                 "epsilon=1e-07, momentum_decay=1.0)")


# --- 100 steps against a numpy loop of Keras's formulas -----------------------------------------

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3))
Y = RNG.normal(size=(16, 2))
W0 = RNG.normal(size=(3, 2)) * 0.5


def loss_and_grad(W):
    """L = mean((tanh(X @ W) - Y)**2) and dL/dW, by hand."""
    h = np.tanh(X @ W)
    return np.mean((h - Y) ** 2), X.T @ (2 * (h - Y) / Y.size * (1 - h ** 2))


def keras_reference(kind, lr, steps=100):
    """Keras 3's update_step for each, as a plain numpy loop with Keras's defaults, written
    in Keras's own order (m += (g - m)*(1 - b1), the product updated before the step)."""
    W = W0.copy()
    a, b = np.zeros_like(W), np.zeros_like(W)  # (accumulated grad, delta) or (m, u) or (m, v)
    u_product = 1.0
    for t in range(1, steps + 1):
        g = loss_and_grad(W)[1]
        if kind == "adadelta":
            rho, eps = 0.95, 1e-7
            a = rho * a + (1 - rho) * g ** 2
            delta = -(np.sqrt(b + eps) * g / np.sqrt(a + eps))
            b = rho * b + (1 - rho) * delta ** 2
            W = W + lr * delta
        elif kind == "adamax":
            b1, b2, eps = 0.9, 0.999, 1e-7
            a = a + (g - a) * (1 - b1)
            b = np.maximum(b2 * b, np.abs(g))
            W = W - lr * a / ((1 - b1 ** t) * (b + eps))
        elif kind == "nadam":
            b1, b2, eps = 0.9, 0.999, 1e-7
            u_product = u_product * b1 * (1.0 - 0.5 * 0.96 ** t)
            u_t, u_t_1 = keras_u(t), keras_u(t + 1)
            a = a + (g - a) * (1 - b1)
            b = b + (g ** 2 - b) * (1 - b2)
            m_hat = u_t_1 * a / (1 - u_product * u_t_1) + (1 - u_t) * g / (1 - u_product)
            W = W - m_hat * lr / (np.sqrt(b / (1 - b2 ** t)) + eps)
    return W


# Adadelta at Keras's learning_rate=0.001 would move W by ~1e-4 in 100 steps; lr=1.0 (the
# paper's) makes it travel, with Keras's rho and eps.
def keras_built(opt, params):
    """A Keras-style optimizer (Keras's formulas and defaults) told its parameters, so that
    step() works."""
    opt.build(params)
    return opt


@pytest.mark.parametrize("make, kind, lr", [
    (lambda p: keras_built(Adadelta(1.0), p), "adadelta", 1.0),
    (lambda p: keras_built(Adamax(0.003), p), "adamax", 0.003),
    (lambda p: keras_built(Nadam(0.003), p), "nadam", 0.003),
], ids=["adadelta", "adamax", "nadam"])
def test_100_steps_match_numpy_reference(make, kind, lr):
    W = ag.Variable(W0.copy())
    opt = make([W])
    for _ in range(100):
        opt.zero_grad()
        ag.mean(ag.square(ag.tanh(ag.constant(X) @ W) - ag.constant(Y))).backward()
        opt.step()
    want = keras_reference(kind, lr=lr)
    np.testing.assert_allclose(W.numpy(), want, rtol=1e-10, atol=1e-12)
    assert np.abs(want - W0).max() > 0.05  # the parameters did travel


@pytest.mark.parametrize("make", [
    lambda ps: Adadelta(ps, lr=1.0),
    lambda ps: Adamax(ps, lr=0.01),
    lambda ps: Nadam(ps, lr=0.01),
], ids=["adadelta", "adamax", "nadam"])
def test_blocked_updates_equal_updates_element_by_element(make):
    """A parameter spanning several blocks (and the second work array, made per parameter)
    gets, element for element, what the same elements get as separate small parameters."""
    from optim._inplace import BLOCK
    rng = np.random.default_rng(1)
    n = 2 * BLOCK + 5
    w0 = rng.normal(size=n)
    grads = [rng.normal(size=n) for _ in range(3)]
    big = ag.Variable(w0)
    pieces = [ag.Variable(w0[lo:lo + 1000]) for lo in range(0, n, 1000)]
    opt_big, opt_pieces = make([big]), make(pieces)
    for g in grads:
        big.grad = g.copy()
        for k, piece in enumerate(pieces):
            piece.grad = g[k * 1000:(k + 1) * 1000].copy()
        opt_big.step()
        opt_pieces.step()
        np.testing.assert_array_equal(big.grad, g)  # .grad is left as it was
    np.testing.assert_array_equal(big.numpy(), np.concatenate([q.numpy() for q in pieces]))
    assert np.abs(big.numpy() - w0).max() > 1e-3


def work_arrays(opt):
    workspace = opt._workspace
    return [id(a) for a in (*workspace.work.values(), *workspace.buffers.values())]


@pytest.mark.parametrize("cls", [Adadelta, Adamax, Nadam])
def test_updates_are_in_place_with_the_same_state_and_work_arrays(cls):
    W = ag.Variable(np.full((4, 3), 0.5, np.float32))
    b = ag.Variable(0.25)                                      # a float32 scalar
    opt = cls([W, b], lr=0.1)
    buffer = W.data
    W.grad, b.grad = np.full((4, 3), 0.1, np.float32), np.float32(0.7)
    opt.step()
    state = [a for name in opt.state_names for a in getattr(opt, name)]
    before = [a.copy() for a in state]
    scratch = work_arrays(opt)
    W.grad, b.grad = np.full((4, 3), -0.2, np.float32), np.float32(-0.1)
    opt.step()
    assert W.data is buffer and W.dtype == np.float32 and isinstance(b.data, np.float32)
    assert not np.allclose(W.numpy(), 0.5) and float(b) != 0.25
    after = [a for name in opt.state_names for a in getattr(opt, name)]
    assert [id(a) for a in after] == [id(a) for a in state]
    assert all(not np.array_equal(a, c) for a, c in zip(after, before))
    assert all(a.dtype == np.float32 for a in after)
    assert work_arrays(opt) == scratch


# --- against torch.optim ----------------------------------------------------------------------

T_RNG = np.random.default_rng(1)  # test_optim_torch.py's model, data and starting point
T_X = T_RNG.normal(size=(16, 3))
T_Y = T_RNG.normal(size=(16, 2))
T_W0 = T_RNG.normal(size=(3, 2)) * 0.5
T_B0 = T_RNG.normal(size=(2,)) * 0.1
STEPS = 100


def ours(make, style):
    """Train W, b with our optimizer; the parameters after every step."""
    W, b = ag.Variable(T_W0.copy(), name="W"), ag.Variable(T_B0.copy(), name="b")
    x, y = ag.constant(T_X), ag.constant(T_Y)
    opt = make([W, b]) if style == "pytorch" else make(None)

    def loss():
        return ag.mean(ag.square(ag.tanh(x @ W + b) - y))
    history = []
    for _ in range(STEPS):
        if style == "pytorch":
            opt.zero_grad()
            loss().backward()
            opt.step()
        else:
            opt.minimize(loss, [W, b])
        history.append((W.numpy().copy(), b.numpy().copy()))
    return history


def theirs(torch, make):
    W = torch.tensor(T_W0.copy(), requires_grad=True)
    b = torch.tensor(T_B0.copy(), requires_grad=True)
    x, y = torch.tensor(T_X), torch.tensor(T_Y)
    opt = make([W, b])
    history = []
    for _ in range(STEPS):
        opt.zero_grad()
        torch.mean((torch.tanh(x @ W + b) - y) ** 2).backward()
        opt.step()
        history.append((W.detach().numpy().copy(), b.detach().numpy().copy()))
    return history


def gap(got, want):
    return max(max(np.abs(W - W_t).max(), np.abs(b - b_t).max())
               for (W, b), (W_t, b_t) in zip(got, want))


# name: (ours, torch's); each lambda gets the params (ours: None in Keras style) and torch.
TORCH_CASES = {
    "adadelta-pytorch-mnist": (lambda p, t: Adadelta(p, lr=1.0, rho=0.9, epsilon=1e-6),
                               lambda p, t: t.optim.Adadelta(p, lr=1.0)),
    "adadelta-keras-rho-eps": (lambda p, t: Adadelta(p, lr=1.0, rho=0.95, epsilon=1e-7),
                               lambda p, t: t.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-7)),
    "adamax-eps-0": (lambda p, t: Adamax(p, lr=0.002, epsilon=0.0),
                     lambda p, t: t.optim.Adamax(p, lr=0.002, eps=0.0)),
    "nadam-keras": (lambda p, t: Nadam(p, lr=0.002, momentum_decay=1.0, epsilon=1e-7),
                    lambda p, t: t.optim.NAdam(p, lr=0.002, eps=1e-7, momentum_decay=1.0)),
    "nadam-pytorch": (lambda p, t: Nadam(p, lr=0.002, momentum_decay=0.004, epsilon=1e-8),
                      lambda p, t: t.optim.NAdam(p, lr=0.002)),
}


@pytest.mark.parametrize("style", ["pytorch", "keras"])
@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_100_steps_agree_with_torch(case, style):
    torch = pytest.importorskip("torch")
    make_ours, make_theirs = TORCH_CASES[case]
    got = ours(lambda p: make_ours(p, torch), style)
    want = theirs(torch, lambda p: make_theirs(p, torch))
    for step, ((W, b), (W_t, b_t)) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(W, W_t, rtol=0, atol=1e-9, err_msg=f"W at step {step}")
        np.testing.assert_allclose(b, b_t, rtol=0, atol=1e-9, err_msg=f"b at step {step}")
    # The comparison means something only if the parameters moved well beyond 1e-9.
    assert np.abs(got[-1][0] - T_W0).max() > 0.1


def test_nadam_schedules_differ():
    # Keras 3's schedule (0.96**t) against torch's default (0.96**(0.004*t)): far apart, so
    # each torch case above needs the other's momentum_decay.
    torch = pytest.importorskip("torch")
    got = ours(lambda p: Nadam(p, lr=0.002), "keras")
    want = theirs(torch, lambda p: torch.optim.NAdam(p, lr=0.002, eps=1e-7))
    assert gap(got, want) > 1e-3


def test_adamax_eps_placement_differs_from_torch():
    # With eps > 0 the two Adamax differ by ~1e-8 here: below the 1e-6 the other torch
    # comparisons allow, above the 1e-9 these use.
    torch = pytest.importorskip("torch")
    got = ours(lambda p: Adamax(p, lr=0.002), "keras")
    want = theirs(torch, lambda p: torch.optim.Adamax(p, lr=0.002, eps=1e-7))
    assert 1e-9 < gap(got, want) < 1e-6


# --- state_dict: training resumes where it stopped ------------------------------------------

def quadratic_params(seed=0):
    rng = np.random.default_rng(seed)
    return [ag.Variable(rng.normal(size=(3, 2)).astype(np.float32)),
            ag.Variable(rng.normal(size=(2,)).astype(np.float32))]


def steps(opt, params, n):
    for _ in range(n):
        opt.minimize(lambda: sum(((p - 1.0) ** 2 * p).sum() for p in params), params)


STATEFUL = [(Adadelta, {"lr": 1.0}), (Adamax, {"lr": 0.05}), (Nadam, {"lr": 0.05}),
            (Nadam, {"lr": 0.05, "momentum_decay": 0.004})]


@pytest.mark.parametrize("cls, kwargs", STATEFUL)
def test_state_dict_saved_with_np_savez_resumes_training_exactly(tmp_path, cls, kwargs):
    params = quadratic_params()
    opt = cls(params, **kwargs)
    steps(opt, params, 3)
    path = tmp_path / "opt.npz"
    np.savez(path, **opt.state_dict())
    copies = [ag.Variable(p.numpy()) for p in params]
    resumed = cls(copies, **kwargs)
    resumed.load_state_dict(np.load(path))
    assert resumed.iterations == 3
    assert sorted(resumed.state_dict()) == sorted(
        ["iterations"] + [f"{name}.{i}" for name in (*opt.state_names, *opt.count_names)
                          for i in range(2)])
    steps(opt, params, 2)
    steps(resumed, copies, 2)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(q.numpy(), p.numpy())
    # Without the state (a fresh optimizer) the next step goes elsewhere.
    fresh_params = [ag.Variable(p.numpy()) for p in copies]
    steps(cls(fresh_params, **kwargs), fresh_params, 1)
    steps(resumed, copies, 1)
    assert not np.allclose(fresh_params[0].numpy(), copies[0].numpy(), rtol=1e-5)


def test_nadam_resumes_exactly_from_an_earlier_state():
    # The product u_1*...*u_t follows iterations back: load step 3's state into an optimizer
    # that has gone on to step 6, and it continues as a fresh one resumed at step 3 does.
    # Keras style, whose t is iterations + 1 (PyTorch's counts per parameter: its resumed
    # runs are in test_optim_torch.py).
    params = quadratic_params()
    opt = Nadam(0.05)
    steps(opt, params, 3)
    state, weights = opt.state_dict(), [p.numpy().copy() for p in params]
    steps(opt, params, 3)
    for p, w in zip(params, weights):
        p.assign(w)
    opt.load_state_dict(state)
    copies = [ag.Variable(w) for w in weights]
    resumed = keras_built(Nadam(0.05), copies)
    resumed.load_state_dict(state)
    steps(opt, params, 2)
    steps(resumed, copies, 2)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert opt.u_product(5) == resumed.u_product(5) == pytest.approx(
        math.prod(keras_u(t) for t in range(1, 6)), rel=1e-14)


@pytest.mark.parametrize("name", ["adadelta", "adamax", "nadam"])
def test_fit_after_load_model_continues_as_if_never_stopped(tmp_path, name):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    model = nn.Sequential([nn.Input((3,)), nn.Dense(4, activation="tanh"), nn.Dense(1)])
    model.compile(optimizer=name, loss="mse")
    model.optimizer.learning_rate = 0.05
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = nn.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == 12
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    for (key, v), (_, w) in zip(model.named_parameters(), loaded.named_parameters()):
        np.testing.assert_allclose(w.numpy(), v.numpy(), rtol=1e-6, atol=1e-7, err_msg=key)


# --- arguments that cannot be meant ---------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda ps: Adadelta(ps, lr=-0.1), r"^Adadelta: learning_rate must be >= 0, got -0.1$"),
    (lambda ps: Adadelta(ps, rho=1.0), r"^Adadelta: rho must be in \[0, 1\), got 1.0$"),
    (lambda ps: Adadelta(ps, rho=-0.05), r"^Adadelta: rho must be in \[0, 1\), got -0.05$"),
    (lambda ps: Adadelta(ps, epsilon=-1e-7), r"^Adadelta: epsilon must be >= 0, got -1e-07$"),
    (lambda ps: Adadelta(ps, rho=float("nan")), r"^Adadelta: rho must be finite, got nan$"),
    (lambda ps: Adamax(ps, learning_rate=-1.0), r"^Adamax: learning_rate must be >= 0"),
    (lambda ps: Adamax(ps, beta_1=1.0), r"^Adamax: beta_1 must be in \[0, 1\), got 1.0$"),
    (lambda ps: Adamax(ps, beta_2=-0.5), r"^Adamax: beta_2 must be in \[0, 1\), got -0.5$"),
    (lambda ps: Adamax(ps, epsilon=-1.0), r"^Adamax: epsilon must be >= 0, got -1.0$"),
    (lambda ps: Adamax(ps, epsilon=math.inf), r"^Adamax: epsilon must be finite, got inf$"),
    (lambda ps: Nadam(ps, lr=-0.002), r"^Nadam: learning_rate must be >= 0, got -0.002$"),
    (lambda ps: Nadam(ps, beta_1=1.5), r"^Nadam: beta_1 must be in \[0, 1\), got 1.5$"),
    (lambda ps: Nadam(ps, beta_2=1.0), r"^Nadam: beta_2 must be in \[0, 1\), got 1.0$"),
    (lambda ps: Nadam(ps, epsilon=-1e-8), r"^Nadam: epsilon must be >= 0, got -1e-08$"),
    (lambda ps: Nadam(ps, momentum_decay=-0.004),
     r"^Nadam: momentum_decay must be >= 0, got -0.004$"),
    (lambda ps: Nadam(ps, clipnorm=0.0), r"^Nadam: clipnorm must be a positive number"),
])
def test_bad_hyper_parameters_raise_naming_optimizer_and_argument(make, message):
    params = quadratic_params()
    for p in params:
        p.grad = np.ones(p.shape, np.float32)
    before = [p.numpy().copy() for p in params]
    with pytest.raises(ValueError, match=message):
        make(params)
    for p, w in zip(params, before):
        np.testing.assert_array_equal(p.numpy(), w)
        np.testing.assert_array_equal(p.grad, np.ones(p.shape, np.float32))


@pytest.mark.parametrize("make", [
    lambda: Adadelta(rho="0.9"), lambda: Adamax(beta_1=True), lambda: Nadam(momentum_decay="1"),
])
def test_hyper_parameters_given_as_text_or_bool_are_type_errors(make):
    with pytest.raises(TypeError, match="must be a real number"):
        make()


@pytest.mark.parametrize("cls", [Adadelta, Adamax, Nadam])
def test_a_bad_scheduled_learning_rate_changes_nothing(cls):
    """The step the schedule refuses changes no parameter, no state, not iterations (nor
    Nadam's product), and training then goes on as if it had never been tried."""
    def schedule(step):
        return -1.0 if step == 2 and refuse else 0.05
    refuse = True
    params = quadratic_params()
    opt = cls(params, learning_rate=schedule)
    steps(opt, params, 2)
    weights, state = [p.numpy().copy() for p in params], opt.state_dict()
    with pytest.raises(ValueError, match=f"^{cls.__name__}: the schedule's learning rate at "
                                         "step 2 must be >= 0, got -1.0$"):
        steps(opt, params, 1)
    for p, w in zip(params, weights):
        np.testing.assert_array_equal(p.numpy(), w)
    after = opt.state_dict()
    assert sorted(after) == sorted(state) and opt.iterations == 2
    for key in state:
        np.testing.assert_array_equal(after[key], state[key])
    refuse = False
    steps(opt, params, 2)
    twin_params = quadratic_params()
    twin = cls(twin_params, learning_rate=0.05)
    steps(twin, twin_params, 4)
    for p, q in zip(params, twin_params):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


# --- by name: optim.get and model.compile ----------------------------------------------------

@pytest.mark.parametrize("name, cls, config", [
    ("adadelta", Adadelta, {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7}),
    ("Adamax", Adamax, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                        "epsilon": 1e-7}),
    ("NADAM", Nadam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                      "momentum_decay": 1.0}),
])
def test_get_resolves_the_keras_names_with_keras_defaults(name, cls, config):
    opt = optim.get(name)
    assert type(opt) is cls and opt.get_config() == config
    assert optim.get(name) is not opt
    for exported in ("Adadelta", "Adamax", "Nadam"):
        assert exported in optim.__all__ and getattr(optim, exported).__name__ == exported


@pytest.mark.parametrize("name, cls", [("adadelta", Adadelta), ("adamax", Adamax),
                                       ("nadam", Nadam)])
def test_a_model_compiled_with_the_name_trains(name, cls):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    model = nn.Sequential([nn.Input((3,)), nn.Dense(4, activation="tanh"), nn.Dense(1)])
    model.compile(optimizer=name, loss="mse")
    assert type(model.optimizer) is cls and model.optimizer.learning_rate == 0.001
    W_before = model.layers[0].W.numpy().copy()
    losses = model.fit(x, y, epochs=5, batch_size=8, verbose=0, shuffle=False).history["loss"]
    assert model.optimizer.iterations == 20
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    # Adadelta's steps at Keras's learning_rate=0.001 are ~1e-6 (its docstring): the loss
    # falls by ~2e-4 here, still about a thousand float32 roundings at this loss.
    assert losses[0] - losses[-1] > (1e-4 if name == "adadelta" else 0.05)
    assert not np.array_equal(model.layers[0].W.numpy(), W_before)
