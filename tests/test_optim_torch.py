"""optim against torch.optim: 100 steps on a tiny tanh model in float64.

Our gradients come from autograd_core, torch's from its own autograd, on the same data.

An optimizer made with its parameters takes torch.optim's formulas and defaults: the tests at
the end compare it with torch's own, with torch's defaults and with every option, through a
StepLR decay and with a parameter whose first gradients are missing, to 1e-9.

A Keras-style optimizer follows Keras's formulas. Where they differ from PyTorch's, torch is
given the arguments that make the mathematics identical (CASES, to 1e-6):

- SGD momentum: Keras's v <- m*v - lr*g, p <- p + v is torch's b <- m*b + g, p <- p - lr*b
  with v = -lr*b (dampening 0) at a constant rate, and likewise for Nesterov, so both
  styles are checked here. Plain SGD's weight_decay agrees too: Keras's decoupled
  p - lr*wd*p - lr*g equals torch's p - lr*(g + wd*p). With a changing rate or decay and
  momentum only the PyTorch form (SGD made with its parameters) is torch's: the tests at
  the end.
- RMSprop: Keras puts eps inside the square root, torch outside; with eps = 0 on both
  sides the rules are the same. No torch argument reproduces sqrt(s + eps) for eps > 0, and
  the two placements differ by up to sqrt(eps) in the denominator where the mean square s
  is near 0, which no fixed tolerance bounds; the default eps = 1e-7 is checked instead
  against a 100-step numpy loop of Keras's formula (test_optim.py), and its placement by
  test_rmsprop_eps_is_inside_the_root.
- Adam/AdamW: Keras's p -= lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps) is torch's
  p -= lr/(1-b1^t) * m/(sqrt(v)/sqrt(1-b2^t) + eps_t) exactly when
  eps_t = eps/sqrt(1-b2^t), so torch's eps is set to that before each step. AdamW's decay
  p <- p*(1 - lr*wd) is the same in both.
- Adagrad: Keras starts s at 0.1 and divides by sqrt(s + eps); torch starts at
  initial_accumulator_value and divides by sqrt(s) + eps: initial_accumulator_value =
  0.1 + eps and torch eps = 0 make them identical.
"""

import inspect
import math

import numpy as np
import pytest

import autograd_core as ag
import optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1)
X = RNG.normal(size=(16, 3))
Y = RNG.normal(size=(16, 2))
W0 = RNG.normal(size=(3, 2)) * 0.5
B0 = RNG.normal(size=(2,)) * 0.1
STEPS = 100
# Small learning rates for the adaptive methods keep the run away from the minimum, where
# their near-sign steps amplify rounding differences chaotically (at RMSprop lr = 0.003 a
# 1e-13 difference grows to 1e-6 by step 100); the differences here stay below 1e-14.


def ours(make, style):
    """Train W, b with our optimizer; the parameters after every step."""
    W, b = ag.Variable(W0.copy(), name="W"), ag.Variable(B0.copy(), name="b")
    x, y = ag.constant(X), ag.constant(Y)
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
            with ag.GradientTape() as tape:
                value = loss()
            opt.apply_gradients(zip(tape.gradient(value, [W, b]), [W, b]))
        history.append((W.numpy().copy(), b.numpy().copy()))
    return history


def theirs(make, before_step=None):
    W = torch.tensor(W0.copy(), requires_grad=True)
    b = torch.tensor(B0.copy(), requires_grad=True)
    x, y = torch.tensor(X), torch.tensor(Y)
    opt = make([W, b])
    history = []
    for t in range(1, STEPS + 1):
        opt.zero_grad()
        torch.mean((torch.tanh(x @ W + b) - y) ** 2).backward()
        if before_step is not None:
            before_step(opt, t)
        opt.step()
        history.append((W.detach().numpy().copy(), b.detach().numpy().copy()))
    return history


def adam_eps_hat(eps, beta_2=0.999):
    """Set torch's eps so that its Adam step is Keras's epsilon-hat step (module docstring)."""
    def before_step(opt, t):
        opt.param_groups[0]["eps"] = eps / math.sqrt(1 - beta_2 ** t)
    return before_step


