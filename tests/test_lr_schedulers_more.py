"""ConstantLR, MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR,
SequentialLR and ChainedScheduler against torch 2.13's: every group's rate (and momentum)
after the constructor and after each of many steps, for several parameter groups and
argument combinations; state-dict round trips in the middle of a run; the fractional
epochs of CosineAnnealingWarmRestarts; refusals that name the scheduler and the argument
and leave the optimizer's rates as they were.

Each scheduler makes the same floating-point operations as torch's (CosineAnnealingLR
inside a composite excepted: a closed form against torch's recursion), so the rates agree
to 1e-12 relative.
"""

import warnings

import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch", reason="the schedulers are checked against torch's")

STEPS = 60
LRS = (0.1, 0.03, 0.5)


def optimizers(groups, kind="SGD"):
    """Ours and torch's optimizer of the same kind, with ``groups`` parameter groups whose
    rates are LRS[:groups]."""
    kwargs = {"SGD": dict(momentum=0.9), "Adam": dict(betas=(0.9, 0.999))}[kind]
    ours = [{"params": [ag.Variable([1.0])], "lr": lr} for lr in LRS[:groups]]
    theirs = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in LRS[:groups]]
    return (getattr(optim, kind)(ours, lr=0.1, **kwargs),
            getattr(torch.optim, kind)(theirs, lr=0.1, **kwargs))


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def snapshot(opt, scheduler):
    return ([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr()), momenta(opt))


def run_torch(opt, scheduler, steps):
    seen = [snapshot(opt, scheduler)]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        seen.append(snapshot(opt, scheduler))
    return seen


def run_ours(opt, scheduler, steps):
    seen = [snapshot(opt, scheduler)]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        seen.append(snapshot(opt, scheduler))
    return seen


def assert_same(ours, theirs, rel=1e-12):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):
            assert x == pytest.approx([float(v) for v in y], rel=rel, abs=1e-15), \
                f"step {step}: ours {a}, torch's {b}"


# Each case builds a scheduler from a module (ours: optim.lr_scheduler, or torch's) and its
# optimizer, so the same line makes both.
def make(name, **kwargs):
    def build(module, opt):
        return getattr(module, name)(opt, **kwargs)
    build.name = name
    return build


def sequential(milestones, *parts):
    def build(module, opt):
        return module.SequentialLR(opt, [part(module, opt) for part in parts], milestones)
    build.name = "SequentialLR"
    return build


def chained(*parts):
    def build(module, opt):
        return module.ChainedScheduler([part(module, opt) for part in parts])
    build.name = "ChainedScheduler"
    return build


class Halving:
    """A callable object as lr_lambda: what torch's state_dict would keep."""

    def __call__(self, epoch):
        return 0.5 if epoch % 7 == 0 else 1.0


