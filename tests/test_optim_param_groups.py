"""Tests for PyTorch's parameter groups (torch.optim's "Per-parameter options"): every
optimizer with several groups of different hyper-parameters against torch 2's in float64,
the docs' base/classifier example, groups changed mid-run and added with add_param_group,
the schedulers with several groups, state dicts that resume a run exactly, and refusals
that change nothing.

Both sides get the same gradient, a fixed function of each parameter's current value, so a
difference in any update would grow from step to step.
"""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def torch_in_float64():
    """torch keeps scalar state (NAdam's mu_product) in its default dtype: float64 here."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(default)


STEPS = 60
SHAPES = [(4, 3), (3,), (5,), (2, 2)]
# The parameters' groups: shapes 0 and 1 in the first, 2 in the second, 3 in the third.
SPLIT = [(0, 2), (2, 3), (3, 4)]


def gradient(x):
    """A gradient that depends on where the parameter is: 2(x - 0.5) + 0.3 sin(3x)."""
    return 2 * (x - 0.5) + 0.3 * np.sin(3 * x)


def initial_values(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in SHAPES]


def our_params(values):
    return [ag.Variable(v.copy(), dtype=ag.float64) for v in values]


def torch_params(values):
    return [torch.tensor(v.copy(), requires_grad=True) for v in values]


def grouped(params, options):
    """torch's list of dicts: the parameters split as SPLIT, with each group's options."""
    return [{"params": params[a:b], **o} for (a, b), o in zip(SPLIT, options)]


def our_step(opt, params):
    for p in params:
        p.grad = gradient(p.numpy())
    opt.step()


def torch_step(opt, params):
    for p in params:
        p.grad = torch.from_numpy(gradient(p.detach().numpy()))
    opt.step()


def assert_same(ours, theirs, rtol=1e-9, atol=1e-12, where=""):
    for k, (p, q) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"{where} parameter {k}")


# (our class, torch's class name, the constructor's options, each group's options): the
# groups differ in the rate, the decay and the algorithm's own hyper-parameters, and a group
# switches off what the constructor switches on (a momentum, amsgrad) or the other way.
CONFIGS = {
    "SGD": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.9), [
        {}, dict(lr=0.01, momentum=0.5, weight_decay=0.1, nesterov=True),
        dict(momentum=0.0, weight_decay=0.01)]),
    "SGD-dampening": (optim.SGD, "SGD", dict(lr=0.02), [
        dict(momentum=0.8, dampening=0.3), {}, dict(momentum=0.6, maximize=True, lr=0.001)]),
    "Adam": (optim.Adam, "Adam", dict(lr=0.01), [
        {}, dict(lr=0.003, betas=(0.8, 0.99), weight_decay=0.05),
        dict(eps=1e-6, amsgrad=True)]),
    "AdamW": (optim.AdamW, "AdamW", dict(lr=0.01, amsgrad=True), [
        {}, dict(lr=0.02, betas=(0.85, 0.995), weight_decay=0.1),
        dict(amsgrad=False, weight_decay=0.0)]),
    "RMSprop": (optim.RMSprop, "RMSprop", dict(lr=0.01), [
        {}, dict(alpha=0.9, momentum=0.5, lr=0.005),
        dict(centered=True, weight_decay=0.1, eps=1e-6)]),
    "Adagrad": (optim.Adagrad, "Adagrad", dict(lr=0.1, initial_accumulator_value=0.2), [
        {}, dict(lr_decay=0.01), dict(weight_decay=0.05, eps=1e-8, lr=0.05)]),
    "Adadelta": (optim.Adadelta, "Adadelta", dict(lr=1.0), [
        {}, dict(rho=0.95, lr=0.5), dict(eps=1e-5, weight_decay=0.1)]),
    "Adamax": (optim.Adamax, "Adamax", dict(lr=0.02), [
        {}, dict(betas=(0.8, 0.99)), dict(eps=1e-6, weight_decay=0.05, lr=0.01)]),
    "Nadam": (optim.Nadam, "NAdam", dict(lr=0.01), [
        {}, dict(betas=(0.85, 0.99), momentum_decay=0.01),
        dict(weight_decay=0.1, decoupled_weight_decay=True, lr=0.005)]),
}


def make_pair(name, values, options=None):
    """Our optimizer and torch's, each over its own copy of ``values``, grouped alike."""
    cls, torch_name, kwargs, default_options = CONFIGS[name]
    options = default_options if options is None else options
    ours, theirs = our_params(values), torch_params(values)
    opt = cls(grouped(ours, options), **kwargs)
    t_opt = getattr(torch.optim, torch_name)(grouped(theirs, options), **kwargs)
    return opt, ours, t_opt, theirs