def with_schedule(schedule):
    """Give torch the learning rate our optimizer reads: schedule(iterations), from 0."""
    def before_step(opt, t):
        opt.param_groups[0]["lr"] = schedule(t - 1)
    return before_step


def scheduled_adam(params):
    return optim.Adam(params, lr=optim.CosineDecay(0.01, decay_steps=80, alpha=0.1))


CASES = {
    "sgd": (lambda p: optim.SGD(p, lr=0.1),
            lambda p: torch.optim.SGD(p, lr=0.1), None),
    "sgd-momentum": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), None),
    "sgd-nesterov": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), None),
    "sgd-weight-decay": (lambda p: optim.SGD(p, lr=0.1, weight_decay=0.05),
                         lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.05), None),
    "rmsprop": (lambda p: optim.RMSprop(p, lr=0.001, epsilon=0.0),
                lambda p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9, eps=0.0), None),
    "rmsprop-momentum": (
        lambda p: optim.RMSprop(p, lr=0.001, momentum=0.5, epsilon=0.0),
        lambda p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9, momentum=0.5, eps=0.0), None),
    "rmsprop-centered": (
        lambda p: optim.RMSprop(p, lr=0.001, centered=True, epsilon=0.0),
        lambda p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9, centered=True, eps=0.0), None),
    "adam": (lambda p: optim.Adam(p, lr=0.003),
             lambda p: torch.optim.Adam(p, lr=0.003), adam_eps_hat(1e-7)),
    "adam-amsgrad": (lambda p: optim.Adam(p, lr=0.003, amsgrad=True),
                     lambda p: torch.optim.Adam(p, lr=0.003, amsgrad=True), adam_eps_hat(1e-7)),
    "adam-eps-1e-3": (lambda p: optim.Adam(p, lr=0.003, epsilon=1e-3),
                      lambda p: torch.optim.Adam(p, lr=0.003), adam_eps_hat(1e-3)),
    "adamw": (lambda p: optim.AdamW(p, lr=0.003, weight_decay=0.5),
              lambda p: torch.optim.AdamW(p, lr=0.003, weight_decay=0.5), adam_eps_hat(1e-7)),
    "adagrad": (lambda p: optim.Adagrad(p, lr=0.03),
                lambda p: torch.optim.Adagrad(p, lr=0.03, initial_accumulator_value=0.1 + 1e-7,
                                              eps=0.0), None),
    "adam-cosine-decay": (
        scheduled_adam, lambda p: torch.optim.Adam(p, lr=0.01),
        lambda opt, t: (adam_eps_hat(1e-7)(opt, t),
                        with_schedule(optim.CosineDecay(0.01, 80, alpha=0.1))(opt, t))),
}


# SGD's two forms are one update at a constant rate without decay, so its cases run in both
# styles; the others' Keras formulas need torch's adjusted arguments: Keras style only.
@pytest.mark.parametrize("case, style", [(case, style) for case in CASES
                                         for style in ("pytorch", "keras")
                                         if style == "keras" or case.startswith("sgd")])
def test_100_steps_agree_with_torch(case, style):
    make_ours, make_theirs, before_step = CASES[case]
    got, want = ours(make_ours, style), theirs(make_theirs, before_step)
    for step, ((W, b), (W_t, b_t)) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(W, W_t, rtol=0, atol=1e-6, err_msg=f"W at step {step}")
        np.testing.assert_allclose(b, b_t, rtol=0, atol=1e-6, err_msg=f"b at step {step}")
    # The comparison means something only if the parameters moved well beyond 1e-6.
    assert np.abs(got[-1][0] - W0).max() > 0.02


def test_adam_eps_hat_differs_from_a_fixed_torch_eps():
    # Without the per-step eps the two Adams are different algorithms: with eps = 1e-3 the
    # gap is far beyond 1e-6, so the exact agreement above is not an accident of tiny eps.
    got = ours(lambda p: optim.Adam(p, lr=0.003, epsilon=1e-3), "keras")
    want = theirs(lambda p: torch.optim.Adam(p, lr=0.003, eps=1e-3))
    assert np.abs(got[-1][0] - want[-1][0]).max() > 1e-4


