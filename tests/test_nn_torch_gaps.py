"""PyTorch's names that nn lacked: the functions embedding, layer_norm, batch_norm,
group_norm, instance_norm, rms_norm, prelu, the dropouts, gumbel_softmax, pdist,
pairwise_distance, conv_transpose1d, lp_pool1d/2d, the upsample aliases, the in-place
activations, triplet_margin_with_distance_loss and linear_cross_entropy; the layers
InstanceNorm1d/2d, RMSNorm, SELU, ParameterList, ParameterDict, ConvTranspose1d,
Dropout1d, LazyLinear, UpsamplingNearest2d/Bilinear2d, PairwiseDistance,
TripletMarginWithDistanceLoss and LPPool1d/2d.

Each against torch in float64 from the same weights (values, and the gradients of the
input and of every parameter), over hypothesis-drawn shapes where natural; the dropouts'
statistics; train/eval behaviour; state_dict round trips; bad arguments refused by name.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F
import optim
from derivatives import compare_with_torch
from nn.torch_functions import pairwise_distance as composed_pairwise_distance

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FAST = settings(max_examples=15, deadline=None)
TOL = dict(rtol=1e-9, atol=1e-11)


def _float64():
    ag.set_default_dtype(ag.float64)  # conftest puts the default back after each test


def _t(a):
    return torch.tensor(np.asarray(a, np.float64))


def _copy_in(layer, tlayer, rng=None):
    """torch's state_dict (randomized first, so ones and zeros hide nothing) into ours:
    every key fits, none is left."""
    if rng is not None:
        with torch.no_grad():
            for p in tlayer.parameters():
                p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    state = {k: v.detach().numpy() for k, v in tlayer.state_dict().items()}
    assert list(layer.state_dict()) == list(state)
    assert layer.load_state_dict(state) == ([], [])


def _same_run(layer, tlayer, *inputs):
    """The same output, and the same gradients of sum(y * g) for each float input and for
    every parameter of torch's layer, under the same name in ours."""
    ours = [ag.Value(x) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=True) for x in inputs]
    layer.zero_grad()
    tlayer.zero_grad()
    y, yt = layer(*ours), tlayer(*theirs)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **TOL)
    g = np.random.default_rng(7).normal(size=y.shape)
    (y * g).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for v, t in zip(ours, theirs):
        np.testing.assert_allclose(v.grad, t.grad.numpy(), **TOL)
    named = dict(layer.named_parameters())
    for name, p in tlayer.named_parameters():
        np.testing.assert_allclose(named[name].grad, p.grad.numpy(), err_msg=name, **TOL)
    return y


# --- normalization functions -----------------------------------------------------------

@FAST
@given(batch=st.sampled_from([(), (3,), (2, 3)]), normalized=st.sampled_from([(4,), (3, 2)]),
       affine=st.booleans(), seed=st.integers(0, 2**16))
def test_layer_norm_and_rms_norm_match_torch(batch, normalized, affine, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=batch + normalized)
    w, b = rng.normal(size=normalized), rng.normal(size=normalized)
    if affine:
        compare_with_torch(lambda *v: F.layer_norm(v[0], normalized, v[1], v[2], 1e-3),
                           lambda *t: TF.layer_norm(t[0], normalized, t[1], t[2], 1e-3),
                           x, w, b, rtol=1e-8, atol=1e-10)
        compare_with_torch(lambda *v: F.rms_norm(v[0], normalized, v[1], 1e-3),
                           lambda *t: TF.rms_norm(t[0], normalized, t[1], 1e-3),
                           x, w, rtol=1e-8, atol=1e-10)
    else:
        compare_with_torch(lambda v: F.layer_norm(v, normalized),
                           lambda t: TF.layer_norm(t, normalized), x, rtol=1e-8, atol=1e-10)
        compare_with_torch(lambda v: F.rms_norm(v, normalized),  # eps: the dtype's epsilon
                           lambda t: TF.rms_norm(t, normalized), x, rtol=1e-8, atol=1e-10)


@FAST
@given(shape=st.sampled_from([(2, 4, 3), (3, 4, 2, 2), (2, 6, 5)]),
       groups=st.sampled_from([1, 2]), seed=st.integers(0, 2**16))
def test_group_norm_and_instance_norm_match_torch(shape, groups, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    w, b = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    compare_with_torch(lambda *v: F.group_norm(v[0], groups, v[1], v[2]),
                       lambda *t: TF.group_norm(t[0], groups, t[1], t[2]), x, w, b,
                       rtol=1e-8, atol=1e-10)
    compare_with_torch(lambda *v: F.instance_norm(v[0], weight=v[1], bias=v[2]),
                       lambda *t: TF.instance_norm(t[0], weight=t[1], bias=t[2]), x, w, b,
                       rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("function", ["batch_norm", "instance_norm"])
def test_running_statistics_are_updated_in_place_as_torch(function):
    rng = np.random.default_rng(3)
    ours_mean, ours_var = np.zeros(4), ag.Variable(np.ones(4), trainable=False)
    t_mean, t_var = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    train = {"batch_norm": dict(training=True), "instance_norm": {}}[function]
    for step in range(3):
        x = rng.normal(size=(3, 4, 5)) * (step + 1) + step
        y = getattr(F, function)(x, ours_mean, ours_var, momentum=0.3, **train)
        yt = getattr(TF, function)(_t(x), t_mean, t_var, momentum=0.3, **train)
        np.testing.assert_allclose(y.numpy(), yt.numpy(), **TOL)
    np.testing.assert_allclose(ours_mean, t_mean.numpy(), **TOL)  # the array itself changed
    np.testing.assert_allclose(ours_var.numpy(), t_var.numpy(), **TOL)
    # and then normalizing with them
    x = rng.normal(size=(2, 4, 5))
    if function == "batch_norm":
        y, yt = F.batch_norm(x, ours_mean, ours_var), TF.batch_norm(_t(x), t_mean, t_var)
    else:
        y = F.instance_norm(x, ours_mean, ours_var, use_input_stats=False)
        yt = TF.instance_norm(_t(x), t_mean, t_var, use_input_stats=False)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), **TOL)


