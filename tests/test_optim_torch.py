"""optim against torch.optim: 100 steps on a tiny tanh model in float64 agree to 1e-6.

Our gradients come from autograd_core, torch's from its own autograd, on the same data.
Where Keras's formulas (which optim follows) differ from PyTorch's, torch is given the
arguments that make the mathematics identical:

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


@pytest.mark.parametrize("style", ["pytorch", "keras"])
@pytest.mark.parametrize("case", list(CASES))
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
    got = ours(lambda p: optim.Adam(p, lr=0.003, epsilon=1e-3), "pytorch")
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
    """Ours and torch's SGD from the same start, with StepLR(step_size=20, gamma=0.2)
    stepped after every update; ``late_bias``: b has no gradient for the first 5 steps
    (its buffer starts later, as torch's does)."""
    sign = -1.0 if kwargs.get("maximize") else 1.0
    W, b = ag.Variable(W0.copy(), name="W"), ag.Variable(B0.copy(), name="b")
    x, y = ag.constant(X), ag.constant(Y)
    opt = optim.SGD([W, b], lr=0.1, **kwargs)
    sched = optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.2)
    Wt = torch.tensor(W0.copy(), requires_grad=True)
    bt = torch.tensor(B0.copy(), requires_grad=True)
    xt, yt = torch.tensor(X), torch.tensor(Y)
    opt_t = torch.optim.SGD([Wt, bt], lr=0.1, **kwargs)
    sched_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=20, gamma=0.2)
    ours, theirs = [], []
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
        ours.append((W.numpy().copy(), b.numpy().copy()))
        theirs.append((Wt.detach().numpy().copy(), bt.detach().numpy().copy()))
    return ours, theirs


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
