"""PyTorch's loss modules (nn/torch_losses.py) against torch.nn's: values, gradients and
second derivatives in float64, over random shapes and PyTorch's arguments; and PyTorch's
quickstart model and training loop, ported by renaming."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import optim
from derivatives import compare_with_torch

torch = pytest.importorskip("torch")

REDUCTIONS = ("mean", "sum", "none")
FAST = settings(max_examples=25, deadline=None)


def logits_and_labels(rng, n, classes, extra=()):
    x = rng.normal(size=(n, classes, *extra)) * 2
    t = rng.integers(0, classes, size=(n, *extra))
    return x, t


@FAST
@given(n=st.integers(1, 5), classes=st.integers(2, 5), extra=st.sampled_from([(), (3,), (2, 2)]),
       reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans(),
       ignore=st.booleans(), smoothing=st.sampled_from([0.0, 0.1, 1.0]),
       seed=st.integers(0, 2**16))
def test_cross_entropy_with_class_targets(n, classes, extra, reduction, weighted, ignore,
                                          smoothing, seed):
    rng = np.random.default_rng(seed)
    x, t = logits_and_labels(rng, n, classes, extra)
    if ignore:
        t.flat[0] = 7  # counts for nothing, whatever the number of classes
        t.flat[-1] = t.flat[-1] if t.size > 1 else 0  # at least one counted target
    weight = rng.uniform(0.5, 2, classes) if weighted else None
    ours = nn.CrossEntropyLoss(weight=weight, ignore_index=7, reduction=reduction,
                               label_smoothing=smoothing)
    theirs = torch.nn.CrossEntropyLoss(
        weight=None if weight is None else torch.tensor(weight), ignore_index=7,
        reduction=reduction, label_smoothing=smoothing)
    compare_with_torch(lambda v: ours(v, t), lambda v: theirs(v, torch.tensor(t)), x,
                       rtol=1e-9, atol=1e-12)


@FAST
@given(n=st.integers(1, 4), classes=st.integers(2, 5), extra=st.sampled_from([(), (3,)]),
       reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.2]), seed=st.integers(0, 2**16))
def test_cross_entropy_with_probability_targets(n, classes, extra, reduction, weighted,
                                                smoothing, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, classes, *extra))
    p = rng.dirichlet(np.ones(classes), size=(n, *extra))
    p = np.moveaxis(p, -1, 1)  # classes on axis 1
    weight = rng.uniform(0.5, 2, classes) if weighted else None
    ours = nn.CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=smoothing)
    theirs = torch.nn.CrossEntropyLoss(
        weight=None if weight is None else torch.tensor(weight), reduction=reduction,
        label_smoothing=smoothing)
    compare_with_torch(lambda v: ours(v, p), lambda v: theirs(v, torch.tensor(p)), x,
                       rtol=1e-9, atol=1e-12)


def test_cross_entropy_of_one_unbatched_example():
    x, t = np.array([0.5, -1.0, 2.0]), np.array(2)
    for reduction in REDUCTIONS:
        compare_with_torch(lambda v: nn.CrossEntropyLoss(reduction=reduction)(v, t),
                           lambda v: torch.nn.CrossEntropyLoss(reduction=reduction)(
                               v, torch.tensor(t)), x)


def test_the_common_case_is_the_fused_op():
    x, t = logits_and_labels(np.random.default_rng(0), 4, 3)
    loss = nn.CrossEntropyLoss()(ag.Value(x), t)
    assert type(loss.op).__name__ == "SoftmaxCrossEntropy"


@FAST
@given(n=st.integers(1, 5), classes=st.integers(2, 5), reduction=st.sampled_from(REDUCTIONS),
       weighted=st.booleans(), seed=st.integers(0, 2**16))
def test_nll_loss_of_log_softmax(n, classes, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    x, t = logits_and_labels(rng, n, classes)
    if n > 1:
        t[0] = -100  # PyTorch's default ignore_index (one target still counts)
    weight = rng.uniform(0.5, 2, classes) if weighted else None
    ours = nn.NLLLoss(weight=weight, reduction=reduction)
    theirs = torch.nn.NLLLoss(weight=None if weight is None else torch.tensor(weight),
                              reduction=reduction)
    compare_with_torch(lambda v: ours(ag.log_softmax(v, axis=1), t),
                       lambda v: theirs(torch.log_softmax(v, 1), torch.tensor(t)), x,
                       rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_every_target_ignored_gives_nan_as_pytorch():
    x = np.zeros((2, 3))
    t = np.array([-100, -100])
    ours = float(nn.CrossEntropyLoss(weight=np.ones(3))(ag.Value(x), t))
    theirs = float(torch.nn.CrossEntropyLoss(weight=torch.ones(3, dtype=torch.float64))(
        torch.tensor(x), torch.tensor(t)))
    assert np.isnan(ours) and np.isnan(theirs)


SHAPES = st.sampled_from([(3,), (2, 3), (2, 1, 4)])


@FAST
@given(shape=SHAPES, reduction=st.sampled_from(REDUCTIONS), seed=st.integers(0, 2**16),
       which=st.sampled_from(["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss"]),
       param=st.sampled_from([None, 0.5, 2.0]))
def test_pointwise_losses(shape, reduction, seed, which, param):
    rng = np.random.default_rng(seed)
    x, t = rng.normal(size=shape), rng.normal(size=shape)
    kwargs = {"reduction": reduction}
    if param is not None and which in ("HuberLoss", "SmoothL1Loss"):
        kwargs["delta" if which == "HuberLoss" else "beta"] = param
    ours, theirs = getattr(nn, which)(**kwargs), getattr(torch.nn, which)(**kwargs)
    # second derivatives: |d| has none at d = 0, which random normals never hit
    compare_with_torch(lambda v: ours(v, t), lambda v: theirs(v, torch.tensor(t)), x)


def test_smooth_l1_with_beta_zero_is_l1():
    x, t = np.array([0.3, -2.0, 1.5]), np.array([0.0, 0.5, 1.5 + 1e-3])
    compare_with_torch(lambda v: nn.SmoothL1Loss(beta=0.0)(v, t),
                       lambda v: torch.nn.SmoothL1Loss(beta=0.0)(v, torch.tensor(t)), x,
                       second=False)


@FAST
@given(shape=SHAPES, reduction=st.sampled_from(REDUCTIONS), seed=st.integers(0, 2**16),
       weighted=st.booleans())
def test_binary_cross_entropy_on_probabilities(shape, reduction, seed, weighted):
    rng = np.random.default_rng(seed)
    p, t = rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    w = rng.uniform(0.5, 2, shape[-1:]) if weighted else None
    ours = nn.BCELoss(weight=w, reduction=reduction)
    theirs = torch.nn.BCELoss(weight=None if w is None else torch.tensor(w),
                              reduction=reduction)
    compare_with_torch(lambda v: ours(v, t), lambda v: theirs(v, torch.tensor(t)), p)


def test_binary_cross_entropy_at_zero_and_one_is_finite_as_pytorch():
    p, t = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    v = ag.Value(p)
    loss = nn.BCELoss(reduction="none")(v, t)
    expected = torch.nn.BCELoss(reduction="none")(torch.tensor(p), torch.tensor(t)).numpy()
    np.testing.assert_allclose(loss.data, expected, rtol=1e-6)  # 0, 0, 100, 100
    loss.sum().backward()
    assert np.all(np.isfinite(v.grad))


def test_binary_cross_entropy_refuses_logits():
    with pytest.raises(ValueError, match="BCELoss: input must hold probabilities.*"
                                         "BCEWithLogitsLoss"):
        nn.BCELoss()(ag.Value(np.array([2.0, -1.0])), np.array([1.0, 0.0]))


@FAST
@given(shape=SHAPES, reduction=st.sampled_from(REDUCTIONS), seed=st.integers(0, 2**16),
       weighted=st.booleans(), positive=st.booleans())
def test_binary_cross_entropy_with_logits(shape, reduction, seed, weighted, positive):
    rng = np.random.default_rng(seed)
    x, t = rng.normal(size=shape) * 3, rng.integers(0, 2, shape).astype(float)
    w = rng.uniform(0.5, 2, shape[-1:]) if weighted else None
    pw = rng.uniform(0.5, 3, shape[-1:]) if positive else None
    ours = nn.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pw)
    theirs = torch.nn.BCEWithLogitsLoss(
        weight=None if w is None else torch.tensor(w), reduction=reduction,
        pos_weight=None if pw is None else torch.tensor(pw))
    compare_with_torch(lambda v: ours(v, t), lambda v: theirs(v, torch.tensor(t)), x,
                       rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("make, args, message", [
    (lambda: nn.CrossEntropyLoss(), (np.zeros((2, 3)), np.array([0, 3])),
     "CrossEntropyLoss: target 3 is out of bounds for 3 classes"),
    (lambda: nn.CrossEntropyLoss(), (np.zeros((2, 3)), np.array([0, 1, 2])),
     r"class targets for input of shape \(2, 3\).*must have shape \(2,\), got \(3,\)"),
    (lambda: nn.CrossEntropyLoss(), (np.zeros((2, 3)), np.array([0.5, 0.5])),
     r"CrossEntropyLoss: target of shape \(2,\) does not match input of shape \(2, 3\)"),
    (lambda: nn.CrossEntropyLoss(weight=np.ones(4)), (np.zeros((2, 3)), np.array([0, 1])),
     "weight has 4 entries for input with 3 classes"),
    (lambda: nn.MSELoss(), (np.zeros((2, 3)), np.zeros((3, 2))),
     r"MSELoss: target of shape \(3, 2\) does not match input of shape \(2, 3\)"),
    (lambda: nn.NLLLoss(), (np.zeros((2, 3)), np.array([0.0, 1.0])),
     "NLLLoss: class targets must be integers"),
])
def test_refusals_name_the_loss_and_the_shapes(make, args, message):
    x, t = args
    v = ag.Value(x)
    with pytest.raises((ValueError, IndexError, TypeError), match=message):
        make()(v, t)
    assert v.grad is None


@pytest.mark.parametrize("make, message", [
    (lambda: nn.MSELoss(reduction="avg"), "reduction must be 'mean', 'sum' or 'none'"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), "label_smoothing must be in"),
    (lambda: nn.HuberLoss(delta=0), "delta must be a number > 0"),
    (lambda: nn.SmoothL1Loss(beta=-1), "beta must be a number >= 0"),
    (lambda: nn.CrossEntropyLoss(ignore_index=1.5), "ignore_index must be an integer"),
])
def test_bad_arguments_are_refused_when_made(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


# --- PyTorch's quickstart (pytorch.org/tutorials/beginner/basics/quickstart_tutorial),
# renamed: torch -> autograd_core, torch.nn -> nn, torch.optim -> optim --------------------


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def test_pytorch_quickstart_ports_by_renaming_and_trains_as_pytorch():
    rng = np.random.default_rng(0)
    X = rng.random((64, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    device = ag.device("cpu")
    model = NeuralNetwork().to(device)
    assert len(model.linear_relu_stack) == 5
    reference = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    with torch.no_grad():  # the same starting weights
        for i, j in ((0, 1), (2, 3), (4, 5)):
            layer = model.linear_relu_stack[i]
            reference[j].weight.copy_(torch.from_numpy(layer.weight.data))
            reference[j].bias.copy_(torch.from_numpy(layer.bias.data))

    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=1e-1)
    t_loss_fn = torch.nn.CrossEntropyLoss()
    t_optimizer = torch.optim.SGD(reference.parameters(), lr=1e-1)
    model.train()
    for _ in range(3):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        t_loss = t_loss_fn(reference(torch.from_numpy(X)), torch.from_numpy(y))
        t_loss.backward()
        t_optimizer.step()
        t_optimizer.zero_grad()
        assert loss.item() == pytest.approx(t_loss.item(), rel=1e-5)

    model.eval()
    with ag.no_grad():
        pred = model(X)
        correct = (pred.argmax(1) == y).astype(float).sum().item()
        t_correct = (reference(torch.from_numpy(X)).argmax(1) == torch.from_numpy(y)).type(
            torch.float).sum().item()
    assert correct == t_correct


def test_sequential_takes_pytorchs_modules_and_keras_list_alike():
    torch_style = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    keras_style = nn.Sequential([nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)], "stack")
    keyword = nn.Sequential(layers=[nn.Linear(3, 4)], name="kw")
    assert len(torch_style) == len(keras_style) == 3 and len(keyword) == 1
    assert keras_style.name == "stack" and keyword.name == "kw"
    assert [n for n, _ in torch_style.named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert torch_style(np.ones((5, 3), np.float32)).shape == (5, 2)
    assert isinstance(torch_style[1:], nn.Sequential) and len(torch_style[1:]) == 2


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Sequential(nn.Linear(3, 4), layers=[nn.ReLU()]), "either as arguments"),
    (lambda: nn.Sequential([nn.Linear(3, 4)], [nn.ReLU()]), "give a list of layers"),
    (lambda: nn.Sequential({"fc": nn.Linear(3, 4)}, nn.ReLU()), "one OrderedDict"),
    (lambda: nn.Sequential({"fc": "relu"}), "'fc' must name a Module"),
    (lambda: nn.Sequential(nn.Linear(3, 4), "relu"), "expected a layer"),
])
def test_sequential_refuses_what_it_cannot_take(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_sequential_of_an_ordered_dict_names_its_layers_as_pytorch():
    # torch.nn.Sequential's docstring example, ported by renaming
    from collections import OrderedDict
    ag.manual_seed(0)
    model = nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 20, 5)),
        ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(20, 64, 5)),
        ("relu2", nn.ReLU()),
    ]))
    reference = torch.nn.Sequential(OrderedDict([
        ("conv1", torch.nn.Conv2d(1, 20, 5)), ("relu1", torch.nn.ReLU()),
        ("conv2", torch.nn.Conv2d(20, 64, 5)), ("relu2", torch.nn.ReLU())])).double()
    assert list(model.state_dict()) == list(reference.state_dict())
    assert model.conv1 is model[0] and model.relu2 is model[3]
    model.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(2, 1, 12, 12))
    np.testing.assert_allclose(model(x.astype(np.float32)).numpy(),
                               reference(torch.tensor(x)).detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    # slicing keeps the names; append takes the next position, as PyTorch
    assert list(model[2:].state_dict()) == ["conv2.weight", "conv2.bias"]
    assert model.append(nn.Flatten()) is model and model._names[-1] == "4"
    with pytest.raises(AttributeError, match="conv3"):
        model.conv3


@pytest.mark.parametrize("key", ["", "a.b", 3])
def test_sequential_refuses_bad_layer_names(key):
    with pytest.raises(ValueError, match="layer names"):
        nn.Sequential({key: nn.ReLU()})


def test_sequential_of_an_ordered_dict_saves_and_loads_its_names(tmp_path):
    from collections import OrderedDict
    model = nn.Sequential(OrderedDict(fc1=nn.Linear(3, 4), act=nn.ReLU(), fc2=nn.Linear(4, 2)))
    x = np.ones((2, 3), np.float32)
    y = model(x).numpy()
    model.save(tmp_path / "m.keras")
    loaded = nn.load_model(tmp_path / "m.keras")
    assert list(loaded.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    np.testing.assert_allclose(loaded(x).numpy(), y)


def test_module_to_converts_every_float_weight_and_knows_one_device():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNormalization(), nn.Linear(4, 2))
    model(np.ones((2, 3), np.float32))
    assert model.to("cpu") is model and model.cpu() is model
    assert model.double() is model
    assert {v.dtype for v in model.parameters()} == {np.dtype(np.float64)}
    assert model(np.ones((2, 3))).dtype == np.float64
    model.to(ag.float32)
    assert {v.dtype for v in model.parameters()} == {np.dtype(np.float32)}
    before = [v.data.copy() for v in model.parameters()]
    with pytest.raises(ValueError, match="CPU only"):
        model.to("cuda")
    with pytest.raises(TypeError, match="weights can only take a float dtype"):
        model.to(ag.int64)
    for b, v in zip(before, model.parameters()):
        assert v.dtype == np.float32 and np.array_equal(b, v.data)
