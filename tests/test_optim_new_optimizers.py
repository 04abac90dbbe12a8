"""Rprop, ASGD and Adafactor against torch.optim (100 float64 steps through a StepLR decay,
with a parameter whose first gradients come late, to 1e-9, and resumed from a state dict);
Ftrl, Lion, Lamb and Keras's Adafactor against numpy transcriptions of Keras's
update_step, and Lion against the paper's algorithm."""


import numpy as np
import pytest

import autograd_core as ag
from optim.adafactor import Adafactor
from optim.asgd import ASGD
from optim.ftrl import Ftrl
from optim.lamb import Lamb
from optim.lion import Lion
from optim.lr_scheduler import StepLR
from optim.rprop import Rprop

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.normal(size=(16, 3))
Y = RNG.normal(size=(16, 2))
W0 = RNG.normal(size=(3, 2)) * 0.5
B0 = RNG.normal(size=(2,)) * 0.1
W3 = RNG.normal(size=(2, 3, 2)) * 0.5   # a 3-axis parameter: Adafactor factors the last two

OURS = {"Rprop": Rprop, "ASGD": ASGD, "Adafactor": Adafactor}
FORMS = {
    "Rprop": [{}, dict(lr=0.003, etas=(0.3, 1.5), step_sizes=(1e-4, 0.02), maximize=True)],
    "ASGD": [{}, dict(lr=0.05, lambd=0.01, alpha=0.6, t0=20, weight_decay=0.1),
             dict(lr=0.05, t0=3, maximize=True)],
    "Adafactor": [{}, dict(lr=0.02, beta2_decay=-0.6, eps=(1e-20, 1e-2), d=1.5,
                           weight_decay=0.1, maximize=True)],
}


def loss_ours(W, b, V, sign):
    x = ag.constant(X)
    h = ag.tanh(x @ W + b) + ag.sum(V * V) * 0.1
    return sign * ag.mean(ag.square(h - ag.constant(Y)))


def loss_torch(W, b, V, sign):
    h = torch.tanh(torch.tensor(X) @ W + b) + torch.sum(V * V) * 0.1
    return sign * torch.mean((h - torch.tensor(Y)) ** 2)


def runs(name, kwargs, late=5, steps=100):
    """Ours and torch's from the same start, StepLR(30, 0.5) after every step; b has no
    gradient for the first ``late`` steps."""
    sign = -1.0 if kwargs.get("maximize") else 1.0
    W, b, V = ag.Variable(W0.copy()), ag.Variable(B0.copy()), ag.Variable(W3.copy())
    opt = OURS[name]([W, b, V], **kwargs)
    sched = StepLR(opt, step_size=30, gamma=0.5)
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        Wt, bt, Vt = (torch.tensor(a.copy(), requires_grad=True) for a in (W0, B0, W3))
        opt_t = getattr(torch.optim, name)([Wt, bt, Vt], **kwargs)
        sched_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=30, gamma=0.5)
        got, want = [], []
        for step in range(steps):
            opt.zero_grad()
            loss_ours(W, b, V, sign).backward()
            opt_t.zero_grad()
            loss_torch(Wt, bt, Vt, sign).backward()
            if step < late:
                b.grad, bt.grad = None, None
            opt.step()
            opt_t.step()
            sched.step()
            sched_t.step()
            got.append([a.numpy().copy() for a in (W, b, V)])
            want.append([a.detach().numpy().copy() for a in (Wt, bt, Vt)])
    finally:
        torch.set_default_dtype(default)
    return got, want, opt, opt_t


@pytest.mark.parametrize("late", [0, 5])
@pytest.mark.parametrize("name, k", [(n, k) for n in FORMS for k in range(len(FORMS[n]))])
def test_pytorch_form_follows_torch_for_100_steps(name, k, late):
    got, want, opt, opt_t = runs(name, FORMS[name][k], late)
    for step, (ours, theirs) in enumerate(zip(got, want), start=1):
        for a, a_t, what in zip(ours, theirs, "WbV"):
            np.testing.assert_allclose(a, a_t, rtol=0, atol=1e-9, err_msg=f"{what} at {step}")
    assert np.abs(got[-1][0] - W0).max() > 0.01
    assert np.abs(got[-1][1] - B0).max() > 1e-3
    if name == "ASGD":  # the averaged parameters too
        for i, p in enumerate(opt_t.param_groups[0]["params"]):
            np.testing.assert_allclose(opt.axs[i], opt_t.state[p]["ax"].numpy(), rtol=0,
                                       atol=1e-9)