# --- SGD made with its parameters takes PyTorch's form ------------------------------------
# (module docstring of optim/sgd.py): the momentum buffer holds gradients, which the rate of
# each step scales, and weight decay enters the gradient. Under a StepLR decay and with
# weight decay that is a different trajectory from Keras's form, so these runs tell them
# apart; above, a constant rate without decay cannot.

SGD_TORCH_FORMS = {
    "momentum": dict(momentum=0.9),
    "momentum-weight-decay": dict(momentum=0.9, weight_decay=0.05),
    "nesterov-weight-decay": dict(momentum=0.9, nesterov=True, weight_decay=0.05),
    "dampening": dict(momentum=0.8, dampening=0.3),
    "maximize": dict(momentum=0.5, maximize=True),
}


def sgd_runs(kwargs, late_bias=False, steps=60):
    """Ours and torch's SGD (lr 0.1) from the same start, with StepLR(step_size=20,
    gamma=0.2) stepped after every update; ``late_bias``: b has no gradient for the first 5
    steps (its buffer starts later, as torch's does)."""
    return pytorch_form_runs("SGD", dict(lr=0.1, **kwargs), late_bias, steps, step_size=20,
                             gamma=0.2)


@pytest.mark.parametrize("late_bias", [False, True], ids=["", "late-bias"])
@pytest.mark.parametrize("form", list(SGD_TORCH_FORMS))
def test_pytorch_style_sgd_follows_torch_through_a_step_lr_decay(form, late_bias):
    got, want = sgd_runs(SGD_TORCH_FORMS[form], late_bias)
    for step, ((W, b), (W_t, b_t)) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(W, W_t, rtol=0, atol=1e-9, err_msg=f"W at step {step}")
        np.testing.assert_allclose(b, b_t, rtol=0, atol=1e-9, err_msg=f"b at step {step}")
    assert np.abs(got[-1][0] - W0).max() > 0.02


def test_keras_style_sgd_keeps_keras_form_which_torch_does_not_reproduce():
    """The same schedule and decay through Keras's form: the velocity keeps the old rate's
    steps and the decay is decoupled, so the trajectory leaves torch's by far more than the
    tolerance above (the PyTorch form's agreement is not an accident)."""
    W = ag.Variable(W0.copy())
    opt = optim.SGD(lambda step: 0.1 * 0.2 ** (step // 20), momentum=0.9, weight_decay=0.05)
    x, y = ag.constant(X), ag.constant(Y)
    for _ in range(60):
        with ag.GradientTape() as tape:
            loss = ag.mean(ag.square(ag.tanh(x @ W + ag.constant(B0)) - y))
        opt.apply_gradients([(tape.gradient(loss, W), W)])
    Wt = torch.tensor(W0.copy(), requires_grad=True)
    opt_t = torch.optim.SGD([Wt], lr=0.1, momentum=0.9, weight_decay=0.05)
    sched_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=20, gamma=0.2)
    for _ in range(60):
        opt_t.zero_grad()
        torch.mean((torch.tanh(torch.tensor(X) @ Wt + torch.tensor(B0))
                    - torch.tensor(Y)) ** 2).backward()
        opt_t.step()
        sched_t.step()
    assert np.abs(W.numpy() - Wt.detach().numpy()).max() > 1e-3


def test_pytorch_style_sgd_resumes_from_its_state_dict():
    """momentum_buffers.i in the state; a resumed run continues as one that never stopped,
    including the dampened buffer, which a fresh one would start as b <- g."""
    def train(opt, W, steps):
        for _ in range(steps):
            opt.zero_grad()
            ag.mean(ag.square(ag.tanh(ag.constant(X) @ W) - ag.constant(Y))).backward()
            opt.step()
    W = ag.Variable(W0.copy())
    opt = optim.SGD([W], lr=0.1, momentum=0.9, dampening=0.3)
    train(opt, W, 3)
    state = opt.state_dict()
    assert sorted(state) == ["iterations", "momentum_buffers.0"]
    W2 = ag.Variable(W.numpy().copy())
    resumed = optim.SGD([W2], lr=0.1, momentum=0.9, dampening=0.3)
    resumed.load_state_dict(state)
    train(opt, W, 4)
    train(resumed, W2, 4)
    np.testing.assert_array_equal(W2.numpy(), W.numpy())
    # A Keras-form state (velocities) does not load into the PyTorch form: another quantity.
    keras_form = optim.SGD(0.1, momentum=0.9)
    keras_form.build([ag.Variable(W0.copy())])
    with pytest.raises(ValueError, match="unexpected names.*velocities.0"):
        optim.SGD([ag.Variable(W0.copy())], lr=0.1, momentum=0.9).load_state_dict(
            keras_form.state_dict())


@pytest.mark.parametrize("make, message", [
    (lambda w: optim.SGD(0.1, dampening=0.1), "dampening and maximize are PyTorch's"),
    (lambda w: optim.SGD(learning_rate=0.1, maximize=True), "pass the parameters first"),
    (lambda w: optim.SGD([w], lr=0.1, nesterov=True),
     r"Nesterov momentum requires a momentum and zero dampening .*momentum=0.0"),
    (lambda w: optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True, dampening=0.1),
     "dampening=0.1"),
    (lambda w: optim.SGD([w], lr=0.1, dampening=1.5), r"dampening must be in \[0, 1\]"),
])
def test_sgd_refuses_pytorchs_arguments_where_they_do_not_apply(make, message):
    w = ag.Variable([1.0])
    with pytest.raises(ValueError, match=message):
        make(w)
    # The same refusals as torch's where torch has them
    if "Nesterov" in message or message == "dampening=0.1":
        with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
            make_t = {True: dict(momentum=0.0), False: dict(momentum=0.9, dampening=0.1)}
            torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, nesterov=True,
                            **make_t["Nesterov" in message])


