"""OneCycleLR and RAdam against torch 2.13's, in float64.

OneCycleLR: the rate and the momentum (SGD's ``momentum``, the first of Adam's ``betas``)
at every step from the constructor to ``total_steps``, for both anneals, two and three
phases, several groups with their own max_lr and momenta, epochs * steps_per_epoch; the
error one step past the end; a state-dict resume. Every operation is torch's, so they are
compared to 1e-15 (the one difference, a linear anneal's negative rate at the end, has its
own test).

RAdam: the parameters after each of 120 steps on a tiny tanh model, to 1e-9, through the
switch from momentum SGD to the rectified adaptive step (rho_t passes 5 at t = 6 for
beta2 = 0.999), with and without both kinds of weight decay, two parameter groups, a
parameter whose first gradients are missing, and a state-dict resume.
"""

import inspect

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.normal(size=(16, 3))
Y = RNG.normal(size=(16, 2))
W0 = RNG.normal(size=(3, 2)) * 0.5
B0 = RNG.normal(size=(2,)) * 0.1


@pytest.fixture(autouse=True)
def float64_torch():
    """torch's scalar state (step counts) in float64, as everything else here."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(default)


# --- OneCycleLR ---------------------------------------------------------------------------

def sgd_pair(groups=1, **kwargs):
    """Our SGD and torch's, each with ``groups`` parameter groups of one parameter."""
    ours = [{"params": [ag.Variable([1.0])]} for _ in range(groups)]
    theirs = [{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(groups)]
    return optim.SGD(ours, lr=0.1, **kwargs), torch.optim.SGD(theirs, lr=0.1, **kwargs)


def adam_pair(groups=1, **kwargs):
    ours = [{"params": [ag.Variable([1.0])]} for _ in range(groups)]
    theirs = [{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(groups)]
    return optim.Adam(ours, **kwargs), torch.optim.Adam(theirs, **kwargs)


def momenta(opt):
    groups = opt.param_groups
    return [group["betas"][0] if "betas" in group else group["momentum"] for group in groups]


def schedules(make_pair, kwargs, steps=None):
    """(ours, torch's): after the constructor and after each step, every group's rate and
    momentum, ``[(lrs, momenta), ...]``."""
    opt, opt_t = make_pair()
    sched = lr_scheduler.OneCycleLR(opt, **kwargs)
    sched_t = torch.optim.lr_scheduler.OneCycleLR(opt_t, **kwargs)
    steps = sched.total_steps if steps is None else steps
    ours = [([g["lr"] for g in opt.param_groups], momenta(opt))]
    theirs = [([g["lr"] for g in opt_t.param_groups], momenta(opt_t))]
    for _ in range(steps):
        opt_t.step()           # no gradients: nothing moves, but torch sees the usual order
        sched.step()
        sched_t.step()
        ours.append(([g["lr"] for g in opt.param_groups], momenta(opt)))
        theirs.append(([g["lr"] for g in opt_t.param_groups], momenta(opt_t)))
    return ours, theirs


def assert_schedules_agree(ours, theirs, skip_last=False):
    pairs = list(enumerate(zip(ours, theirs)))
    for step, ((lrs, ms), (lrs_t, ms_t)) in pairs[:-1] if skip_last else pairs:
        np.testing.assert_allclose(lrs, lrs_t, rtol=1e-15, atol=0, err_msg=f"lr at {step}")
        np.testing.assert_allclose(ms, ms_t, rtol=1e-15, atol=0, err_msg=f"momentum at {step}")


ONE_CYCLE_CASES = {
    "sgd-cos": (lambda: sgd_pair(momentum=0.9), dict(max_lr=0.5, total_steps=40)),
    "sgd-linear-pct": (lambda: sgd_pair(momentum=0.9),
                       dict(max_lr=0.5, total_steps=37, pct_start=0.45,
                            anneal_strategy="linear", div_factor=10.0,
                            final_div_factor=100.0)),
    "sgd-three-phase-cos": (lambda: sgd_pair(momentum=0.9),
                            dict(max_lr=1.0, total_steps=50, three_phase=True)),
    "sgd-three-phase-linear": (lambda: sgd_pair(momentum=0.9),
                               dict(max_lr=1.0, total_steps=50, three_phase=True,
                                    anneal_strategy="linear", base_momentum=0.8,
                                    max_momentum=0.9)),
    "sgd-no-cycle-momentum": (lambda: sgd_pair(momentum=0.5),
                              dict(max_lr=0.3, total_steps=20, cycle_momentum=False)),
    "adam-cos": (lambda: adam_pair(betas=(0.9, 0.99)), dict(max_lr=0.01, total_steps=30)),
    "adam-linear": (lambda: adam_pair(), dict(max_lr=0.01, total_steps=30,
                                              anneal_strategy="linear")),
    "adam-three-phase": (lambda: adam_pair(), dict(max_lr=0.01, total_steps=31,
                                                   three_phase=True, pct_start=0.25)),
    "sgd-groups": (lambda: sgd_pair(groups=3, momentum=0.9),
                   dict(max_lr=[0.1, 1.0, 0.05], total_steps=40,
                        base_momentum=[0.8, 0.85, 0.7], max_momentum=[0.9, 0.95, 0.99])),
    "adam-groups-linear": (lambda: adam_pair(groups=2),
                           dict(max_lr=(0.002, 0.02), total_steps=25,
                                anneal_strategy="linear", max_momentum=[0.95, 0.9])),
    "epochs-steps-per-epoch": (lambda: sgd_pair(momentum=0.9),
                               dict(max_lr=0.5, epochs=4, steps_per_epoch=9)),
}


@pytest.mark.parametrize("case", list(ONE_CYCLE_CASES))
def test_one_cycle_rates_and_momenta_are_torchs_at_every_step(case):
    make_pair, kwargs = ONE_CYCLE_CASES[case]
    ours, theirs = schedules(make_pair, kwargs)
    linear = kwargs.get("anneal_strategy") == "linear"
    assert_schedules_agree(ours, theirs, skip_last=linear)
    if linear:  # torch's rate is below 0 at total_steps; ours is 0 (see the docstring)
        assert all(lr < 0 for lr in theirs[-1][0]) and ours[-1][0] == [0.0] * len(ours[-1][0])
        np.testing.assert_allclose(ours[-1][1], theirs[-1][1], rtol=1e-15, atol=0)
    # The schedule moved: the comparison means something.
    lrs = [lr for step in ours for lr in step[0]]
    assert max(lrs) > 20 * min(lr for lr in lrs if lr > 0)
    if kwargs.get("cycle_momentum", True):
        assert max(ms for step in ours for ms in step[1]) - \
            min(ms for step in ours for ms in step[1]) > 0.05
    else:
        assert all(step[1] == [0.5] for step in ours)


def test_one_cycle_sets_initial_lr_and_max_lr_is_reached():
    opt, _ = sgd_pair(groups=2, momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10, div_factor=4.0)
    assert sched.base_lrs == [0.25, 0.5]
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.5]
    for _ in range(2):   # the first phase ends at step 0.3*10 - 1 = 2
        sched.step()
    assert sched.get_last_lr() == [1.0, 2.0]


def test_one_cycle_raises_one_step_past_total_steps_as_torch_and_changes_nothing():
    opt, opt_t = sgd_pair(momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10)
    sched_t = torch.optim.lr_scheduler.OneCycleLR(opt_t, max_lr=0.5, total_steps=10)
    for _ in range(10):   # to total_steps itself: allowed, as in torch
        opt_t.step()
        sched.step()
        sched_t.step()
    lr, momentum = opt.learning_rate, opt.momentum
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of "
                                         "total steps is 10"):
        sched_t.step()
    with pytest.raises(ValueError, match="^OneCycleLR: Tried to step 11 times. The specified "
                                         "number of total steps is 10$"):
        sched.step()
    assert (sched.last_epoch, opt.learning_rate, opt.momentum) == (10, lr, momentum)