CASES = [
    make("ConstantLR"),
    make("ConstantLR", factor=0.5, total_iters=12),
    make("ConstantLR", factor=1.0, total_iters=0),
    make("ConstantLR", factor=0.25, total_iters=0),
    make("MultiplicativeLR", lr_lambda=lambda epoch: 0.95),
    make("MultiplicativeLR", lr_lambda=Halving()),
    make("PolynomialLR"),
    make("PolynomialLR", total_iters=40, power=0.9),
    make("PolynomialLR", total_iters=17, power=2.0),
    make("CosineAnnealingWarmRestarts", T_0=10),
    make("CosineAnnealingWarmRestarts", T_0=3, T_mult=2, eta_min=0.001),
    make("CosineAnnealingWarmRestarts", T_0=1),
    make("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=5),
    make("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=7,
         mode="triangular2"),
    make("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=6, mode="exp_range",
         gamma=0.97, base_momentum=0.7, max_momentum=0.95),
    make("CyclicLR", base_lr=0.01, max_lr=0.2, step_size_up=3, step_size_down=0),
    make("CyclicLR", base_lr=0.01, max_lr=0.2, step_size_up=5,
         scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations"),
    make("CyclicLR", base_lr=0.01, max_lr=0.2, step_size_up=5,
         scale_fn=lambda x: 0.9 ** x, scale_mode="cycle", cycle_momentum=False),
    sequential([10], make("ConstantLR", factor=0.1, total_iters=10),
               make("ExponentialLR", gamma=0.9)),
    sequential([5, 20], make("LinearLR", start_factor=0.2, total_iters=5),
               make("StepLR", step_size=4, gamma=0.5),
               make("PolynomialLR", total_iters=30, power=1.5)),
    sequential([8], make("LinearLR", start_factor=0.1, end_factor=0.5, total_iters=8),
               make("MultiStepLR", milestones=[0, 5, 9], gamma=0.5)),
    sequential([6], make("MultiplicativeLR", lr_lambda=lambda epoch: 0.9),
               make("CosineAnnealingWarmRestarts", T_0=7)),
    sequential([0, 4], make("ConstantLR", factor=0.3), make("ExponentialLR", gamma=0.8),
               make("ConstantLR", factor=0.5, total_iters=3)),
    chained(make("ConstantLR", factor=0.1, total_iters=20), make("ExponentialLR", gamma=0.9)),
    chained(make("MultiplicativeLR", lr_lambda=lambda epoch: 0.97),
            make("StepLR", step_size=5, gamma=0.5), make("PolynomialLR", total_iters=45)),
]
IDS = [f"{i}-{case.name}" for i, case in enumerate(CASES)]


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.mark.parametrize("groups", [1, 3])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rates_are_torchs_at_every_step(case, groups):
    ours_opt, torch_opt = optimizers(groups)
    ours = run_ours(ours_opt, case(lr_scheduler, ours_opt), STEPS)
    theirs = run_torch(torch_opt, case(torch.optim.lr_scheduler, torch_opt), STEPS)
    assert_same(ours, theirs)


def test_warm_up_then_cosine_starts_the_cosine_from_the_full_rate():
    """The cosine is made after the warm-up lowered the rate; both take the groups'
    initial_lr as base_lrs, as in torch."""
    case = sequential([5], make("LinearLR", start_factor=0.1, total_iters=5),
                      make("CosineAnnealingLR", T_max=40, eta_min=0.001))
    ours_opt, torch_opt = optimizers(2)
    ours = run_ours(ours_opt, case(lr_scheduler, ours_opt), STEPS)
    theirs = run_torch(torch_opt, case(torch.optim.lr_scheduler, torch_opt), STEPS)
    assert_same(ours, theirs, rel=1e-9)   # a closed form against torch's recursion
    assert ours[5][0][0] == pytest.approx(LRS[0], rel=1e-12)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_cyclic_momentum_goes_to_momentum_or_the_first_beta_as_torchs(kind):
    case = make("CyclicLR", base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=4,
                base_momentum=[0.8, 0.85], max_momentum=0.9)
    ours_opt, torch_opt = optimizers(2, kind)
    ours = run_ours(ours_opt, case(lr_scheduler, ours_opt), 30)
    theirs = run_torch(torch_opt, case(torch.optim.lr_scheduler, torch_opt), 30)
    assert_same(ours, theirs)
    assert len(set(m for snap in ours for m in snap[2])) > 5   # the momentum did move


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_state_dict_round_trip_mid_run_carries_on_as_torch(case):
    ours_opt, torch_opt = optimizers(2)
    first = case(lr_scheduler, ours_opt)
    theirs_scheduler = case(torch.optim.lr_scheduler, torch_opt)
    for _ in range(23):
        first.step()
    state = first.state_dict()
    fresh_opt, _ = optimizers(2)
    resumed = case(lr_scheduler, fresh_opt)
    resumed.load_state_dict(state)
    assert resumed.state_dict() == state
    theirs = run_torch(torch_opt, theirs_scheduler, 23 + STEPS)[23:]
    assert_same(run_ours(fresh_opt, resumed, STEPS), theirs)


@pytest.mark.parametrize("T_0, T_mult, iters", [(4, 1, 5), (2, 2, 3), (3, 3, 7)])
def test_warm_restarts_take_fractional_epochs_as_torchs(T_0, T_mult, iters):
    ours_opt, torch_opt = optimizers(2)
    ours = lr_scheduler.CosineAnnealingWarmRestarts(ours_opt, T_0, T_mult, eta_min=0.002)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(torch_opt, T_0, T_mult,
                                                                   eta_min=0.002)
    for epoch in range(20):
        for i in range(iters):
            ours.step(epoch + i / iters)
            theirs.step(epoch + i / iters)
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
            assert (ours.last_epoch, ours.T_i) == (theirs.last_epoch, theirs.T_i)
    ours.step(26)      # interleaved, as torch's docs show: then step() goes on from 26
    theirs.step(26)
    for _ in range(5):
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)


@pytest.mark.parametrize("case", [make("ConstantLR", factor=0.5, total_iters=6),
                                  make("PolynomialLR", total_iters=9, power=1.7),
                                  make("StepLR", step_size=3, gamma=0.5),
                                  make("LinearLR", start_factor=0.2, total_iters=7)],
                         ids=lambda c: c.name)
def test_step_with_an_epoch_uses_torchs_closed_form(case):
    ours_opt, torch_opt = optimizers(2)
    ours, theirs = case(lr_scheduler, ours_opt), case(torch.optim.lr_scheduler, torch_opt)
    for epoch in (3, 8, 1, 12, 6, 0):
        ours.step(epoch)
        theirs.step(epoch)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)


