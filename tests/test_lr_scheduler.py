"""Tests for optim.lr_scheduler (PyTorch's torch.optim.lr_scheduler) and
Optimizer.param_groups: values by hand, every scheduler against torch's for 40 epochs, the
state dict round trip, refusals that change nothing, and the MNIST example's loop.

StepLR, MultiStepLR, ExponentialLR, LinearLR, LambdaLR and ReduceLROnPlateau compute the
rate with the same floating-point operations as torch's, so their rates are compared for
equality; CosineAnnealingLR uses the closed form, torch a recursion that approximates it, so
they agree to rounding.
"""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from optim import lr_scheduler
from optim import SGD, Adam, CosineDecay, ExponentialDecay

EPOCHS = 40


def sgd(lr=0.1):
    return SGD([ag.Variable([1.0, 2.0])], lr=lr)


# (class name, arguments): ours and torch's are looked up by the same name and given the
# same arguments, so each case is one line.
CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.7)),
    ("StepLR", dict(step_size=7)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9, 30], gamma=0.3)),
    ("MultiStepLR", dict(milestones=[0, 4])),             # a milestone 0 decays at once
    ("ExponentialLR", dict(gamma=0.93)),
    ("ExponentialLR", dict(gamma=1.05)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("CosineAnnealingLR", dict(T_max=15, eta_min=0.003)),
    ("CosineAnnealingLR", dict(T_max=1, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95 ** epoch)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: epoch // 6 + 1)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.9, end_factor=0.1, total_iters=17)),
    ("LinearLR", dict(start_factor=0.5, end_factor=0.0, total_iters=7)),
    ("LinearLR", dict(start_factor=0.05, total_iters=40)),
]
CASE_IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]
CLOSED_FORM = {"CosineAnnealingLR"}   # torch's recursion agrees to rounding only


def our_rates(name, kwargs, lr=0.1, epochs=EPOCHS):
    """(the optimizer's rate after the constructor and after each step, get_last_lr's)."""
    opt = sgd(lr)
    scheduler = getattr(lr_scheduler, name)(opt, **kwargs)
    rates, last = [opt.learning_rate], [scheduler.get_last_lr()]
    for _ in range(epochs):
        scheduler.step()
        rates.append(opt.learning_rate)
        last.append(scheduler.get_last_lr())
    return rates, last


