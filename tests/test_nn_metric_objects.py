"""Keras's metric objects: the numbers of Keras's own docstring examples, sample weights,
accumulation over batches, and how compile's names map to objects."""

import numpy as np
import pytest

import nn
from nn import metrics


def test_mean():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result() == 2.0
    m.reset_state()
    assert m.result() == 0.0


@pytest.mark.parametrize("metric, y_true, y_pred, plain, weights, weighted", [
    (metrics.Accuracy, [[1], [2], [3], [4]], [[0], [2], [3], [4]], 0.75, [1, 1, 0, 0], 0.5),
    (metrics.BinaryAccuracy, [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], 0.75,
     [1, 0, 0, 1], 0.5),
    (metrics.CategoricalAccuracy, [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
     0.5, [0.7, 0.3], 0.3),
    (metrics.SparseCategoricalAccuracy, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], 0.5,
     [0.7, 0.3], 0.3),
    (metrics.Precision, [0, 1, 1, 1], [1, 0, 1, 1], 0.6666667, [0, 0, 1, 0], 1.0),
    (metrics.Recall, [0, 1, 1, 1], [1, 0, 1, 1], 0.6666667, [0, 0, 1, 0], 1.0),
    (lambda: metrics.AUC(num_thresholds=3), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], 0.75,
     [1, 0, 0, 1], 1.0),
])
def test_keras_docstring_examples(metric, y_true, y_pred, plain, weights, weighted):
    m = metric()
    m.update_state(y_true, y_pred)
    assert float(m.result()) == pytest.approx(plain, abs=1e-7)
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=weights)
    assert float(m.result()) == pytest.approx(weighted, abs=1e-7)


def test_states_accumulate_over_batches():
    rng = np.random.default_rng(0)
    y_true = (rng.random(60) > 0.5).astype(np.float32)
    y_pred = rng.random(60).astype(np.float32)
    w = rng.random(60)
    for make in (metrics.BinaryAccuracy, metrics.Precision, metrics.Recall, metrics.AUC):
        whole, parts = make(), make()
        whole.update_state(y_true, y_pred, w)
        for lo in range(0, 60, 16):
            parts.update_state(y_true[lo:lo + 16], y_pred[lo:lo + 16], w[lo:lo + 16])
        assert float(parts.result()) == pytest.approx(float(whole.result()), rel=1e-6)


def test_auc_with_200_thresholds_is_close_to_the_exact_roc_area():
    rng = np.random.default_rng(1)
    y_true = rng.random(500) > 0.5
    y_pred = np.clip(0.3 * y_true + rng.random(500) * 0.7, 0, 1)
    m = metrics.AUC()
    m.update_state(y_true, y_pred)
    pos, neg = y_pred[y_true], y_pred[~y_true]
    exact = np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :])
    assert float(m.result()) == pytest.approx(exact, abs=0.01)
    assert m.thresholds[0] == pytest.approx(-1e-7) and m.thresholds[-1] == pytest.approx(1 + 1e-7)
    assert len(m.thresholds) == 200
    perfect = metrics.AUC(curve="PR")
    perfect.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert float(perfect.result()) == pytest.approx(1.0)


def test_precision_with_several_thresholds_and_divide_by_zero():
    m = metrics.Precision(thresholds=[0.2, 0.5, 0.95])
    m.update_state([0, 1, 1, 0], [0.3, 0.6, 0.9, 0.1])
    np.testing.assert_allclose(m.result(), [2 / 3, 1.0, 0.0])
    with pytest.raises(ValueError, match="thresholds must lie in"):
        metrics.Recall(thresholds=1.5)


def test_errors_name_the_metric_and_shapes():
    m = metrics.BinaryAccuracy()
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) does not fit the "
                                         r"\(4,\) values"):
        m.update_state([[1], [1], [0], [0]], [[0.9], [1], [0], [0.6]], sample_weight=[1, 0, 1])
    assert m.result() == 0.0  # the failed call counted nothing
    with pytest.raises(ValueError, match=r"Precision 'precision': y_true of shape \(2,\) "
                                         r"does not match y_pred of shape \(3,\)"):
        metrics.Precision().update_state([0, 1], [0, 1, 1])


def test_call_updates_and_returns_the_result():
    m = metrics.CategoricalAccuracy()
    assert m([[0, 1]], [[0.2, 0.8]]) == 1.0
    assert m([[0, 1]], [[0.9, 0.1]]) == 0.5
    assert m.name == "categorical_accuracy" and metrics.Mean().name == "mean"


def test_as_metric_maps_compile_names_by_the_loss():
    cases = [(nn.BinaryCrossentropy(), metrics.BinaryAccuracy),
             (nn.CategoricalCrossentropy(), metrics.CategoricalAccuracy),
             (nn.SparseCategoricalCrossentropy(), metrics.SparseCategoricalAccuracy)]
    for loss, cls in cases:
        m = metrics.as_metric("accuracy", loss)
        assert type(m) is cls and m.name == "accuracy"
    other = metrics.as_metric("acc", nn.MeanSquaredError())
    assert isinstance(other, metrics.MeanMetricWrapper) and other.name == "acc"
    other.update_state([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]])
    assert other.result() == 0.5
    assert type(metrics.as_metric("auc")) is metrics.AUC
    mse = metrics.as_metric("mse")
    mse.update_state([[0.0, 2.0]], [[1.0, 0.0]])
    assert mse.name == "mse" and mse.result() == 2.5
    given = metrics.Recall(name="r")
    assert metrics.as_metric(given) is given
    assert type(metrics.as_metric(metrics.Precision)) is metrics.Precision


def test_get_accepts_metric_objects_and_classes_and_keeps_functions():
    m = metrics.AUC()
    assert metrics.get(m) is m
    assert type(metrics.get(metrics.Recall)) is metrics.Recall
    assert metrics.get("accuracy", nn.BinaryCrossentropy()) is metrics.binary_accuracy


def test_calling_a_metric_passes_its_own_arguments_as_keras():
    """TensorFlow's quickstart for experts: train_loss(loss) on a Mean metric."""
    train_loss = nn.metrics.Mean(name="train_loss")
    assert float(train_loss(2.0)) == 2.0
    assert float(train_loss(4.0)) == 3.0
    total = nn.metrics.Sum()
    assert float(total([1.0, 2.0], sample_weight=[1.0, 0.5])) == 2.0
    accuracy = nn.metrics.SparseCategoricalAccuracy()
    assert float(accuracy([0, 1], [[0.9, 0.1], [0.8, 0.2]])) == 0.5