@pytest.mark.parametrize("name", list(FORMS))
def test_pytorch_form_resumes_from_its_state_dict(name):
    kwargs = FORMS[name][1]
    sign = -1.0 if kwargs.get("maximize") else 1.0

    def train(opt, params, steps, late=0):
        for step in range(steps):
            opt.zero_grad()
            loss_ours(*params, sign).backward()
            if step < late:
                params[1].grad = None
            opt.step()
    params = [ag.Variable(a.copy()) for a in (W0, B0, W3)]
    opt = OURS[name](params, **kwargs)
    train(opt, params, 5, late=3)
    state = opt.state_dict()
    assert state["steps.0"] == 5 and state["steps.1"] == 2
    copy = [ag.Variable(p.numpy().copy()) for p in params]
    resumed = OURS[name](copy, **kwargs)
    resumed.load_state_dict(dict(state))
    fresh = [ag.Variable(p.numpy().copy()) for p in params]
    train(OURS[name](fresh, **kwargs), fresh, 6)
    train(opt, params, 6)
    train(resumed, copy, 6)
    for a, b in zip(params, copy):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert max(np.abs(a.numpy() - b.numpy()).max() for a, b in zip(fresh, copy)) > 1e-7


@pytest.mark.parametrize("name", list(FORMS))
def test_a_state_that_does_not_fit_loads_nothing(name):
    params = [ag.Variable(a.copy()) for a in (W0, B0, W3)]
    opt = OURS[name](params)
    opt.minimize(lambda: loss_ours(*params, 1.0), params)
    state = opt.state_dict()
    before = {k: np.array(v) for k, v in state.items()}
    extra = [k for k in state if k.startswith(("etas", "row_vars", "prevs"))][0]
    bad = dict(state, **{extra: np.zeros((7,))})
    with pytest.raises(ValueError, match=rf"^{name}.load_state_dict: the state does not fit; "
                                         rf"nothing was loaded:(.|\n)*{extra}"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="unexpected names"):
        opt.load_state_dict(dict(state, **{"bogus.0": np.zeros(2)}))
    after = opt.state_dict()
    assert sorted(after) == sorted(before)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)


@pytest.mark.parametrize("name", list(FORMS))
def test_pytorch_defaults_are_torchs(name):
    import inspect
    opt = OURS[name]([ag.Variable([1.0])])
    attribute = {"lr": "learning_rate", "eps": "epsilon"}
    for arg, parameter in inspect.signature(getattr(torch.optim, name)).parameters.items():
        if arg in ("params", "foreach", "capturable", "differentiable"):
            continue
        value = getattr(opt, attribute.get(arg, arg))
        assert value == parameter.default, arg


def test_param_groups_take_their_own_values():
    w, b = ag.Variable(W0.copy()), ag.Variable(B0.copy())
    opt = ASGD([{"params": [w]}, {"params": [b], "alpha": 0.5, "lr": 0.1}], lr=0.01)
    assert [g["alpha"] for g in opt.param_groups] == [0.75, 0.5]
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.1]
    r = Rprop([{"params": [w]}, {"params": [b], "etas": (0.4, 1.1)}])
    assert r.param_groups[1]["etas"] == (0.4, 1.1)


@pytest.mark.parametrize("make, error, message", [
    (lambda p: Rprop(p, etas=(0.5, 0.9)), ValueError,
     r"^Rprop: etas must satisfy 0 < etaminus < 1 < etaplus, got etas=\(0.5, 0.9\)"),
    (lambda p: Rprop(p, step_sizes=(1.0, 0.1)), ValueError, "^Rprop: step_sizes must"),
    (lambda p: Rprop(0.01), TypeError, "^Rprop: Keras has no Rprop"),
    (lambda p: ASGD(p, lambd=-1.0), ValueError, "^ASGD: lambd must be >= 0"),
    (lambda p: ASGD(p, foreach=True), ValueError, "^ASGD: foreach=True chooses"),
    (lambda p: Adafactor(p, d=0.5), ValueError, "^Adafactor: d must be >= 1, got 0.5"),
    (lambda p: Adafactor(p, beta2_decay=0.1), ValueError, "^Adafactor: beta2_decay must be <="),
    (lambda p: Adafactor(p, epsilon_1=1e-30), TypeError,
     "^Adafactor: got epsilon_1=1e-30, but Adafactor made with its parameters"),
    (lambda p: Adafactor(0.01, d=2.0), TypeError, "^Adafactor: got d=2.0, but Adafactor made "
                                                  "without parameters takes Keras's"),
    (lambda p: Lion(p), TypeError, "^Lion: this is Keras's optimizer"),
    (lambda p: Lion(beta_1=0.0), ValueError, r"^Lion: beta_1 must be in \(0, 1\]"),
    (lambda p: Lamb(epsilon="1e-7"), TypeError, "^Lamb: epsilon must be a real number"),
    (lambda p: Ftrl(learning_rate_power=0.5), ValueError,
     "^Ftrl: learning_rate_power must be <= 0, got 0.5"),
    (lambda p: Ftrl(l1_regularization_strength=-1), ValueError,
     "^Ftrl: l1_regularization_strength must be >= 0"),
])
def test_refused_arguments_name_the_optimizer_and_learn_nothing(make, error, message):
    w = ag.Variable([1.0])
    params = iter([w])
    with pytest.raises(error, match=message):
        make(params)