def test_batch_norm_gradients_match_torch_in_training():
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=(5, 3, 2)), rng.normal(size=3), rng.normal(size=3)
    compare_with_torch(lambda *v: F.batch_norm(v[0], None, None, v[1], v[2], training=True),
                       lambda *t: TF.batch_norm(t[0], None, None, t[1], t[2], training=True),
                       x, w, b, rtol=1e-8, atol=1e-10)


def test_normalization_functions_refuse_bad_arguments_before_writing():
    x = np.ones((2, 3, 4))
    mean = np.zeros(3)
    with pytest.raises(ValueError, match=r"layer_norm: expected input of shape \(\*, 5\)"):
        F.layer_norm(x, 5)
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape \(4,\)"):
        F.layer_norm(x, 4, np.ones(3))
    with pytest.raises(ValueError, match="batch_norm: running_mean and running_var are "
                                         "needed"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"batch_norm: running_var must be a float vector "
                                         r"of shape \(3,\)"):
        F.batch_norm(x, mean, np.ones(4), training=True)
    assert mean.tolist() == [0.0, 0.0, 0.0]  # refused before the mean was written
    with pytest.raises(TypeError, match="batch_norm: running_mean is updated in place"):
        F.batch_norm(x, [0.0, 0.0, 0.0], None, training=True)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(np.ones((1, 3)), None, None, training=True)
    with pytest.raises(ValueError, match="group_norm: num_groups must be a positive int "
                                         "dividing the 3 channels"):
        F.group_norm(x, 2)
    with pytest.raises(ValueError, match=r"instance_norm: expected input \(N, C, L, \*\)"):
        F.instance_norm(np.ones((2, 3)))
    with pytest.raises(ValueError, match="rms_norm: normalized_shape must be a positive int"):
        F.rms_norm(x, 0)


# --- embedding, prelu, gumbel_softmax ----------------------------------------------------

def test_embedding_matches_torch_with_padding_idx_and_grad_scaling():
    rng = np.random.default_rng(5)
    ids = np.array([[1, 2, 4, 5], [4, 3, 2, 9]])
    table = rng.normal(size=(10, 3))
    for options in ({}, {"padding_idx": 2}, {"padding_idx": -1},
                    {"scale_grad_by_freq": True, "padding_idx": 4}):
        compare_with_torch(lambda w: F.embedding(ids, w, **options),
                           lambda w: TF.embedding(torch.tensor(ids), w, **options), table,
                           rtol=1e-12)


def test_embedding_pytorch_docstring_example_and_max_norm():
    # PyTorch's example: a batch of 2 samples of 4 indices each, an embedding matrix of
    # 10 tensors of size 3; then its padding_idx example
    ids = np.array([[1, 2, 4, 5], [4, 3, 2, 9]])
    table = np.random.default_rng(0).random((10, 3))
    assert F.embedding(ids, table).shape == (2, 4, 3)
    np.testing.assert_array_equal(F.embedding(ids, table).numpy(), table[ids])
    weights = np.random.default_rng(1).random((10, 3))
    weights[0, :] = 0
    out = F.embedding(np.array([[0, 2, 0, 5]]), weights, padding_idx=0)
    np.testing.assert_array_equal(out.numpy()[0, [0, 2]], np.zeros((2, 3)))
    # max_norm renormalizes the rows looked up, in place, as torch
    big = np.arange(30.0).reshape(10, 3)
    ours, theirs = ag.Variable(big.copy()), _t(big)
    y = F.embedding(np.array([1, 7]), ours, max_norm=2.0)
    yt = TF.embedding(torch.tensor([1, 7]), theirs, max_norm=2.0)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_embedding_refuses_bad_input():
    table = np.zeros((4, 2))
    with pytest.raises(IndexError, match=r"embedding: ids must lie in \[0, 4\)"):
        F.embedding(np.array([0, 4]), table)
    with pytest.raises(TypeError, match="embedding: input must hold integer ids"):
        F.embedding(np.array([0.5]), table)
    with pytest.raises(NotImplementedError, match="embedding: sparse=True"):
        F.embedding(np.array([0]), table, sparse=True)
    with pytest.raises(TypeError, match="max_norm renormalises weight in place"):
        F.embedding(np.array([0]), table, max_norm=1.0)


@pytest.mark.parametrize("shape,slopes", [((2, 3, 4), 3), ((2, 3, 4), 1), ((5,), 1),
                                          ((2, 4), 4)])