def test_one_cycle_resumes_from_its_state_dict():
    kwargs = dict(max_lr=[0.5, 0.05], total_steps=30, three_phase=True)
    opt, _ = adam_pair(groups=2)
    sched = lr_scheduler.OneCycleLR(opt, **kwargs)
    for _ in range(11):
        sched.step()
    state = sched.state_dict()
    assert set(state) == {"last_epoch", "base_lrs", "_last_lr"} and state["last_epoch"] == 11
    opt2, _ = adam_pair(groups=2)
    resumed = lr_scheduler.OneCycleLR(opt2, **kwargs)
    assert momenta(opt2) != momenta(opt)   # a fresh scheduler is elsewhere in the cycle
    resumed.load_state_dict(state)
    for _ in range(30 - 11 + 1):
        assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]
        assert momenta(opt2) == momenta(opt)
        if sched.last_epoch < 30:
            sched.step()
            resumed.step()
    with pytest.raises(ValueError, match="last_epoch must be at most total_steps"):
        lr_scheduler.OneCycleLR(adam_pair(groups=2)[0], max_lr=[0.5, 0.05],
                                total_steps=10).load_state_dict(state)


@pytest.mark.parametrize("make, message", [
    (lambda: optim.Adagrad([ag.Variable([1.0])], lr=0.1),
     "^OneCycleLR: optimizer must support momentum or beta1"),
    (lambda: optim.SGD(0.1, momentum=0.9), "^OneCycleLR: optimizer must support momentum"),
])
def test_one_cycle_refuses_an_optimizer_without_momentum_as_torch_does(make, message):
    with pytest.raises(ValueError, match=message):
        lr_scheduler.OneCycleLR(make(), max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        torch.optim.lr_scheduler.OneCycleLR(
            torch.optim.Adagrad([torch.zeros(1, requires_grad=True)]), max_lr=0.1,
            total_steps=10)
    opt = make()
    lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10, cycle_momentum=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 / 25)


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_lr=0.1), "define either total_steps or"),
    (dict(max_lr=0.1, epochs=3), "define either total_steps or"),
    (dict(max_lr=0.1, total_steps=0), "total_steps must be a positive integer"),
    (dict(max_lr=0.1, epochs=2, steps_per_epoch=2.5), "steps_per_epoch must be a positive"),
    (dict(max_lr=[0.1, 0.2], total_steps=5), "max_lr must be one number, or a list"),
    (dict(max_lr=0.1, total_steps=5, anneal_strategy="exp"), "anneal_strategy must be"),
    (dict(max_lr=0.1, total_steps=5, pct_start=1.5), r"pct_start must be in \[0, 1\]"),
    (dict(max_lr=0.1, total_steps=5, div_factor=0), "div_factor must be > 0"),
    (dict(max_lr=0.1, total_steps=5, max_momentum=1.0), r"max_momentum must be in \[0, 1\)"),
])
def test_one_cycle_refuses_bad_arguments_and_changes_nothing(kwargs, message):
    opt, _ = sgd_pair(momentum=0.9)
    with pytest.raises(ValueError, match=message):
        lr_scheduler.OneCycleLR(opt, **kwargs)
    assert (opt.learning_rate, opt.momentum) == (0.1, 0.9)