# --- every other optimizer made with its parameters takes torch.optim's form too ----------
# Each case passes the same arguments, under torch's names, to ours and to torch's; {} is
# torch's defaults. The learning rates are torch's defaults or small enough that the runs
# stay away from the minimum (module docstring of CASES).

TORCH_FORMS = {
    "Adam": {
        "defaults": {},
        "options": dict(lr=0.01, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1, amsgrad=True),
        "maximize": dict(lr=0.01, maximize=True),
    },
    "AdamW": {
        "defaults": {},
        "options": dict(lr=0.01, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.5, amsgrad=True),
        "maximize": dict(lr=0.01, weight_decay=0.2, maximize=True),
    },
    "RMSprop": {
        "defaults": {},
        "options": dict(lr=0.003, alpha=0.9, eps=1e-3, weight_decay=0.1, momentum=0.5,
                        centered=True),
        "maximize": dict(lr=0.003, momentum=0.9, maximize=True),
    },
    "Adagrad": {
        "defaults": {},
        "options": dict(lr=0.05, lr_decay=0.01, weight_decay=0.1,
                        initial_accumulator_value=0.2, eps=1e-4),
        "maximize": dict(maximize=True),
    },
    "Adadelta": {
        "defaults": {},
        "options": dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1),
        "maximize": dict(maximize=True),
    },
    "Adamax": {
        "defaults": {},
        "options": dict(lr=0.01, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1),
        "maximize": dict(maximize=True),
    },
    "Nadam": {
        "defaults": {},
        "options": dict(lr=0.01, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1,
                        momentum_decay=0.01),
        "decoupled": dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
        "maximize": dict(maximize=True),
    },
}
TORCH_NAMES = {"Nadam": "NAdam"}


def torch_class(name):
    return getattr(torch.optim, TORCH_NAMES.get(name, name))


