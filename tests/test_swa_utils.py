"""nn.swa_utils / optim.swa_utils (PyTorch's torch.optim.swa_utils) against torch 2.13's, in
float64: the example of torch.optim's docs ("Weight Averaging (SWA and EMA)"), a small
model with BatchNorm trained with SGD, CosineAnnealingLR then SWALR, averaged by
AveragedModel, with update_bn at the end; from the same initial weights and data, the
averaged weights, the BatchNorm statistics, the learning rates and the predictions are
torch's. EMA with get_ema_multi_avg_fn(0.999) likewise, and SWALR alone, and the refusals.
"""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.swa_utils import AveragedModel, SWALR, get_ema_multi_avg_fn, update_bn

torch = pytest.importorskip("torch", reason="swa_utils is checked against torch's")


@pytest.fixture(autouse=True)
def float64():
    ours, theirs = ag.get_default_dtype(), torch.get_default_dtype()
    ag.set_default_dtype(np.float64)
    torch.set_default_dtype(torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    ag.set_default_dtype(ours)
    torch.set_default_dtype(theirs)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn, self.fc2 = nn.Linear(3, 6), nn.BatchNorm1d(6), nn.Linear(6, 1)

    def forward(self, x):
        return self.fc2(ag.relu(self.bn(self.fc1(x))))


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn = torch.nn.Linear(3, 6), torch.nn.BatchNorm1d(6)
        self.fc2 = torch.nn.Linear(6, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


def twins(seed=0):
    """Ours and torch's Net with the same weights, and 4 batches of (x, y)."""
    torch.manual_seed(seed)
    theirs, ours = TorchNet(), Net()
    weights = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        p.assign(weights[name].detach().numpy())
    rng = np.random.default_rng(seed)
    batches = [(rng.normal(size=(8, 3)), rng.normal(size=(8, 1))) for _ in range(4)]
    return ours, theirs, batches


def train_epoch(model, optimizer, batches, is_torch):
    for x, y in batches:
        optimizer.zero_grad()
        if is_torch:
            loss = ((model(torch.tensor(x)) - torch.tensor(y)) ** 2).mean()
        else:
            loss = ag.mean((model(ag.constant(x)) - ag.constant(y)) ** 2)
        loss.backward()
        optimizer.step()


def named_state(model, is_torch):
    """Every parameter and buffer by name, as numpy arrays."""
    if is_torch:
        return {k: v.detach().numpy().astype(np.float64) for k, v in model.state_dict().items()}
    return {k: np.asarray(v.data, np.float64) for k, v in
            model.named_parameters() + model.named_buffers()}


def the_docs_example(model, batches, lib, swa, is_torch, epochs=12, swa_start=5):
    """torch.optim's docs example, written once for both libraries; gives the averaged
    model and the learning rate of each epoch."""
    optimizer = lib.SGD(model.parameters(), lr=0.1, momentum=0.9)
    swa_model = swa.AveragedModel(model)
    scheduler = lib.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
    swa_scheduler = swa.SWALR(optimizer, swa_lr=0.05, anneal_epochs=3)
    lrs = []
    for epoch in range(epochs):
        train_epoch(model, optimizer, batches, is_torch)
        if epoch > swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
        lrs.append([g["lr"] for g in optimizer.param_groups])
    loader = [(torch.tensor(x) if is_torch else ag.constant(x), y) for x, y in batches]
    swa.update_bn(loader, swa_model)
    return swa_model, lrs


def test_the_docs_swa_example_gives_torchs_weights_statistics_and_rates():
    ours, theirs, batches = twins()
    ours_swa, ours_lrs = the_docs_example(ours, batches, optim, nn.swa_utils, False)
    theirs_swa, theirs_lrs = the_docs_example(theirs, batches, torch.optim,
                                              torch.optim.swa_utils, True)
    assert np.allclose(ours_lrs, theirs_lrs, rtol=1e-12, atol=0)
    mine, torchs = named_state(ours_swa, False), named_state(theirs_swa, True)
    assert set(mine) == set(torchs)   # module.fc1.weight ..., n_averaged
    for name in torchs:
        assert np.allclose(mine[name], torchs[name], rtol=1e-9, atol=1e-12), name
    assert mine["n_averaged"] == 6 and mine["module.bn.num_batches_tracked"] == 4
    # the statistics are the averaged weights' own, not the trained model's
    assert not np.allclose(mine["module.bn.running_mean"],
                           named_state(ours, False)["bn.running_mean"])
    assert ours_swa.module.bn.momentum == 0.1 and ours_swa.training   # restored
    x = batches[0][0]
    ours_swa.eval()
    theirs_swa.eval()
    with torch.no_grad():
        expected = theirs_swa(torch.tensor(x)).numpy()
    assert np.allclose(ours_swa(ag.constant(x)).numpy(), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("use_buffers", [False, True])
def test_ema_with_get_ema_multi_avg_fn_is_torchs(use_buffers):
    ours, theirs, batches = twins(seed=3)
    ours_ema = AveragedModel(ours, multi_avg_fn=get_ema_multi_avg_fn(0.999),
                             use_buffers=use_buffers)
    theirs_ema = torch.optim.swa_utils.AveragedModel(
        theirs, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.999),
        use_buffers=use_buffers)
    ours_opt = optim.SGD(ours.parameters(), lr=0.05)
    theirs_opt = torch.optim.SGD(theirs.parameters(), lr=0.05)
    for _ in range(15):
        train_epoch(ours, ours_opt, batches, False)
        train_epoch(theirs, theirs_opt, batches, True)
        ours_ema.update_parameters(ours)
        theirs_ema.update_parameters(theirs)
    mine, torchs = named_state(ours_ema, False), named_state(theirs_ema, True)
    for name in torchs:
        if use_buffers and name == "module.bn.num_batches_tracked":
            # torch's is an int64, whose average it truncates; ours a float (nn.BatchNorm1d)
            assert mine[name] > torchs[name] == np.trunc(torchs[name])
            continue
        assert np.allclose(mine[name], torchs[name], rtol=1e-9, atol=1e-12), name
    # the EMA is not the model: 0.999 keeps it near the first weights
    assert not np.allclose(mine["module.fc1.weight"], named_state(ours, False)["fc1.weight"])


def test_avg_fn_takes_the_place_of_the_default_as_torchs():
    ours, theirs, batches = twins(seed=5)
    ours_avg = AveragedModel(ours, avg_fn=nn.swa_utils.get_ema_avg_fn(0.9))
    theirs_avg = torch.optim.swa_utils.AveragedModel(
        theirs, avg_fn=torch.optim.swa_utils.get_ema_avg_fn(0.9))
    ours_opt = optim.SGD(ours.parameters(), lr=0.05)
    theirs_opt = torch.optim.SGD(theirs.parameters(), lr=0.05)
    for _ in range(5):
        train_epoch(ours, ours_opt, batches, False)
        train_epoch(theirs, theirs_opt, batches, True)
        ours_avg.update_parameters(ours)
        theirs_avg.update_parameters(theirs)
    mine, torchs = named_state(ours_avg, False), named_state(theirs_avg, True)
    for name in torchs:
        assert np.allclose(mine[name], torchs[name], rtol=1e-12, atol=1e-14), name


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.2], anneal_epochs=4,
                                                            anneal_strategy="linear"),
                                    dict(swa_lr=0.01, anneal_epochs=0)])
