"""Tests for Keras's other losses in nn.losses (Huber, KLDivergence, focal, Dice, ...):
Keras's docstring examples, formulas written again in numpy, PyTorch's losses where they
exist, gradients against central differences, reductions, names, configs and saving."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from nn import losses as L
from tests.derivatives import first_order, numerical_gradient

try:  # PyTorch (an optional extra) is one of the references; the rest needs none
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = F = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (an optional extra) is "
                                 "not installed: it is the reference for these")

EPS = 1e-7


# --- the formulas again, in numpy, from Keras's source -------------------------------------


def np_huber(t, y, delta=1.0):
    e = y - t
    return np.mean(np.where(np.abs(e) <= delta, 0.5 * e ** 2, delta * np.abs(e) - 0.5 * delta ** 2),
                   axis=-1)


def np_hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_focal_binary(t, p, balance=False, alpha=0.25, gamma=2.0, smoothing=0.0):
    t = t * (1 - smoothing) + 0.5 * smoothing
    c = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(c) + (1 - t) * np.log(1 - c))
    out = (1 - (t * p + (1 - t) * (1 - p))) ** gamma * bce
    if balance:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(-1)


def np_focal_categorical(t, p, alpha=0.25, gamma=2.0, smoothing=0.0):
    t = t * (1 - smoothing) + smoothing / t.shape[-1]
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return np.sum(alpha * (1 - p) ** gamma * -(t * np.log(p)), axis=-1)


def np_unit(x):
    return x / np.sqrt(np.maximum((x ** 2).sum(-1, keepdims=True), EPS ** 2))


# name -> (our function, numpy formula, kind of targets, kind of predictions)
FORMULAS = {
    "huber": (L.huber, np_huber, "real", "real"),
    "log_cosh": (L.log_cosh, lambda t, y: np.mean(np.log(np.cosh(y - t)), -1), "real", "real"),
    "kl_divergence": (L.kl_divergence, lambda t, p: np.sum(
        np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1)), -1), "prob", "prob"),
    "poisson": (L.poisson, lambda t, y: np.mean(y - t * np.log(y + EPS), -1), "count", "positive"),
    "hinge": (L.hinge, lambda t, y: np.mean(np.maximum(1 - np_hinge_labels(t) * y, 0), -1),
              "binary", "real"),
    "squared_hinge": (L.squared_hinge, lambda t, y: np.mean(
        np.maximum(1 - np_hinge_labels(t) * y, 0) ** 2, -1), "binary", "real"),
    "categorical_hinge": (L.categorical_hinge, lambda t, y: np.maximum(
        np.max((1 - t) * y, -1) - np.sum(t * y, -1) + 1, 0), "onehot", "real"),
    "cosine_similarity": (L.cosine_similarity, lambda t, y: -np.sum(np_unit(t) * np_unit(y), -1),
                          "real", "real"),
    "mean_absolute_percentage_error": (L.mean_absolute_percentage_error, lambda t, y: 100 * np.mean(
        np.abs((t - y) / np.maximum(np.abs(t), EPS)), -1), "real", "real"),
    "mean_squared_logarithmic_error": (L.mean_squared_logarithmic_error, lambda t, y: np.mean(
        (np.log(np.maximum(y, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1),
        "positive", "positive"),
    "binary_focal_crossentropy": (L.binary_focal_crossentropy, np_focal_binary, "prob", "prob"),
    "categorical_focal_crossentropy": (L.categorical_focal_crossentropy, np_focal_categorical,
                                       "onehot", "prob"),
}


def draw(kind, shape, rng):
    if kind == "real":
        return rng.normal(size=shape)
    if kind == "positive":
        return rng.uniform(0.1, 3.0, size=shape)
    if kind == "prob":
        return rng.uniform(0.05, 0.95, size=shape)
    if kind == "count":
        return rng.integers(0, 5, size=shape).astype(float)
    if kind == "binary":
        return rng.integers(0, 2, size=shape).astype(float)
    return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]     # onehot


def away_from_kinks(name, t, y):
    """Move predictions off the points where the loss has no derivative."""
    if name in ("hinge", "squared_hinge"):
        margin = 1 - np_hinge_labels(t) * y
        y = np.where(np.abs(margin) < 0.05, y + 0.1, y)
    if name == "huber":
        y = np.where(np.abs(np.abs(y - t) - 1.0) < 0.05, y + 0.1, y)
    if name == "categorical_hinge":
        y = y + 1e-2 * np.arange(y.shape[-1])       # no ties for the max
    return y


@pytest.mark.parametrize("name", sorted(FORMULAS))
@settings(max_examples=8, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       seed=st.integers(0, 2 ** 32 - 1))
def test_values_and_gradients_against_numpy(name, shape, seed):
    fn, formula, t_kind, y_kind = FORMULAS[name]
    shape = tuple(shape)
    if t_kind == "onehot" and shape[-1] < 2:
        shape = shape[:-1] + (2,)
    rng = np.random.default_rng(seed)
    t, y = draw(t_kind, shape, rng), draw(y_kind, shape, rng)
    y = away_from_kinks(name, t, y)
    got = fn(t, ag.constant(y))
    expected = formula(t, y)
    if len(shape) == 1 and name not in ("categorical_hinge", "cosine_similarity",
                                        "categorical_focal_crossentropy"):
        expected = formula(t[:, None], y[:, None])  # a 1-D input holds one value per sample
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-12)
    w = rng.uniform(0.5, 1.5, size=got.shape)
    (grad,) = first_order(lambda v: fn(t, v), [y], w)
    numeric = numerical_gradient(lambda v: np.sum(fn(t, ag.constant(v)).numpy() * w), y)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


# --- Keras's docstring examples, with their printed outputs ---------------------------------

YT2, YP2 = [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
CT, CP = [[0., 1., 0.], [0., 0., 1.]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
DT = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
DP = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
BFC = L.BinaryFocalCrossentropy


@pytest.mark.parametrize("call, printed, decimals", [
    (lambda: L.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], reduction="mean"), 0.155, 3),
    (lambda: L.log_cosh([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]], reduction="mean"), 0.108, 3),
    (lambda: L.MeanAbsolutePercentageError()([100.0, 200.0, 300.0], [90.0, 210.0, 310.0]),
     6.111111, 5),
    (lambda: L.cosine_similarity([[0., 1.], [1., 1.], [1., 1.]], [[1., 0.], [1., 1.], [-1., -1.]]),
     [0.0, -0.99999994, 0.99999994], 6),
    (lambda: L.BinaryCrossentropy(from_logits=True)([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]),
     0.8654, 4),
    (lambda: L.BinaryCrossentropy(from_logits=True)(YT2, YP2, sample_weight=[0.8, 0.2]), 0.243, 3),
    (lambda: L.BinaryCrossentropy(from_logits=True, reduction=None)(YT2, YP2), [0.235, 1.496], 3),
    (lambda: BFC(gamma=2, from_logits=True)([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]), 0.691, 3),
    (lambda: BFC(apply_class_balancing=True, gamma=2, from_logits=True)(
        [0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]), 0.51, 2),
    (lambda: BFC(gamma=3, from_logits=True)(YT2, YP2), 0.647, 3),
    (lambda: BFC(apply_class_balancing=True, gamma=3, from_logits=True)(YT2, YP2), 0.482, 3),
    (lambda: BFC(gamma=3, from_logits=True)(YT2, YP2, sample_weight=[0.8, 0.2]), 0.133, 3),
    (lambda: BFC(apply_class_balancing=True, gamma=3, from_logits=True)(
        YT2, YP2, sample_weight=[0.8, 0.2]), 0.097, 3),
    (lambda: BFC(gamma=4, from_logits=True, reduction="sum")(YT2, YP2), 1.222, 3),
    (lambda: BFC(apply_class_balancing=True, gamma=4, from_logits=True, reduction="sum")(
        YT2, YP2), 0.914, 3),
    (lambda: BFC(gamma=5, from_logits=True, reduction=None)(YT2, YP2), [0.0017, 1.1561], 4),
    (lambda: BFC(apply_class_balancing=True, gamma=5, from_logits=True, reduction=None)(
        YT2, YP2), [0.0004, 0.8670], 4),
    (lambda: L.binary_focal_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], gamma=2),
     [0.330, 0.206], 3),
    (lambda: L.CategoricalCrossentropy()(CT, CP), 1.177, 3),
    (lambda: L.CategoricalCrossentropy()(CT, CP, sample_weight=np.array([0.3, 0.7])), 0.814, 3),
    (lambda: L.CategoricalFocalCrossentropy()(CT, CP), 0.23315276, 7),
    (lambda: L.CategoricalFocalCrossentropy()(CT, CP, sample_weight=np.array([0.3, 0.7])),
     0.1632, 4),
    (lambda: L.CategoricalFocalCrossentropy(reduction="sum")(CT, CP), 0.46631, 5),
    (lambda: L.CategoricalFocalCrossentropy(reduction=None)(CT, CP),
     [3.2058331e-05, 4.6627346e-01], 6),
    (lambda: L.categorical_focal_crossentropy([[0, 1, 0], [0, 0, 1]],
                                              [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]),
     [2.63401289e-04, 6.75912094e-01], 6),
    (lambda: L.Dice(axis=(1, 2, 3), reduction=None)(DT, DP), [0.5, 0.75757575], 6),
    (lambda: L.dice(DT, DP, axis=(1, 2, 3)), [0.5, 0.75757575], 6),
    (lambda: L.Dice()(DT, DP), 0.6164384, 6),
    (lambda: L.dice(DT, DP), 0.6164384, 6),
])
def test_keras_docstring_examples(call, printed, decimals):
    got = call().numpy()
    assert got.shape == np.shape(printed)
    np.testing.assert_allclose(got, printed, atol=1.5 * 10.0 ** -decimals, rtol=0)


# --- PyTorch's losses ------------------------------------------------------------------------


def _ours(loss, t, y):
    v = ag.Variable(np.array(y))
    out = loss(t, v)
    out.backward()
    return out.numpy(), v.grad


def _theirs(loss, y):
    v = torch.tensor(np.array(y), requires_grad=True)
    out = loss(v)
    out.backward()
    return out.detach().numpy(), v.grad.numpy()


@needs_torch
@settings(max_examples=10, deadline=None)
@given(batch=st.integers(1, 5), features=st.integers(1, 5), seed=st.integers(0, 2 ** 32 - 1),
       delta=st.sampled_from([0.5, 1.0, 2.0]))
def test_huber_poisson_kl_cosine_log_cosh_against_torch(batch, features, seed, delta):
    rng = np.random.default_rng(seed)
    shape = (batch, features)
    t, y = rng.normal(size=shape), rng.normal(scale=2, size=shape)
    y = np.where(np.abs(np.abs(y - t) - delta) < 1e-3, y + 0.01, y)
    cases = [
        (L.Huber(delta=delta), t, y,
         lambda v: torch.nn.HuberLoss(delta=delta)(v, torch.tensor(t))),
        (L.LogCosh(), t, y, lambda v: torch.mean(torch.log(torch.cosh(v - torch.tensor(t))))),
        (L.CosineSimilarity(), t, y,
         lambda v: -F.cosine_similarity(v, torch.tensor(t), dim=-1).mean()),
    ]
    counts, rates = rng.integers(0, 6, size=shape).astype(float), rng.uniform(0.1, 4, size=shape)
    cases.append((L.Poisson(), counts, rates, lambda v: torch.nn.PoissonNLLLoss(
        log_input=False, eps=EPS)(v, torch.tensor(counts))))
    p = rng.dirichlet(np.ones(features), size=batch) * 0.9 + 0.1 / features
    q = rng.dirichlet(np.ones(features), size=batch) * 0.9 + 0.1 / features
    cases.append((L.KLDivergence(), p, q, lambda v: F.kl_div(
        torch.log(v), torch.tensor(p), reduction="batchmean")))
    for loss, target, pred, torch_loss in cases:
        value, grad = _ours(loss, target, pred)
        t_value, t_grad = _theirs(torch_loss, pred)
        np.testing.assert_allclose(value, t_value, rtol=1e-9, atol=1e-12, err_msg=loss.name)
        np.testing.assert_allclose(grad, t_grad, rtol=1e-7, atol=1e-10, err_msg=loss.name)


@needs_torch
def test_focal_losses_against_a_torch_formula():
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3, size=(6, 4))
    t = rng.integers(0, 2, size=(6, 4)).astype(float)

    def torch_binary(v):        # Lin et al.: -alpha_t (1 - p_t)**gamma log p_t, p_t unclipped
        p, tt = torch.sigmoid(v), torch.tensor(t)
        p_t = tt * p + (1 - tt) * (1 - p)
        alpha_t = tt * 0.3 + (1 - tt) * 0.7
        return (alpha_t * (1 - p_t) ** 1.5 * F.binary_cross_entropy_with_logits(
            v, tt, reduction="none")).mean()

    loss = L.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5,
                                     from_logits=True)
    value, grad = _ours(loss, t, z)
    t_value, t_grad = _theirs(torch_binary, z)
    np.testing.assert_allclose(value, t_value, rtol=1e-9)   # no probability near the clip
    np.testing.assert_allclose(grad, t_grad, rtol=1e-7, atol=1e-12)

    onehot = np.eye(4)[rng.integers(0, 4, size=6)]

    def torch_categorical(v):
        log_p = F.log_softmax(v, dim=-1)
        tt = torch.tensor(onehot)
        return -(0.25 * (1 - log_p.exp()) ** 2 * tt * log_p).sum(-1).mean()

    value, grad = _ours(L.CategoricalFocalCrossentropy(from_logits=True), onehot, z)
    t_value, t_grad = _theirs(torch_categorical, z)
    np.testing.assert_allclose(value, t_value, rtol=1e-9)
    np.testing.assert_allclose(grad, t_grad, rtol=1e-6, atol=1e-12)
    # gamma = 0 and alpha = 1: the plain categorical cross-entropy
    plain = L.CategoricalFocalCrossentropy(alpha=1.0, gamma=0.0, from_logits=True)(onehot, z)
    np.testing.assert_allclose(float(plain), float(L.categorical_crossentropy(
        onehot, z, from_logits=True)), rtol=1e-9)


@needs_torch
def test_label_smoothing_and_axis_of_the_cross_entropies():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(5, 3))
    labels = rng.integers(0, 3, size=5)
    onehot = np.eye(3)[labels]
    value, grad = _ours(L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
                        onehot, z)
    t_value, t_grad = _theirs(lambda v: F.cross_entropy(v, torch.tensor(labels),
                                                        label_smoothing=0.2), z)
    np.testing.assert_allclose([value, *grad.ravel()], [t_value, *t_grad.ravel()], rtol=1e-9)
    probs = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    np.testing.assert_allclose(float(L.categorical_crossentropy(onehot, probs,
                                                                label_smoothing=0.2)),
                               t_value, rtol=1e-9)
    # axis: the classes on axis 1 of (batch, classes, positions)
    z3 = rng.normal(size=(2, 3, 4))
    t3 = np.moveaxis(np.eye(3)[rng.integers(0, 3, size=(2, 4))], -1, 1)
    per = L.categorical_crossentropy(t3, z3, from_logits=True, axis=1, reduction="none")
    expected = -np.sum(t3 * (z3 - np.log(np.exp(z3).sum(1, keepdims=True))), axis=1)
    np.testing.assert_allclose(per.numpy(), expected, rtol=1e-10)
    # binary: t (1 - s) + s / 2, mean over the given axis
    p3 = rng.uniform(0.1, 0.9, size=(2, 3, 4))
    b3 = rng.integers(0, 2, size=(2, 3, 4)).astype(float)
    ts = b3 * 0.9 + 0.05
    got = L.binary_crossentropy(b3, p3, label_smoothing=0.1, axis=1, reduction="none")
    np.testing.assert_allclose(got.numpy(), np.mean(
        -(ts * np.log(p3) + (1 - ts) * np.log(1 - p3)), axis=1), rtol=1e-10)
    t_bce = F.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(onehot * 0.9 + 0.05))
    np.testing.assert_allclose(float(L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)(
        onehot, z)), t_bce.item(), rtol=1e-10)


def test_hinge_turns_0_1_targets_into_minus_1_plus_1():
    y = np.array([[0.3, -0.4, 2.0]])
    for t in ([[1, 0, 1]], [[1, -1, 1]]):
        np.testing.assert_allclose(L.hinge(t, y).numpy(), [np.mean([0.7, 0.6, 0.0])])
    # not all 0/1: left as they are (Keras's rule)
    np.testing.assert_allclose(L.hinge([[1, 0, 0.5]], y).numpy(), [np.mean([0.7, 1.0, 0.0])])
    np.testing.assert_allclose(L.squared_hinge([[1, 0, 1]], y).numpy(),
                               [np.mean([0.49, 0.36, 0.0])])


def test_tversky_is_dice_at_one_half_and_weighs_errors():
    rng = np.random.default_rng(5)
    t = rng.integers(0, 2, size=(3, 8)).astype(float)
    p = rng.uniform(size=(3, 8))
    # equal but for where the 1e-7 sits in the denominator (as in Keras)
    np.testing.assert_allclose(L.tversky(t, p, axis=1).numpy(), L.dice(t, p, axis=1).numpy(),
                               rtol=1e-7)
    tp, fp, fn = (t * p).sum(), ((1 - t) * p).sum(), (t * (1 - p)).sum()
    got = L.Tversky(alpha=0.7, beta=0.3)(t, p)
    np.testing.assert_allclose(float(got), 1 - tp / (tp + 0.7 * fp + 0.3 * fn + EPS), rtol=1e-12)


def test_float32_stays_float32():
    rng = np.random.default_rng(6)
    t = rng.uniform(0.1, 0.9, size=(4, 3))
    y32 = rng.uniform(0.1, 0.9, size=(4, 3)).astype(np.float32)
    for cls in (L.Huber, L.LogCosh, L.KLDivergence, L.Poisson, L.Hinge, L.CosineSimilarity,
                L.BinaryFocalCrossentropy, L.CategoricalFocalCrossentropy, L.Dice, L.Tversky):
        got = cls()(t, ag.constant(y32))
        assert got.dtype == np.float32, cls.__name__
        np.testing.assert_allclose(float(got), float(cls()(t, y32.astype(np.float64))),
                                   rtol=1e-5, err_msg=cls.__name__)


# --- reductions, sample weights --------------------------------------------------------------

CLASSES = [L.Huber, L.LogCosh, L.KLDivergence, L.Poisson, L.Hinge, L.SquaredHinge,
           L.CategoricalHinge, L.CosineSimilarity, L.MeanAbsolutePercentageError,
           L.MeanSquaredLogarithmicError, L.BinaryFocalCrossentropy,
           L.CategoricalFocalCrossentropy, L.Dice, L.Tversky]


@pytest.mark.parametrize("cls", CLASSES)
def test_each_reduction_and_sample_weight(cls):
    rng = np.random.default_rng(7)
    t = np.eye(3)[rng.integers(0, 3, size=5)]
    y = rng.uniform(0.1, 0.9, size=(5, 3))
    w = rng.uniform(0, 2, size=5)
    kwargs = {"axis": 1} if cls in (L.Dice, L.Tversky) else {}
    per = cls(reduction="none", **kwargs)(t, y).numpy()
    assert per.shape == (5,)
    np.testing.assert_allclose(cls(reduction=None, **kwargs)(t, y).numpy(), per)
    np.testing.assert_allclose(float(cls(**kwargs)(t, y)), per.mean(), rtol=1e-12)
    np.testing.assert_allclose(float(cls(reduction="sum_over_batch_size", **kwargs)(t, y)),
                               per.mean(), rtol=1e-12)
    np.testing.assert_allclose(float(cls(reduction="sum", **kwargs)(t, y)), per.sum(),
                               rtol=1e-12)
    np.testing.assert_allclose(float(cls(**kwargs)(t, y, sample_weight=w)), (w * per).mean(),
                               rtol=1e-12)
    np.testing.assert_allclose(float(cls(reduction="sum", **kwargs)(t, y, sample_weight=w)),
                               (w * per).sum(), rtol=1e-12)
    np.testing.assert_allclose(cls(reduction="none", **kwargs)(t, y, sample_weight=w).numpy(),
                               w * per, rtol=1e-12)
    np.testing.assert_allclose(
        float(cls(reduction="mean_with_sample_weight", **kwargs)(t, y, sample_weight=w)),
        (w * per).sum() / w.sum(), rtol=1e-12)
    # the function form returns the per-sample values, as Keras's functions
    np.testing.assert_allclose(cls.fn(t, y, **kwargs).numpy(), per)


# --- names, configs, compile, save -----------------------------------------------------------

KERAS_NAMES = {
    "huber": L.Huber, "log_cosh": L.LogCosh, "logcosh": L.LogCosh,
    "kl_divergence": L.KLDivergence, "kld": L.KLDivergence, "KLD": L.KLDivergence,
    "kullback_leibler_divergence": L.KLDivergence, "poisson": L.Poisson, "hinge": L.Hinge,
    "squared_hinge": L.SquaredHinge, "categorical_hinge": L.CategoricalHinge,
    "cosine_similarity": L.CosineSimilarity,
    "mean_absolute_percentage_error": L.MeanAbsolutePercentageError,
    "mape": L.MeanAbsolutePercentageError, "MAPE": L.MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": L.MeanSquaredLogarithmicError,
    "msle": L.MeanSquaredLogarithmicError,
    "binary_focal_crossentropy": L.BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": L.CategoricalFocalCrossentropy,
    "dice": L.Dice, "tversky": L.Tversky, "bce": L.BinaryCrossentropy,
    "Huber": L.Huber, "KLDivergence": L.KLDivergence, "BinaryFocalCrossentropy":
    L.BinaryFocalCrossentropy,
}


def test_keras_names_resolve():
    for name, cls in KERAS_NAMES.items():
        assert type(L.get(name)) is cls, name
    for fn_name in ("huber", "kl_divergence", "dice", "categorical_hinge"):
        assert type(L.get(getattr(L, fn_name))) is KERAS_NAMES[fn_name]
    assert L.Huber().name == "huber_loss" and L.KLDivergence().name == "kl_divergence"
    assert L.get({"class_name": "Huber", "config": {"delta": 2.5}}).delta == 2.5
    with pytest.raises(ValueError, match="unknown loss 'huberr'"):
        L.get("huberr")
    with pytest.raises(ValueError, match="unknown loss class 'Hubber'"):
        L.get({"class_name": "Hubber", "config": {}})


CONFIGURED = [
    L.Huber(delta=2.0, reduction="sum", name="h"), L.CosineSimilarity(axis=0),
    L.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=3.0,
                              from_logits=True, label_smoothing=0.1, axis=-1),
    L.CategoricalFocalCrossentropy(alpha=[0.2, 0.3, 0.5], gamma=1.0, label_smoothing=0.05),
    L.Dice(axis=(1,)), L.Tversky(alpha=0.3, beta=0.7, axis=1),
    L.BinaryCrossentropy(label_smoothing=0.2, axis=-1),
    L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), L.Poisson(name="p"),
]


@pytest.mark.parametrize("loss", CONFIGURED, ids=lambda loss: type(loss).__name__)
def test_config_round_trip(loss):
    rng = np.random.default_rng(8)
    t = np.eye(3)[rng.integers(0, 3, size=4)]
    y = rng.uniform(0.1, 0.9, size=(4, 3))
    other = type(loss).from_config(loss.get_config())
    assert other.get_config() == loss.get_config()
    np.testing.assert_allclose(other(t, y).numpy(), loss(t, y).numpy())
    assert loss.get_config()["name"] == loss.name


def test_focal_alpha_per_class_weighs_each_class():
    t = np.eye(3)[[0, 1, 2]]
    p = np.full((3, 3), 0.2) + 0.4 * t
    per_class = L.categorical_focal_crossentropy(t, p, alpha=[1.0, 2.0, 3.0])
    single = L.categorical_focal_crossentropy(t, p, alpha=1.0)
    np.testing.assert_allclose(per_class.numpy(), single.numpy() * [1, 2, 3], rtol=1e-12)


def _tiny_model():
    model = nn.Sequential([nn.Input((2,)), nn.Dense(3, activation="sigmoid")])
    rng = np.random.default_rng(9)
    x = rng.normal(size=(8, 2)).astype(np.float32)
    y = (0.1 + 0.8 * np.eye(3)[rng.integers(0, 3, size=8)]).astype(np.float32)
    return model, x, y


@pytest.mark.parametrize("name", ["huber", "log_cosh", "kld", "poisson", "hinge",
                                  "squared_hinge", "categorical_hinge", "cosine_similarity",
                                  "mape", "msle", "binary_focal_crossentropy",
                                  "categorical_focal_crossentropy", "dice", "tversky"])
def test_compile_by_name_fits(name):
    model, x, y = _tiny_model()
    model.compile(optimizer="sgd", loss=name)
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 2 and np.all(np.isfinite(losses))
    expected = L.get(name)(y, model.predict(x, verbose=0).astype(np.float64))
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0, batch_size=8), float(expected),
                               rtol=1e-4)


@pytest.mark.parametrize("loss", CONFIGURED[:6], ids=lambda loss: type(loss).__name__)
def test_saved_model_keeps_its_loss(loss, tmp_path):
    model, x, y = _tiny_model()
    model.compile(optimizer="adam", loss=loss)
    model.save(tmp_path / "m.keras")
    loaded = nn.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)
    restored = loaded._compile_args["loss"]
    assert type(restored) is type(loss) and restored.get_config() == loss.get_config()


# --- errors ----------------------------------------------------------------------------------


def test_errors_name_the_loss_the_argument_and_the_shapes():
    y = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"huber: y_true of shape \(3, 4\) does not match "
                                         r"y_pred of shape \(4, 3\)"):
        L.huber(np.zeros((3, 4)), y)
    with pytest.raises(ValueError, match=r"Huber: delta must lie in \(0.0, inf\), got -1.0"):
        L.Huber(delta=-1.0)
    with pytest.raises(TypeError, match="Huber: delta must be a number"):
        L.Huber(delta="1")
    with pytest.raises(ValueError, match=r"BinaryFocalCrossentropy: label_smoothing must lie "
                                         r"in \[0.0, 1.0\], got 1.5"):
        L.BinaryFocalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="CategoricalCrossentropy: label_smoothing"):
        L.CategoricalCrossentropy(label_smoothing=-0.1)
    with pytest.raises(ValueError, match="gamma must lie"):
        L.CategoricalFocalCrossentropy(gamma=-1)
    with pytest.raises(ValueError, match=r"categorical_focal_crossentropy: alpha holds 2 class "
                                         r"weights but y_pred of shape \(4, 3\) has 3 classes"):
        L.CategoricalFocalCrossentropy(alpha=[0.5, 0.5])(np.eye(3)[[0, 1, 2, 0]], y + 0.3)
    with pytest.raises(ValueError, match=r"cosine_similarity: axis 2 is out of range for "
                                         r"y_pred of shape \(4, 3\)"):
        L.cosine_similarity(y, y, axis=2)
    with pytest.raises(TypeError, match="CosineSimilarity: axis must be an int"):
        L.CosineSimilarity(axis=1.0)
    with pytest.raises(ValueError, match=r"dice: axis \(1, 1\) is not a set of distinct axes"):
        L.dice(y, y, axis=(1, 1))
    with pytest.raises(ValueError, match="Tversky: reduction must be"):
        L.Tversky(reduction="avg")
    with pytest.raises(ValueError, match=r"Dice: sample_weight of shape \(4,\) does not match "
                                         r"the losses of shape \(\)"):
        L.Dice()(y, y, sample_weight=np.ones(4))
    with pytest.raises(ValueError, match="binary_focal_crossentropy needs targets in"):
        L.check_targets(L.BinaryFocalCrossentropy(), np.full((4, 3), 2.0), (4, 3))