def assert_same_groups(opt, t_opt):
    assert len(opt.param_groups) == len(t_opt.param_groups)
    for group, t_group in zip(opt.param_groups, t_opt.param_groups):
        for key in group:
            if key == "params":
                assert len(group["params"]) == len(t_group["params"])
            else:
                assert group[key] == t_group[key], key


# --- every optimizer against torch ----------------------------------------------------------

@pytest.mark.parametrize("name", CONFIGS)
def test_every_optimizer_with_groups_matches_torch(name):
    opt, ours, t_opt, theirs = make_pair(name, initial_values())
    assert_same_groups(opt, t_opt)
    start = [p.numpy().copy() for p in ours]
    for step in range(STEPS):
        our_step(opt, ours)
        torch_step(t_opt, theirs)
        assert_same(ours, theirs, where=f"{name} step {step}")
    assert all(np.abs(p.numpy() - s).max() > 1e-3 for p, s in zip(ours, start))


@pytest.mark.parametrize("name", CONFIGS)
def test_groups_change_the_updates(name):
    """The same run with every group's options dropped goes elsewhere, in each group that
    has options (so the comparison above checks the groups, not only the constructor)."""
    options = CONFIGS[name][3]
    opt, ours, _, _ = make_pair(name, initial_values())
    plain, plain_params, _, _ = make_pair(name, initial_values(), options=[{}, {}, {}])
    for _ in range(STEPS):
        our_step(opt, ours)
        our_step(plain, plain_params)
    for (a, b), group_options in zip(SPLIT, options):
        for p, q in zip(ours[a:b], plain_params[a:b]):
            assert np.allclose(p.numpy(), q.numpy(), rtol=1e-8, atol=0) == (not group_options)


def test_one_group_lists_every_hyper_parameter_as_torch_does():
    for name, (cls, torch_name, kwargs, _) in CONFIGS.items():
        values = initial_values()
        opt = cls(our_params(values), **kwargs)
        t_opt = getattr(torch.optim, torch_name)(torch_params(values), **kwargs)
        group, t_group = opt.param_groups[0], t_opt.param_groups[0]
        assert set(group) <= set(t_group) and len(group) >= 5, name
        assert_same_groups(opt, t_opt)


# --- the torch.optim docs' example ------------------------------------------------------------

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU())
        self.classifier = nn.Linear(8, 2)

    def forward(self, x):
        return self.classifier(self.base(x))


def test_the_docs_example_base_and_classifier_matches_torch():
    ag.set_default_dtype(ag.float64)               # conftest puts the default back
    model = Model()
    reference = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(),
                                    torch.nn.Linear(8, 8), torch.nn.ReLU(),
                                    torch.nn.Linear(8, 2)).double()
    with torch.no_grad():
        for ours, theirs in ((model.base[0], reference[0]), (model.base[2], reference[2]),
                             (model.classifier, reference[4])):
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    optimizer = optim.SGD([{"params": model.base.parameters()},
                           {"params": model.classifier.parameters(), "lr": 1e-3}],
                          lr=1e-2, momentum=0.9)
    t_optimizer = torch.optim.SGD([{"params": reference[:4].parameters()},
                                   {"params": reference[4].parameters(), "lr": 1e-3}],
                                  lr=1e-2, momentum=0.9)
    assert [g["lr"] for g in optimizer.param_groups] == [1e-2, 1e-3]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.9, 0.9]
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(16, 6)), rng.normal(size=(16, 2))
    W0 = model.base[0].weight.numpy().copy()
    for _ in range(40):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(ag.constant(x)), ag.constant(y)).backward()
        optimizer.step()
        t_optimizer.zero_grad()
        torch.nn.functional.mse_loss(reference(torch.tensor(x)), torch.tensor(y)).backward()
        t_optimizer.step()
    ours = [model.base[0].weight, model.base[0].bias, model.base[2].weight,
            model.base[2].bias, model.classifier.weight, model.classifier.bias]
    assert_same(ours, list(reference.parameters()), rtol=1e-10)
    assert np.abs(model.base[0].weight.numpy() - W0).max() > 1e-3


