"""PyTorch's remaining activations (GLU, CELU, Softshrink, Hardshrink, Tanhshrink,
Threshold, RReLU, Softmax2d), losses (GaussianNLLLoss, MultiLabelSoftMarginLoss,
MultiMarginLoss, MultiLabelMarginLoss, CTCLoss), Embedding's padding_idx and max_norm, EmbeddingBag
and Bilinear: values and gradients against torch in float64 (second derivatives too where
the engine records them) and float32, over hypothesis-drawn shapes and arguments; bad
arguments refused by name, before anything changes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from derivatives import compare_with_torch
from nn.reshaping import Embedding
from nn.torch_activations import (CELU, GLU, RReLU, Softmax2d, Softshrink, Hardshrink,
                                  Tanhshrink, Threshold, celu, glu, hardshrink, rrelu,
                                  softmax2d, softshrink, tanhshrink, threshold)
from nn.torch_losses import (CTCLoss, GaussianNLLLoss, MultiLabelMarginLoss,
                             MultiLabelSoftMarginLoss, MultiMarginLoss, ctc_loss,
                             gaussian_nll_loss, multi_margin_loss, multilabel_margin_loss,
                             multilabel_soft_margin_loss)
from nn.torch_sparse import Bilinear, EmbeddingBag, bilinear, embedding_bag

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FAST = settings(max_examples=15, deadline=None)
SHAPES = st.sampled_from([(4,), (2, 6), (2, 3, 4), (1, 2, 2, 2)])


def _away(x, *kinks):
    """x moved off the kinks, where one-sided derivatives are conventions."""
    for k in kinks:
        x = np.where(np.abs(x - k) < 1e-3, k + 0.25, x)
    return x


def _float32_matches(ours, theirs, *arrays, rtol=2e-5, atol=1e-6):
    """Same float32 inputs: same float32 outputs and gradients of sum(out * w)."""
    arrays = [np.asarray(a, np.float32) for a in arrays]
    values = [ag.Value(a) for a in arrays]
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, t_out = ours(*values), theirs(*tensors)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(5).normal(size=out.shape).astype(np.float32)
    (out * w).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    for v, t in zip(values, tensors):
        expected = np.zeros(v.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(v.grad, expected, rtol=rtol, atol=atol)


# --- activations --------------------------------------------------------------------

ACTIVATIONS = [
    ("celu", lambda x: celu(x), lambda t: TF.celu(t), (0,)),
    ("celu alpha", lambda x: celu(x, 0.4), lambda t: TF.celu(t, 0.4), (0,)),
    ("CELU module", lambda x: CELU(2.5)(x), lambda t: torch.nn.CELU(2.5)(t), (0,)),
    ("softshrink", lambda x: softshrink(x), lambda t: TF.softshrink(t), (-0.5, 0.5)),
    ("Softshrink 1.2", lambda x: Softshrink(1.2)(x), lambda t: torch.nn.Softshrink(1.2)(t),
     (-1.2, 1.2)),
    ("hardshrink", lambda x: hardshrink(x), lambda t: TF.hardshrink(t), (-0.5, 0.5)),
    ("Hardshrink 0.3", lambda x: Hardshrink(0.3)(x), lambda t: torch.nn.Hardshrink(0.3)(t),
     (-0.3, 0.3)),
    ("tanhshrink", lambda x: tanhshrink(x), lambda t: TF.tanhshrink(t), ()),
    ("Tanhshrink", lambda x: Tanhshrink()(x), lambda t: torch.nn.Tanhshrink()(t), ()),
    ("threshold", lambda x: threshold(x, 0.1, 20.0), lambda t: TF.threshold(t, 0.1, 20.0),
     (0.1,)),
    ("Threshold", lambda x: Threshold(-0.5, 3)(x), lambda t: torch.nn.Threshold(-0.5, 3)(t),
     (-0.5,)),
    ("rrelu eval", lambda x: rrelu(x), lambda t: TF.rrelu(t), (0,)),
    ("RReLU eval", lambda x: RReLU(0.1, 0.6).eval()(x),
     lambda t: torch.nn.RReLU(0.1, 0.6).eval()(t), (0,)),
    ("glu", lambda x: glu(x), lambda t: TF.glu(t), ()),
    ("GLU dim 0", lambda x: GLU(0)(x), lambda t: torch.nn.GLU(0)(t), ()),
]


@FAST
@given(shape=SHAPES, seed=st.integers(0, 2**16), scale=st.sampled_from([1.0, 3.0]))
@pytest.mark.parametrize("name,ours,theirs,kinks", ACTIVATIONS,
                         ids=[a[0] for a in ACTIVATIONS])
def test_activations_match_torch(name, ours, theirs, kinks, shape, seed, scale):
    if "glu" in name.lower():
        dim = 0 if "dim 0" in name else -1
        shape = list(shape)
        shape[dim] *= 2  # an even size to halve
    x = _away(np.random.default_rng(seed).normal(size=shape) * scale, *kinks)
    # torch's CELU backward scales by 1 / alpha held in single precision even in float64
    # (its gradient is up to 1e-7 off exp(x / alpha)); ours is exact
    compare_with_torch(ours, theirs, x, rtol=1e-6 if "celu" in name.lower() else 1e-9)


def test_activations_at_their_kinks_take_torchs_one_sided_gradients():
    x = np.array([-0.5, 0.5, 0.0, 0.1, -1.0, 2.0])
    for ours, theirs in [(lambda v: softshrink(v), TF.softshrink),
                         (lambda v: hardshrink(v), TF.hardshrink),
                         (lambda v: threshold(v, 0.1, 2.0), lambda t: TF.threshold(t, 0.1, 2.0)),
                         (lambda v: celu(v, 1.0), lambda t: TF.celu(t, 1.0)),
                         (lambda v: rrelu(v, 0.2, 0.4), lambda t: TF.rrelu(t, 0.2, 0.4))]:
        compare_with_torch(ours, theirs, x, rtol=1e-12, second=False)


def test_softmax2d_matches_torch_on_images_and_refuses_other_ranks():
    rng = np.random.default_rng(0)
    for shape in [(3, 2, 4), (2, 3, 2, 2)]:
        x = rng.normal(size=shape)
        compare_with_torch(lambda v: Softmax2d()(v), torch.nn.Softmax2d(), x, rtol=1e-9)
        compare_with_torch(softmax2d, torch.nn.Softmax2d(), x, rtol=1e-9)
    with pytest.raises(ValueError, match=r"Softmax2d.*\(3, 4\)"):
        Softmax2d()(np.zeros((3, 4)))


def test_activations_in_float32_match_torch():
    x = _away(np.random.default_rng(1).normal(size=(4, 4)) * 2, 0, -0.5, 0.5, 0.1)
    cases = [(lambda v: CELU(0.7)(v), torch.nn.CELU(0.7)), (softshrink, TF.softshrink),
             (hardshrink, TF.hardshrink), (tanhshrink, TF.tanhshrink),
             (lambda v: threshold(v, 0.1, -2.0), lambda t: TF.threshold(t, 0.1, -2.0)),
             (rrelu, TF.rrelu), (glu, TF.glu), (lambda v: GLU(0)(v), torch.nn.GLU(0)),
             (lambda v: softmax2d(ag.reshape(v, (1, 4, 2, 2))),
              lambda t: TF.softmax(t.reshape(1, 4, 2, 2), dim=-3))]
    for ours, theirs in cases:
        _float32_matches(ours, theirs, x)


def test_celu_is_finite_for_large_inputs_with_finite_gradients():
    x = ag.Value(np.array([800.0, -800.0, 0.0]))
    y = celu(x, 0.5)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [800.0, -0.5, 0.0])
    np.testing.assert_allclose(x.grad, [1.0, 0.0, 1.0])


def test_rrelu_training_draws_slopes_in_range_from_its_seed_and_backprops_them():
    x = ag.Value(-np.abs(np.random.default_rng(0).normal(size=(200, 50))) - 0.01)
    layer = RReLU(0.1, 0.3, seed=7)
    y = layer(x)
    slopes = y.numpy() / x.numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    # U(0.1, 0.3): mean 0.2, sd 0.2 / sqrt(12) = 0.058, so over 10,000 draws the mean is
    # within 0.003 of 0.2 with a wide margin; and the slopes are spread, not one number
    assert abs(slopes.mean() - 0.2) < 0.003 and abs(slopes.std() - 0.2 / 12 ** 0.5) < 0.003
    y.sum().backward()
    np.testing.assert_allclose(x.grad, slopes, rtol=1e-12)
    again = RReLU(0.1, 0.3, seed=7)(x.numpy())
    np.testing.assert_array_equal(again.numpy(), y.numpy())
    assert not np.array_equal(layer(x).numpy(), y.numpy())  # fresh slopes each call


def test_rrelu_training_keeps_positives_and_gives_zero_its_slope():
    x = ag.Value(np.array([2.0, 0.0, -1.0, 3.0]))
    y = RReLU(0.2, 0.4, seed=1)(x)
    y.sum().backward()
    assert y.numpy()[0] == 2.0 and y.numpy()[3] == 3.0 and y.numpy()[1] == 0.0
    assert x.grad[0] == 1.0 and x.grad[3] == 1.0
    # torch's noise at x = 0 is the slope drawn (x <= 0 is the negative side)
    assert 0.2 <= x.grad[1] <= 0.4 and 0.2 <= -y.numpy()[2] <= 0.4


def test_functional_rrelu_training_follows_ag_manual_seed():
    x = -np.ones((4, 5))
    ag.manual_seed(3)
    first = rrelu(x, training=True).numpy()
    ag.manual_seed(3)
    np.testing.assert_array_equal(rrelu(x, training=True).numpy(), first)
    assert np.all((-first >= 1 / 8) & (-first <= 1 / 3)) and len(np.unique(first)) > 1


def test_activation_configs():
    layer = Threshold(0.1, 20)
    assert layer.get_config() == {"name": layer.name, "threshold": 0.1, "value": 20.0,
                                  "inplace": False}
    assert GLU(1).get_config()["dim"] == 1 and CELU(2).get_config()["alpha"] == 2.0
    assert Softshrink(0.2).get_config()["lambd"] == 0.2 and "lambd=0.3" in repr(Hardshrink(0.3))
    config = RReLU(0.2, 0.3, seed=4).get_config()
    assert (config["lower"], config["upper"], config["seed"]) == (0.2, 0.3, 4)


@pytest.mark.parametrize("make,error,match", [
    (lambda: GLU(1.5), TypeError, "GLU.*dim"),
    (lambda: CELU(0), ValueError, "CELU.*alpha"),
    (lambda: CELU("1"), TypeError, "CELU.*alpha"),
    (lambda: Softshrink(-0.1), ValueError, "Softshrink.*lambd"),
    (lambda: Hardshrink(float("nan")), TypeError, "Hardshrink.*lambd"),
    (lambda: Threshold(None, 1.0), TypeError, "Threshold.*threshold"),
    (lambda: Threshold(0.0, "1"), TypeError, "Threshold.*value"),
    (lambda: RReLU(0.5, 0.1), ValueError, "RReLU.*lower"),
    (lambda: RReLU(seed=-1), ValueError, "RReLU.*seed"),
    (lambda: CELU(inplace=2), TypeError, "CELU.*inplace"),
])
def test_activation_arguments_refused_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_activation_inputs_refused_by_name():
    with pytest.raises(ValueError, match=r"glu.*even.*\(2, 3\)"):
        glu(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="glu: dim 2"):
        GLU(2)(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="Softmax2d"):
        softmax2d(np.zeros((2, 2, 2, 2, 2)))


# --- losses ----------------------------------------------------------------------------

VAR_SHAPES = [
    ((4, 3), (4, 3)),        # one variance per prediction
    ((4, 3), (4, 1)),        # one per sample, last axis 1
    ((4, 3), (4,)),          # one per sample, without the last axis
    ((2, 3, 4), (2, 1, 4)),  # an axis of size 1 elsewhere
    ((5,), ()),              # one variance for a vector
]


@FAST
@given(seed=st.integers(0, 2**16), case=st.sampled_from(VAR_SHAPES),
       full=st.booleans(), reduction=st.sampled_from(["mean", "sum", "none"]),
       eps=st.sampled_from([1e-6, 0.3]))
def test_gaussian_nll_loss_matches_torch(seed, case, full, reduction, eps):
    shape, var_shape = case
    rng = np.random.default_rng(seed)
    x, t = rng.normal(size=shape), rng.normal(size=shape)
    var = rng.uniform(0.05, 2.0, size=var_shape)  # some below eps = 0.3: clamped
    compare_with_torch(
        lambda a, b, v: GaussianNLLLoss(full=full, eps=eps, reduction=reduction)(a, b, v),
        lambda a, b, v: torch.nn.GaussianNLLLoss(full=full, eps=eps, reduction=reduction)(
            a, b, v), x, t, var, rtol=1e-9)
    compare_with_torch(
        lambda a, b, v: gaussian_nll_loss(a, b, v, full, eps, reduction),
        lambda a, b, v: TF.gaussian_nll_loss(a, b, v, full, eps, reduction), x, t, var,
        rtol=1e-9, second=False)


def test_gaussian_nll_loss_passes_var_gradient_through_the_clamp_as_torch():
    x, t = np.array([0.5, -1.0, 2.0, 0.0]), np.array([0.0, 0.0, 1.0, 0.0])
    var = np.array([0.0, 1e-9, 0.5, 2.0])  # the first two are clamped to eps
    compare_with_torch(lambda a, b, v: gaussian_nll_loss(a, b, v, eps=1e-6),
                       lambda a, b, v: TF.gaussian_nll_loss(a, b, v, eps=1e-6),
                       x, t, var, rtol=1e-9)
    v = ag.Value(var)
    gaussian_nll_loss(x, t, v, eps=1e-6).backward()
    assert v.grad[0] != 0  # not zeroed by the clamp


def test_gaussian_nll_loss_with_a_float_var_and_broadcast_target():
    rng = np.random.default_rng(2)
    x, t = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    got = gaussian_nll_loss(ag.Value(x), t, 0.7, reduction="none")
    want = TF.gaussian_nll_loss(torch.tensor(x), torch.tensor(t), 0.7, reduction="none")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_gaussian_nll_loss_float32():
    rng = np.random.default_rng(3)
    x, t, v = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(0, 1, (4, 1))
    _float32_matches(lambda a, b, c: gaussian_nll_loss(a, b, c, full=True),
                     lambda a, b, c: TF.gaussian_nll_loss(a, b, c, full=True), x, t, v)


def test_gaussian_nll_loss_refuses_bad_var():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"GaussianNLLLoss: var of shape \(4, 2\)"):
        gaussian_nll_loss(x, x, np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"GaussianNLLLoss: var of shape \(1, 1\)"):
        gaussian_nll_loss(np.zeros((4, 3)), x, np.ones((1, 1)))
    with pytest.raises(ValueError, match="GaussianNLLLoss: var has negative"):
        gaussian_nll_loss(x, x, -np.ones((4, 3)))
    with pytest.raises(ValueError, match="GaussianNLLLoss: var must be >= 0"):
        gaussian_nll_loss(x, x, -1.0)
    with pytest.raises(ValueError, match="GaussianNLLLoss: reduction"):
        GaussianNLLLoss(reduction="avg")
    with pytest.raises(TypeError, match="GaussianNLLLoss: full"):
        GaussianNLLLoss(full=1)
    with pytest.raises(ValueError, match="GaussianNLLLoss: eps"):
        GaussianNLLLoss(eps=-1.0)


@FAST
@given(seed=st.integers(0, 2**16), shape=st.sampled_from([(5,), (3, 4), (1, 2)]),
       weighted=st.booleans(), reduction=st.sampled_from(["mean", "sum", "none"]))
def test_multilabel_soft_margin_loss_matches_torch(seed, shape, weighted, reduction):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape) * 3
    y = rng.integers(0, 2, size=shape).astype(np.float64)
    w = rng.uniform(0.1, 2, size=shape[-1]) if weighted else None
    tw = None if w is None else torch.tensor(w)
    compare_with_torch(
        lambda a: MultiLabelSoftMarginLoss(w, reduction=reduction)(a, y),
        lambda a: torch.nn.MultiLabelSoftMarginLoss(tw, reduction=reduction)(
            a, torch.tensor(y)), x, rtol=1e-9)
    compare_with_torch(
        lambda a: multilabel_soft_margin_loss(a, y, w, reduction=reduction),
        lambda a: TF.multilabel_soft_margin_loss(a, torch.tensor(y), tw,
                                                 reduction=reduction), x, rtol=1e-9,
        second=False)


@FAST
@given(seed=st.integers(0, 2**16), n=st.integers(1, 4), classes=st.integers(1, 5),
       p=st.sampled_from([1, 2]), margin=st.sampled_from([1.0, 0.5, 2.0]),
       weighted=st.booleans(), reduction=st.sampled_from(["mean", "sum", "none"]),
       single=st.booleans())
def test_multi_margin_loss_matches_torch(seed, n, classes, p, margin, weighted, reduction,
                                         single):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(classes,) if single else (n, classes))
    y = rng.integers(0, classes, size=() if single else (n,))
    w = rng.uniform(0.1, 2, size=classes) if weighted else None
    tw = None if w is None else torch.tensor(w)
    compare_with_torch(
        lambda a: MultiMarginLoss(p, margin, w, reduction=reduction)(a, y),
        lambda a: torch.nn.MultiMarginLoss(p, margin, tw, reduction=reduction)(
            a, torch.tensor(y)), x, rtol=1e-9, second=False)
    compare_with_torch(
        lambda a: multi_margin_loss(a, y, p, margin, w, reduction=reduction),
        lambda a: TF.multi_margin_loss(a, torch.tensor(y), p, margin, tw,
                                       reduction=reduction), x, rtol=1e-9, second=False)


def _label_lists(rng, n, classes):
    """Rows of target classes (duplicates allowed), each ended by -1 or the row's end, and
    junk after the -1 that must be ignored."""
    t = rng.integers(0, classes, size=(n, classes))
    for row in t:
        stop = rng.integers(0, classes + 1)
        if stop < classes:
            row[stop] = -1
    return t


@FAST
@given(seed=st.integers(0, 2**16), n=st.integers(1, 4), classes=st.integers(1, 5),
       reduction=st.sampled_from(["mean", "sum", "none"]), single=st.booleans())
def test_multilabel_margin_loss_matches_torch(seed, n, classes, reduction, single):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, classes))
    t = _label_lists(rng, n, classes)
    if single:
        x, t = x[0], t[0]
    compare_with_torch(
        lambda a: MultiLabelMarginLoss(reduction=reduction)(a, t),
        lambda a: torch.nn.MultiLabelMarginLoss(reduction=reduction)(a, torch.tensor(t)),
        x, rtol=1e-9, second=False)
    compare_with_torch(
        lambda a: multilabel_margin_loss(a, t, reduction=reduction),
        lambda a: TF.multilabel_margin_loss(a, torch.tensor(t), reduction=reduction),
        x, rtol=1e-9, second=False)


def test_multilabel_margin_loss_counts_a_repeated_class_twice_as_torch():
    x, t = np.array([[0.1, 0.2, 0.4, 0.8]]), np.array([[3, 3, 0, -1]])
    compare_with_torch(lambda a: multilabel_margin_loss(a, t),
                       lambda a: TF.multilabel_margin_loss(a, torch.tensor(t)), x,
                       rtol=1e-12, second=False)


def test_margin_losses_float32():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5))
    y, t = np.array([0, 4, 2]), _label_lists(rng, 3, 5)
    labels = rng.integers(0, 2, size=(3, 5)).astype(np.float32)
    w = rng.uniform(0.5, 1.5, 5)
    _float32_matches(lambda a: multi_margin_loss(a, y, 2, 0.7, w),
                     lambda a: TF.multi_margin_loss(a, torch.tensor(y), 2, 0.7,
                                                    torch.tensor(w, dtype=torch.float32)), x)
    _float32_matches(lambda a: multilabel_margin_loss(a, t),
                     lambda a: TF.multilabel_margin_loss(a, torch.tensor(t)), x)
    _float32_matches(lambda a: multilabel_soft_margin_loss(a, labels, w),
                     lambda a: TF.multilabel_soft_margin_loss(
                         a, torch.tensor(labels), torch.tensor(w, dtype=torch.float32)), x)


def test_margin_losses_refuse_bad_arguments_by_name():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="MultiMarginLoss: p must be 1 or 2"):
        MultiMarginLoss(p=3)
    with pytest.raises(IndexError, match="MultiMarginLoss: target 3 is out of bounds"):
        multi_margin_loss(x, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"MultiMarginLoss: target .* shape \(2,\)"):
        multi_margin_loss(x, np.array([[0], [1]]))
    with pytest.raises(TypeError, match="MultiMarginLoss: target must hold integer"):
        multi_margin_loss(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="MultiMarginLoss: weight has 2 entries"):
        multi_margin_loss(x, np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(IndexError, match="MultiLabelMarginLoss: target 5 is out of bounds"):
        multilabel_margin_loss(x, np.array([[0, 5, -1], [1, -1, 7]]))
    with pytest.raises(ValueError, match=r"MultiLabelMarginLoss: target .* \(2, 3\)"):
        multilabel_margin_loss(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"MultiLabelSoftMarginLoss: target of shape"):
        multilabel_soft_margin_loss(x, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="MultiLabelSoftMarginLoss: weight has 2 entries"):
        multilabel_soft_margin_loss(x, np.zeros((2, 3)), np.ones(2))
    with pytest.raises(TypeError, match="MultiLabelMarginLoss: size_average"):
        MultiLabelMarginLoss(size_average=True)


def test_multilabel_margin_loss_ignores_entries_after_the_first_minus_one():
    x = ag.Value(np.array([[0.3, -0.2, 0.9, 0.1]]))
    loss = multilabel_margin_loss(x, np.array([[2, -1, 99, -7]]))
    # only class 2 is a target: 1/4 * sum_i!=2 max(0, 1 - (0.9 - x_i))
    assert np.isclose(float(loss), (0.4 + 0 + 0.2) / 4)


# CTC: compared through log_softmax (logits -> log-probabilities -> loss), as it is used:
# PyTorch's kernel returns the gradient in log_probs plus exp(log_probs) (scaled by the
# reduction), which log_softmax's backward cancels; ours is the true derivative there.

@st.composite
def ctc_cases(draw):
    n, classes = draw(st.integers(1, 3)), draw(st.integers(2, 5))
    blank = draw(st.sampled_from([0, classes - 1]))
    steps, width = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    t_len = np.array(draw(st.lists(st.integers(0, width), min_size=n, max_size=n)))
    t_in = np.array(draw(st.lists(st.integers(0, steps), min_size=n, max_size=n)))
    labels = [c for c in range(classes) if c != blank]
    targets = np.array(draw(st.lists(st.sampled_from(labels), min_size=n * width,
                                     max_size=n * width))).reshape(n, width)
    return steps, n, classes, blank, targets, t_in, t_len


@FAST
@given(case=ctc_cases(), reduction=st.sampled_from(["mean", "sum", "none"]),
       zero_infinity=st.booleans(), flat=st.booleans(), seed=st.integers(0, 2**16))
def test_ctc_loss_matches_torch(case, reduction, zero_infinity, flat, seed):
    steps, n, classes, blank, targets, t_in, t_len = case
    if flat:  # PyTorch's other layout: all targets one after another
        targets = np.concatenate([row[:k] for row, k in zip(targets, t_len)]).astype(np.int64)
    logits = np.random.default_rng(seed).normal(size=(steps, n, classes)) * 2
    z, t_z = ag.Value(logits), torch.tensor(logits, requires_grad=True)
    y = CTCLoss(blank, reduction, zero_infinity)(ag.log_softmax(z, axis=2), targets, t_in,
                                                 t_len)
    t_y = torch.nn.CTCLoss(blank, reduction, zero_infinity)(
        t_z.log_softmax(2), torch.tensor(targets), torch.tensor(t_in), torch.tensor(t_len))
    np.testing.assert_allclose(y.numpy(), t_y.detach().numpy(), rtol=1e-10, atol=1e-12)
    if np.all(np.isfinite(t_y.detach().numpy())):
        w = np.random.default_rng(seed + 1).normal(size=y.shape)
        (y * w).sum().backward()
        (t_y * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(z.grad, t_z.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_ctc_loss_float32_unbatched_and_its_raw_gradient():
    rng = np.random.default_rng(9)
    logits = rng.normal(size=(6, 2, 4))
    targets, t_in, t_len = np.array([[1, 1, 3], [2, 3, 0]]), np.array([6, 4]), np.array([3, 2])
    _float32_matches(
        lambda z: ctc_loss(ag.log_softmax(z, axis=2), targets, t_in, t_len),
        lambda z: TF.ctc_loss(z.log_softmax(2), torch.tensor(targets), torch.tensor(t_in),
                              torch.tensor(t_len)), logits)
    compare_with_torch(
        lambda z: ctc_loss(ag.log_softmax(z, axis=1), np.array([2, 1]), 6, 2, blank=3),
        lambda z: TF.ctc_loss(z.log_softmax(1), torch.tensor([2, 1]), torch.tensor(6),
                              torch.tensor(2), blank=3), logits[:, 0], rtol=1e-10,
        second=False)
    lp = torch.tensor(logits).log_softmax(2).detach().requires_grad_()
    TF.ctc_loss(lp, torch.tensor(targets), torch.tensor(t_in), torch.tensor(t_len),
                reduction="sum").backward()
    v = ag.Value(lp.detach().numpy())
    ctc_loss(v, targets, t_in, t_len, reduction="sum").backward()
    # PyTorch's extra exp(log_probs), on the steps each input has
    steps = (np.arange(6)[:, None] < t_in)[:, :, None]
    np.testing.assert_allclose(lp.grad.numpy(), v.grad + np.exp(v.numpy()) * steps,
                               rtol=1e-9, atol=1e-12)


def test_ctc_loss_of_an_impossible_target_is_inf_or_zero_without_gradient():
    logits = ag.Value(np.zeros((2, 1, 3)))
    lp = ag.log_softmax(logits, axis=2)
    assert float(ctc_loss(lp, np.array([[1, 1]]), [2], [2], reduction="sum")) == np.inf
    loss = ctc_loss(lp, np.array([[1, 1]]), [2], [2], zero_infinity=True)
    loss.backward()
    assert float(loss) == 0.0 and np.all(logits.grad == 0)


@pytest.mark.parametrize("call,error,match", [
    (lambda lp: CTCLoss(blank=-1), ValueError, "CTCLoss: blank"),
    (lambda lp: CTCLoss(zero_infinity=1), TypeError, "CTCLoss: zero_infinity"),
    (lambda lp: ctc_loss(lp, np.array([[1]]), [3], [1], blank=3), ValueError,
     "blank 3 is not one of the 3 classes"),
    (lambda lp: ctc_loss(lp, np.array([[0]]), [3], [1]), ValueError, "other than the blank"),
    (lambda lp: ctc_loss(lp, np.array([[5]]), [3], [1]), ValueError, r"labels in \[0, 3\)"),
    (lambda lp: ctc_loss(lp, np.array([[1]]), [4], [1]), ValueError,
     "input_lengths must be at most T = 3"),
    (lambda lp: ctc_loss(lp, np.array([[1]]), [3], [2]), ValueError, "S >= every target"),
    (lambda lp: ctc_loss(lp, np.array([1, 2]), [3], [1]), ValueError,
     r"sum\(target_lengths\) = 1"),
    (lambda lp: ctc_loss(lp, np.array([[1]]), [3, 3], [1]), ValueError,
     "ctc_loss: input_lengths must be 1 integers"),
    (lambda lp: ctc_loss(lp, np.array([[1.0]]), [3], [1]), TypeError, "integer labels"),
])
def test_ctc_loss_refuses_bad_arguments_by_name(call, error, match):
    lp = ag.log_softmax(ag.Value(np.zeros((3, 1, 3))), axis=2)
    with pytest.raises(error, match=match):
        call(lp)


# --- Embedding: padding_idx and max_norm ------------------------------------------------

@pytest.mark.parametrize("padding_idx", [0, 3, -1, -5])
def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient(padding_idx):
    emb = Embedding(5, 3, padding_idx=padding_idx, dtype="float64")
    row = padding_idx % 5
    assert emb.padding_idx == row
    np.testing.assert_array_equal(emb.weight.numpy()[row], 0.0)
    assert np.all(np.delete(emb.weight.numpy(), row, 0) != 0)
    table = np.random.default_rng(0).normal(size=(5, 3))  # a non-zero padding row
    emb.weight.assign(table)
    ref = torch.nn.Embedding(5, 3, padding_idx=padding_idx, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(table))
    ids = np.array([[0, 3, 4, 3], [1, 2, 3, 0]])
    y, t_y = emb(ids), ref(torch.tensor(ids))
    np.testing.assert_array_equal(y.numpy(), t_y.detach().numpy())  # the row is returned
    g = np.random.default_rng(1).normal(size=y.shape)
    (y * g).sum().backward()
    (t_y * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad, ref.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(emb.weight.grad[row], 0.0)


def test_embedding_from_pretrained_keeps_the_padding_row_as_given():
    table = np.arange(12.0).reshape(4, 3)
    emb = Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    ref = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False, padding_idx=1)
    ids = np.array([[1, 2, 1]])
    y, t_y = emb(ids), ref(torch.tensor(ids))
    np.testing.assert_array_equal(y.numpy(), t_y.detach().numpy())
    y.sum().backward()
    t_y.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad, ref.weight.grad.numpy())
    assert emb.get_config()["padding_idx"] == 1 and "padding_idx=1" in repr(emb)


@FAST
@given(seed=st.integers(0, 2**16), max_norm=st.sampled_from([0.5, 1.0, 2.5]),
       norm_type=st.sampled_from([1.0, 2.0, 3.0]),
       dtype=st.sampled_from(["float64", "float32"]))
def test_embedding_max_norm_renormalises_looked_up_rows_in_place_as_torch(
        seed, max_norm, norm_type, dtype):
    rng = np.random.default_rng(seed)
    table = (rng.normal(size=(6, 3)) * 2).astype(dtype)
    ids = rng.integers(0, 6, size=(2, 3))
    emb = Embedding.from_pretrained(table, freeze=False, max_norm=max_norm,
                                    norm_type=norm_type)
    ref = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False,
                                             max_norm=max_norm, norm_type=norm_type)
    y, t_y = emb(ids), ref(torch.tensor(ids))
    tol = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(y.numpy(), t_y.detach().numpy(), rtol=tol)
    np.testing.assert_allclose(emb.weight.numpy(), ref.weight.detach().numpy(), rtol=tol)
    unused = np.setdiff1d(np.arange(6), ids)
    np.testing.assert_array_equal(emb.weight.numpy()[unused], table[unused])
    g = rng.normal(size=y.shape).astype(dtype)
    (y * g).sum().backward()
    (t_y * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad, ref.weight.grad.numpy(), rtol=tol)


@pytest.mark.parametrize("kwargs,error,match", [
    ({"padding_idx": 5}, ValueError, "Embedding.*padding_idx must be within the 5"),
    ({"padding_idx": -6}, ValueError, "Embedding.*padding_idx"),
    ({"padding_idx": 1.0}, TypeError, "Embedding.*padding_idx must be an int"),
    ({"max_norm": 0.0}, ValueError, "Embedding.*max_norm must be > 0"),
    ({"max_norm": "1"}, TypeError, "Embedding.*max_norm must be a number"),
    ({"max_norm": 1.0, "norm_type": None}, TypeError, "Embedding.*norm_type"),
])
def test_embedding_refuses_bad_padding_and_norm_before_drawing(kwargs, error, match):
    ag.random.set_seed(11)
    before = ag.random.uniform((3,), dtype=ag.float64).numpy()
    ag.random.set_seed(11)
    with pytest.raises(error, match=match):
        Embedding(5, 2, **kwargs)
    np.testing.assert_array_equal(ag.random.uniform((3,), dtype=ag.float64).numpy(), before)


def test_embedding_bad_ids_leave_a_max_norm_table_unchanged():
    emb = Embedding.from_pretrained(np.full((3, 2), 5.0), max_norm=1.0)
    with pytest.raises(ValueError, match="Embedding.*ids must lie in"):
        emb(np.array([[0, 3]]))
    np.testing.assert_array_equal(emb.weight.numpy(), 5.0)


# --- EmbeddingBag -------------------------------------------------------------------------

@st.composite
def bag_cases(draw):
    bags = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(0, 4), min_size=bags, max_size=bags))
    num = draw(st.integers(2, 6))
    ids = draw(st.lists(st.integers(0, num - 1), min_size=sum(sizes), max_size=sum(sizes)))
    return (num, np.array(ids, np.int64), np.concatenate([[0], np.cumsum(sizes)[:-1]]),
            sizes)


@FAST
@given(case=bag_cases(), mode=st.sampled_from(["sum", "mean", "max"]),
       last=st.booleans(), pad=st.sampled_from([None, 0, -1]), weighted=st.booleans(),
       seed=st.integers(0, 2**16))
def test_embedding_bag_1d_with_offsets_matches_torch(case, mode, last, pad, weighted, seed):
    num, ids, offsets, sizes = case
    if last:
        offsets = np.append(offsets, ids.size)
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(num, 3))
    psw = rng.normal(size=ids.shape) if weighted and mode == "sum" else None
    E, tE = ag.Variable(table), torch.tensor(table, requires_grad=True)
    P = None if psw is None else ag.Variable(psw)
    tP = None if psw is None else torch.tensor(psw, requires_grad=True)
    y = embedding_bag(ids, E, offsets, mode=mode, per_sample_weights=P,
                      include_last_offset=last, padding_idx=pad)
    t_y = TF.embedding_bag(torch.tensor(ids), tE, torch.tensor(offsets), mode=mode,
                           per_sample_weights=tP, include_last_offset=last, padding_idx=pad)
    np.testing.assert_allclose(y.numpy(), t_y.detach().numpy(), rtol=1e-12, atol=1e-15)
    g = rng.normal(size=y.shape)
    (y * g).sum().backward()
    (t_y * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(E.grad, tE.grad.numpy(), rtol=1e-12, atol=1e-15)
    if P is not None:
        np.testing.assert_allclose(P.grad, tP.grad.numpy(), rtol=1e-12, atol=1e-15)


@FAST
@given(bags=st.integers(1, 3), size=st.integers(1, 4),
       mode=st.sampled_from(["sum", "mean", "max"]), pad=st.sampled_from([None, 2]),
       seed=st.integers(0, 2**16))
def test_embedding_bag_module_on_2d_input_matches_torch(bags, size, mode, pad, seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 5, size=(bags, size))
    layer = EmbeddingBag(5, 4, mode=mode, padding_idx=pad, dtype="float64")
    ref = torch.nn.EmbeddingBag(5, 4, mode=mode, padding_idx=pad, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.weight.numpy()))
    y, t_y = layer(ids), ref(torch.tensor(ids))
    np.testing.assert_allclose(y.numpy(), t_y.detach().numpy(), rtol=1e-12, atol=1e-15)
    g = rng.normal(size=y.shape)
    (y * g).sum().backward()
    (t_y * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, ref.weight.grad.numpy(), rtol=1e-12,
                               atol=1e-15)


def test_embedding_bag_max_sends_each_gradient_to_one_row_and_empty_bags_are_zero():
    table = np.array([[1.0, 5.0], [3.0, 2.0], [0.0, 0.0]])
    ids, offsets = np.array([0, 1, 1, 0, 2]), np.array([0, 3, 3])
    E, tE = ag.Variable(table), torch.tensor(table, requires_grad=True)
    y = embedding_bag(ids, E, offsets, mode="max")
    t_y = TF.embedding_bag(torch.tensor(ids), tE, torch.tensor(offsets), mode="max")
    np.testing.assert_array_equal(y.numpy(), [[3.0, 5.0], [0.0, 0.0], [1.0, 5.0]])
    np.testing.assert_array_equal(y.numpy(), t_y.detach().numpy())
    y.sum().backward()
    t_y.sum().backward()
    np.testing.assert_array_equal(E.grad, tE.grad.numpy())


def test_embedding_bag_float32_matches_torch():
    rng = np.random.default_rng(6)
    table = rng.normal(size=(6, 3)).astype(np.float32)
    ids, offsets = np.array([1, 2, 5, 5, 0, 3]), np.array([0, 2, 2, 6])
    psw = rng.normal(size=6).astype(np.float32)
    for mode in ("sum", "mean", "max"):
        w = psw if mode == "sum" else None
        _float32_matches(
            lambda e: embedding_bag(ids, e, offsets, mode=mode, per_sample_weights=w,
                                    include_last_offset=True),
            lambda e: TF.embedding_bag(torch.tensor(ids), e, torch.tensor(offsets),
                                       mode=mode, include_last_offset=True,
                                       per_sample_weights=None if w is None
                                       else torch.tensor(w)), table)


def test_embedding_bag_module_init_and_from_pretrained():
    layer = EmbeddingBag(6, 4, padding_idx=-2)
    assert layer.weight.shape == (6, 4) and layer.padding_idx == 4
    assert layer.weight.dtype == ag.get_default_dtype()
    np.testing.assert_array_equal(layer.weight.numpy()[4], 0.0)
    big = EmbeddingBag(400, 50).weight.numpy()  # N(0, 1), as torch's
    assert abs(big.mean()) < 0.02 and abs(big.std() - 1) < 0.02
    table = np.arange(8.0).reshape(4, 2)
    frozen = EmbeddingBag.from_pretrained(table, mode="sum", padding_idx=1)
    np.testing.assert_array_equal(frozen.weight.numpy(), table)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(np.array([[1, 2, 3]])).numpy(), [[10.0, 12.0]])
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_embedding_bag_max_norm_matches_torch():
    table = np.random.default_rng(7).normal(size=(5, 3)) * 3
    layer = EmbeddingBag.from_pretrained(table, freeze=False, max_norm=1.5, mode="sum")
    ref = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), freeze=False,
                                                max_norm=1.5, mode="sum")
    ids = np.array([[0, 2], [2, 3]])
    np.testing.assert_allclose(layer(ids).numpy(), ref(torch.tensor(ids)).detach().numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(layer.weight.numpy(), ref.weight.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("call,error,match", [
    (lambda E: embedding_bag(np.array([0, 1]), E, np.array([1])), ValueError,
     r"offsets\[0\] must be 0"),
    (lambda E: embedding_bag(np.array([0, 1, 2]), E, np.array([0, 2, 1])), ValueError,
     "offsets must rise"),
    (lambda E: embedding_bag(np.array([0, 1]), E, np.array([0, 3])), ValueError,
     "offsets must rise"),
    (lambda E: embedding_bag(np.array([0, 1]), E, np.array([0, 1]),
                             include_last_offset=True), ValueError,
     "include_last_offset.*length 2"),
    (lambda E: embedding_bag(np.array([0, 1]), E), ValueError, "1-D input needs offsets"),
    (lambda E: embedding_bag(np.array([[0, 1]]), E, np.array([0])), ValueError,
     "offsets must be None"),
    (lambda E: embedding_bag(np.array([[0, 4]]), E), IndexError, r"ids must lie in \[0, 4\)"),
    (lambda E: embedding_bag(np.array([[0.0, 1.0]]), E), TypeError, "integer ids"),
    (lambda E: embedding_bag(np.array([[0, 1]]), E, mode="mean",
                             per_sample_weights=np.ones((1, 2))), ValueError,
     "per_sample_weights are only for mode='sum'"),
    (lambda E: embedding_bag(np.array([[0, 1]]), E, mode="sum",
                             per_sample_weights=np.ones(2)), ValueError,
     "per_sample_weights must have input's shape"),
    (lambda E: embedding_bag(np.array([[0, 1]]), E, mode="min"), ValueError, "mode must be"),
    (lambda E: embedding_bag(np.array([[0, 1]]), E, scale_grad_by_freq=True),
     NotImplementedError, "scale_grad_by_freq"),
    (lambda E: embedding_bag(np.array([[0, 1]]), E, padding_idx=4), ValueError,
     "padding_idx"),
])
def test_embedding_bag_refuses_bad_arguments_by_name(call, error, match):
    E = ag.Variable(np.ones((4, 2)))
    with pytest.raises(error, match=match):
        call(E)


@pytest.mark.parametrize("kwargs,error,match", [
    ({"mode": "avg"}, ValueError, "EmbeddingBag: mode"),
    ({"padding_idx": 9}, ValueError, "EmbeddingBag: padding_idx"),
    ({"sparse": True}, NotImplementedError, "EmbeddingBag: sparse"),
    ({"include_last_offset": 1}, TypeError, "EmbeddingBag: include_last_offset"),
    ({"embedding_dim": 0}, ValueError, "EmbeddingBag: embedding_dim"),
])
def test_embedding_bag_module_refuses_before_drawing(kwargs, error, match):
    args = {"num_embeddings": 5, "embedding_dim": 3, **kwargs}
    ag.random.set_seed(5)
    before = ag.random.uniform((3,), dtype=ag.float64).numpy()
    ag.random.set_seed(5)
    with pytest.raises(error, match=match):
        EmbeddingBag(**args)
    np.testing.assert_array_equal(ag.random.uniform((3,), dtype=ag.float64).numpy(), before)


# --- Bilinear -----------------------------------------------------------------------------

@FAST
@given(lead=st.sampled_from([(), (1,), (3,), (2, 2)]), in1=st.integers(1, 4),
       in2=st.integers(1, 4), out=st.integers(1, 3), bias=st.booleans(),
       seed=st.integers(0, 2**16))
def test_bilinear_matches_torch(lead, in1, in2, out, bias, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=lead + (in1,)), rng.normal(size=lead + (in2,))
    A, b = rng.normal(size=(out, in1, in2)), rng.normal(size=(out,))
    if bias:
        compare_with_torch(bilinear, TF.bilinear, x1, x2, A, b, rtol=1e-9)
    else:
        compare_with_torch(bilinear, TF.bilinear, x1, x2, A, rtol=1e-9)


def test_bilinear_module_shapes_init_and_float32():
    layer = Bilinear(20, 3, 50)
    assert layer.weight.shape == (50, 20, 3) and layer.bias.shape == (50,)
    bound = 1 / 20 ** 0.5
    w = layer.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert w.std() == pytest.approx(bound / 3 ** 0.5, rel=0.1)  # U(-b, b): sd b / sqrt(3)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert Bilinear(2, 3, 4, bias=False).bias is None
    small = Bilinear(3, 2, 4, dtype="float32")
    ref = torch.nn.Bilinear(3, 2, 4)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(small.weight.numpy()))
        ref.bias.copy_(torch.tensor(small.bias.numpy()))
    rng = np.random.default_rng(8)
    x1, x2 = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    _float32_matches(lambda a, c: small(a, c), lambda a, c: ref(a, c), x1, x2)
    y = small(x1.astype(np.float32), x2.astype(np.float32))
    y.sum().backward()
    (ref(torch.tensor(x1, dtype=torch.float32), torch.tensor(x2, dtype=torch.float32))
     .sum().backward())
    np.testing.assert_allclose(small.weight.grad, ref.weight.grad.numpy(), rtol=2e-5,
                               atol=1e-6)
    np.testing.assert_allclose(small.bias.grad, ref.bias.grad.numpy(), rtol=2e-5)


def test_bilinear_refuses_bad_shapes_and_arguments():
    with pytest.raises(ValueError, match=r"bilinear: inputs of shapes \(2, 3\) and \(3, 2\)"):
        bilinear(np.zeros((2, 3)), np.zeros((3, 2)), np.zeros((1, 3, 2)))
    with pytest.raises(ValueError, match=r"bilinear: inputs .* weight of shape \(1, 3, 2\)"):
        bilinear(np.zeros((2, 4)), np.zeros((2, 2)), np.zeros((1, 3, 2)))
    with pytest.raises(ValueError, match="bilinear: weight must be 3-D"):
        bilinear(np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"bilinear: bias must have shape \(1,\)"):
        bilinear(np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((1, 3, 2)), np.zeros(2))
    ag.random.set_seed(2)
    before = ag.random.uniform((3,), dtype=ag.float64).numpy()
    ag.random.set_seed(2)
    with pytest.raises(ValueError, match="Bilinear: out_features"):
        Bilinear(2, 3, 0)
    with pytest.raises(TypeError, match="Bilinear: bias"):
        Bilinear(2, 3, 1, bias=None)
    np.testing.assert_array_equal(ag.random.uniform((3,), dtype=ag.float64).numpy(), before)


def test_torch_ctc_loss_is_the_one_recursion_nn_and_tensorflow_run():
    # torch.ctc_loss (ag.ctc_loss) is what nn.CTCLoss / F.ctc_loss call, and TensorFlow's
    # ag.nn.ctc_loss runs its recursion on the logits' log-softmax
    torch = pytest.importorskip("torch")
    from derivatives import compare_with_torch
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(6, 3, 5))
    targets = np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]])
    t_in, t_len = np.array([6, 5, 6]), np.array([3, 2, 2])
    for reduction in ("none", "mean", "sum"):
        compare_with_torch(
            lambda x: ag.ctc_loss(ag.log_softmax(x, axis=2), targets, t_in, t_len, 0, reduction),
            lambda x: torch.ctc_loss(torch.log_softmax(x, 2), torch.tensor(targets),
                                     torch.tensor(t_in), torch.tensor(t_len), 0,
                                     {"none": 0, "mean": 1, "sum": 2}[reduction], False),
            logits, rtol=1e-9, atol=1e-12, second=False)  # (PyTorch has no second)
    x = ag.Value(logits)
    lp = ag.log_softmax(x, axis=2)
    np.testing.assert_array_equal(
        CTCLoss(reduction="none")(lp, targets, t_in, t_len).numpy(),
        ag.ctc_loss(lp, targets, t_in, t_len, reduction="none").numpy())
    np.testing.assert_allclose(  # TensorFlow's: labels (N, L), logits; blank 0
        ag.nn.ctc_loss(targets, x, t_len, t_in).numpy(),
        ag.ctc_loss(lp, targets, t_in, t_len, reduction="none").numpy(), rtol=1e-12)