# --- refusals ------------------------------------------------------------------------------

def ours_sgd():
    return optimizers(2)[0]


REFUSALS = [
    (lambda o: lr_scheduler.ConstantLR(o, factor=1.5), ValueError, "ConstantLR: factor"),
    (lambda o: lr_scheduler.ConstantLR(o, factor=0), ValueError, "ConstantLR: factor"),
    (lambda o: lr_scheduler.ConstantLR(o, total_iters=-1), ValueError,
     "ConstantLR: total_iters"),
    (lambda o: lr_scheduler.ConstantLR(o, factor="0.5"), TypeError, "ConstantLR: factor"),
    (lambda o: lr_scheduler.MultiplicativeLR(o, lr_lambda=0.9), TypeError,
     "MultiplicativeLR: lr_lambda"),
    (lambda o: lr_scheduler.MultiplicativeLR(o, lr_lambda=[lambda e: 1.0]), ValueError,
     "MultiplicativeLR: lr_lambda"),
    (lambda o: lr_scheduler.PolynomialLR(o, total_iters=0), ValueError,
     "PolynomialLR: total_iters"),
    (lambda o: lr_scheduler.PolynomialLR(o, power=-1.0), ValueError, "PolynomialLR: power"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "CosineAnnealingWarmRestarts: T_0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError,
     "CosineAnnealingWarmRestarts: T_mult"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"), TypeError,
     "CosineAnnealingWarmRestarts: eta_min"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, mode="square"), ValueError,
     "CyclicLR: mode"),
    (lambda o: lr_scheduler.CyclicLR(o, [0.01], 0.1), ValueError, "CyclicLR: base_lr"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.01, -0.1), ValueError, "CyclicLR: max_lr"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError,
     "CyclicLR: step_size_up"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, scale_fn=3), TypeError,
     "CyclicLR: scale_fn"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, scale_mode="epochs"), ValueError,
     "CyclicLR: scale_mode"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, max_momentum=1.0), ValueError,
     "CyclicLR: max_momentum"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, scale_fn=lambda x: "big"), TypeError,
     "CyclicLR: scale_fn's factor"),
    (lambda o: lr_scheduler.ConstantLR(o, last_epoch=-2), ValueError,
     "ConstantLR: last_epoch"),
    (lambda o: lr_scheduler.SequentialLR(o, [], []), ValueError, "SequentialLR: schedulers"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ConstantLR(o)], [3]), ValueError,
     "SequentialLR: expects number of schedulers"),
    (lambda o: lr_scheduler.SequentialLR(
        o, [lr_scheduler.ConstantLR(o), lr_scheduler.ExponentialLR(o, 0.9),
            lr_scheduler.ExponentialLR(o, 0.8)], [6, 2]), ValueError,
     "SequentialLR: milestones must be in increasing order"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], []),
     ValueError, "SequentialLR: schedulers\\[0\\] is a ReduceLROnPlateau"),
    (lambda o: lr_scheduler.SequentialLR(o, ["ConstantLR"], []), TypeError,
     "SequentialLR: schedulers\\[0\\]"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ConstantLR(ours_sgd())], []),
     ValueError, "SequentialLR: every scheduler must belong to the same optimizer"),
    (lambda o: lr_scheduler.ChainedScheduler([]), ValueError, "ChainedScheduler: schedulers"),
    (lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(o)]),
     ValueError, "ChainedScheduler: schedulers\\[0\\] is a ReduceLROnPlateau"),
    (lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(o)],
                                             optimizer=ours_sgd()),
     ValueError, "ChainedScheduler: every scheduler must belong to the same optimizer"),
]