# --- RAdam ----------------------------------------------------------------------------------

def radam_runs(ours_params, theirs_params, steps=120, late_bias=False, maximize=False,
               ours=None, theirs=None, schedule=None):
    """Ours and torch's RAdam from the same start: (W, b) after every step."""
    sign = -1.0 if maximize else 1.0
    W, b = ag.Variable(W0.copy()), ag.Variable(B0.copy())
    Wt = torch.tensor(W0.copy(), requires_grad=True)
    bt = torch.tensor(B0.copy(), requires_grad=True)
    x, y, xt, yt = ag.constant(X), ag.constant(Y), torch.tensor(X), torch.tensor(Y)
    opt = optim.RAdam(ours_params(W, b), **(ours or {}))
    opt_t = torch.optim.RAdam(theirs_params(Wt, bt), **(theirs or ours or {}))
    scheds = (lr_scheduler.OneCycleLR(opt, **schedule),
              torch.optim.lr_scheduler.OneCycleLR(opt_t, **schedule)) if schedule else ()
    got, want = [], []
    for step in range(steps):
        opt.zero_grad()
        (sign * ag.mean(ag.square(ag.tanh(x @ W + b) - y))).backward()
        opt_t.zero_grad()
        (sign * torch.mean((torch.tanh(xt @ Wt + bt) - yt) ** 2)).backward()
        if late_bias and step < 5:
            b.grad, bt.grad = None, None
        opt.step()
        opt_t.step()
        for sched in scheds:
            sched.step()
        got.append((W.numpy().copy(), b.numpy().copy()))
        want.append((Wt.detach().numpy().copy(), bt.detach().numpy().copy()))
    return opt, got, want