# --- hyper-parameters changed mid-run, groups added -------------------------------------------

@pytest.mark.parametrize("name, changes", [
    ("SGD", {10: (1, "lr", 0.1), 20: (0, "momentum", 0.3), 30: (2, "weight_decay", 0.5),
             40: (2, "momentum", 0.7)}),                      # a momentum from 0: new buffers
    ("Adam", {10: (1, "lr", 0.02), 20: (0, "betas", (0.5, 0.9)), 30: (2, "eps", 1e-3),
              40: (1, "weight_decay", 0.0)}),
    ("RMSprop", {15: (0, "lr", 0.001), 25: (1, "momentum", 0.9), 35: (2, "alpha", 0.5)}),
    # Not beta_1 nor momentum_decay: Nadam's u_1*...*u_t then follows the new schedule from
    # u_1, where torch's running product keeps the momenta of the steps taken.
    ("Nadam", {15: (1, "lr", 0.05), 25: (0, "betas", (0.9, 0.95)), 35: (2, "eps", 1e-4)}),
])
def test_a_group_changed_mid_run_takes_effect_at_the_next_step(name, changes):
    opt, ours, t_opt, theirs = make_pair(name, initial_values(1))
    for step in range(STEPS):
        if step in changes:
            k, key, value = changes[step]
            opt.param_groups[k][key] = value
            t_opt.param_groups[k][key] = value
            assert opt.param_groups[k][key] == value
        our_step(opt, ours)
        torch_step(t_opt, theirs)
        assert_same(ours, theirs, where=f"{name} step {step}")
    assert_same_groups(opt, t_opt)


def test_a_momentum_set_from_zero_on_one_group_starts_its_buffers_as_torch_does():
    values = initial_values(2)
    ours, theirs = our_params(values), torch_params(values)
    opt, t_opt = optim.SGD(ours, lr=0.05), torch.optim.SGD(theirs, lr=0.05)
    for step in range(30):
        if step == 8:
            opt.param_groups[0]["momentum"] = 0.9
            t_opt.param_groups[0]["momentum"] = 0.9
            assert opt.momentum == 0.9                  # one group: the attribute
        our_step(opt, ours)
        torch_step(t_opt, theirs)
        assert_same(ours, theirs, where=f"step {step}")
    assert sorted(opt.state_dict())[-1] == "momentum_buffers.3"


@pytest.mark.parametrize("name", ["SGD", "Adam", "Adagrad", "Nadam"])
def test_add_param_group_to_one_group_and_to_several_matches_torch(name):
    cls, torch_name, kwargs, options = CONFIGS[name]
    values = initial_values(4)
    ours, theirs = our_params(values), torch_params(values)
    opt = cls(ours[:2], **kwargs)
    t_opt = getattr(torch.optim, torch_name)(theirs[:2], **kwargs)
    for step in range(45):
        if step == 10:  # the first group's rate changed: the new group takes the default
            opt.param_groups[0]["lr"] = kwargs["lr"] / 2
            t_opt.param_groups[0]["lr"] = kwargs["lr"] / 2
            opt.add_param_group({"params": ours[2]})
            t_opt.add_param_group({"params": theirs[2]})
        if step == 25:
            opt.add_param_group({"params": [ours[3]], **options[1]})
            t_opt.add_param_group({"params": [theirs[3]], **options[1]})
        our_step(opt, ours[:len(opt.params)])
        torch_step(t_opt, theirs[:len(opt.params)])
        assert_same(ours, theirs, where=f"{name} step {step}")
    assert_same_groups(opt, t_opt)
    assert opt.param_groups[1]["lr"] == kwargs["lr"]
    assert opt.params == ours and len(opt.param_groups) == 3