def torch_rates(torch, name, kwargs, lr=0.1, epochs=EPOCHS):
    opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=lr)
    scheduler = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    rates, last = [opt.param_groups[0]["lr"]], [scheduler.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        rates.append(opt.param_groups[0]["lr"])
        last.append(scheduler.get_last_lr())
    return rates, last


# --- by hand -------------------------------------------------------------------------------

def test_the_constructor_takes_the_first_step():
    opt = sgd(0.2)
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    assert scheduler.last_epoch == 0 and scheduler.base_lrs == [0.2]
    assert scheduler.get_last_lr() == [0.2] and opt.learning_rate == 0.2
    assert isinstance(scheduler, lr_scheduler.LRScheduler)


def test_step_multistep_and_exponential_by_hand():
    assert our_rates("StepLR", dict(step_size=3, gamma=0.5), lr=1.0, epochs=7)[0] == \
        [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert our_rates("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.5), lr=1.0,
                     epochs=6)[0] == [1, 1, 0.5, 0.5, 0.5, 0.125, 0.125]
    assert our_rates("MultiStepLR", dict(milestones=[0]), lr=1.0, epochs=1)[0] == [0.1, 0.1]
    assert our_rates("ExponentialLR", dict(gamma=0.5), lr=1.0, epochs=3)[0] == \
        [1, 0.5, 0.25, 0.125]


def test_cosine_by_hand():
    rates, _ = our_rates("CosineAnnealingLR", dict(T_max=4, eta_min=0.1), lr=0.5, epochs=9)
    expected = [0.1 + 0.4 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(10)]
    np.testing.assert_allclose(rates, expected, rtol=1e-15)
    assert rates[2] == pytest.approx(0.3, rel=1e-15)      # half way: the middle
    assert rates[4] == pytest.approx(0.1, rel=1e-15)      # T_max: eta_min
    assert rates[8] == pytest.approx(0.5, rel=1e-15)      # 2 T_max: back to base_lr


def test_cosine_keeps_the_starting_rate_to_the_last_bit():
    # eta_min + (base_lr - eta_min) is 0.010000000000000002 here; torch keeps 0.01
    opt = sgd(0.01)
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    assert opt.learning_rate == 0.01 and scheduler.get_last_lr() == [0.01]


def test_linear_and_lambda_by_hand():
    rates, _ = our_rates("LinearLR", dict(), lr=1.0, epochs=7)
    np.testing.assert_allclose(rates, [1 / 3, 7 / 15, 3 / 5, 11 / 15, 13 / 15, 1, 1, 1],
                               rtol=1e-15)
    rates, _ = our_rates("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=4),
                         lr=1.0, epochs=5)
    np.testing.assert_allclose(rates, [1, 0.75, 0.5, 0.25, 0, 0], rtol=1e-15, atol=1e-300)
    rates, _ = our_rates("LambdaLR", dict(lr_lambda=lambda epoch: 1 / (epoch + 1)), lr=0.6,
                         epochs=3)
    np.testing.assert_allclose(rates, [0.6, 0.3, 0.2, 0.15], rtol=1e-15)


def test_lambda_lr_takes_pytorchs_list_of_one_function():
    rates, _ = our_rates("LambdaLR", dict(lr_lambda=[lambda epoch: 2.0 ** -epoch]), lr=1.0,
                         epochs=2)
    assert rates == [1, 0.5, 0.25]


def test_the_optimizer_updates_with_the_scheduled_rate():
    w = ag.Variable([1.0])
    opt = SGD([w], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for expected in (0.8, 0.7, 0.65):               # g = 0.2; steps of 0.2, 0.1, 0.05
        w.grad = np.array([0.2], np.float32)
        opt.step()
        scheduler.step()
        assert w.numpy()[0] == pytest.approx(expected, rel=1e-6)


def test_a_rate_set_from_outside_carries_on_as_in_pytorch():
    opt = sgd(1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    scheduler.step()
    opt.param_groups[0]["lr"] = 0.3       # changed between epochs
    scheduler.step()                      # epoch 2: a decay of the current rate
    assert opt.learning_rate == 0.15 and scheduler.get_last_lr() == [0.15]


# --- against torch -------------------------------------------------------------------------

@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_every_scheduler_matches_torch_for_40_epochs(name, kwargs):
    torch = pytest.importorskip("torch")
    ours, our_last = our_rates(name, kwargs)
    theirs, their_last = torch_rates(torch, name, kwargs)
    assert len(ours) == EPOCHS + 1
    if name in CLOSED_FORM:
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(our_last, their_last, rtol=1e-13, atol=1e-300)
    else:
        assert ours == theirs
        assert our_last == their_last
    assert all(type(r) is float for r in ours)
    assert len(set(ours)) > 1                     # the rate did change


@pytest.mark.parametrize("T_max", [1, 2, 3, 10, 25])
@pytest.mark.parametrize("eta_min", [0.0, 0.004])
def test_cosine_closed_form_agrees_with_torch_recursion_past_T_max(T_max, eta_min):
    """Torch's recursion keeps going past T_max, rising again; the closed form does too."""
    torch = pytest.importorskip("torch")
    kwargs = dict(T_max=T_max, eta_min=eta_min)
    epochs = 2 * T_max + 3
    ours, _ = our_rates("CosineAnnealingLR", kwargs, lr=0.05, epochs=epochs)
    theirs, _ = torch_rates(torch, "CosineAnnealingLR", kwargs, lr=0.05, epochs=epochs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-17)
    assert ours[2 * T_max] == pytest.approx(0.05, rel=1e-13)


@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[0] not in CLOSED_FORM
                                          and c[0] != "LambdaLR"],
                         ids=[i for i, c in zip(CASE_IDS, CASES)
                              if c[0] not in CLOSED_FORM and c[0] != "LambdaLR"])
def test_rates_set_from_outside_carry_on_as_in_torch(name, kwargs):
    """param_groups[0]["lr"] set between epochs, on both sides: the chained schedulers go on
    from the new rate."""
    torch = pytest.importorskip("torch")
    opt = sgd(0.1)
    scheduler = getattr(lr_scheduler, name)(opt, **kwargs)
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    t_scheduler = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    for epoch in range(EPOCHS):
        if epoch in (3, 11):
            for group in opt.param_groups:
                group["lr"] = 0.02 * epoch
            for group in t_opt.param_groups:
                group["lr"] = 0.02 * epoch
        t_opt.step()
        scheduler.step()
        t_scheduler.step()
        assert opt.param_groups[0]["lr"] == t_opt.param_groups[0]["lr"]


# --- ReduceLROnPlateau ---------------------------------------------------------------------

# A validation loss that improves, stalls, wobbles by less than the thresholds, is NaN once
# and ends on a stall longer than the default patience.
METRICS = [1.0, 0.9, 0.9, 0.95, 0.9, 0.89995, 0.8, 0.8, 0.85, 0.79, 0.79, 0.79, 0.79,
           0.7, 0.71, 0.72, 0.73, float("nan"), 0.69, 0.69, 0.69, 0.69, 0.6, 0.6, 0.61,
           0.62, 0.5, 0.55, 0.55, 0.55, 0.55, 0.55, 0.4] + [0.45] * 12

PLATEAU_CASES = [
    dict(),
    dict(patience=0),
    dict(patience=2, factor=0.5),
    dict(patience=1, factor=0.5, threshold=0.05, threshold_mode="abs"),
    dict(patience=1, factor=0.5, threshold=0.05),
    dict(patience=1, factor=0.5, cooldown=3),
    dict(patience=0, factor=0.5, min_lr=0.02),
    dict(patience=0, factor=0.5, min_lr=[0.02], eps=0.01),
    dict(mode="max", patience=1, factor=0.5),
    dict(mode="max", patience=1, factor=0.5, threshold=0.05, threshold_mode="abs",
         cooldown=2),
]


def plateau_run(make, step, metrics):
    """The rate and the counters after each step."""
    out = []
    for m in metrics:
        step(m)
        out.append(make())
    return out


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(k) for k in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    metrics = METRICS if kwargs.get("mode") != "max" else [-m for m in METRICS]
    opt = sgd(0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    t_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    assert scheduler.last_epoch == t_scheduler.last_epoch == 0
    assert scheduler.get_last_lr() == t_scheduler.get_last_lr() == [0.1]

    def state(s, lr):
        return (lr, s.get_last_lr(), s.last_epoch, s.best, s.num_bad_epochs,
                s.cooldown_counter)
    ours = plateau_run(lambda: state(scheduler, opt.learning_rate), scheduler.step, metrics)
    theirs = plateau_run(lambda: state(t_scheduler, t_opt.param_groups[0]["lr"]),
                         lambda m: (t_opt.step(), t_scheduler.step(m)), metrics)
    assert ours == theirs
    assert len({s[0] for s in ours}) > 1         # the rate was reduced


def test_reduce_lr_on_plateau_by_hand():
    opt = sgd(1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    rates = []
    for metric in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0]:
        scheduler.step(metric)
        rates.append(opt.learning_rate)
    # bad epochs 1, 2 (> patience: reduce), cooldown 1 epoch, then bad 1, 2: reduce again
    assert rates == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_reduce_lr_on_plateau_takes_values_and_numpy_scalars():
    opt = sgd(1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(ag.constant(2.0))
    scheduler.step(np.float32(3.0))
    scheduler.step(np.array([4]))
    assert scheduler.best == 2.0 and opt.learning_rate == pytest.approx(0.01, rel=1e-15)


# --- state dicts -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_state_dict_round_trip(name, kwargs):
    opt = sgd(0.1)
    scheduler = getattr(lr_scheduler, name)(opt, **kwargs)
    for _ in range(7):
        scheduler.step()
    state = scheduler.state_dict()
    assert sorted(state) == ["_last_lr", "base_lrs", "last_epoch"]
    assert type(state["last_epoch"]) is int and state["last_epoch"] == 7
    assert all(type(v) is float for k in ("base_lrs", "_last_lr") for v in state[k])
    fresh_opt = sgd(0.1)
    fresh = getattr(lr_scheduler, name)(fresh_opt, **kwargs)
    fresh.load_state_dict(state)
    assert fresh_opt.learning_rate == opt.learning_rate
    assert fresh.get_last_lr() == scheduler.get_last_lr()
    for _ in range(25):
        scheduler.step()
        fresh.step()
        assert fresh_opt.learning_rate == opt.learning_rate
        assert fresh.get_last_lr() == scheduler.get_last_lr()
    state["_last_lr"].append(1.0)           # a copy: the scheduler's own list is untouched
    assert len(scheduler.state_dict()["_last_lr"]) == 1


def test_reduce_lr_on_plateau_state_dict_round_trip():
    kwargs = dict(patience=1, factor=0.5, cooldown=2)
    opt = sgd(0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    for m in METRICS[:10]:
        scheduler.step(m)
    state = scheduler.state_dict()
    assert sorted(state) == ["_last_lr", "best", "cooldown_counter", "last_epoch",
                             "num_bad_epochs"]
    fresh_opt = sgd(0.1)
    fresh = lr_scheduler.ReduceLROnPlateau(fresh_opt, **kwargs)
    fresh.load_state_dict(state)
    for m in METRICS[10:]:
        scheduler.step(m)
        fresh.step(m)
        assert fresh_opt.learning_rate == opt.learning_rate
        assert fresh.state_dict() == scheduler.state_dict()
    assert opt.learning_rate < 0.1 / 4


def test_state_dict_through_nn_save_and_load(tmp_path):
    opt = sgd(0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    for m in (1.0, 2.0, 0.5):
        scheduler.step(m)
    nn.save(scheduler.state_dict(), tmp_path / "scheduler.pth")
    fresh_opt = sgd(0.1)
    fresh = lr_scheduler.ReduceLROnPlateau(fresh_opt, patience=0)
    fresh.load_state_dict(nn.load(tmp_path / "scheduler.pth"))
    assert fresh.state_dict() == scheduler.state_dict()
    assert fresh_opt.learning_rate == opt.learning_rate == pytest.approx(0.01, rel=1e-15)

    opt = sgd(0.1)
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        scheduler.step()
    nn.save(scheduler.state_dict(), tmp_path / "cosine.pth")
    fresh_opt = sgd(0.1)
    fresh = lr_scheduler.CosineAnnealingLR(fresh_opt, T_max=10)
    fresh.load_state_dict(nn.load(tmp_path / "cosine.pth"))
    scheduler.step()
    fresh.step()
    assert fresh_opt.learning_rate == opt.learning_rate and fresh.last_epoch == 5


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("last_epoch"), "last_epoch is missing"),
    (lambda s: s.update(last_epoch=-2), "last_epoch must be an integer >= 0"),
    (lambda s: s.update(last_epoch=2.5), "last_epoch must be an integer >= 0"),
    (lambda s: s.update(last_epoch="3"), "last_epoch must be one number"),
    (lambda s: s.update(base_lrs=[0.1, 0.2]), "base_lrs must be a list of one number"),
    (lambda s: s.update(_last_lr=[-0.1]), "_last_lr must be a list of one number >= 0"),
    (lambda s: s.update(_last_lr=[math.nan]), "_last_lr must be a list of one number"),
    (lambda s: s.update(gamma=0.5), r"unexpected names \['gamma'\]"),
])
def test_a_state_that_does_not_fit_is_refused_and_changes_nothing(change, message):
    source = lr_scheduler.StepLR(sgd(0.1), step_size=2)
    for _ in range(5):
        source.step()
    state = source.state_dict()
    change(state)
    opt = sgd(0.1)
    target = lr_scheduler.StepLR(opt, step_size=2)
    target.step()
    before = target.state_dict()
    with pytest.raises(ValueError, match=message):
        target.load_state_dict(state)
    assert target.state_dict() == before and opt.learning_rate == 0.1


def test_a_plateau_state_that_does_not_fit_is_refused_and_changes_nothing():
    opt = sgd(0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(1.0)
    state = scheduler.state_dict()
    state.update(best=math.nan, num_bad_epochs=-1)
    target_opt = sgd(0.2)
    target = lr_scheduler.ReduceLROnPlateau(target_opt)
    before = target.state_dict()
    with pytest.raises(ValueError, match=r"best must be a number or an infinity(.|\n)*"
                                         r"num_bad_epochs must be an integer >= 0"):
        target.load_state_dict(state)
    assert target.state_dict() == before and target_opt.learning_rate == 0.2


# --- refusals ------------------------------------------------------------------------------

ALL_SCHEDULERS = [
    ("StepLR", dict(step_size=2)), ("MultiStepLR", dict(milestones=[2])),
    ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=5)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 1.0)), ("LinearLR", dict()),
    ("ReduceLROnPlateau", dict()),
]


@pytest.mark.parametrize("name, kwargs", ALL_SCHEDULERS, ids=[n for n, _ in ALL_SCHEDULERS])
@pytest.mark.parametrize("schedule", [ExponentialDecay(0.1, 10, 0.5), lambda step: 0.1])
def test_a_schedule_as_learning_rate_is_refused(name, kwargs, schedule):
    opt = SGD([ag.Variable([1.0])], learning_rate=schedule)
    with pytest.raises(TypeError, match=rf"{name}: the optimizer's learning_rate is a "
                                        rf"schedule .*{name} would overwrite it"):
        getattr(lr_scheduler, name)(opt, **kwargs)
    assert opt._learning_rate is schedule and opt.learning_rate == 0.1


@pytest.mark.parametrize("name, kwargs", ALL_SCHEDULERS, ids=[n for n, _ in ALL_SCHEDULERS])
def test_a_schedule_set_later_is_refused_at_the_next_step(name, kwargs):
    opt = sgd(0.1)
    scheduler = getattr(lr_scheduler, name)(opt, **kwargs)
    schedule = CosineDecay(0.2, 10)
    opt.learning_rate = schedule
    before = scheduler.state_dict()
    with pytest.raises(TypeError, match=f"{name}: the optimizer's learning_rate is a schedule"):
        scheduler.step(1.0) if name == "ReduceLROnPlateau" else scheduler.step()
    assert scheduler.state_dict() == before and opt._learning_rate is schedule


@pytest.mark.parametrize("make, error, message", [
    (lambda o: lr_scheduler.StepLR(o, 0), ValueError, "StepLR: step_size must be a positive"),
    (lambda o: lr_scheduler.StepLR(o, 2.0), ValueError, "StepLR: step_size"),
    (lambda o: lr_scheduler.StepLR(o, 2, gamma=-0.5), ValueError, "StepLR: gamma must be >= 0"),
    (lambda o: lr_scheduler.StepLR(o, 2, gamma="0.5"), TypeError, "StepLR: gamma must be a "
                                                                  "real number"),
    (lambda o: lr_scheduler.MultiStepLR(o, [5, 2]), ValueError,
     "MultiStepLR: milestones must be in increasing order"),
    (lambda o: lr_scheduler.MultiStepLR(o, [2, -1]), ValueError,
     r"MultiStepLR: milestones\[1\] must be an integer >= 0"),
    (lambda o: lr_scheduler.MultiStepLR(o, 5), TypeError, "MultiStepLR: milestones must be a "
                                                          "list"),
    (lambda o: lr_scheduler.MultiStepLR(o, [True]), ValueError, r"milestones\[0\]"),
    (lambda o: lr_scheduler.ExponentialLR(o, math.nan), ValueError,
     "ExponentialLR: gamma must be finite"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, 0), ValueError, "CosineAnnealingLR: T_max"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, 10, eta_min=-1), ValueError,
     "CosineAnnealingLR: eta_min must be >= 0"),
    (lambda o: lr_scheduler.LambdaLR(o, 0.5), TypeError, "LambdaLR: lr_lambda must be a "
                                                         "function"),
    (lambda o: lr_scheduler.LambdaLR(o, [abs, abs]), ValueError, "LambdaLR: lr_lambda must "
                                                                 "be one function"),
    (lambda o: lr_scheduler.LambdaLR(o, lambda epoch: -1.0), ValueError,
     "LambdaLR: the learning rate for epoch 0 must be >= 0"),
    (lambda o: lr_scheduler.LambdaLR(o, lambda epoch: "1"), TypeError,
     r"LambdaLR: lr_lambda\(0\) must be a real number"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError,
     r"LinearLR: start_factor must be in \(0, 1\]"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, "LinearLR: end_factor"),
    (lambda o: lr_scheduler.LinearLR(o, total_iters=0), ValueError, "LinearLR: total_iters"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="minimum"), ValueError,
     "ReduceLROnPlateau: mode must be 'min' or 'max'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="relative"), ValueError,
     "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError,
     r"ReduceLROnPlateau: factor must be in \[0, 1\)"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=-1), ValueError,
     "ReduceLROnPlateau: patience must be an integer >= 0"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, cooldown=1.5), ValueError,
     "ReduceLROnPlateau: cooldown"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1, 0.2]), ValueError,
     "ReduceLROnPlateau: min_lr must be one number"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold=-1e-4), ValueError,
     "ReduceLROnPlateau: threshold must be >= 0"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, eps="small"), TypeError,
     "ReduceLROnPlateau: eps"),
])
def test_bad_arguments_are_refused_and_change_nothing(make, error, message):
    opt = sgd(0.1)
    with pytest.raises(error, match=message):
        make(opt)
    assert opt.learning_rate == 0.1 and opt.iterations == 0