@pytest.mark.parametrize("build, error, message", REFUSALS,
                         ids=[m.split(":")[0] + f"-{i}" for i, (_, _, m) in
                              enumerate(REFUSALS)])
def test_bad_arguments_are_refused_and_leave_the_rates(build, error, message):
    opt = ours_sgd()
    before = ([g["lr"] for g in opt.param_groups], momenta(opt))
    with pytest.raises(error, match=message):
        build(opt)
    if "SequentialLR" not in message and "ChainedScheduler" not in message:
        # (an inner scheduler made for the call has set the rates itself)
        assert ([g["lr"] for g in opt.param_groups], momenta(opt)) == before


def test_cyclic_momentum_needs_a_momentum_as_torch():
    ours = optim.Adagrad([ag.Variable([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="CyclicLR: optimizer must support momentum"):
        lr_scheduler.CyclicLR(ours, 0.01, 0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        torch.optim.lr_scheduler.CyclicLR(
            torch.optim.Adagrad([torch.zeros(1, requires_grad=True)]), 0.01, 0.1)
    assert ours.param_groups[0]["lr"] == 0.1


def test_a_bad_epoch_is_refused_and_changes_nothing():
    opt = ours_sgd()
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3)
    scheduler.step(1.5)
    state, lrs = scheduler.state_dict(), scheduler.get_last_lr()
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts.step: Expected "
                                         "non-negative epoch"):
        scheduler.step(-1)
    with pytest.raises(TypeError, match="CosineAnnealingWarmRestarts.step: epoch"):
        scheduler.step("2")
    assert scheduler.state_dict() == state and [g["lr"] for g in opt.param_groups] == lrs


def test_a_chain_that_fails_half_way_changes_nothing():
    opt = ours_sgd()
    decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    bad = lr_scheduler.MultiplicativeLR(opt, lr_lambda=lambda e: -1.0 if e == 3 else 1.0)
    chain = lr_scheduler.ChainedScheduler([decay, bad])
    chain.step()
    chain.step()
    state, lrs = chain.state_dict(), [g["lr"] for g in opt.param_groups]
    with pytest.raises(ValueError, match="MultiplicativeLR: the learning rate for epoch 3"):
        chain.step()
    assert chain.state_dict() == state and [g["lr"] for g in opt.param_groups] == lrs


def test_a_state_that_does_not_fit_is_refused_and_changes_nothing():
    opt = ours_sgd()
    scheduler = sequential([4], make("ConstantLR"), make("ExponentialLR", gamma=0.9))(
        lr_scheduler, opt)
    for _ in range(6):
        scheduler.step()
    state = scheduler.state_dict()
    bad = dict(state, _schedulers=[state["_schedulers"][0],
                                   dict(state["_schedulers"][1], last_epoch=-3)])
    fresh = ours_sgd()
    other = sequential([4], make("ConstantLR"), make("ExponentialLR", gamma=0.9))(
        lr_scheduler, fresh)
    before, lrs = other.state_dict(), [g["lr"] for g in fresh.param_groups]
    with pytest.raises(ValueError, match=r"_schedulers\[1\]: last_epoch"):
        other.load_state_dict(bad)
    assert other.state_dict() == before and [g["lr"] for g in fresh.param_groups] == lrs


def test_every_new_scheduler_is_in_lr_scheduler_and_optim():
    for name in ("ConstantLR", "MultiplicativeLR", "PolynomialLR",
                 "CosineAnnealingWarmRestarts", "CyclicLR", "SequentialLR",
                 "ChainedScheduler"):
        assert getattr(lr_scheduler, name) is getattr(optim, name)
        assert issubclass(getattr(lr_scheduler, name), lr_scheduler.LRScheduler)