def test_adagrad_sums_start_at_the_constructors_value_in_every_group_as_in_torch():
    values = initial_values(9)
    ours, theirs = our_params(values), torch_params(values)
    options = [{}, {"initial_accumulator_value": 0.5}, {"lr": 0.05}]
    opt = optim.Adagrad(grouped(ours, options)[:2], lr=0.1, initial_accumulator_value=0.2)
    t_opt = torch.optim.Adagrad(grouped(theirs, options)[:2], lr=0.1,
                                initial_accumulator_value=0.2)
    opt.add_param_group({"params": ours[3:], "initial_accumulator_value": 0.7})
    t_opt.add_param_group({"params": theirs[3:], "initial_accumulator_value": 0.7})
    assert [g["initial_accumulator_value"] for g in opt.param_groups] == [0.2, 0.5, 0.7]
    for step in range(20):
        our_step(opt, ours)
        torch_step(t_opt, theirs)
        assert_same(ours, theirs, where=f"step {step}")


# --- the schedulers with several groups ----------------------------------------------------

SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95 ** epoch)),
    ("LambdaLR", dict(lr_lambda=[lambda epoch: 0.95 ** epoch, lambda epoch: epoch // 4 + 1,
                                 lambda epoch: 1.0 / (epoch + 1)])),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=9)),
]
RATES = [0.1, 0.02, 0.5]
# The schedulers that change the rate where it stands (CosineAnnealingLR's closed form and
# LambdaLR compute it from base_lrs).
CHAINED = {"StepLR", "MultiStepLR", "ExponentialLR", "LinearLR"}
EPOCHS = 30


def scheduled_pair(name, kwargs):
    values = initial_values()
    opt = optim.SGD(grouped(our_params(values), [{"lr": r} for r in RATES]), lr=0.3)
    t_opt = torch.optim.SGD(grouped(torch_params(values), [{"lr": r} for r in RATES]),
                            lr=0.3)
    return (opt, getattr(lr_scheduler, name)(opt, **kwargs), t_opt,
            getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs))


@pytest.mark.parametrize("name, kwargs", SCHEDULERS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_every_scheduler_with_several_groups_matches_torch(name, kwargs):
    opt, scheduler, t_opt, t_scheduler = scheduled_pair(name, kwargs)
    assert scheduler.base_lrs == t_scheduler.base_lrs == RATES
    rates, t_rates = [], []
    for epoch in range(EPOCHS):
        if epoch == 12 and name in CHAINED:  # a rate set from outside carries on
            opt.param_groups[1]["lr"] = t_opt.param_groups[1]["lr"] = 0.07
        rates.append(([g["lr"] for g in opt.param_groups], scheduler.get_last_lr()))
        t_rates.append(([g["lr"] for g in t_opt.param_groups], t_scheduler.get_last_lr()))
        t_opt.step()
        scheduler.step()
        t_scheduler.step()
    if name == "CosineAnnealingLR":  # the closed form against torch's recursion
        np.testing.assert_allclose(np.array(rates), np.array(t_rates), rtol=1e-13)
    else:
        assert rates == t_rates
    assert len({tuple(r) for r, _ in rates}) > 4
    assert all(len(r) == len(last) == 3 for r, last in rates)


@pytest.mark.parametrize("min_lr", [0.001, [0.0, 0.015, 0.2]])
def test_reduce_lr_on_plateau_with_several_groups_matches_torch(min_lr):
    metrics = [1.0, 0.9, 0.9, 0.95, 0.9, 0.8, 0.85, 0.85, 0.85, 0.7, 0.75, 0.75, 0.75, 0.75,
               0.6] + [0.65] * 10
    opt, _, t_opt, _ = scheduled_pair("StepLR", dict(step_size=1000))
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, min_lr=min_lr)
    t_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, patience=1, factor=0.5,
                                                             min_lr=min_lr)
    ours, theirs = [], []
    for m in metrics:
        scheduler.step(m)
        t_scheduler.step(m)
        ours.append(([g["lr"] for g in opt.param_groups], scheduler.get_last_lr(),
                     scheduler.num_bad_epochs))
        theirs.append(([g["lr"] for g in t_opt.param_groups], t_scheduler.get_last_lr(),
                       t_scheduler.num_bad_epochs))
    assert ours == theirs
    assert ours[-1][0] != RATES