@pytest.mark.parametrize("name, kwargs", ALL_SCHEDULERS, ids=[n for n, _ in ALL_SCHEDULERS])
@pytest.mark.parametrize("optimizer", [None, "sgd", [ag.Variable([1.0])]])
def test_anything_but_an_optimizer_is_refused(name, kwargs, optimizer):
    with pytest.raises(TypeError, match=f"{name}: optimizer must be an optim.Optimizer"):
        getattr(lr_scheduler, name)(optimizer, **kwargs)


def test_a_torch_optimizer_is_refused():
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match="StepLR: optimizer must be an optim.Optimizer, got SGD"):
        lr_scheduler.StepLR(opt, 1)


def test_a_bad_lambda_value_later_changes_nothing():
    opt = sgd(0.4)
    scheduler = lr_scheduler.LambdaLR(opt, lambda epoch: [1.0, 0.5, math.inf][epoch])
    scheduler.step()
    with pytest.raises(ValueError, match="LambdaLR: lr_lambda\\(2\\) must be finite"):
        scheduler.step()
    assert scheduler.last_epoch == 1 and opt.learning_rate == 0.2
    assert scheduler.get_last_lr() == [0.2]


@pytest.mark.parametrize("metric", ["0.5", [1.0, 2.0], True, None, 1 + 2j])
def test_a_bad_metric_is_refused_and_changes_nothing(metric):
    opt = sgd(0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(1.0)
    before = scheduler.state_dict()
    with pytest.raises(TypeError, match="ReduceLROnPlateau.step: metric must be one real "
                                        "number"):
        scheduler.step(metric)
    assert scheduler.state_dict() == before and opt.learning_rate == 0.1


# --- Optimizer.param_groups ----------------------------------------------------------------

def test_param_groups_read_and_write_the_learning_rate():
    w, b = ag.Variable([1.0]), ag.Variable([0.5])
    opt = SGD([w, b], lr=0.1)
    assert len(opt.param_groups) == 1
    group = opt.param_groups[0]
    assert group["lr"] == 0.1 and list(group)[:2] == ["params", "lr"]
    assert set(group) == {"params", "lr", "momentum", "dampening", "weight_decay", "nesterov",
                          "maximize"}  # every hyper-parameter, as torch's groups list them
    assert group["params"][0] is w and group["params"][1] is b and len(group["params"]) == 2
    for g in opt.param_groups:
        g["lr"] = 0.01
    assert opt.learning_rate == 0.01 and group["lr"] == 0.01
    group["lr"] = np.float32(0.5)
    assert opt.learning_rate == 0.5 and type(opt.learning_rate) is float
    w.grad = np.array([1.0], np.float32)
    opt.step()                                   # the update uses the rate set there
    assert w.numpy()[0] == 0.5 and b.numpy()[0] == 0.5
    assert "lr" in group and group.get("momentum") == 0.0 and group.get("initial_lr") is None
    assert dict(group)["lr"] == 0.5


def test_param_groups_params_is_a_copy_and_read_only():
    w = ag.Variable([1.0])
    opt = SGD([w], lr=0.1)
    opt.param_groups[0]["params"].append(ag.Variable([2.0]))
    assert opt.params == [w]
    with pytest.raises(TypeError, match=r"SGD.param_groups\[0\]\['params'\] is read only"):
        opt.param_groups[0]["params"] = []
    for key in ("initial_lr", "betas"):  # not SGD's hyper-parameters
        with pytest.raises(KeyError, match=f"has no '{key}' to set; its keys are"):
            opt.param_groups[0][key] = 0.9
        with pytest.raises(KeyError, match=f"has no '{key}'; its keys are"):
            opt.param_groups[0][key]
    assert opt.learning_rate == 0.1 and opt.momentum == 0.0


@pytest.mark.parametrize("value, error, message", [
    (-0.1, ValueError, "must be >= 0"),
    (math.nan, ValueError, "must be finite"),
    ("0.1", TypeError, "must be a real number"),
    (ExponentialDecay(0.1, 10, 0.5), TypeError, "must be a real number"),
    (None, TypeError, "must be a real number"),
])
def test_param_groups_refuse_a_bad_rate_and_change_nothing(value, error, message):
    opt = Adam([ag.Variable([1.0])], lr=0.1)
    with pytest.raises(error, match=rf"Adam.param_groups\[0\]: \['lr'\] {message}"):
        opt.param_groups[0]["lr"] = value
    assert opt.learning_rate == 0.1


def test_param_groups_with_a_schedule_read_its_rate_and_refuse_writes():
    w = ag.Variable([1.0])
    schedule = ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = SGD([w], learning_rate=schedule)
    assert opt.param_groups[0]["lr"] == 0.1
    w.grad = np.array([1.0], np.float32)
    opt.step()
    assert opt.param_groups[0]["lr"] == 0.05             # the schedule at iterations = 1
    with pytest.raises(TypeError, match=r"SGD.param_groups\[0\]\['lr'\] cannot be set: the "
                                        r"learning rate is a schedule"):
        opt.param_groups[0]["lr"] = 0.01
    assert opt._learning_rate is schedule


def test_param_groups_of_a_keras_style_optimizer_learn_the_variables():
    w = ag.Variable([1.0])
    opt = SGD(0.1)
    assert opt.param_groups[0]["params"] == []
    opt.apply_gradients([(np.array([1.0]), w)])
    assert opt.param_groups[0]["params"][0] is w


# --- the pytorch/examples MNIST loop, ported by renaming --------------------------------------

class Net(nn.Module):
    """A tiny stand-in for the example's convolutional net, in its style."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        x = nn.functional.relu(self.fc1(x))
        return nn.functional.log_softmax(self.fc2(x), dim=1)


def train(model, optimizer, batches, F):
    model.train()
    for data, target in batches:
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()


# The example's optimizer is Adadelta(model.parameters(), lr=args.lr) with lr=1.0: ours with
# PyTorch's defaults written out (rho, eps); and plain SGD.
MNIST_OPTIMIZERS = {
    "Adadelta": (lambda params: optim.Adadelta(params, lr=1.0, rho=0.9, epsilon=1e-6),
                 lambda torch, params: torch.optim.Adadelta(params, lr=1.0)),
    "SGD": (lambda params: optim.SGD(params, lr=1.0),
            lambda torch, params: torch.optim.SGD(params, lr=1.0)),
}


@pytest.mark.parametrize("name", MNIST_OPTIMIZERS)
def test_pytorch_mnist_example_loop_with_step_lr_matches_torch(name):
    torch = pytest.importorskip("torch")
    make, make_torch = MNIST_OPTIMIZERS[name]
    from optim.lr_scheduler import StepLR          # from torch.optim.lr_scheduler import StepLR
    ag.set_default_dtype(ag.float64)               # conftest puts the default back
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6)), rng.integers(0, 3, 40)
    batches = [(X[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10)]
    t_batches = [(torch.tensor(x), torch.tensor(t)) for x, t in batches]

    model = Net()
    reference = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(),
                                    torch.nn.Linear(8, 3), torch.nn.LogSoftmax(dim=1)).double()
    with torch.no_grad():
        for ours, theirs in ((model.fc1, reference[0]), (model.fc2, reference[2])):
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))

    W1 = model.fc1.weight.numpy().copy()
    optimizer = make(model.parameters())
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    t_optimizer = make_torch(torch, reference.parameters())
    t_scheduler = torch.optim.lr_scheduler.StepLR(t_optimizer, step_size=1, gamma=0.7)
    lrs, t_lrs = [], []
    for epoch in range(1, 4):
        train(model, optimizer, batches, nn.functional)
        train(reference, t_optimizer, t_batches, torch.nn.functional)
        scheduler.step()
        t_scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        t_lrs.append(t_optimizer.param_groups[0]["lr"])
        for ours, theirs in ((model.fc1, reference[0]), (model.fc2, reference[2])):
            assert ours.weight.dtype == np.float64
            np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(),
                                       rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(ours.bias.numpy(), theirs.bias.detach().numpy(),
                                       rtol=1e-10, atol=1e-12)
    assert lrs == t_lrs == [0.7, 0.7 * 0.7, 0.7 * 0.7 * 0.7]
    assert scheduler.get_last_lr() == t_scheduler.get_last_lr()
    assert np.abs(model.fc1.weight.numpy() - W1).max() > 1e-3          # it did train