def test_prelu_matches_torch(shape, slopes):
    rng = np.random.default_rng(6)
    x = rng.normal(size=shape)
    x = np.where(np.abs(x) < 1e-3, 0.5, x)
    compare_with_torch(F.prelu, TF.prelu, x, rng.normal(size=slopes), rtol=1e-12)
    with pytest.raises(ValueError, match=r"prelu: weight must hold 1 slope or one per "
                                         r"channel \(3 for input of shape \(2, 3, 4\)\)"):
        F.prelu(np.ones((2, 3, 4)), np.ones(2))


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_draws_from_ag_random_and_matches_torch_for_that_noise(hard):
    rng = np.random.default_rng(8)
    logits = rng.normal(size=(4, 5))
    ag.manual_seed(11)
    y = F.gumbel_softmax(ag.Value(logits), tau=0.5, hard=hard, dim=1)
    ag.manual_seed(11)  # the same draw, as the function makes it
    u = ag.random.uniform(logits.shape, dtype=ag.float64).numpy()
    gumbels = -np.log(-np.log1p(-u))

    def torch_gumbel(t):
        soft = TF.softmax((t + torch.tensor(gumbels)) / 0.5, dim=1)
        if not hard:
            return soft
        index = soft.max(1, keepdim=True)[1]
        one_hot = torch.zeros_like(t).scatter_(1, index, 1.0)
        return one_hot - soft.detach() + soft  # PyTorch's straight-through estimator

    def ours(v):
        ag.manual_seed(11)
        return F.gumbel_softmax(v, tau=0.5, hard=hard, dim=1)

    compare_with_torch(ours, torch_gumbel, logits, rtol=1e-9, atol=1e-12)
    if hard:
        assert sorted(np.unique(y.numpy()).tolist()) == [0.0, 1.0]
        np.testing.assert_array_equal(y.numpy().sum(1), np.ones(4))
    # a different seed, a different sample; samples follow softmax(logits)
    ag.manual_seed(0)
    counts = F.gumbel_softmax(np.tile([[0.0, np.log(3.0)]], (4000, 1)), hard=True).numpy()
    assert abs(counts[:, 1].mean() - 0.75) < 0.03


# --- dropouts ----------------------------------------------------------------------------

def test_channel_dropouts_drop_whole_channels_and_keep_the_mean():
    ag.manual_seed(1)
    x = np.ones((200, 8, 6))
    y = F.dropout1d(x, p=0.25).numpy()
    assert set(np.unique(y)) <= {0.0, 1 / 0.75}
    assert (y == y[..., :1]).all()  # one draw per channel
    assert abs((y[..., 0] == 0).mean() - 0.25) < 0.03
    y2 = F.dropout2d(np.ones((200, 4, 3, 3)), p=0.5).numpy()
    assert (y2 == y2[..., :1, :1]).all() and abs(y2.mean() - 1) < 0.1
    unbatched = F.dropout1d(np.ones((400, 5)), p=0.5).numpy()  # (C, L)
    assert (unbatched == unbatched[:, :1]).all()
    with pytest.warns(UserWarning, match=r"dropout2d: a 3-D input is taken as \(N, C, L\)"):
        y3 = F.dropout2d(np.ones((50, 4, 6)), p=0.5).numpy()
    assert (y3 == y3[..., :1]).all()
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    for f in (F.dropout1d, F.dropout2d):
        arg = x if f is F.dropout1d else x[None]
        assert f(arg, 0.5, training=False) is not None
        np.testing.assert_array_equal(f(arg, 0.5, training=False).numpy(), arg)
        np.testing.assert_array_equal(f(arg, 1.0).numpy(), np.zeros_like(arg))
    with pytest.raises(ValueError, match=r"dropout1d: expected a 3-D batched or 2-D unbatched "
                                         r"input, got shape \(2, 3, 4, 5\)"):
        F.dropout1d(np.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"dropout2d: p must be a probability in \[0, 1\]"):
        F.dropout2d(np.ones((1, 2, 3, 3)), p=1.5)


def test_dropout_gradients_follow_the_mask():
    ag.manual_seed(2)
    x = ag.Value(np.ones((4, 6, 3)))
    y = F.dropout1d(x, p=0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.numpy())  # d(x * m / (1 - p)) / dx