def test_swalr_after_multiplicative_lr_is_torchs(kwargs):
    """torch's SWALR docs: MultiplicativeLR until swa_start, then SWALR."""
    def run(lib, params):
        opt = lib.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, (0.1, 0.3))], lr=0.1)
        scheduler = lib.lr_scheduler.MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.9)
        swa_scheduler = (optim.swa_utils if lib is optim else torch.optim.swa_utils).SWALR(
            opt, **kwargs)
        lrs = []
        for i in range(20):
            (swa_scheduler if i > 6 else scheduler).step()
            lrs.append([g["lr"] for g in opt.param_groups])
        state = swa_scheduler.state_dict()
        return lrs, state["_step_count"]
    ours = run(optim, [ag.Variable([1.0]), ag.Variable([2.0])])
    theirs = run(torch.optim, [torch.zeros(1, requires_grad=True) for _ in range(2)])
    assert np.allclose(ours[0], theirs[0], rtol=1e-12, atol=0) and ours[1] == theirs[1]


def test_refusals_name_the_function_and_change_nothing():
    model = Net()
    with pytest.raises(ValueError, match="AveragedModel: Only one of avg_fn and multi_avg_fn"):
        AveragedModel(model, avg_fn=nn.swa_utils.get_swa_avg_fn(),
                      multi_avg_fn=nn.swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(TypeError, match="AveragedModel: avg_fn"):
        AveragedModel(model, avg_fn=0.9)
    with pytest.raises(ValueError, match="get_ema_multi_avg_fn: decay"):
        get_ema_multi_avg_fn(1.5)
    averaged = AveragedModel(model)
    before = named_state(averaged, False)
    other = nn.Linear(3, 6)
    with pytest.raises(ValueError, match="AveragedModel.update_parameters: the model has"):
        averaged.update_parameters(other)
    assert all(np.array_equal(before[k], v) for k, v in named_state(averaged, False).items())
    opt = optim.SGD(model.parameters(), lr=0.1)
    for bad, error, name in ((dict(swa_lr=-1.0), ValueError, "swa_lr"),
                             (dict(swa_lr=0.1, anneal_epochs=2.5), ValueError, "anneal_epochs"),
                             (dict(swa_lr=0.1, anneal_strategy="step"), ValueError,
                              "anneal_strategy")):
        with pytest.raises(error, match=f"SWALR: {name}"):
            SWALR(opt, **bad)
        assert opt.param_groups[0]["lr"] == 0.1


def test_update_bn_puts_everything_back_when_the_model_fails():
    model = Net()
    model.bn.running_mean.assign(np.full(6, 3.0))
    model.eval()
    with pytest.raises(ValueError):
        update_bn([ag.constant(np.ones((4, 3))), ag.constant(np.ones((4, 5)))], model)
    assert np.array_equal(model.bn.running_mean.numpy(), np.full(6, 3.0))
    assert model.bn.momentum == 0.1 and not model.training