def pytorch_form_runs(name, kwargs, late_bias, steps=STEPS, step_size=30, gamma=0.5):
    """Ours and torch's ``name`` from the same start, each with StepLR(step_size, gamma)
    stepped after every update; ``late_bias``: b has no gradient for the first 5 steps, so
    its state starts later (torch's is made at its first gradient, and counts its own
    steps)."""
    sign = -1.0 if kwargs.get("maximize") else 1.0
    W, b = ag.Variable(W0.copy(), name="W"), ag.Variable(B0.copy(), name="b")
    x, y = ag.constant(X), ag.constant(Y)
    opt = getattr(optim, name)([W, b], **kwargs)
    sched = optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    # torch keeps its scalar state (steps, NAdam's mu_product) in its default dtype: float64
    # here, as everything else is.
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        Wt = torch.tensor(W0.copy(), requires_grad=True)
        bt = torch.tensor(B0.copy(), requires_grad=True)
        xt, yt = torch.tensor(X), torch.tensor(Y)
        opt_t = torch_class(name)([Wt, bt], **kwargs)
        sched_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=step_size, gamma=gamma)
        ours_, theirs_ = [], []
        for step in range(steps):
            opt.zero_grad()
            (sign * ag.mean(ag.square(ag.tanh(x @ W + b) - y))).backward()
            opt_t.zero_grad()
            (sign * torch.mean((torch.tanh(xt @ Wt + bt) - yt) ** 2)).backward()
            if late_bias and step < 5:
                b.grad, bt.grad = None, None
            opt.step()
            opt_t.step()
            sched.step()
            sched_t.step()
            ours_.append((W.numpy().copy(), b.numpy().copy()))
            theirs_.append((Wt.detach().numpy().copy(), bt.detach().numpy().copy()))
    finally:
        torch.set_default_dtype(default_dtype)
    return ours_, theirs_


@pytest.mark.parametrize("late_bias", [False, True], ids=["", "late-bias"])
@pytest.mark.parametrize("name, form", [(name, form) for name, forms in TORCH_FORMS.items()
                                        for form in forms])
def test_pytorch_style_follows_torch_through_a_step_lr_decay(name, form, late_bias):
    got, want = pytorch_form_runs(name, TORCH_FORMS[name][form], late_bias)
    for step, ((W, b), (W_t, b_t)) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(W, W_t, rtol=0, atol=1e-9, err_msg=f"W at step {step}")
        np.testing.assert_allclose(b, b_t, rtol=0, atol=1e-9, err_msg=f"b at step {step}")
    # The comparison means something only if the parameters moved well beyond 1e-9.
    assert np.abs(got[-1][0] - W0).max() > 0.02
    assert np.abs(got[-1][1] - B0).max() > 1e-3


# torch.optim's own arguments that only choose its implementation.
IMPLEMENTATION_ONLY = ("foreach", "fused", "capturable", "differentiable")


@pytest.mark.parametrize("name", list(TORCH_FORMS))
def test_pytorch_style_defaults_are_torchs(name):
    """Every default of torch.optim's signature, read from torch itself, is the default of
    our optimizer made with its parameters."""
    signature = inspect.signature(torch_class(name))
    opt = getattr(optim, name)([ag.Variable([1.0])])
    attribute = {"lr": "learning_rate", "eps": "epsilon", "alpha": "rho"}
    checked = 0
    for arg, parameter in signature.parameters.items():
        if arg == "params" or arg in IMPLEMENTATION_ONLY:
            continue
        if arg == "betas":
            assert (opt.beta_1, opt.beta_2) == parameter.default
        else:
            value = getattr(opt, attribute.get(arg, arg))
            assert value == parameter.default and type(value) in (float, bool), arg
        checked += 1
    assert checked >= 4
    assert opt.pytorch_style


KERAS_DEFAULTS = {
    "Adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "AdamW": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                  weight_decay=0.004),
    "RMSprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                    centered=False),
    "Adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7),
    "Adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-7),
    "Adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                  momentum_decay=1.0),
}


@pytest.mark.parametrize("name", list(KERAS_DEFAULTS))
def test_keras_style_keeps_keras_defaults(name):
    cls = getattr(optim, name)
    for opt in (cls(), cls(0.001), optim.get(name.lower())):
        assert opt.get_config() == KERAS_DEFAULTS[name]
        assert not opt.pytorch_style