def test_scheduled_groups_train_as_torch_does():
    """StepLR over Adam's two groups: the rates each update uses are torch's."""
    values = initial_values(5)
    ours, theirs = our_params(values), torch_params(values)
    options = [{}, {"lr": 0.002}, {"lr": 0.02, "weight_decay": 0.1}]
    opt = optim.Adam(grouped(ours, options), lr=0.01)
    t_opt = torch.optim.Adam(grouped(theirs, options), lr=0.01)
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    t_scheduler = torch.optim.lr_scheduler.StepLR(t_opt, step_size=2, gamma=0.5)
    for epoch in range(8):
        for _ in range(5):
            our_step(opt, ours)
            torch_step(t_opt, theirs)
        scheduler.step()
        t_scheduler.step()
        assert scheduler.get_last_lr() == t_scheduler.get_last_lr()
        assert_same(ours, theirs, where=f"epoch {epoch}")


def test_scheduler_state_dict_with_groups_round_trip():
    lambdas = [lambda epoch: 0.9 ** epoch, lambda epoch: 1.0 / (epoch + 1), abs]
    opt, scheduler, _, _ = scheduled_pair("LambdaLR", dict(lr_lambda=lambdas))
    for _ in range(7):
        scheduler.step()
    state = scheduler.state_dict()
    assert len(state["base_lrs"]) == len(state["_last_lr"]) == 3
    fresh_opt, fresh, _, _ = scheduled_pair("LambdaLR", dict(lr_lambda=lambdas))
    fresh.load_state_dict(state)
    assert [g["lr"] for g in fresh_opt.param_groups] == [g["lr"] for g in opt.param_groups]
    for _ in range(10):
        scheduler.step()
        fresh.step()
        assert fresh.get_last_lr() == scheduler.get_last_lr()
        assert [g["lr"] for g in fresh_opt.param_groups] == scheduler.get_last_lr()
    # The state of a one-group scheduler does not fit three groups.
    one = lr_scheduler.LambdaLR(optim.SGD(our_params(initial_values()), lr=0.1), abs)
    before = fresh.state_dict()
    with pytest.raises(ValueError, match=r"base_lrs must be a list of 3 numbers \(one per "
                                         r"parameter group\) >= 0"):
        fresh.load_state_dict(one.state_dict())
    assert fresh.state_dict() == before


def test_scheduler_refusals_with_groups_change_nothing():
    opt, scheduler, _, _ = scheduled_pair("StepLR", dict(step_size=1))
    with pytest.raises(ValueError, match=r"LambdaLR: lr_lambda must be one function, or a "
                                         r"list of one per parameter group \(3\), got 2"):
        lr_scheduler.LambdaLR(opt, [abs, abs])
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau: min_lr must be one number, or "
                                         r"a list of one per parameter group \(3\)"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1])
    bad = lr_scheduler.LambdaLR(opt, [abs, lambda epoch: -1.0 if epoch == 2 else 1.0, abs])
    assert [g["lr"] for g in opt.param_groups] == [0.0, RATES[1], 0.0]    # abs(0) = 0
    bad.step()
    with pytest.raises(ValueError, match="the learning rate for epoch 2 of group 1 must be "
                                         ">= 0"):
        bad.step()
    assert bad.last_epoch == 1 and [g["lr"] for g in opt.param_groups] == RATES
    opt.add_param_group({"params": [ag.Variable([1.0])]})
    with pytest.raises(ValueError, match=r"get_lr must give one learning rate per parameter "
                                         r"group \(4\), gave 3"):
        bad.step()
    assert bad.last_epoch == 1


