"""nn.functional, PyTorch's torch.nn.functional: each function against torch's in float64
(values, gradients and double-backward Hessian-vector products) over random shapes and
arguments, what it does not support refused by name, and PyTorch's MNIST example
(pytorch/examples, mnist/main.py) ported by renaming."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F
import optim
from derivatives import compare_with_torch

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FAST = settings(max_examples=20, deadline=None)
SHAPES = st.sampled_from([(3,), (2, 4), (2, 3, 2)])

ACTIVATIONS = [
    ("relu", lambda f, x: f.relu(x)),
    ("relu6", lambda f, x: f.relu6(x)),
    ("leaky_relu default slope", lambda f, x: f.leaky_relu(x)),
    ("leaky_relu", lambda f, x: f.leaky_relu(x, negative_slope=0.3)),
    ("elu", lambda f, x: f.elu(x, alpha=0.7)),
    ("selu", lambda f, x: f.selu(x)),
    ("gelu", lambda f, x: f.gelu(x)),
    ("gelu tanh", lambda f, x: f.gelu(x, approximate="tanh")),
    ("silu", lambda f, x: f.silu(x)),
    ("sigmoid", lambda f, x: f.sigmoid(x)),
    ("tanh", lambda f, x: f.tanh(x)),
    ("softplus", lambda f, x: f.softplus(x)),
    ("softplus beta threshold", lambda f, x: f.softplus(x, beta=2.0, threshold=3.0)),
    ("softsign", lambda f, x: f.softsign(x)),
    ("logsigmoid", lambda f, x: f.logsigmoid(x)),
    ("hardsigmoid", lambda f, x: f.hardsigmoid(x)),
    ("softmax", lambda f, x: f.softmax(x, dim=-1)),
    ("softmax dim 0", lambda f, x: f.softmax(x, dim=0)),
    ("log_softmax", lambda f, x: f.log_softmax(x, dim=-1)),
]


@FAST
@given(shape=SHAPES, seed=st.integers(0, 2**16), scale=st.sampled_from([1.0, 4.0]))
@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations_match_torch(name, fn, shape, seed, scale):
    x = np.random.default_rng(seed).normal(size=shape) * scale
    # away from the kinks (0 for relu, 6 for relu6, +-3 for hardsigmoid), where the
    # one-sided derivatives are conventions
    x = np.where(np.abs(x) < 1e-3, 0.5, x)
    x = np.where(np.abs(np.abs(x) - 3) < 1e-3, 2.5, x)
    x = np.where(np.abs(x - 6) < 1e-3, 5.5, x)
    # PyTorch's hardsigmoid backward multiplies by 1.0f / 6.0f, a float32 constant, even
    # in float64: its gradient is 3e-8 off g / 6, ours is not; and it has no double
    # backward (ours is 0, a piecewise-linear function's)
    hard = name == "hardsigmoid"
    compare_with_torch(lambda v: fn(F, v), lambda t: fn(TF, t), x, rtol=1e-7 if hard else 1e-9,
                       atol=1e-12, second=not hard)


def test_softmax_dtype_casts_first_and_inplace_changes_nothing():
    x = ag.Value(np.array([[1.0, 2.0, 3.0]], np.float64))
    assert F.softmax(x, dim=1, dtype=np.float32).dtype == np.float32
    assert F.log_softmax(x, 1, np.float32).dtype == np.float32
    y = F.relu(x, inplace=True)
    assert y is not x and x.numpy().tolist() == [[1.0, 2.0, 3.0]]


@FAST
@given(n=st.integers(1, 3), cin=st.sampled_from([1, 2, 4]), cout_per=st.integers(1, 3),
       groups=st.sampled_from([1, 2]), k=st.integers(1, 3), stride=st.integers(1, 2),
       padding=st.integers(0, 2), dilation=st.integers(1, 2), bias=st.booleans(),
       seed=st.integers(0, 2**16))
def test_conv2d_matches_torch(n, cin, cout_per, groups, k, stride, padding, dilation, bias,
                              seed):
    if cin % groups:
        groups = 1
    rng = np.random.default_rng(seed)
    size = dilation * (k - 1) + 1 + rng.integers(0, 4)
    x = rng.normal(size=(n, cin, size, size + 1))
    w = rng.normal(size=(cout_per * groups, cin // groups, k, k))
    b = rng.normal(size=cout_per * groups)
    args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if bias:
        compare_with_torch(lambda x_, w_, b_: F.conv2d(x_, w_, b_, **args),
                           lambda x_, w_, b_: TF.conv2d(x_, w_, b_, **args), x, w, b,
                           rtol=1e-9, atol=1e-10)
    else:
        compare_with_torch(lambda x_, w_: F.conv2d(x_, w_, **args),
                           lambda x_, w_: TF.conv2d(x_, w_, **args), x, w,
                           rtol=1e-9, atol=1e-10)


@FAST
@given(n=st.integers(1, 3), cin=st.sampled_from([1, 2]), k=st.integers(1, 3),
       stride=st.integers(1, 2), padding=st.sampled_from([0, 1, "same", "valid"]),
       seed=st.integers(0, 2**16))
def test_conv1d_matches_torch(n, cin, k, stride, padding, seed):
    if padding == "same":
        stride = 1  # PyTorch refuses 'same' with strides
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, cin, k + rng.integers(0, 5)))
    w, b = rng.normal(size=(3, cin, k)), rng.normal(size=3)
    compare_with_torch(lambda *v: F.conv1d(*v, stride=stride, padding=padding),
                       lambda *t: TF.conv1d(*t, stride=stride, padding=padding), x, w, b,
                       rtol=1e-9, atol=1e-10)


def test_linear_takes_pytorchs_weight_layout():
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)
    compare_with_torch(F.linear, TF.linear, x, w, b, rtol=1e-12)
    compare_with_torch(lambda x_, w_: F.linear(x_, w_), lambda x_, w_: TF.linear(x_, w_), x, w,
                       rtol=1e-12)


@FAST
@given(n=st.integers(1, 2), c=st.integers(1, 3), k=st.integers(1, 3),
       stride=st.sampled_from([None, 1, 2]), pad_=st.integers(0, 1), extra=st.integers(0, 3),
       seed=st.integers(0, 2**16))
@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_pooling_matches_torch(pool, n, c, k, stride, pad_, extra, seed):
    padding = min(pad_, k // 2)
    rng = np.random.default_rng(seed)
    x = rng.permutation(n * c * (k + extra) * (k + extra + 1)).reshape(
        n, c, k + extra, k + extra + 1) / 7.0  # distinct values: no ties among maxima
    compare_with_torch(lambda v: getattr(F, pool)(v, k, stride, padding),
                       lambda t: getattr(TF, pool)(t, k, stride, padding), x,
                       rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size,output_size", [((4, 6), 1), ((4, 6), (2, 3)), ((4, 6), (None, 2)),
                                              ((3, 3), 3), ((4, 4), 3), ((5, 7), (3, 4)),
                                              ((3, 5), (None, 4))])
def test_adaptive_avg_pool2d_matches_torch(size, output_size):
    """Equal windows (the engine's average pool) and PyTorch's unequal, overlapping bins."""
    x = np.random.default_rng(2).normal(size=(2, 3, *size))
    compare_with_torch(lambda v: F.adaptive_avg_pool2d(v, output_size),
                       lambda t: TF.adaptive_avg_pool2d(t, output_size), x, rtol=1e-12)


@pytest.mark.parametrize("call,message", [
    (lambda x: F.avg_pool2d(x, 2, ceil_mode=True), "ceil_mode=True"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=3), "divisor_override=3"),
    (lambda x: F.avg_pool2d(x, 3, padding=1, count_include_pad=False), "count_include_pad"),
])
def test_what_is_not_supported_is_refused_by_name(call, message):
    with pytest.raises(NotImplementedError, match=message):
        call(np.zeros((1, 1, 4, 4)))


@pytest.mark.parametrize("call,error,message", [
    (lambda x: F.max_pool2d(x, 2, padding=2), ValueError, "at most half"),
    (lambda x: F.max_pool2d(x[0, 0], 2), ValueError, r"expected input \(N, C, H, W\) or"),
    (lambda x: F.gelu(x, approximate="fast"), ValueError, "approximate"),
    (lambda x: F.dropout(x, p=1.5), ValueError, "p must be"),
    (lambda x: F.pad(x, (1,)), ValueError, "pair per axis"),
    (lambda x: F.pad(x, (1, 1), mode="reflect", value=2), ValueError, "constant"),
    (lambda x: F.one_hot(np.array([0.5])), TypeError, "integers"),
    (lambda x: F.one_hot(np.array([3]), 2), ValueError, "out of range"),
])
def test_bad_arguments_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call(np.zeros((1, 1, 4, 4)))


@pytest.mark.parametrize("pad_,mode", [((1, 2), "constant"), ((1, 0, 2, 1), "constant"),
                                       ((1, 1, 1, 1), "reflect"), ((2, 1, 1, 0), "replicate"),
                                       ((1, 2, 2, 0), "circular")])
def test_pad_matches_torch(pad_, mode):
    x = np.random.default_rng(3).normal(size=(1, 2, 3, 4))
    compare_with_torch(lambda v: F.pad(v, pad_, mode=mode), lambda t: TF.pad(t, pad_, mode=mode),
                       x, rtol=1e-12)
    compare_with_torch(lambda v: F.pad(v, (1, 1), value=2.5), lambda t: TF.pad(t, (1, 1), value=2.5),
                       x, rtol=1e-12)


def test_one_hot_matches_torch():
    labels = np.array([[0, 3], [2, 1]])
    for classes in (-1, 6):
        ours = F.one_hot(labels, classes).numpy()
        theirs = TF.one_hot(torch.tensor(labels), classes).numpy()
        assert ours.dtype == np.int64 and np.array_equal(ours, theirs)


def test_dropout_keeps_expected_values_and_is_off_outside_training():
    x = ag.Value(np.ones((200, 50)))
    assert F.dropout(x, 0.3, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).numpy() == 0)
    ag.manual_seed(0)
    y = F.dropout(x, 0.3)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.numpy())  # the gradient is the same scaled mask
    ag.manual_seed(0)
    np.testing.assert_array_equal(F.dropout(x, 0.3).numpy(), y.numpy())  # seeded


LOSSES = [
    ("cross_entropy", lambda f, x, t, tt: f.cross_entropy(x, tt(t), label_smoothing=0.1)),
    ("cross_entropy weight", lambda f, x, t, tt: f.cross_entropy(
        x, tt(t), tt(np.array([1.0, 2.0, 0.5])), reduction="sum")),
    ("nll_loss", lambda f, x, t, tt: f.nll_loss(f.log_softmax(x, dim=1), tt(t),
                                                ignore_index=2)),
    ("mse_loss", lambda f, x, t, tt: f.mse_loss(x, tt(t * 0.5))),
    ("l1_loss", lambda f, x, t, tt: f.l1_loss(x, tt(t * 0.5), reduction="none")),
    ("huber_loss", lambda f, x, t, tt: f.huber_loss(x, tt(t * 0.5), delta=0.7)),
    ("smooth_l1_loss", lambda f, x, t, tt: f.smooth_l1_loss(x, tt(t * 0.5), beta=0.5)),
    ("binary_cross_entropy", lambda f, x, t, tt: f.binary_cross_entropy(
        f.sigmoid(x), tt(t % 2 * 1.0))),
    ("binary_cross_entropy_with_logits", lambda f, x, t, tt: f.binary_cross_entropy_with_logits(
        x, tt(t % 2 * 1.0), pos_weight=tt(np.array([2.0, 1.0, 0.5])))),
]


@pytest.mark.parametrize("name,fn", LOSSES, ids=[a[0] for a in LOSSES])
def test_losses_match_torch(name, fn):
    rng = np.random.default_rng(4)
    x, t = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    if name not in ("cross_entropy", "cross_entropy weight", "nll_loss"):
        t = rng.integers(0, 3, size=(5, 3))
    compare_with_torch(lambda v: fn(F, v, t, lambda a: a),
                       lambda v: fn(TF, v, t, torch.tensor), x, rtol=1e-9, atol=1e-12)


def test_losses_take_reduction_by_keyword_only():
    # PyTorch's third and fourth positions are its deprecated size_average and reduce
    with pytest.raises(TypeError):
        F.mse_loss(np.zeros(2), np.zeros(2), "sum")


# --- pytorch/examples, mnist/main.py, ported by renaming ------------------------------------
# torch -> ag, torch.nn -> nn, torch.nn.functional -> nn.functional, torch.optim -> optim.

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = ag.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3, 1)
        self.conv2 = torch.nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = torch.nn.Dropout(0.25)
        self.dropout2 = torch.nn.Dropout(0.5)
        self.fc1 = torch.nn.Linear(9216, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = TF.relu(self.conv1(x))
        x = TF.max_pool2d(TF.relu(self.conv2(x)), 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(TF.relu(self.fc1(x)))
        return TF.log_softmax(self.fc2(x), dim=1)


def test_pytorchs_mnist_example_ports_by_renaming():
    ag.set_default_dtype(np.float32)
    model, reference = Net(), TorchNet()
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    # the same steps as PyTorch's train(): dropout off on both sides (eval), so the two
    # nets compute the same function. The example's optimizer and scheduler: Adadelta with
    # torch's defaults written out (ours are Keras's), StepLR stepped once per "epoch".
    model.eval()
    reference.eval()
    optimizer = optim.Adadelta(model.parameters(), lr=1.0, rho=0.9, epsilon=1e-6)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    t_optimizer = torch.optim.Adadelta(reference.parameters(), lr=1.0)
    t_scheduler = torch.optim.lr_scheduler.StepLR(t_optimizer, step_size=1, gamma=0.7)
    rng = np.random.default_rng(5)
    data = rng.random((8, 1, 28, 28), dtype=np.float32)
    target = rng.integers(0, 10, size=8)
    for epoch in range(2):
        for _ in range(2):
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            t_optimizer.zero_grad()
            t_loss = TF.nll_loss(reference(torch.from_numpy(data)), torch.from_numpy(target))
            t_loss.backward()
            t_optimizer.step()
            np.testing.assert_allclose(float(loss), t_loss.item(), rtol=1e-4)
        scheduler.step()
        t_scheduler.step()
        assert optimizer.param_groups[0]["lr"] == pytest.approx(t_optimizer.param_groups[0]["lr"])
    np.testing.assert_allclose(model.fc2.weight.numpy(), reference.fc2.weight.detach().numpy(),
                               rtol=1e-3, atol=1e-6)
    pred = model(data).argmax(dim=1, keepdim=True)
    correct = int((pred.numpy() == target.reshape(pred.shape)).sum())
    t_pred = reference(torch.from_numpy(data)).argmax(dim=1, keepdim=True)
    assert correct == int(t_pred.eq(torch.from_numpy(target).view_as(t_pred)).sum())
    # in training mode the module's dropout acts, as PyTorch's
    model.train()
    assert not np.allclose(model(data).numpy(), model(data).numpy())


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, 0), (3.0, -1), (2.0, 2)])
def test_normalize_matches_torch_also_on_zero_vectors(p, dim):
    x = np.random.default_rng(4).normal(size=(3, 4, 5))
    x[1, :, :] = 0.0          # zero vectors along every dim: left zero, gradient finite
    x[:, 2, :] = 0.0
    seed = np.random.default_rng(5).normal(size=x.shape)
    a = ag.Variable(x)
    y = F.normalize(a, p=p, dim=dim)
    (y * seed).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    t_y = TF.normalize(t, p=p, dim=dim)
    (t_y * torch.from_numpy(seed)).sum().backward()
    np.testing.assert_allclose(y.numpy(), t_y.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="normalize: p must be"):
        F.normalize(a, p=0)
