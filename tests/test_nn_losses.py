"""Tests for nn.losses and nn.metrics: hand-computed numpy values, and PyTorch's."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

try:  # PyTorch is an optional extra: the comparisons with it skip without it, not the rest
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = F = None

import autograd_core as ag
from nn import losses, metrics

RNG = np.random.default_rng(0)

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="needs the torch extra: pip install -e '.[torch]'")


def _pred(a):
    return ag.Variable(np.asarray(a, dtype=np.float64))


def _grad_of(loss_fn, y_true, y_pred):
    """The loss value and dL/dy_pred from our loss, in float64."""
    v = _pred(y_pred)
    loss = loss_fn(y_true, v)
    loss.backward()
    return float(loss), v.grad


def _torch_grad_of(loss_fn, y_pred):
    t = torch.tensor(np.asarray(y_pred, dtype=np.float64), requires_grad=True)
    loss = loss_fn(t)
    loss.backward()
    return loss.item(), t.grad.numpy()


# --- regression losses ---------------------------------------------------------------------


@needs_torch
def test_mse_against_numpy_and_torch():
    y = RNG.normal(size=(6, 3))
    t = RNG.normal(size=(6, 3))
    value, grad = _grad_of(losses.mean_squared_error, t, y)
    np.testing.assert_allclose(value, np.mean((y - t) ** 2), rtol=1e-12)
    tv, tg = _torch_grad_of(lambda p: F.mse_loss(p, torch.tensor(t)), y)
    np.testing.assert_allclose(value, tv, rtol=1e-12)
    np.testing.assert_allclose(grad, tg, rtol=1e-12)
    per_sample = losses.mean_squared_error(t, _pred(y), reduction="none")
    np.testing.assert_allclose(per_sample.numpy(), np.mean((y - t) ** 2, axis=-1))
    # Keras's "sum": the per-sample means added up
    np.testing.assert_allclose(float(losses.MeanSquaredError(reduction="sum")(t, _pred(y))),
                               np.sum(np.mean((y - t) ** 2, axis=-1)))
    assert losses.get("mse").reduction == "mean"
    assert losses.MeanSquaredError(reduction="sum_over_batch_size").reduction == "mean"


@needs_torch
def test_mae_against_torch():
    y, t = RNG.normal(size=(5, 2)), RNG.normal(size=(5, 2))
    value, grad = _grad_of(losses.MeanAbsoluteError(), t, y)
    tv, tg = _torch_grad_of(lambda p: F.l1_loss(p, torch.tensor(t)), y)
    np.testing.assert_allclose([value, *grad.ravel()], [tv, *tg.ravel()], rtol=1e-12)


@needs_torch
def test_sum_squared_error_is_the_course_loss():
    # Lecture 2's untrained XOR network: L = ||y - t||^2
    y = np.array([[0.509233], [0.509222], [0.507883], [0.507872]])
    t = np.array([[0.0], [1.0], [1.0], [0.0]])
    expected = np.sum((y - t) ** 2)
    value, grad = _grad_of(losses.SumSquaredError(), t, y)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    np.testing.assert_allclose(grad, 2 * (y - t), rtol=1e-12)
    tv, _ = _torch_grad_of(lambda p: F.mse_loss(p, torch.tensor(t), reduction="sum"), y)
    np.testing.assert_allclose(value, tv, rtol=1e-12)
    assert float(losses.sum_squared_error(t, _pred(y), reduction="mean")) == \
        pytest.approx(expected / 4)


def test_shape_gotcha_is_an_error_not_a_broadcast():
    y = _pred(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"sum_squared_error: y_true of shape \(1, 4\) does "
                                         r"not match y_pred of shape \(4, 1\)"):
        losses.sum_squared_error([[0, 1, 1, 0]], y)
    # (4,) targets against (4, 1) predictions gain the axis, as in Keras
    np.testing.assert_allclose(float(losses.sum_squared_error([0, 1, 1, 0], y)), 2.0)


def test_bad_reduction():
    with pytest.raises(ValueError, match="reduction must be"):
        losses.mean_squared_error([1.0], _pred([1.0]), reduction="avg")


# --- binary cross-entropy ------------------------------------------------------------------


@needs_torch
def test_binary_crossentropy_probabilities_against_torch():
    p = RNG.uniform(0.02, 0.98, size=(8, 2))
    t = RNG.integers(0, 2, size=(8, 2)).astype(float)
    value, grad = _grad_of(losses.binary_crossentropy, t, p)
    expected = np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)))
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    tv, tg = _torch_grad_of(lambda q: F.binary_cross_entropy(q, torch.tensor(t)), p)
    np.testing.assert_allclose(value, tv, rtol=1e-12)
    np.testing.assert_allclose(grad, tg, rtol=1e-10)


@needs_torch
def test_binary_crossentropy_from_logits_against_torch():
    z = RNG.normal(scale=3, size=(8, 1))
    t = RNG.integers(0, 2, size=(8, 1)).astype(float)
    value, grad = _grad_of(losses.BinaryCrossentropy(from_logits=True), t, z)
    tv, tg = _torch_grad_of(lambda q: F.binary_cross_entropy_with_logits(q, torch.tensor(t)), z)
    np.testing.assert_allclose(value, tv, rtol=1e-12)
    np.testing.assert_allclose(grad, tg, rtol=1e-10)
    prob_value = float(losses.binary_crossentropy(t, 1 / (1 + np.exp(-z))))
    np.testing.assert_allclose(prob_value, value, rtol=1e-6)


def test_binary_crossentropy_clips_like_keras():
    # p = 0 for a positive target: -log(1e-7) instead of inf
    loss = losses.binary_crossentropy([[1.0], [0.0]], _pred([[0.0], [0.0]]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [-np.log(1e-7), -np.log(1 - 1e-7)], rtol=1e-6)
    huge = losses.binary_crossentropy([[1.0]], _pred([[-1e4]]), from_logits=True)
    assert float(huge) == pytest.approx(1e4)


# --- categorical cross-entropies -----------------------------------------------------------


def test_the_lecture_table_example():
    # y = (-0.2, 0.5, 0.1, 0.1), "table" is class 1: L = -log p_1, p_1 = 0.352
    z = np.array([[-0.2, 0.5, 0.1, 0.1]])
    p1 = np.exp(0.5) / np.exp(z).sum()
    assert p1 == pytest.approx(0.352, abs=5e-4)
    sparse = losses.SparseCategoricalCrossentropy(from_logits=True)([1], _pred(z))
    onehot = losses.CategoricalCrossentropy(from_logits=True)([[0, 1, 0, 0]], _pred(z))
    probs = losses.SparseCategoricalCrossentropy()([1], ag.softmax(_pred(z)))
    for loss in (sparse, onehot, probs):
        assert float(loss) == pytest.approx(-np.log(p1), rel=1e-9)


@needs_torch
@given(st.integers(1, 6), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_categorical_crossentropy_from_logits_against_torch(batch, classes, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=4, size=(batch, classes))
    labels = rng.integers(0, classes, size=batch)
    onehot = np.eye(classes)[labels]
    tv, tg = _torch_grad_of(lambda q: F.cross_entropy(q, torch.tensor(labels)), z)
    for fn, target in ((losses.sparse_categorical_crossentropy, labels),
                       (losses.categorical_crossentropy, onehot)):
        value, grad = _grad_of(lambda t, y: fn(t, y, from_logits=True), target, z)
        np.testing.assert_allclose(value, tv, rtol=1e-10)
        np.testing.assert_allclose(grad, tg, rtol=1e-8, atol=1e-14)


@needs_torch
def test_categorical_crossentropy_probabilities_against_torch():
    z = RNG.normal(size=(7, 4))
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    labels = RNG.integers(0, 4, size=7)
    tv, tg = _torch_grad_of(lambda q: F.nll_loss(torch.log(q), torch.tensor(labels)), p)
    for fn, target in ((losses.SparseCategoricalCrossentropy(), labels),
                       (losses.CategoricalCrossentropy(), np.eye(4)[labels])):
        value, grad = _grad_of(fn, target, p)
        np.testing.assert_allclose(value, tv, rtol=1e-10)
        # our gradient includes the rescaling p / sum(p), which moves along the rows: compare
        # it projected off the all-ones direction, where torch's agrees.
        centre = lambda g: g - g.mean(axis=1, keepdims=True)  # noqa: E731
        np.testing.assert_allclose(centre(grad), centre(tg), rtol=1e-8, atol=1e-12)


def test_categorical_crossentropy_rescales_and_clips_like_keras():
    p = np.array([[0.0, 2.0, 2.0]])             # not normalised, a zero probability
    t = np.array([[1.0, 0.0, 0.0]])
    assert float(losses.categorical_crossentropy(t, _pred(p))) == pytest.approx(-np.log(1e-7))
    assert float(losses.categorical_crossentropy([[0.0, 1.0, 0.0]], _pred(p))) == \
        pytest.approx(np.log(2))


def test_fused_losses_are_stable_for_huge_logits():
    z = _pred([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    loss = losses.sparse_categorical_crossentropy([1, 1], z, from_logits=True)
    loss.backward()
    assert float(loss) == pytest.approx(1e4)     # (2e4 + 0) / 2
    assert np.all(np.isfinite(z.grad))
    np.testing.assert_allclose(z.grad, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-12)


def test_reductions_of_the_cross_entropies():
    z = _pred(RNG.normal(size=(5, 3)))
    labels = np.array([0, 2, 1, 1, 0])
    per = losses.sparse_categorical_crossentropy(labels, z, from_logits=True, reduction="none")
    assert per.shape == (5,)
    total = losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")(labels, z)
    mean = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, z)
    np.testing.assert_allclose([float(total), float(mean)], [per.numpy().sum(), per.numpy().mean()])
    column = labels[:, None]                      # Keras accepts (n, 1) labels
    np.testing.assert_allclose(float(losses.sparse_categorical_crossentropy(
        column, z, from_logits=True)), float(mean))


def test_sparse_labels_are_checked():
    z = _pred(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        losses.sparse_categorical_crossentropy([0, 3], z)
    with pytest.raises(ValueError, match=r"labels of shape \(2, 3\) do not match"):
        losses.sparse_categorical_crossentropy(np.eye(3)[:2].astype(int), z)
    with pytest.raises(ValueError, match="whole numbers"):
        losses.sparse_categorical_crossentropy([0.5, 1.0], z)


def test_losses_get():
    assert isinstance(losses.get("categorical_crossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    assert isinstance(losses.get(losses.sparse_categorical_crossentropy),
                      losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get("sse"), losses.SumSquaredError)
    obj = losses.CategoricalCrossentropy(from_logits=True)
    assert losses.get(obj) is obj
    custom = lambda t, y: ag.sum(y)  # noqa: E731
    assert losses.get(custom) is custom
    assert isinstance(losses.get("hinge"), losses.Hinge)
    with pytest.raises(ValueError, match="unknown loss 'hinj'"):
        losses.get("hinj")
    assert repr(obj) == ("CategoricalCrossentropy(from_logits=True, label_smoothing=0.0, "
                         "axis=-1, reduction='mean')")


# --- metrics -------------------------------------------------------------------------------


def test_accuracies():
    np.testing.assert_array_equal(
        metrics.binary_accuracy([1, 0, 1, 0], np.array([[0.7], [0.7], [0.5], [0.2]])),
        [1, 0, 0, 1])
    np.testing.assert_array_equal(
        metrics.binary_accuracy([[1, 0]], [[0.9, 0.8]], threshold=0.85), [1.0])
    y_true = np.eye(3)[[0, 1, 2, 2]]
    scores = np.array([[5, 1, 0], [0, 1, 2], [0, 0, 1], [3, 2, 1]], float)
    np.testing.assert_array_equal(metrics.categorical_accuracy(y_true, scores), [1, 0, 1, 0])
    np.testing.assert_array_equal(
        metrics.sparse_categorical_accuracy([0, 1, 2, 2], scores), [1, 0, 1, 0])
    np.testing.assert_array_equal(
        metrics.sparse_categorical_accuracy([[0], [2], [2], [0]], scores), [1, 1, 1, 1])
    with pytest.raises(ValueError, match="sparse_categorical_accuracy"):
        metrics.categorical_accuracy([0, 1, 2, 2], scores)


def test_accuracy_resolves_like_keras():
    get = metrics.get
    assert get("accuracy", losses.BinaryCrossentropy()) is metrics.binary_accuracy
    assert get("acc", losses.CategoricalCrossentropy()) is metrics.categorical_accuracy
    assert get("accuracy", losses.SparseCategoricalCrossentropy()) is \
        metrics.sparse_categorical_accuracy
    by_shape = get("accuracy", losses.MeanSquaredError())
    assert by_shape([1, 0], [[0.9], [0.4]]).tolist() == [1, 1]            # binary
    assert by_shape([2, 0], [[0, 0, 1.0], [0, 1.0, 0]]).tolist() == [1, 0]  # sparse
    assert by_shape(np.eye(2), [[0.2, 0.8], [0.9, 0.1]]).tolist() == [0, 0]  # categorical
    mse = get("mse")
    np.testing.assert_allclose(mse([[1.0, 2.0]], [[0.0, 0.0]]), [2.5])
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        get("f1")


def test_confusion_matrix():
    y_true = [0, 1, 2, 2, 1, 0]
    y_pred = [0, 2, 2, 2, 1, 1]
    expected = np.zeros((3, 3), int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred), expected)
    scores = np.eye(4)[y_pred]                    # scores rows are argmax-ed
    got = metrics.confusion_matrix(np.eye(3)[y_true], scores, num_classes=4)
    assert got.shape == (4, 4) and got.trace() == 4 and got.sum() == 6
    with pytest.raises(ValueError, match=r"y_pred labels must lie in \[0, 2\)"):
        metrics.confusion_matrix([0, 1], [0, 2], num_classes=2)