# --- Keras's optimizers against numpy transcriptions of Keras's update_step ------------------

def keras_ftrl(p, g, s, lr, t, c):
    n, z = s.setdefault("n", np.full_like(p, c["initial_accumulator_value"])), \
        s.setdefault("z", np.zeros_like(p))
    l2 = c["l2_regularization_strength"] + c["beta"] / (2.0 * lr)
    grad_to_use = g + 2 * c["l2_shrinkage_regularization_strength"] * p
    new_n = n + g ** 2
    power = c["learning_rate_power"]
    z = z + grad_to_use - (new_n ** -power - n ** -power) / lr * p
    quadratic = new_n ** -power / lr + 2 * l2
    l1 = c["l1_regularization_strength"]
    s["z"], s["n"] = z, new_n
    return (np.clip(z, -l1, l1) - z) / quadratic


def keras_lion(p, g, s, lr, t, c):
    m = s.setdefault("m", np.zeros_like(p))
    p = p - lr * np.sign(m * c["beta_1"] + g * (1 - c["beta_1"]))
    s["m"] = m * c["beta_2"] + g * (1 - c["beta_2"])
    return p


def keras_lamb(p, g, s, lr, t, c):
    m, v = s.setdefault("m", np.zeros_like(p)), s.setdefault("v", np.zeros_like(p))
    m = m + (g - m) * (1 - c["beta_1"])
    v = v + (g ** 2 - v) * (1 - c["beta_2"])
    s["m"], s["v"] = m, v
    update = (m / (1 - c["beta_1"] ** t)) / (np.sqrt(v / (1 - c["beta_2"] ** t)) + c["epsilon"])
    w_norm, g_norm = np.sqrt(np.sum(p ** 2)), np.sqrt(np.sum(update ** 2))
    ratio = w_norm / g_norm if w_norm > 0 and g_norm > 0 else 1.0
    return p - ratio * lr * update


def keras_adafactor(p, g, s, lr, t, c):
    def rms(x):
        return np.sqrt(np.mean(np.square(x)))
    lr = min(lr, 1 / np.sqrt(t))
    rho_t = min(lr, 1 / np.sqrt(t))
    alpha_t = max(c["epsilon_2"], rms(p)) * rho_t
    g2 = g ** 2 + c["epsilon_1"]
    beta = 1 - t ** c["beta_2_decay"]
    if p.ndim >= 2:
        r = s.setdefault("r", np.zeros(p.shape[:-1]))
        cc = s.setdefault("c", np.zeros(p.shape[:-2] + p.shape[-1:]))
        s["r"] = r = beta * r + (1 - beta) * np.mean(g2, axis=-1)
        s["c"] = cc = beta * cc + (1 - beta) * np.mean(g2, axis=-2)
        v = np.expand_dims(r / np.mean(r, axis=-1, keepdims=True), -1) * np.expand_dims(cc, -2)
    else:
        v = s.setdefault("v", np.zeros_like(p))
        s["v"] = v = beta * v + (1 - beta) * g2
    u = g / np.sqrt(v)
    u = u / max(1.0, rms(u) / c["clip_threshold"])
    return p - alpha_t * u


KERAS = {
    "ftrl": (Ftrl, keras_ftrl, [
        dict(learning_rate=0.1, learning_rate_power=-0.5, initial_accumulator_value=0.1,
             l1_regularization_strength=0.0, l2_regularization_strength=0.0,
             l2_shrinkage_regularization_strength=0.0, beta=0.0),
        dict(learning_rate=0.2, learning_rate_power=-0.3, initial_accumulator_value=0.5,
             l1_regularization_strength=0.01, l2_regularization_strength=0.1,
             l2_shrinkage_regularization_strength=0.05, beta=0.3)]),
    "lion": (Lion, keras_lion, [dict(learning_rate=0.01, beta_1=0.9, beta_2=0.99),
                                dict(learning_rate=0.003, beta_1=0.5, beta_2=0.8)]),
    "lamb": (Lamb, keras_lamb, [dict(learning_rate=0.01, beta_1=0.9, beta_2=0.999,
                                     epsilon=1e-7),
                                dict(learning_rate=0.05, beta_1=0.8, beta_2=0.9, epsilon=1e-3)]),
    "adafactor": (Adafactor, keras_adafactor, [
        dict(learning_rate=0.01, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
             clip_threshold=1.0),
        dict(learning_rate=0.3, beta_2_decay=-0.5, epsilon_1=1e-6, epsilon_2=1e-2,
             clip_threshold=0.5)]),
}