@pytest.mark.parametrize("name", list(TORCH_FORMS))
def test_pytorch_style_resumes_from_its_state_dict(name):
    """Torch's state names and each parameter's own step count in the state; a resumed run
    continues as one that never stopped, the late parameter's step count included."""
    kwargs = TORCH_FORMS[name]["options"]

    def train(opt, W, b, steps, late=0):
        for step in range(steps):
            opt.zero_grad()
            ag.mean(ag.square(ag.tanh(ag.constant(X) @ W + b) - ag.constant(Y))).backward()
            if step < late:
                b.grad = None
            opt.step()
    W, b = ag.Variable(W0.copy()), ag.Variable(B0.copy())
    opt = getattr(optim, name)([W, b], **kwargs)
    train(opt, W, b, 5, late=3)
    state = opt.state_dict()
    if "steps" in opt.count_names:
        assert state["steps.0"] == 5 and state["steps.1"] == 2
    assert all(not k.startswith(("momentums", "velocities", "mean_squares", "accumulat",
                                 "norms")) for k in state)
    W2, b2 = ag.Variable(W.numpy().copy()), ag.Variable(b.numpy().copy())
    resumed = getattr(optim, name)([W2, b2], **kwargs)
    resumed.load_state_dict(state)
    # A fresh optimizer from the same point goes elsewhere: the state matters.
    W3, b3 = ag.Variable(W.numpy().copy()), ag.Variable(b.numpy().copy())
    train(getattr(optim, name)([W3, b3], **kwargs), W3, b3, 6)
    train(opt, W, b, 6)
    train(resumed, W2, b2, 6)
    np.testing.assert_array_equal(W2.numpy(), W.numpy())
    np.testing.assert_array_equal(b2.numpy(), b.numpy())
    assert np.abs(W3.numpy() - W2.numpy()).max() > 1e-6


def keras_kwargs(name):
    """Keyword arguments both styles take, naming the same quantities."""
    return {"Adagrad": {}, "Adadelta": dict(rho=0.9), "RMSprop": dict(rho=0.9,
                                                                      momentum=0.5)}.get(
        name, dict(beta_1=0.9))


@pytest.mark.parametrize("name", list(TORCH_FORMS))
def test_one_forms_state_does_not_load_into_the_other_and_changes_nothing(name):
    cls = getattr(optim, name)

    def trained(opt, params):
        for _ in range(2):
            opt.minimize(lambda: sum(((p - 1.0) ** 2).sum() for p in params), params)
        return opt
    kwargs = keras_kwargs(name)
    keras_params = [ag.Variable(W0.copy()), ag.Variable(B0.copy())]
    keras_form = trained(cls(0.01, **kwargs), keras_params)
    torch_params = [ag.Variable(W0.copy()), ag.Variable(B0.copy())]
    torch_form = trained(cls(torch_params, lr=0.01, **kwargs), torch_params)
    for source, target in ((keras_form, torch_form), (torch_form, keras_form)):
        before = target.state_dict()
        with pytest.raises(ValueError, match=rf"^{name}.load_state_dict: the state does not "
                                             r"fit; nothing was loaded:(.|\n)*unexpected names"):
            target.load_state_dict(source.state_dict())
        after = target.state_dict()
        assert sorted(after) == sorted(before)
        for key in before:
            np.testing.assert_array_equal(after[key], before[key], err_msg=key)