def assert_runs_agree(got, want):
    for step, ((W, b), (W_t, b_t)) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(W, W_t, rtol=0, atol=1e-9, err_msg=f"W at step {step}")
        np.testing.assert_allclose(b, b_t, rtol=0, atol=1e-9, err_msg=f"b at step {step}")
    # The comparison means something only if the parameters moved well beyond 1e-9.
    assert np.abs(got[-1][0] - W0).max() > 0.02
    assert np.abs(got[-1][1] - B0).max() > 1e-3


def both(W, b):
    return [W, b]


RADAM_FORMS = {
    "defaults-lr": dict(lr=0.01),
    "defaults": {},
    "options": dict(lr=0.01, betas=(0.8, 0.99), eps=1e-3),
    "l2-weight-decay": dict(lr=0.01, weight_decay=0.1),
    "decoupled-weight-decay": dict(lr=0.01, weight_decay=0.5, decoupled_weight_decay=True),
    "maximize": dict(lr=0.01, weight_decay=0.1, maximize=True),
}


@pytest.mark.parametrize("late_bias", [False, True], ids=["", "late-bias"])
@pytest.mark.parametrize("form", list(RADAM_FORMS))
def test_radam_follows_torch_for_120_steps(form, late_bias):
    kwargs = RADAM_FORMS[form]
    if form == "defaults":   # lr 1e-3 moves too little in 120 steps: more steps
        _, got, want = radam_runs(both, both, steps=400, late_bias=late_bias, ours=kwargs)
        assert_runs_agree(got, want)
        return
    _, got, want = radam_runs(both, both, late_bias=late_bias,
                              maximize=kwargs.get("maximize", False), ours=kwargs)
    assert_runs_agree(got, want)


def test_radam_with_two_parameter_groups_follows_torch():
    def groups(W, b):
        return [{"params": [W], "lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.3,
                 "decoupled_weight_decay": True},
                {"params": [b], "weight_decay": 0.05}]
    opt, got, want = radam_runs(groups, groups, ours=dict(lr=0.005))
    assert_runs_agree(got, want)
    assert [g["lr"] for g in opt.param_groups] == [0.02, 0.005]
    assert opt.param_groups[0]["betas"] == (0.8, 0.99)


def test_radam_under_one_cycle_follows_torch():
    """OneCycleLR writes the rate and beta1 of every group before each update."""
    _, got, want = radam_runs(both, both, ours=dict(lr=0.01),
                              schedule=dict(max_lr=0.05, total_steps=120))
    assert_runs_agree(got, want)