# --- state dicts ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CONFIGS)
def test_state_dict_with_groups_resumes_exactly(tmp_path, name):
    cls, _, kwargs, options = CONFIGS[name]
    params = our_params(initial_values(6))
    opt = cls(grouped(params, options), **kwargs)
    for step in range(20):
        if step == 12:  # what only the state dict knows: a rate changed by the code
            opt.param_groups[1]["lr"] = opt.param_groups[1]["lr"] * 0.3
            opt.param_groups[0]["weight_decay"] = 0.02
        our_step(opt, params)
    path = tmp_path / "opt.npz"
    np.savez(path, **opt.state_dict())
    copies = our_params([p.numpy() for p in params])
    resumed = cls(grouped(copies, options), **kwargs)
    resumed.load_state_dict(np.load(path))
    assert resumed.iterations == 20
    assert [dict(g, params=None) for g in resumed.param_groups] == \
        [dict(g, params=None) for g in opt.param_groups]
    for _ in range(15):
        our_step(opt, params)
        our_step(resumed, copies)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(q.numpy(), p.numpy())
    # Without the groups' part of the state the next steps go elsewhere.
    state = {k: v for k, v in np.load(path).items() if not k.startswith("param_groups.")}
    again = our_params([p.numpy() for p in copies])
    other = cls(grouped(again, options), **kwargs)
    other.load_state_dict(state)
    our_step(other, again)
    our_step(resumed, copies)
    assert not np.array_equal(again[2].numpy(), copies[2].numpy())


def test_a_one_group_state_keeps_its_names_and_loads_into_groups():
    """A state written with one group (as before groups existed) has no group entries, and
    loads into an optimizer made with the same parameters in one dict."""
    values = initial_values(7)
    params = our_params(values)
    opt = optim.Adam(params, lr=0.01)
    for _ in range(5):
        our_step(opt, params)
    state = opt.state_dict()
    assert sorted(state) == sorted(["iterations"] + [f"{name}.{i}" for i in range(4)
                                                     for name in ("exp_avgs", "exp_avg_sqs",
                                                                  "steps")])
    copies = our_params([p.numpy() for p in params])
    resumed = optim.Adam([{"params": copies}], lr=0.01)
    resumed.load_state_dict(state)
    for _ in range(5):
        our_step(opt, params)
        our_step(resumed, copies)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(q.numpy(), p.numpy())


def test_a_state_with_other_groups_is_refused_and_changes_nothing():
    opt, params, _, _ = make_pair("SGD", initial_values())
    for _ in range(3):
        our_step(opt, params)
    state = opt.state_dict()
    target, target_params, _, _ = make_pair("SGD", initial_values(8))
    our_step(target, target_params)
    before = target.state_dict()
    two_groups = optim.SGD([{"params": target_params[:3]}, {"params": target_params[3:]}],
                           lr=0.05, momentum=0.9)
    cases = [
        (two_groups, state, r"the state holds parameter groups \['0', '1', '2'\], but the "
                            r"optimizer has 2"),
        (target, {**state, "param_groups.1.momentum": np.array(1.5)},
         r"param_groups.1: momentum must be in \[0, 1\], got 1.5"),
        (target, {**state, "param_groups.2.params": np.array([2])},
         r"param_groups.2.params is \[2\], but the optimizer's group 2 holds the parameters "
         r"\[3\]"),
        (target, {k: v for k, v in state.items() if k != "param_groups.0.lr"},
         "param_groups.0.lr is missing"),
        (target, {**state, "param_groups.0.initial_lr": np.array(0.1)},
         r"unexpected names \['param_groups.0.initial_lr'\]"),
        (optim.SGD(our_params(initial_values()), lr=0.05, momentum=0.9), state,
         "the state holds parameter groups, but the optimizer has one group"),
    ]
    for optimizer, bad, message in cases:
        kept = optimizer.state_dict()
        with pytest.raises(ValueError, match=message):
            optimizer.load_state_dict(bad)
        after = optimizer.state_dict()
        assert sorted(after) == sorted(kept)
        for key in kept:
            np.testing.assert_array_equal(after[key], kept[key], err_msg=key)
    after = target.state_dict()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)