@pytest.mark.parametrize("make, error, message", [
    (lambda p: optim.Adam(p, betas=(0.9, 0.99), beta_1=0.9), TypeError,
     r"^Adam: betas and beta_1 name the same hyper-parameters .*betas=\(0.9, 0.99\) and "
     r"beta_1=0.9"),
    (lambda p: optim.Nadam(p, betas=(0.9, 0.99), beta_2=0.9), TypeError,
     "^Nadam: betas and beta_2 name the same"),
    (lambda p: optim.AdamW(p, eps=1e-8, epsilon=1e-7), TypeError,
     r"^AdamW: eps and epsilon name the same hyper-parameter .*eps=1e-08 and epsilon=1e-07"),
    (lambda p: optim.Adagrad(p, eps=1e-8, epsilon=1e-8), TypeError,
     "^Adagrad: eps and epsilon"),
    (lambda p: optim.RMSprop(p, alpha=0.9, rho=0.9), TypeError,
     "^RMSprop: alpha and rho name the same hyper-parameter .*alpha=0.9 and rho=0.9"),
    (lambda p: optim.Adamax(p, betas=(0.9,)), TypeError,
     r"^Adamax: betas must be a pair \(beta1, beta2\), got \(0.9,\)"),
    (lambda p: optim.Adam(p, betas=0.9), TypeError, "^Adam: betas must be a pair"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), ValueError,
     r"^Adam: beta_2 must be in \[0, 1\), got 1.0"),
    (lambda p: optim.Nadam(p, eps=-1e-8), ValueError, "^Nadam: epsilon must be >= 0, got -1e-08"),
    (lambda p: optim.RMSprop(p, alpha=1.0), ValueError, r"^RMSprop: rho must be in \[0, 1\)"),
    (lambda p: optim.Adagrad(p, lr_decay=-0.1), ValueError,
     "^Adagrad: lr_decay must be >= 0, got -0.1"),
    (lambda p: optim.Adadelta(p, weight_decay="0.1"), TypeError,
     "^Adadelta: weight_decay must be a real number, got str '0.1'"),
    (lambda p: optim.Nadam(p, momentum_decay=float("nan")), ValueError,
     "^Nadam: momentum_decay must be finite"),
    (lambda p: optim.Adam(p, foreach=True), ValueError,
     "^Adam: foreach=True chooses one of torch.optim's implementations; .* can only be None "
     "or False"),
    (lambda p: optim.AdamW(p, fused=True), ValueError, "^AdamW: fused=True chooses"),
    (lambda p: optim.RMSprop(p, capturable=True), ValueError, "^RMSprop: capturable=True"),
    (lambda p: optim.Adadelta(p, differentiable=True), ValueError,
     "^Adadelta: differentiable=True"),
    (lambda p: optim.Adam(p, decoupled_weight_decay=True), ValueError,
     r"^Adam: decoupled_weight_decay=True: PyTorch's Adam\(decoupled_weight_decay=True\) is "
     "AdamW"),
    (lambda p: optim.Adagrad(0.01, lr_decay=0.1), ValueError,
     r"^Adagrad: lr_decay=0.1 is PyTorch's and takes PyTorch's form of the update: pass the "
     r"parameters first"),
    (lambda p: optim.RMSprop(learning_rate=0.01, maximize=True), ValueError,
     "^RMSprop: maximize=True is PyTorch's"),
    (lambda p: optim.Nadam(0.01, decoupled_weight_decay=True), ValueError,
     "^Nadam: decoupled_weight_decay=True is PyTorch's"),
    (lambda p: optim.Adamax(weight_decay=0.1), ValueError,
     "^Adamax: weight_decay=0.1 is PyTorch's"),
])
def test_refused_arguments_name_the_optimizer_and_learn_nothing(make, error, message):
    w = ag.Variable([1.0])
    params = iter([w])  # like model.parameters(): a refused call has not consumed it
    with pytest.raises(error, match=message):
        make(params)
    assert list(params) == [w]


def test_implementation_choices_and_both_names_are_accepted_when_they_ask_nothing():
    w = ag.Variable([1.0])
    opt = optim.Adam([w], foreach=None, fused=False, capturable=False, differentiable=False,
                     betas=(0.8, 0.9), eps=1e-6)
    assert (opt.beta_1, opt.beta_2, opt.epsilon) == (0.8, 0.9, 1e-6)
    assert optim.RMSprop([w], alpha=0.5).rho == optim.RMSprop([w], rho=0.5).rho == 0.5
    assert optim.Adam(0.01, eps=1e-3).epsilon == 1e-3   # one quantity, either name
    assert optim.Adam(learning_rate=0.01).learning_rate == 0.01
    assert optim.RMSprop([w]).learning_rate == 0.01 and optim.RMSprop().learning_rate == 0.001
    assert optim.Adadelta([w], lr=0.5).learning_rate == 0.5
    with pytest.raises(TypeError, match="pass either lr= or learning_rate=, not both"):
        optim.Adamax([w], lr=0.1, learning_rate=0.2)