@pytest.mark.parametrize("function", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropouts_keep_zero_mean_unit_variance(function):
    f = getattr(F, function)
    x = np.random.default_rng(3).normal(size=(400, 50, 4))
    np.testing.assert_array_equal(f(x, 0.2).numpy(), x)  # training=False: PyTorch's default
    ag.manual_seed(3)
    y = f(ag.Value(x), 0.2, training=True)
    assert abs(y.numpy().mean()) < 0.02 and abs(y.numpy().std() - 1) < 0.02
    dropped = -1.7580993408473766 * (1 / np.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)) \
        + 1.7580993408473766 * 0.2 / np.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)
    share = np.isclose(y.numpy(), dropped).mean()
    assert abs(share - 0.2) < 0.01
    if function == "feature_alpha_dropout":  # whole channels
        at = np.isclose(y.numpy(), dropped)
        assert (at == at[..., :1]).all()
    # the same affine map as torch's, for the same mask
    ag.manual_seed(5)
    y = f(x[:3], 0.3, training=True).numpy()
    kept = ~np.isclose(y, -1.7580993408473766 * 0.3 / np.sqrt((1.7580993408473766 ** 2 * 0.3
                                                               + 1) * 0.7) * (1 / 0.3 - 1))
    a = 1 / np.sqrt((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7)
    np.testing.assert_allclose(y[kept], (x[:3] * a + 1.7580993408473766 * a * 0.3)[kept])


# --- distances and the triplet loss ------------------------------------------------------

@FAST
@given(shapes=st.sampled_from([((4, 5), (4, 5)), ((5,), (5,)), ((2, 3, 4), (1, 4)),
                               ((3, 4), (4,))]),
       p=st.sampled_from([1.0, 2.0, 3.0, 0.5, np.inf]), keepdim=st.booleans(),
       seed=st.integers(0, 2**16))
def test_pairwise_distance_matches_torch(shapes, p, keepdim, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    # nn.functional's (the engine's op when it has one) and nn's own composition
    for f in (F.pairwise_distance, composed_pairwise_distance):
        compare_with_torch(lambda *v: f(*v, p=p, keepdim=keepdim),
                           lambda *t: TF.pairwise_distance(*t, p=p, keepdim=keepdim), a, b,
                           rtol=1e-8, atol=1e-10, second=False)
    layer = nn.PairwiseDistance(p=p, keepdim=keepdim)
    np.testing.assert_allclose(layer(a, b).numpy(), torch.nn.PairwiseDistance(
        p=p, keepdim=keepdim)(_t(a), _t(b)).numpy(), rtol=1e-9)


@FAST
@given(n=st.integers(2, 5), m=st.integers(1, 4), p=st.sampled_from([1.0, 2.0, 3.0, np.inf]),
       seed=st.integers(0, 2**16))
def test_pdist_matches_torch(n, m, p, seed):
    x = np.random.default_rng(seed).normal(size=(n, m))
    compare_with_torch(lambda v: F.pdist(v, p), lambda t: TF.pdist(t, p), x, rtol=1e-8,
                       atol=1e-10, second=False)


def test_pdist_of_equal_rows_has_zero_gradient_as_torch():
    x = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 5.0]])
    compare_with_torch(F.pdist, TF.pdist, x, rtol=1e-9, second=False)


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("custom", [False, True])
def test_triplet_margin_with_distance_loss_matches_torch(swap, reduction, custom):
    rng = np.random.default_rng(9)
    a, p, n = (rng.normal(size=(6, 4)) for _ in range(3))
    ours_d = (lambda u, v: 1.0 - F.cosine_similarity(u, v)) if custom else None
    theirs_d = (lambda u, v: 1.0 - TF.cosine_similarity(u, v)) if custom else None
    compare_with_torch(
        lambda *v: F.triplet_margin_with_distance_loss(
            *v, distance_function=ours_d, margin=0.7, swap=swap, reduction=reduction),
        lambda *t: TF.triplet_margin_with_distance_loss(
            *t, distance_function=theirs_d, margin=0.7, swap=swap, reduction=reduction),
        a, p, n, rtol=1e-8, atol=1e-10, second=False)
    layer = nn.TripletMarginWithDistanceLoss(distance_function=ours_d, margin=0.7, swap=swap,
                                             reduction=reduction)
    tlayer = torch.nn.TripletMarginWithDistanceLoss(distance_function=theirs_d, margin=0.7,
                                                    swap=swap, reduction=reduction)
    np.testing.assert_allclose(layer(a, p, n).numpy(), tlayer(_t(a), _t(p), _t(n)).numpy(),
                               rtol=1e-9)


def test_distance_layers_refuse_bad_arguments():
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: margin must be > 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(TypeError, match="TripletMarginWithDistanceLoss: distance_function "
                                        "must be callable"):
        nn.TripletMarginWithDistanceLoss(distance_function="l2")
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        nn.TripletMarginWithDistanceLoss(reduction="avg")
    with pytest.raises(ValueError, match="PairwiseDistance: p must be >= 0"):
        nn.PairwiseDistance(p=-1)
    for f in (F.pairwise_distance, composed_pairwise_distance):
        with pytest.raises(ValueError, match=r"pairwise_distance: x1 of shape \(2, 3\).* x2 "
                                             r"of shape \(4, 3\) do not broadcast"):
            f(np.ones((2, 3)), np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"pdist: expected a 2-D input \(N, M\)"):
        F.pdist(np.ones(3))
    assert repr(nn.TripletMarginWithDistanceLoss()) == \
        "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"


# --- convolution, pooling, resizing -------------------------------------------------------