def keras_runs(name, config, steps=20, weight_decay=None):
    cls, reference, _ = KERAS[name]
    params = [ag.Variable(a.copy()) for a in (W0, B0, W3)]
    kwargs = dict(config, weight_decay=weight_decay) if weight_decay else config
    opt = cls(**kwargs)
    mine = [a.copy() for a in (W0, B0, W3)]
    states = [{}, {}, {}]
    for t in range(1, steps + 1):
        with ag.GradientTape() as tape:
            loss = loss_ours(*params, 1.0)
        grads = tape.gradient(loss, params)
        opt.apply_gradients(zip(grads, params))
        for k, gr in enumerate(grads):
            p = mine[k]
            if weight_decay:
                p = p - p * weight_decay * config["learning_rate"]
            mine[k] = reference(p, gr.numpy(), states[k], config["learning_rate"], t, config)
        for p, q in zip(params, mine):
            np.testing.assert_allclose(p.numpy(), q, rtol=0, atol=1e-12, err_msg=f"step {t}")
        # continue from the same point, so every step checks one update
        for p, q in zip(params, mine):
            p.assign(q)
    return params


@pytest.mark.parametrize("name, k", [(n, k) for n in KERAS for k in range(2)])
def test_keras_form_is_kerass_update(name, k):
    params = keras_runs(name, KERAS[name][2][k])
    assert np.abs(params[0].numpy() - W0).max() > 1e-3


@pytest.mark.parametrize("name", list(KERAS))
def test_keras_weight_decay_is_decoupled_before_the_update(name):
    keras_runs(name, KERAS[name][2][0], steps=5, weight_decay=0.1)


@pytest.mark.parametrize("name", list(KERAS))
def test_keras_defaults_and_config(name):
    cls, _, configs = KERAS[name]
    default = dict(configs[0], learning_rate=0.001)
    if name == "adafactor":
        default["relative_step"] = True
    assert cls().get_config() == default
    assert not cls().pytorch_style
    rebuilt = cls(**cls(**configs[1]).get_config())
    assert rebuilt.get_config() == cls(**configs[1]).get_config()


def test_lion_is_the_papers_algorithm():
    """Chen et al. (2023), Algorithm 2 (decoupled weight decay lambda):
    c = b1*m + (1-b1)*g;  theta <- theta - lr*(sign(c) + lambda*theta);  m <- b2*m + (1-b2)*g.
    Keras decays first and then steps: p*(1 - lr*lambda) - lr*sign(c), the same number."""
    lr, b1, b2, wd = 0.01, 0.9, 0.99, 0.5
    w = ag.Variable(W0.copy())
    opt = Lion(lr, beta_1=b1, beta_2=b2, weight_decay=wd)
    theta, m = W0.copy(), np.zeros_like(W0)
    for _ in range(30):
        g = np.sin(3 * theta) + theta
        opt.apply_gradients([(g, w)])
        c = b1 * m + (1 - b1) * g
        theta = theta - lr * (np.sign(c) + wd * theta)
        m = b2 * m + (1 - b2) * g
        np.testing.assert_allclose(w.numpy(), theta, rtol=0, atol=1e-13)
    assert np.abs(theta - W0).max() > 0.1


def test_keras_optimizers_take_a_schedule_and_float32():
    from optim.schedules import PolynomialDecay
    w = ag.Variable(np.ones((2, 3), np.float32))
    for cls in (Ftrl, Lion, Lamb, Adafactor):
        opt = cls(PolynomialDecay(0.1, 10))
        for _ in range(3):
            opt.minimize(lambda: ag.sum(ag.square(w - 0.5)), [w])
        assert w.dtype == np.float32 and np.all(np.isfinite(w.numpy()))
        assert opt.iterations == 3


def test_keras_state_dict_round_trip():
    for cls in (Ftrl, Lion, Lamb, Adafactor):
        w, v = ag.Variable(W3.copy()), ag.Variable(B0.copy())
        opt = cls(0.05)
        for _ in range(3):
            opt.minimize(lambda: ag.sum(ag.square(w)) + ag.sum(ag.square(v)), [w, v])
        state = opt.state_dict()
        w2, v2 = ag.Variable(w.numpy().copy()), ag.Variable(v.numpy().copy())
        again = cls(0.05)
        again.build([w2, v2])
        again.load_state_dict(state)
        for o, a, b in ((opt, w, v), (again, w2, v2)):
            o.minimize(lambda: ag.sum(ag.square(a)) + ag.sum(ag.square(b)), [a, b])
        np.testing.assert_array_equal(w.numpy(), w2.numpy(), err_msg=cls.__name__)