def test_radam_resumes_from_its_state_dict():
    kwargs = dict(lr=0.01, betas=(0.85, 0.99), weight_decay=0.1)

    def train(opt, W, b, steps, late=0):
        for step in range(steps):
            opt.zero_grad()
            ag.mean(ag.square(ag.tanh(ag.constant(X) @ W + b) - ag.constant(Y))).backward()
            if step < late:
                b.grad = None
            opt.step()
    W, b = ag.Variable(W0.copy()), ag.Variable(B0.copy())
    opt = optim.RAdam([W, b], **kwargs)
    train(opt, W, b, 8, late=3)
    state = opt.state_dict()
    assert sorted(state) == ["exp_avg_sqs.0", "exp_avg_sqs.1", "exp_avgs.0", "exp_avgs.1",
                             "iterations", "steps.0", "steps.1"]
    assert (state["steps.0"], state["steps.1"]) == (8, 5)
    W2, b2 = ag.Variable(W.numpy().copy()), ag.Variable(b.numpy().copy())
    resumed = optim.RAdam([W2, b2], **kwargs)
    resumed.load_state_dict(state)
    # A fresh optimizer from the same point goes elsewhere: the state matters.
    W3, b3 = ag.Variable(W.numpy().copy()), ag.Variable(b.numpy().copy())
    train(optim.RAdam([W3, b3], **kwargs), W3, b3, 10)
    train(opt, W, b, 10)
    train(resumed, W2, b2, 10)
    np.testing.assert_array_equal(W2.numpy(), W.numpy())
    np.testing.assert_array_equal(b2.numpy(), b.numpy())
    assert np.abs(W3.numpy() - W2.numpy()).max() > 1e-4


def test_radam_defaults_are_torchs():
    opt = optim.RAdam([ag.Variable([1.0])])
    signature = inspect.signature(torch.optim.RAdam)
    defaults = {name: p.default for name, p in signature.parameters.items()
                if name not in ("params", "foreach", "capturable", "differentiable")}
    assert defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                            decoupled_weight_decay=False, maximize=False)
    assert (opt.learning_rate, (opt.beta_1, opt.beta_2), opt.epsilon, opt.weight_decay,
            opt.decoupled_weight_decay, opt.maximize) == tuple(defaults.values())
    config = opt.get_config()
    assert optim.RAdam([ag.Variable([1.0])], **config).get_config() == config


@pytest.mark.parametrize("make, error, message", [
    (lambda p: optim.RAdam(None), TypeError, "^RAdam: Keras has no RAdam"),
    (lambda p: optim.RAdam(0.01), TypeError, "^RAdam: Keras has no RAdam"),
    (lambda p: optim.RAdam(p, foreach=True), ValueError, "^RAdam: foreach=True chooses"),
    (lambda p: optim.RAdam(p, capturable=True), ValueError, "^RAdam: capturable=True"),
    (lambda p: optim.RAdam(p, differentiable=True), ValueError, "^RAdam: differentiable="),
    (lambda p: optim.RAdam(p, betas=(1.0, 0.999)), ValueError,
     r"^RAdam: beta_1 must be in \[0, 1\)"),
    (lambda p: optim.RAdam(p, lr=-0.1), ValueError, "^RAdam: learning_rate must be >= 0"),
    (lambda p: optim.RAdam(p, weight_decay=-1), ValueError, "^RAdam: weight_decay must be"),
    (lambda p: optim.RAdam(p, lr=0.1, learning_rate=0.2), TypeError, "either lr= or"),
    (lambda p: optim.RAdam([{"params": p, "amsgrad": True}]), ValueError,
     r"unknown keys \['amsgrad'\]"),
])
def test_radam_refuses_what_the_others_refuse(make, error, message):
    with pytest.raises(error, match=message):
        make([ag.Variable([1.0])])


def test_nadam_is_pytorchs_name_for_nadam():
    assert optim.NAdam is optim.Nadam
    assert "NAdam" in optim.__all__ and "RAdam" in optim.__all__
    assert "OneCycleLR" in optim.__all__ and optim.OneCycleLR is lr_scheduler.OneCycleLR