# --- refusals ---------------------------------------------------------------------------------

def test_constructor_refusals():
    a, b, c = our_params(initial_values()[:3])
    cases = [
        (lambda: optim.SGD([{"params": [a, b]}, {"params": [b, c]}], lr=0.1), ValueError,
         "SGD: parameter group 1: some parameters appear in more than one parameter group"),
        (lambda: optim.SGD([{"params": [a]}, {"params": [b], "momentun": 0.9}], lr=0.1),
         ValueError, r"SGD: parameter group 1: unknown keys \['momentun'\] in the parameter "
                     r"group; SGD's are \['params', 'lr', 'momentum'"),
        (lambda: optim.Adam([{"params": [a]}, {"lr": 0.1}]), KeyError,
         "Adam: parameter group 1: the parameter group has no 'params'"),
        (lambda: optim.SGD([{"params": [a]}, b], lr=0.1), TypeError,
         r"params\[1\] is Variable but params\[0\] is dict"),
        (lambda: optim.SGD([a, {"params": [b]}], lr=0.1), TypeError,
         r"params\[1\] is dict but params\[0\] is Variable"),
        (lambda: optim.SGD([{"params": {a, b}}], lr=0.1), TypeError,
         "ordered collections"),
        (lambda: optim.SGD([{"params": [a]}, {"params": [b], "momentum": 1.5}], lr=0.1),
         ValueError, r"SGD: parameter group 1: momentum must be in \[0, 1\], got 1.5"),
        (lambda: optim.SGD([{"params": [a], "nesterov": True}], lr=0.1), ValueError,
         "parameter group 0: Nesterov momentum requires a momentum"),
        (lambda: optim.Adam([{"params": [a], "betas": (0.9, 1.0)}]), ValueError,
         r"Adam: parameter group 0: beta_2 must be in \[0, 1\)"),
        (lambda: optim.SGD([{"params": [a], "lr": optim.ExponentialDecay(0.1, 10, 0.5)}]),
         TypeError, "a parameter group's lr must be a number"),
        (lambda: optim.SGD([{"params": [np.zeros(2)]}], lr=0.1), TypeError,
         r"parameter group 0: 'params'\[0\]: expected a Value"),
    ]
    for make, error, message in cases:
        with pytest.raises(error, match=message):
            make()


def run_state(opt, params):
    return ([p.numpy().copy() for p in params], opt.state_dict(),
            [dict(g, params=[id(p) for p in g["params"]]) for g in opt.param_groups],
            opt.iterations)


def assert_same_state(a, b):
    (values_a, state_a, groups_a, it_a), (values_b, state_b, groups_b, it_b) = a, b
    for x, y in zip(values_a, values_b):
        np.testing.assert_array_equal(x, y)
    assert sorted(state_a) == sorted(state_b)
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key], err_msg=key)
    assert groups_a == groups_b and it_a == it_b