@FAST
@given(n=st.integers(1, 2), cin=st.sampled_from([2, 4]), cout_per=st.integers(1, 2),
       groups=st.sampled_from([1, 2]), k=st.integers(1, 3), stride=st.integers(1, 3),
       padding=st.integers(0, 1), dilation=st.integers(1, 2), length=st.integers(2, 5),
       extra=st.integers(0, 2), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_conv_transpose1d_and_its_layer_match_torch(n, cin, cout_per, groups, k, stride,
                                                    padding, dilation, length, extra, bias,
                                                    seed):
    _float64()
    output_padding = min(extra, max(stride, dilation) - 1)
    if (length - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1 < 1:
        padding = 0
    rng = np.random.default_rng(seed)
    args = (cin, cout_per * groups, k, stride, padding, output_padding, groups, bias,
            dilation)
    layer, tlayer = nn.ConvTranspose1d(*args), torch.nn.ConvTranspose1d(*args).double()
    _copy_in(layer, tlayer, rng)
    _same_run(layer, tlayer, rng.normal(size=(n, cin, length)))
    x, w = rng.normal(size=(n, cin, length)), rng.normal(size=(cin, cout_per, k))
    options = dict(stride=stride, padding=padding, output_padding=output_padding,
                   groups=groups, dilation=dilation)
    compare_with_torch(lambda *v: F.conv_transpose1d(*v, **options),
                       lambda *t: TF.conv_transpose1d(*t, **options), x, w,
                       rtol=1e-9, atol=1e-10, second=False)


def test_conv_transpose1d_output_size_and_errors():
    _float64()
    layer, tlayer = nn.ConvTranspose1d(2, 3, 3, stride=2), torch.nn.ConvTranspose1d(
        2, 3, 3, stride=2).double()
    _copy_in(layer, tlayer)
    x = np.random.default_rng(0).normal(size=(1, 2, 4))
    np.testing.assert_allclose(layer(x, output_size=[10]).numpy(),
                               tlayer(_t(x), output_size=[10]).detach().numpy(), **TOL)
    assert repr(layer) == repr(tlayer)
    with pytest.raises(ValueError, match=r"ConvTranspose1d 'up': output_padding \(2,\) must "
                                         "be smaller than the stride"):
        nn.ConvTranspose1d(2, 3, 3, stride=2, output_padding=2, name="up")
    with pytest.raises(ValueError, match="only padding_mode='zeros'"):
        nn.ConvTranspose1d(2, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"expected sequences \(N, 2, L\), got shape "
                                         r"\(1, 3, 4\)"):
        layer(np.ones((1, 3, 4)))
    with pytest.raises(ValueError, match="output_size 12 is not one this layer can make"):
        layer(x, output_size=12)


@pytest.mark.parametrize("norm_type", [1, 2, 3.5, float("inf")])
@pytest.mark.parametrize("stride", [None, 1, 2])
def test_lp_pools_match_torch(norm_type, stride):
    _float64()
    rng = np.random.default_rng(10)
    images = np.abs(rng.normal(size=(2, 3, 6, 5))) + 0.1  # positive: sums of powers > 0
    sequences = images[:, :, 0]
    if norm_type != float("inf"):
        compare_with_torch(lambda v: F.lp_pool2d(v, norm_type, (3, 2), stride),
                           lambda t: TF.lp_pool2d(t, norm_type, (3, 2), stride), images,
                           rtol=1e-9, second=False)
        compare_with_torch(lambda v: F.lp_pool1d(v, norm_type, 3, stride),
                           lambda t: TF.lp_pool1d(t, norm_type, 3, stride), sequences,
                           rtol=1e-9, second=False)
        layer, tlayer = nn.LPPool2d(norm_type, 2, stride), torch.nn.LPPool2d(norm_type, 2,
                                                                              stride)
        _same_run(layer, tlayer, images)
        assert repr(layer) == repr(tlayer)
        _same_run(nn.LPPool1d(norm_type, 2, stride), torch.nn.LPPool1d(norm_type, 2, stride),
                  sequences)
    else:  # max pooling of |x|, as PyTorch 2.13's: on signed inputs, where it differs
        signed = rng.normal(size=(2, 3, 6, 5))
        compare_with_torch(lambda v: F.lp_pool2d(v, norm_type, (3, 2), stride),
                           lambda t: TF.lp_pool2d(t, norm_type, (3, 2), stride), signed,
                           rtol=1e-12, second=False)
        compare_with_torch(lambda v: F.lp_pool1d(v, norm_type, 3, stride),
                           lambda t: TF.lp_pool1d(t, norm_type, 3, stride), signed[:, :, 0],
                           rtol=1e-12, second=False)
        _same_run(nn.LPPool1d(norm_type, 2, stride), torch.nn.LPPool1d(norm_type, 2, stride),
                  signed[:, :, 0])


def test_lp_pools_refuse_what_they_do_not_support():
    with pytest.raises(ValueError, match="LPPool2d: norm_type must be > 0"):
        nn.LPPool2d(0, 2)
    with pytest.raises(NotImplementedError, match="LPPool1d: ceil_mode=True is not "
                                                  "supported"):
        nn.LPPool1d(2, 2, ceil_mode=True)
    with pytest.raises(ValueError, match=r"LPPool1d: kernel_size must be an int >= 1"):
        nn.LPPool1d(2, 0)
    with pytest.raises(ValueError, match=r"lp_pool1d: expected sequences \(N, C, L\)"):
        F.lp_pool1d(np.ones((2, 3)), 2, 2)


@pytest.mark.parametrize("size,scale", [(None, 2), ((5, 7), None), (None, (1.5, 2.0))])
def test_upsampling_layers_and_deprecated_functions_match_torch(size, scale):
    _float64()
    x = np.random.default_rng(12).normal(size=(2, 3, 4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own deprecation warnings
        t_near = TF.upsample_nearest(_t(x), size, scale).numpy()
        t_bil = TF.upsample_bilinear(_t(x), size, scale).numpy()
        t_up = TF.upsample(_t(x), size, scale, mode="bilinear").numpy()
    with pytest.warns(DeprecationWarning, match="use nn.functional.interpolate"):
        np.testing.assert_allclose(F.upsample_nearest(x, size, scale).numpy(), t_near, **TOL)
    with pytest.warns(DeprecationWarning):
        np.testing.assert_allclose(F.upsample_bilinear(x, size, scale).numpy(), t_bil, **TOL)
    with pytest.warns(DeprecationWarning):
        np.testing.assert_allclose(F.upsample(x, size, scale, mode="bilinear").numpy(), t_up,
                                   **TOL)
    for ours, theirs in ((nn.UpsamplingNearest2d(size, scale),
                          torch.nn.UpsamplingNearest2d(size, scale)),
                         (nn.UpsamplingBilinear2d(size, scale),
                          torch.nn.UpsamplingBilinear2d(size, scale))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _same_run(ours, theirs, x)
    assert nn.UpsamplingBilinear2d(scale_factor=2).align_corners is True
    with pytest.raises(ValueError, match=r"UpsamplingBilinear2d .*: expected images "
                                         r"\(N, C, H, W\)"):
        nn.UpsamplingBilinear2d(scale_factor=2)(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match="give either size or scale_factor"):
        nn.UpsamplingNearest2d()


# --- in-place activations -----------------------------------------------------------------

IN_PLACE = [
    ("relu_", ()), ("elu_", (0.7,)), ("selu_", ()), ("leaky_relu_", (0.2,)),
    ("hardtanh_", (-0.5, 0.8)), ("threshold_", (0.1, -2.0)), ("rrelu_", (0.1, 0.3)),
    ("celu_", (1.3,)),
]


@pytest.mark.parametrize("name,args", IN_PLACE, ids=[n for n, _ in IN_PLACE])
def test_in_place_activations_match_torch_and_refuse_while_recording(name, args):
    x = np.random.default_rng(13).normal(size=(3, 4))
    v, t = ag.constant(x.copy()), _t(x)
    assert getattr(F, name)(v, *args) is v  # the input itself, changed
    getattr(TF, name)(t, *args)
    np.testing.assert_allclose(v.numpy(), t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.numpy(), getattr(F, name[:-1])(x, *args).numpy(),
                               rtol=1e-12)
    p = ag.Variable(x.copy())
    with pytest.raises(RuntimeError, match=f"{name}: .* requires grad, so it cannot be "
                                           "changed in place while the graph is recorded"):
        getattr(F, name)(p, *args)
    np.testing.assert_array_equal(p.numpy(), x)  # unchanged
    with ag.no_grad():
        getattr(F, name)(p, *args)  # allowed, as in PyTorch
    np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=1e-12)
    with pytest.raises(TypeError, match=f"{name}: input is changed in place, so it must be "
                                        "a Value"):
        getattr(F, name)(x, *args)


def test_in_place_change_is_seen_by_the_graph_checks():
    x = ag.constant(np.array([-1.0, 2.0]))
    w = ag.Variable(np.array([3.0, 4.0]))
    y = (w * x).sum()  # reads x
    F.relu_(x)
    with pytest.raises(RuntimeError):  # the engine refuses: x changed after it was read
        y.backward()


# --- linear_cross_entropy -------------------------------------------------------------------

@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("options", [{}, {"reduction": "sum", "label_smoothing": 0.1},
                                     {"ignore_index": 1, "reduction": "none"}])
def test_linear_cross_entropy_matches_torch(bias, options):
    rng = np.random.default_rng(14)
    x, w, b = rng.normal(size=(5, 4)), rng.normal(size=(3, 4)), rng.normal(size=3)
    target = np.array([0, 2, 1, 1, 2])
    if bias:
        compare_with_torch(
            lambda *v: F.linear_cross_entropy(v[0], v[1], target, linear_bias=v[2], **options),
            lambda *t: TF.linear_cross_entropy(t[0], t[1], torch.tensor(target),
                                               linear_bias=t[2], **options),
            x, w, b, rtol=1e-9, second=False)
    else:
        compare_with_torch(
            lambda *v: F.linear_cross_entropy(*v, target, **options),
            lambda *t: TF.linear_cross_entropy(*t, torch.tensor(target), **options),
            x, w, rtol=1e-9, second=False)
    with pytest.raises(NotImplementedError, match="linear_cross_entropy: options"):
        F.linear_cross_entropy(x, w, target, options=object())


# --- normalization layers ---------------------------------------------------------------

@FAST
@given(kind=st.sampled_from(["1d", "2d"]), batched=st.booleans(), affine=st.booleans(),
       track=st.booleans(), momentum=st.sampled_from([0.1, 0.5, None]),
       seed=st.integers(0, 2**16))
def test_instance_norm_layers_match_torch_in_train_and_eval(kind, batched, affine, track,
                                                            momentum, seed):
    _float64()
    rng = np.random.default_rng(seed)
    ours = getattr(nn, f"InstanceNorm{kind}")(3, affine=affine, track_running_stats=track,
                                              momentum=momentum)
    theirs = getattr(torch.nn, f"InstanceNorm{kind}")(3, affine=affine,
                                                      track_running_stats=track,
                                                      momentum=momentum).double()
    _copy_in(ours, theirs, rng)
    spatial = (5,) if kind == "1d" else (3, 4)
    shape = ((2,) if batched else ()) + (3,) + spatial
    for _ in range(2):
        _same_run(ours, theirs, rng.normal(size=shape) * 2 + 1)
    for name, buffer in theirs.named_buffers():
        np.testing.assert_allclose(ours.get_buffer(name).numpy(), buffer.numpy(), **TOL)
    ours.eval()
    theirs.eval()
    _same_run(ours, theirs, rng.normal(size=shape))
    assert repr(ours) == repr(theirs)


def test_instance_norm_defaults_and_errors():
    layer = nn.InstanceNorm1d(4)
    assert (layer.affine, layer.track_running_stats) == (False, False)
    assert list(layer.state_dict()) == []
    assert list(nn.InstanceNorm2d(4, track_running_stats=True).state_dict()) == \
        list(torch.nn.InstanceNorm2d(4, track_running_stats=True).state_dict())
    with pytest.raises(ValueError, match=r"InstanceNorm1d 'norm': expected input \(N, C, L\) "
                                         r"or \(C, L\), got shape \(2, 3, 4, 5\)"):
        nn.InstanceNorm1d(3, name="norm")(np.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"InstanceNorm2d .*: expected 3 channels \(axis 1\)"):
        nn.InstanceNorm2d(3, affine=True)(np.ones((2, 4, 3, 3)))
    with pytest.warns(UserWarning, match="num_features=3 differs from the input's 4 channels"):
        nn.InstanceNorm1d(3)(np.ones((2, 4, 5)))
    with pytest.raises(ValueError, match="more than 1 position per channel"):
        nn.InstanceNorm1d(3)(np.ones((2, 3, 1)))
    with pytest.raises(ValueError, match=r"InstanceNorm1d: momentum must lie in \[0, 1\]"):
        nn.InstanceNorm1d(3, momentum=2)


@pytest.mark.parametrize("shape,normalized", [((2, 5), 5), ((2, 3, 4), (3, 4)), ((4,), 4)])
@pytest.mark.parametrize("eps", [None, 1e-3])
@pytest.mark.parametrize("affine", [True, False])
def test_rms_norm_layer_matches_torch(shape, normalized, eps, affine):
    _float64()
    ours = nn.RMSNorm(normalized, eps=eps, elementwise_affine=affine)
    theirs = torch.nn.RMSNorm(normalized, eps=eps, elementwise_affine=affine).double()
    _copy_in(ours, theirs, np.random.default_rng(15))
    _same_run(ours, theirs, np.random.default_rng(16).normal(size=shape))
    assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match=r"RMSNorm .*: rms_norm: expected input of shape "
                                         r"\(\*, 7\)"):
        nn.RMSNorm(7)(np.ones(shape))


# --- SELU, Dropout1d, LazyLinear -----------------------------------------------------------

def test_selu_layer_matches_torch():
    x = np.random.default_rng(17).normal(size=(3, 4)) * 3
    _same_run(nn.SELU(), torch.nn.SELU(), x)
    assert repr(nn.SELU()) == "SELU()"


def test_dropout1d_layer_trains_and_evaluates():
    ag.manual_seed(4)
    layer = nn.Dropout1d(p=0.4)
    y = layer(np.ones((300, 6, 5))).numpy()
    assert (y == y[..., :1]).all() and abs((y[..., 0] == 0).mean() - 0.4) < 0.03
    np.testing.assert_allclose(y[y > 0], 1 / 0.6)
    layer.eval()
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    assert layer(x) is x  # eval: the input itself
    assert repr(layer) == repr(torch.nn.Dropout1d(p=0.4))
    with pytest.raises(ValueError, match=r"Dropout1d: p must be a probability in \[0, 1\]"):
        nn.Dropout1d(p=-0.1)
    with pytest.raises(ValueError, match=r"Dropout1d .*: expected a 3-D batched \(N, C, L\) "
                                         r"or 2-D unbatched \(C, L\) input"):
        layer(np.ones(3))


def test_lazy_linear_infers_in_features_and_becomes_a_linear():
    _float64()
    layer = nn.LazyLinear(3)
    assert repr(layer) == repr(torch.nn.LazyLinear(3))
    assert layer.parameters() == [] and layer.in_features == 0
    x = np.random.default_rng(18).normal(size=(2, 5))
    y = layer(x)
    assert type(layer) is nn.Linear and layer.in_features == 5 and y.shape == (2, 3)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    tlayer = torch.nn.Linear(5, 3).double()
    _copy_in(layer, tlayer, np.random.default_rng(19))
    _same_run(layer, tlayer, x)
    # a state_dict round trip, and training it like any Linear
    copy = nn.LazyLinear(3)
    copy(np.zeros((1, 5)))
    copy.load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(copy(x).numpy(), layer(x).numpy())
    opt = optim.SGD(copy.parameters(), lr=0.1)
    before = copy.weight.numpy().copy()
    (copy(x) ** 2).sum().backward()
    opt.step()
    assert not np.array_equal(before, copy.weight.numpy())
    assert nn.LazyLinear(2, bias=False)(x).shape == (2, 2)
    with pytest.raises(ValueError, match="LazyLinear: out_features must be a positive "
                                         "integer"):
        nn.LazyLinear(0)
    with pytest.raises(ValueError, match=r"LazyLinear .*: expected input of shape \(\.\.\., "
                                         r"in_features\)"):
        nn.LazyLinear(2)(np.ones((2, 0)))


def test_lazy_linear_in_a_sequential():
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(1))
    assert model(np.ones((3, 6))).shape == (3, 1)
    assert [p.shape for p in model.parameters()] == [(4, 6), (4,), (1, 4), (1,)]


# --- ParameterList and ParameterDict --------------------------------------------------------

def test_parameter_dict_pytorch_example_and_state_dict_round_trip():
    class MyModule(nn.Module):  # PyTorch's example, ported by renaming
        def __init__(self):
            super().__init__()
            self.params = nn.ParameterDict({
                "left": nn.Parameter(ag.random.randn(5, 10)),
                "right": nn.Parameter(ag.random.randn(5, 10))})

        def forward(self, x, choice):
            return self.params[choice].mm(x)

    m = MyModule()
    x = np.random.default_rng(20).normal(size=(10, 1))
    np.testing.assert_allclose(m(x, "right").numpy(), m.params["right"].numpy() @ x)
    assert list(m.state_dict()) == ["params.left", "params.right"]
    assert m.params.left is m.params["left"]
    other = MyModule()
    other.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(other(x, "left").numpy(), m(x, "left").numpy())
    m(x, "left").sum().backward()  # the chosen one gets a gradient
    assert m.params["left"].grad is not None and m.params["right"].grad is None
    # torch's keys load
    tm = torch.nn.Module()
    tm.params = torch.nn.ParameterDict({"left": torch.nn.Parameter(torch.ones(5, 10)),
                                        "right": torch.nn.Parameter(torch.zeros(5, 10))})
    m.load_state_dict(tm.state_dict())
    assert m.params["left"].numpy().sum() == 50


def test_parameter_dict_operations_and_errors():
    d = nn.ParameterDict([("a", np.ones(2)), ("b", ag.Value(np.zeros(3)))])
    assert isinstance(d["a"], nn.Parameter) and d["a"].requires_grad  # wrapped, as torch
    d["c"] = nn.Parameter(np.ones((1, 2)))
    assert list(d) == ["a", "b", "c"] and len(d) == 3 and "c" in d
    assert d.setdefault("a", np.zeros(5)) is d["a"]
    popped = d.pop("b")
    assert popped.shape == (3,) and list(d.keys()) == ["a", "c"]
    assert [name for name, _ in d.named_parameters()] == ["a", "c"]
    assert repr(d) == ("ParameterDict(\n  (a): Parameter containing: [float64 of shape (2,)]\n"
                       "  (c): Parameter containing: [float64 of shape (1, 2)]\n)")
    d.to(np.float32)
    assert d["a"].dtype == np.float32
    with pytest.raises(TypeError, match=r"ParameterDict .*\['x'\]: expected a Parameter"):
        d["x"] = "weights"
    with pytest.raises(KeyError, match="a key must be a non-empty string without '.'"):
        d["a.b"] = np.ones(1)
    with pytest.raises(KeyError, match="'keys' is already an attribute"):
        nn.ParameterDict({"keys": np.ones(1)})
    with pytest.raises(TypeError, match="element #0 should be a"):
        d.update([5])
    assert list(d) == ["a", "c"]  # the failed updates changed nothing


def test_parameter_list_pytorch_example_state_dict_and_optimizer():
    class MyModule(nn.Module):  # PyTorch's example, ported by renaming
        def __init__(self):
            super().__init__()
            self.params = nn.ParameterList(
                [nn.Parameter(ag.random.randn(10, 10)) for i in range(10)])

        def forward(self, x):
            for i, p in enumerate(self.params):
                x = self.params[i // 2].mm(x) + p.mm(x)
            return x

    m = MyModule()
    assert len(m.parameters()) == 10
    assert list(m.state_dict()) == [f"params.{i}" for i in range(10)]
    x = np.random.default_rng(21).normal(size=(10, 1)) * 0.01
    other = MyModule()
    other.load_state_dict(m.state_dict())
    np.testing.assert_allclose(other(x).numpy(), m(x).numpy())
    opt = optim.SGD(m.parameters(), lr=1e-3)
    before = [p.numpy().copy() for p in m.params]
    m(x).sum().backward()
    opt.step()
    assert all(not np.array_equal(b, p.numpy()) for b, p in zip(before, m.params))


def test_parameter_list_operations_and_errors():
    pl = nn.ParameterList([np.ones(2)])
    pl.append(nn.Parameter(np.zeros((3, 2))))
    pl += [ag.Value(np.ones(1))]
    assert len(pl) == 3 and pl[-1].shape == (1,) and isinstance(pl[0], nn.Parameter)
    assert [p.shape for p in pl[1:]] == [(3, 2), (1,)]
    pl[0] = np.full(4, 2.0)
    assert pl[0].shape == (4,)
    assert repr(nn.ParameterList([np.ones(2)])) == \
        "ParameterList(\n  (0): Parameter containing: [float64 of shape (2,)]\n)"
    with pytest.raises(TypeError, match=r"ParameterList .*\.extend: item 1: expected a "
                                        "Parameter"):
        pl.extend([np.ones(1), "w"])
    assert len(pl) == 3  # nothing added
    with pytest.raises(IndexError, match="index 5 is out of range"):
        pl[5]
    with pytest.raises(TypeError, match="expected an iterable of Parameters"):
        nn.ParameterList(np.ones(3))
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.extra = nn.ParameterList([np.ones(2), np.zeros(3)])

    assert list(Model().state_dict()) == ["fc.weight", "fc.bias", "extra.0", "extra.1"]