@pytest.mark.parametrize("refused, error, message", [
    (lambda opt, ps, new: opt.add_param_group({"params": [new, ps[1]]}), ValueError,
     "some parameters appear in more than one parameter group"),
    (lambda opt, ps, new: opt.add_param_group({"params": [new], "lr": 0.1, "betas": 0.9}),
     ValueError, r"unknown keys \['betas'\]"),
    (lambda opt, ps, new: opt.add_param_group({"lr": 0.1}), KeyError, "has no 'params'"),
    (lambda opt, ps, new: opt.add_param_group([new]), TypeError,
     "param_group must be a dict, but got list"),
    (lambda opt, ps, new: opt.add_param_group({"params": [new], "momentum": -0.5}),
     ValueError, "SGD.add_param_group: momentum must be in"),
    (lambda opt, ps, new: opt.param_groups[1].__setitem__("momentum", 2.0), ValueError,
     r"SGD.param_groups\[1\]: momentum must be in \[0, 1\], got 2.0"),
    (lambda opt, ps, new: opt.param_groups[2].__setitem__("lr", -1.0), ValueError,
     r"SGD.param_groups\[2\]: \['lr'\] must be >= 0"),
    (lambda opt, ps, new: opt.param_groups[0].__setitem__("initial_lr", 0.1), KeyError,
     "has no 'initial_lr' to set"),
    (lambda opt, ps, new: opt.param_groups[0].__setitem__("params", [new]), TypeError,
     "read only"),
    (lambda opt, ps, new: setattr(opt, "learning_rate", 0.5), TypeError,
     "has 3 parameter groups, each with its own learning rate"),
    (lambda opt, ps, new: opt.apply_gradients([(np.ones(1), new)]), ValueError,
     "is in none of the optimizer's 3 parameter groups"),
])
def test_refusals_change_nothing(refused, error, message):
    opt, params, _, _ = make_pair("SGD", initial_values())
    twin, twin_params, _, _ = make_pair("SGD", initial_values())
    for _ in range(4):
        our_step(opt, params)
        our_step(twin, twin_params)
    new = ag.Variable([1.0], dtype=ag.float64)
    before = run_state(opt, params)
    with pytest.raises(error, match=message):
        refused(opt, params, new)
    assert_same_state(run_state(opt, params), before)
    assert opt.momentum == 0.9 and opt.learning_rate == 0.05 and len(opt.params) == 4
    for _ in range(3):                      # and training goes on as if never tried
        our_step(opt, params)
        our_step(twin, twin_params)
    for p, q in zip(params, twin_params):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_keras_style_is_unchanged_and_refuses_groups():
    w = ag.Variable([1.0, 2.0])
    opt = optim.SGD(0.1, momentum=0.9)
    assert opt.param_groups[0].keys() == ["params", "lr"]
    with pytest.raises(TypeError, match="SGD.add_param_group: parameter groups are "
                                        "PyTorch's, and this optimizer was made without"):
        opt.add_param_group({"params": [w]})
    opt.apply_gradients([(np.array([1.0, 1.0]), w)])
    assert opt.params == [w] and len(opt.param_groups) == 1
    np.testing.assert_allclose(w.numpy(), [0.9, 1.9])
    with pytest.raises(KeyError, match="has no 'momentum' to set"):
        opt.param_groups[0]["momentum"] = 0.5
    assert sorted(opt.state_dict()) == ["iterations", "velocities.0"]


def test_with_groups_the_attributes_stay_the_constructors():
    opt, params, _, _ = make_pair("Adam", initial_values())
    our_step(opt, params)
    assert (opt.learning_rate, opt.beta_1, opt.weight_decay, opt.amsgrad) == \
        (0.01, 0.9, 0.0, False)
    assert opt.get_config()["learning_rate"] == 0.01
    assert math.isclose(opt.param_groups[1]["lr"], 0.003)


def test_a_model_compiled_with_groups_saves_and_resumes_exactly(tmp_path):
    """model.save keeps the groups, each one's settings as they stand (a rate changed
    mid-run), and the optimizer's state: fit after load_model continues the run."""
    def make():
        ag.manual_seed(0)
        model = nn.Sequential([nn.Input((4,)), nn.Dense(8, activation="relu", seed=1),
                               nn.Dense(1, seed=2)])
        first, last = model.layers
        model.compile(optim.SGD([{"params": first.parameters()},
                                 {"params": last.parameters(), "lr": 0.001}],
                                lr=0.01, momentum=0.9), "mse")
        return model

    x = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    whole = make()
    whole.fit(x, y, epochs=2, shuffle=False, verbose=0)
    whole.optimizer.param_groups[0]["lr"] = 0.005
    whole.fit(x, y, epochs=2, shuffle=False, verbose=0)
    half = make()
    half.fit(x, y, epochs=2, shuffle=False, verbose=0)
    half.optimizer.param_groups[0]["lr"] = 0.005
    half.save(tmp_path / "m.keras")
    loaded = nn.load_model(tmp_path / "m.keras")
    assert [g["lr"] for g in loaded.optimizer.param_groups] == [0.005, 0.001]
    loaded.fit(x, y, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(whole.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
