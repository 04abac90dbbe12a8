"""Keras 3's other metric objects: the numbers of Keras's own docstring examples, formulas
written out in numpy and in torch, sample weights, accumulation over batches, reset, the
names compile resolves, configs, and errors."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nn
from nn import metrics as M

try:  # PyTorch (an optional extra) is one of the references; the rest needs none
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (an optional extra) is "
                                 "not installed: it is the reference for these")

YT, YP, YH = [[0, 1], [0, 0]], [[1, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
CCE_T, CCE_P = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
TOPK_P = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
SENS_T, SENS_P = [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]


def result(metric, *args, **kwargs):
    metric.update_state(*args, **kwargs)
    return metric.result()


# Keras 3's docstrings: (metric, y_true, y_pred, printed result, sample_weight, printed result)
DOCSTRINGS = [
    (M.MeanSquaredError, YT, YP, 0.25, None, None),
    (M.MeanAbsoluteError, YT, YP, 0.25, [1, 0], 0.5),
    (M.MeanAbsolutePercentageError, YT, YP, 250000000.0, [1, 0], 500000000.0),
    (M.MeanSquaredLogarithmicError, YT, YP, 0.12011322, [1, 0], 0.24022643),
    (M.RootMeanSquaredError, YT, YP, 0.5, [1, 0], 0.70710677),
    (lambda: M.CosineSimilarity(axis=1), [[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]],
     0.49999997, [0.3, 0.7], 0.6999999),
    (M.LogCoshError, YT, YP, 0.10844523, [1, 0], 0.21689045),
    (M.Hinge, YT, YH, 1.3, [1, 0], 1.1),
    (M.SquaredHinge, YT, YH, 1.86, [1, 0], 1.46),
    (M.CategoricalHinge, YT, YH, 1.4000001, [1, 0], 1.2),
    (M.KLDivergence, YT, YH, 0.45814306, [1, 0], 0.9162892),
    (M.Poisson, YT, YP, 0.49999997, [1, 0], 0.99999994),
    (M.BinaryCrossentropy, YT, YH, 0.81492424, [1, 0], 0.9162905),
    (M.CategoricalCrossentropy, CCE_T, CCE_P, 1.1769392, np.array([0.3, 0.7]), 1.6271976),
    (M.SparseCategoricalCrossentropy, [1, 2], CCE_P, 1.1769392, np.array([0.3, 0.7]),
     1.6271976),
    (lambda: M.TopKCategoricalAccuracy(k=1), [[0, 0, 1], [0, 1, 0]], TOPK_P, 0.5,
     [0.7, 0.3], 0.3),
    (lambda: M.SparseTopKCategoricalAccuracy(k=1), [2, 1], TOPK_P, 0.5, [0.7, 0.3], 0.3),
    (lambda: M.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True), [2, 1],
     [[1, 0, 3], [1, 2, 3]], 0.5, None, None),
    (M.TruePositives, [0, 1, 1, 1], [1, 0, 1, 1], 2.0, [0, 0, 1, 0], 1.0),
    (M.FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1], 2.0, [0, 0, 1, 0], 1.0),
    (M.TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0], 2.0, [0, 0, 1, 0], 1.0),
    (M.FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0], 2.0, [0, 0, 1, 0], 1.0),
    (lambda: M.SensitivityAtSpecificity(0.5), SENS_T, SENS_P, 0.5, [1, 1, 2, 2, 1], 0.333333),
    (lambda: M.SpecificityAtSensitivity(0.5), SENS_T, SENS_P, 0.66666667, [1, 1, 2, 2, 2], 0.5),
    (lambda: M.PrecisionAtRecall(0.5), SENS_T, SENS_P, 0.5, [2, 2, 2, 1, 1], 0.33333333),
    (lambda: M.RecallAtPrecision(0.8), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], 0.5, [1, 0, 0, 1],
     1.0),
    (lambda: M.MeanIoU(num_classes=2), [0, 0, 1, 1], [0, 1, 0, 1], 0.33333334,
     [0.3, 0.3, 0.3, 0.1], 0.23809525),
    (lambda: M.IoU(num_classes=2, target_class_ids=[0]), [0, 0, 1, 1], [0, 1, 0, 1],
     0.33333334, [0.3, 0.3, 0.3, 0.1], 0.33333334),
    (M.R2Score, np.array([[1], [4], [3]], np.float32), np.array([[2], [4], [4]], np.float32),
     0.57142854, None, None),
]


@pytest.mark.parametrize("make, y_true, y_pred, plain, weights, weighted", DOCSTRINGS)
def test_keras_docstring_examples(make, y_true, y_pred, plain, weights, weighted):
    m = make()
    assert float(result(m, y_true, y_pred)) == pytest.approx(plain, rel=2e-6, abs=1e-6)
    m.reset_state()
    if weights is not None:
        assert float(result(m, y_true, y_pred, sample_weight=weights)) == \
            pytest.approx(weighted, rel=2e-6, abs=1e-6)
    assert isinstance(m.result(), np.float32)


def test_sum_and_fscore_docstrings():
    assert result(M.Sum(), [1, 3, 5, 7]) == 16.0
    assert result(M.Sum(), [1, 3, 5, 7], sample_weight=[1, 1, 0, 0]) == 4.0
    y_true = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
    y_pred = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)
    f2 = result(M.FBetaScore(beta=2.0, threshold=0.5), y_true, y_pred)
    np.testing.assert_allclose(f2, [0.3846154, 0.90909094, 0.8333334], rtol=2e-6)
    f1 = result(M.F1Score(threshold=0.5), y_true, y_pred)
    np.testing.assert_allclose(f1, [0.5, 0.8, 0.6666667], rtol=2e-6)
    assert f1.dtype == np.float32 and f1.shape == (3,)


# --- against formulas written here, and torch ---------------------------------------------

def _data(seed, n=7, k=4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.random((n, k)).astype(dtype), rng.random((n, k)).astype(dtype) * 0.98 + 0.01,
            rng.random(n).astype(dtype))


def _torch(fn):
    def wrapped(t, p):
        if torch is None:
            pytest.skip("PyTorch (an optional extra) is not installed: it is the reference")
        return fn(torch.from_numpy(np.asarray(t, np.float64)),
                  torch.from_numpy(np.asarray(p, np.float64))).numpy()
    return wrapped


F = torch.nn.functional if torch is not None else None
PER_SAMPLE = [  # metric, per-sample formula (y_true, y_pred) -> (batch,)
    (M.MeanSquaredError, _torch(lambda t, p: F.mse_loss(p, t, reduction="none").mean(-1))),
    (M.MeanAbsoluteError, _torch(lambda t, p: F.l1_loss(p, t, reduction="none").mean(-1))),
    (M.MeanAbsolutePercentageError,
     lambda t, p: 100 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), 1e-7), -1)),
    (M.MeanSquaredLogarithmicError, lambda t, p: np.mean((np.log(p + 1) - np.log(t + 1)) ** 2,
                                                         -1)),
    (M.CosineSimilarity, _torch(lambda t, p: F.cosine_similarity(t, p, dim=-1))),
    (M.LogCoshError, _torch(lambda t, p: torch.log(torch.cosh(p - t)).mean(-1))),
    (M.KLDivergence, _torch(lambda t, p: F.kl_div(torch.log(p), t, reduction="none").sum(-1))),
    (M.Poisson, _torch(lambda t, p: F.poisson_nll_loss(p, t, log_input=False, eps=1e-7,
                                                       reduction="none").mean(-1))),
    (M.BinaryCrossentropy, _torch(lambda t, p: F.binary_cross_entropy(p, t, reduction="none")
                                  .mean(-1))),
    (M.CategoricalCrossentropy, _torch(lambda t, p: -(t * torch.log(p / p.sum(-1, True)))
                                       .sum(-1))),
    (M.Hinge, lambda t, p: np.mean(np.maximum(1 - t * p, 0), -1)),  # targets not 0/1 here
    (M.SquaredHinge, lambda t, p: np.mean(np.maximum(1 - t * p, 0) ** 2, -1)),
    (M.CategoricalHinge, lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1)
                                                 + 1, 0)),
]


@pytest.mark.parametrize("make, formula", PER_SAMPLE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weighted_mean_of_the_per_sample_formula_over_batches(make, formula, dtype):
    y_true, y_pred, w = _data(3, dtype=dtype)
    values = formula(y_true.astype(np.float64), y_pred.astype(np.float64))
    m = make()
    for lo in range(0, 7, 3):  # three batches: 3 + 3 + 1
        m.update_state(y_true[lo:lo + 3], y_pred[lo:lo + 3], sample_weight=w[lo:lo + 3])
    tol = 1e-6  # results are float32, as Keras's
    assert float(m.result()) == pytest.approx(np.sum(w * values) / np.sum(w), rel=tol)
    m.reset_state()
    assert m.result() == 0.0
    m.update_state(y_true, y_pred)
    assert float(m.result()) == pytest.approx(np.mean(values), rel=tol)


@needs_torch
def test_crossentropies_from_logits_and_smoothing_against_torch():
    rng = np.random.default_rng(4)
    z, labels = rng.normal(size=(6, 4)) * 5, rng.integers(0, 4, 6)
    onehot = np.eye(4)[labels]
    ce = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(labels)).item()
    assert float(result(M.CategoricalCrossentropy(from_logits=True), onehot, z)) == \
        pytest.approx(ce, rel=1e-6)
    assert float(result(M.SparseCategoricalCrossentropy(from_logits=True), labels, z)) == \
        pytest.approx(ce, rel=1e-6)
    smooth = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(labels),
                             label_smoothing=0.2).item()
    assert float(result(M.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
                        onehot, z)) == pytest.approx(smooth, rel=1e-6)
    t = (rng.random((6, 4)) > 0.5).astype(float)
    bce = F.binary_cross_entropy_with_logits(torch.from_numpy(z),
                                             torch.from_numpy(t * 0.9 + 0.05)).item()
    assert float(result(M.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), t, z)) \
        == pytest.approx(bce, rel=1e-6)
    # ignore_class: those samples leave the mean
    kept = labels != 1
    expected = F.cross_entropy(torch.from_numpy(z[kept]), torch.from_numpy(labels[kept])).item()
    assert float(result(M.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1),
                        labels, z)) == pytest.approx(expected, rel=1e-6)


def test_hinge_maps_zero_one_labels_and_root_mean_squared_error():
    y_true, y_pred, w = _data(5)
    t = (y_true > 0.5).astype(float)
    expected = np.mean(np.maximum(1 - (2 * t - 1) * y_pred, 0), -1)
    assert float(result(M.Hinge(), t, y_pred)) == pytest.approx(np.mean(expected))
    rmse = np.sqrt(np.sum(w * np.mean((y_true - y_pred) ** 2, -1)) / np.sum(w))
    assert float(result(M.RootMeanSquaredError(), y_true, y_pred, w)) == \
        pytest.approx(rmse, rel=1e-6)


@needs_torch
@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(1, 5), st.integers(2, 6))
def test_top_k_against_torch_topk(seed, k, classes):
    rng = np.random.default_rng(seed)
    scores = rng.random((9, classes))  # no ties
    labels = rng.integers(0, classes, 9)
    top = torch.topk(torch.from_numpy(scores), min(k, classes), dim=-1).indices.numpy()
    hit = np.any(top == labels[:, None], axis=-1).astype(float)
    w = rng.random(9)
    assert float(result(M.SparseTopKCategoricalAccuracy(k=k), labels, scores, w)) == \
        pytest.approx(np.sum(w * hit) / np.sum(w), rel=1e-6)
    assert float(result(M.TopKCategoricalAccuracy(k=k), np.eye(classes)[labels], scores, w)) \
        == pytest.approx(np.sum(w * hit) / np.sum(w), rel=1e-6)
    sorted_ids = np.argsort(-scores, axis=-1)
    assert float(result(M.SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True),
                        labels[:, None], sorted_ids, w)) == \
        pytest.approx(np.sum(w * hit) / np.sum(w), rel=1e-6)


def test_top_k_ties_at_the_boundary_count_as_in():
    # TensorFlow's in_top_k: fewer than k classes score higher than the label's
    assert result(M.SparseTopKCategoricalAccuracy(k=1), [0, 2], [[0.5, 0.5, 0], [1, 1, 1]]) \
        == 1.0


def _counts(t, p, w, thresholds):
    out = []
    for th in thresholds:
        pos = p > th
        out.append([np.sum(w * (pos & t)), np.sum(w * (pos & ~t)), np.sum(w * (~pos & ~t)),
                    np.sum(w * (~pos & t))])
    return np.array(out).T  # tp, fp, tn, fn


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10 ** 6))
def test_counts_and_operating_points_against_numpy_over_batches(seed):
    rng = np.random.default_rng(seed)
    t = rng.random(40) > 0.4
    p = np.round(rng.random(40), 2)
    w = rng.random(40)
    thresholds = [0.1, 0.5, 0.77]
    tp, fp, tn, fn = _counts(t, p, w, thresholds)
    for cls, expected in ((M.TruePositives, tp), (M.FalsePositives, fp),
                          (M.TrueNegatives, tn), (M.FalseNegatives, fn)):
        m = cls(thresholds=thresholds)
        for lo in range(0, 40, 15):
            m.update_state(t[lo:lo + 15], p[lo:lo + 15], w[lo:lo + 15])
        np.testing.assert_allclose(m.result(), expected, rtol=1e-6)
    grid = np.linspace(0, 1, 11)
    tp, fp, tn, fn = _counts(t, p, w, grid)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.nan_to_num(tp / (tp + fn))
        precision = np.nan_to_num(tp / (tp + fp))
        specificity = np.nan_to_num(tn / (tn + fp))
    for m, constrained, dependent in [
            (M.SensitivityAtSpecificity(0.6, num_thresholds=11), specificity, recall),
            (M.SpecificityAtSensitivity(0.6, num_thresholds=11), recall, specificity),
            (M.PrecisionAtRecall(0.6, num_thresholds=11), recall, precision),
            (M.RecallAtPrecision(0.6, num_thresholds=11), precision, recall)]:
        for lo in range(0, 40, 15):
            m.update_state(t[lo:lo + 15], p[lo:lo + 15], w[lo:lo + 15])
        expected = np.max(np.where(constrained >= 0.6, dependent, 0), initial=0)
        assert float(m.result()) == pytest.approx(expected, rel=1e-6, abs=1e-7), type(m)


def test_operating_points_thresholds_and_class_id():
    m = M.PrecisionAtRecall(0.5)
    assert len(m.thresholds) == 200 and m.thresholds[0] == 0.0 and m.thresholds[-1] == 1.0
    assert list(M.RecallAtPrecision(0.5, num_thresholds=1).thresholds) == [0.5]
    y_true = np.array([[0, 0], [0, 1], [1, 1], [1, 0]])
    y_pred = np.array([[0.1, 0.9], [0.2, 0.8], [0.7, 0.6], [0.9, 0.1]])
    col = M.SensitivityAtSpecificity(0.5, class_id=1)
    plain = M.SensitivityAtSpecificity(0.5)
    assert result(col, y_true, y_pred) == result(plain, y_true[:, 1], y_pred[:, 1])


def _fbeta(t, pred, w, beta, average):
    axis = None if average == "micro" else 0
    tp = np.sum(pred * t * w, axis=axis)
    fp = np.sum(pred * (1 - t) * w, axis=axis)
    fn = np.sum((1 - pred) * t * w, axis=axis)
    prec, rec = tp / (tp + fp + 1e-7), tp / (tp + fn + 1e-7)
    f = (1 + beta ** 2) * prec * rec / (beta ** 2 * prec + rec + 1e-7)
    if average == "weighted":
        support = np.sum(t * w, axis=0)
        return np.sum(f * support / (support.sum() + 1e-7))
    return np.mean(f) if average else f


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.4])
def test_fbeta_against_numpy_over_batches(average, threshold):
    rng = np.random.default_rng(7)
    t = (rng.random((12, 4)) > 0.5).astype(float)
    p = rng.random((12, 4))
    w = rng.random(12)
    pred = (p > threshold) if threshold else (p == p.max(-1, keepdims=True))
    expected = _fbeta(t, pred.astype(float), w[:, None], 2.0, average)
    m = M.FBetaScore(average=average, beta=2.0, threshold=threshold)
    for lo in range(0, 12, 5):
        m.update_state(t[lo:lo + 5], p[lo:lo + 5], sample_weight=w[lo:lo + 5])
    np.testing.assert_allclose(m.result(), expected, rtol=1e-6)
    m.reset_state()
    m.update_state(t, p)
    np.testing.assert_allclose(m.result(), _fbeta(t, pred.astype(float), 1.0, 2.0, average),
                               rtol=1e-6)


@pytest.mark.parametrize("aggregation", ["uniform_average", "variance_weighted_average", None])
def test_r2_score_against_numpy_over_batches(aggregation):
    rng = np.random.default_rng(8)
    y = rng.normal(size=(20, 3))
    p = y + rng.normal(size=(20, 3)) * 0.5
    w = rng.random(20)
    mean = np.sum(w[:, None] * y, 0) / np.sum(w)
    ss_res = np.sum(w[:, None] * (y - p) ** 2, 0)
    ss_tot = np.sum(w[:, None] * (y - mean) ** 2, 0)
    raw = 1 - ss_res / ss_tot
    expected = {"uniform_average": raw.mean(), None: raw,
                "variance_weighted_average": np.sum(ss_tot * raw) / ss_tot.sum()}[aggregation]
    m = M.R2Score(class_aggregation=aggregation)
    for lo in range(0, 20, 6):
        m.update_state(y[lo:lo + 6], p[lo:lo + 6], sample_weight=w[lo:lo + 6])
    np.testing.assert_allclose(m.result(), expected, rtol=1e-5)
    adjusted = M.R2Score(num_regressors=2)
    adjusted.update_state(y, p)
    r2 = 1 - np.sum((y - p) ** 2, 0) / np.sum((y - y.mean(0)) ** 2, 0)
    assert float(adjusted.result()) == pytest.approx(1 - (1 - r2.mean()) * 19 / 17, rel=1e-5)
    with pytest.warns(UserWarning, match="falls back"):
        few = M.R2Score(num_regressors=5)
        few.update_state(y[:3], p[:3])
        few.result()


def test_iou_against_numpy_and_one_hot_forms():
    rng = np.random.default_rng(9)
    t, p, w = rng.integers(0, 4, 30), rng.integers(0, 4, 30), rng.random(30)
    cm = np.zeros((4, 4))
    np.add.at(cm, (t, p), w)
    iou = np.diag(cm) / (cm.sum(0) + cm.sum(1) - np.diag(cm))
    m = M.MeanIoU(num_classes=4)
    for lo in range(0, 30, 8):
        m.update_state(t[lo:lo + 8], p[lo:lo + 8], sample_weight=w[lo:lo + 8])
    assert float(m.result()) == pytest.approx(iou.mean(), rel=1e-6)
    assert float(result(M.IoU(4, [1, 3]), t, p, w)) == pytest.approx(iou[[1, 3]].mean(),
                                                                     rel=1e-6)
    scores = np.eye(4)[p] * 0.7 + 0.1
    assert float(result(M.OneHotMeanIoU(4), np.eye(4)[t], scores, w)) == \
        pytest.approx(iou.mean(), rel=1e-6)
    assert float(result(M.OneHotIoU(4, [2]), np.eye(4)[t], scores, w)) == \
        pytest.approx(iou[2], rel=1e-6)
    ignored = M.MeanIoU(num_classes=4, ignore_class=0)
    keep = t != 0
    cm = np.zeros((4, 4))
    np.add.at(cm, (t[keep], p[keep]), 1.0)
    present = cm.sum(0) + cm.sum(1) - np.diag(cm) > 0
    expected = np.mean((np.diag(cm) / (cm.sum(0) + cm.sum(1) - np.diag(cm)))[present])
    assert float(result(ignored, t, p)) == pytest.approx(expected, rel=1e-6)


def test_mean_weights_whole_samples_of_two_dimensional_values():
    # Keras: a weight per row; values of a row are averaged first (before: per column)
    m = M.Mean()
    m.update_state([[1.0, 3.0], [10.0, 30.0]], sample_weight=[1, 0])
    assert m.result() == 2.0
    assert result(M.Sum(), [[1.0, 3.0], [10.0, 30.0]], sample_weight=[1, 0]) == 4.0
    assert result(M.Precision(), [[1, 0], [1, 1]], [[0.9, 0.9], [0.9, 0.9]],
                  sample_weight=[1, 0]) == 0.5


# --- compile, fit, evaluate -----------------------------------------------------------------

def test_compile_resolves_keras_names_and_reports_them():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    model = nn.Sequential([nn.Input((3,)), nn.Dense(1)])
    model.compile("sgd", "mse", metrics=[M.RootMeanSquaredError(), "mae", "mape", "msle",
                                         "RootMeanSquaredError", "log_cosh_error"])
    assert model.metrics_names == ["loss", "root_mean_squared_error", "mae", "mape", "msle",
                                   "RootMeanSquaredError", "log_cosh_error"]
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert logs["mae"] == pytest.approx(np.mean(np.abs(p - y)), rel=1e-5)
    assert logs["root_mean_squared_error"] == pytest.approx(np.sqrt(np.mean((p - y) ** 2)),
                                                            rel=1e-5)
    assert logs["loss"] == pytest.approx(logs["root_mean_squared_error"] ** 2, rel=1e-4)
    assert len(history.history["msle"]) == 2
    assert logs["RootMeanSquaredError"] == logs["root_mean_squared_error"]
    types = [type(m) for _, _, m in model._metrics]
    assert types == [M.RootMeanSquaredError, M.MeanAbsoluteError,
                     M.MeanAbsolutePercentageError, M.MeanSquaredLogarithmicError,
                     M.RootMeanSquaredError, M.LogCoshError]


def test_compile_with_classification_metric_objects():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 4)).astype(np.float32)
    labels = rng.integers(0, 3, 30)
    model = nn.Sequential([nn.Input((4,)), nn.Dense(3, activation="softmax")])
    model.compile("adam", "categorical_crossentropy",
                  metrics=[M.F1Score(average="macro"), "top_k_categorical_accuracy",
                           M.TopKCategoricalAccuracy(k=2, name="top2"), M.OneHotMeanIoU(3)])
    onehot = np.eye(3, dtype=np.float32)[labels]
    model.fit(x, onehot, epochs=1, batch_size=10, verbose=0)
    logs = model.evaluate(x, onehot, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    expected = M.F1Score(average="macro")
    expected.update_state(onehot, p)
    assert logs["f1_score"] == pytest.approx(float(expected.result()), rel=1e-5)
    assert logs["top_k_categorical_accuracy"] == 1.0  # k=5 >= 3 classes
    top2 = np.mean(np.sum(p > p[np.arange(30), labels][:, None], -1) < 2)
    assert logs["top2"] == pytest.approx(top2)
    iou = M.OneHotMeanIoU(3)
    iou.update_state(onehot, p)
    assert logs["one_hot_mean_io_u"] == pytest.approx(float(iou.result()), rel=1e-5)
    assert model.metrics_names == ["loss", "f1_score", "top_k_categorical_accuracy", "top2",
                                   "one_hot_mean_io_u"]


# --- configs, names, errors -----------------------------------------------------------------

@pytest.mark.parametrize("metric", [
    M.Sum(name="s"), M.MeanSquaredError(), M.CosineSimilarity(axis=-1, name="cos"),
    M.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    M.CategoricalCrossentropy(label_smoothing=0.2),
    M.SparseCategoricalCrossentropy(ignore_class=3), M.TopKCategoricalAccuracy(k=3),
    M.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
    M.TruePositives(thresholds=[0.3, 0.6]), M.FalseNegatives(),
    M.PrecisionAtRecall(0.7, num_thresholds=20, class_id=1),
    M.SpecificityAtSensitivity(0.3), M.F1Score(average="micro", threshold=0.3),
    M.FBetaScore(beta=0.5), M.R2Score(class_aggregation=None, num_regressors=1),
    M.MeanIoU(3, ignore_class=0), M.IoU(3, [0, 2]), M.OneHotMeanIoU(2),
])
def test_configs_round_trip(metric):
    config = metric.get_config()
    again = type(metric).from_config(config)
    assert again.get_config() == config and again.name == metric.name


def test_default_names_are_keras():
    assert [m.name for m in (M.TruePositives(), M.LogCoshError(), M.KLDivergence(),
                             M.F1Score(), M.FBetaScore(), M.R2Score(), M.MeanIoU(2),
                             M.SensitivityAtSpecificity(0.5))] == \
        ["true_positives", "logcosh", "kl_divergence", "f1_score", "fbeta_score", "r2_score",
         "mean_io_u", "sensitivity_at_specificity"]
    assert type(M.as_metric("f1_score")) is M.F1Score
    assert type(M.as_metric("RootMeanSquaredError")) is M.RootMeanSquaredError
    assert M.as_metric("mape").name == "mape"
    assert type(M.as_metric("sparse_top_k_categorical_accuracy")) is \
        M.SparseTopKCategoricalAccuracy
    assert type(M.as_metric("bce")) is M.BinaryCrossentropy
    with pytest.raises(ValueError, match="'mean_io_u' needs arguments; pass MeanIoU"):
        M.as_metric("mean_io_u")


@pytest.mark.parametrize("make, message", [
    (lambda: M.FBetaScore(beta=2), "FBetaScore: beta must be a Python float > 0, got 2"),
    (lambda: M.F1Score(average="samples"), "F1Score: average must be None"),
    (lambda: M.F1Score(threshold=0.0), r"threshold must be a Python float in \(0, 1\]"),
    (lambda: M.R2Score(class_aggregation="mean"), "R2Score: class_aggregation must be"),
    (lambda: M.R2Score(num_regressors=-1), "num_regressors must be an int >= 0"),
    (lambda: M.PrecisionAtRecall(1.5), r"PrecisionAtRecall: recall must lie in \[0, 1\]"),
    (lambda: M.SensitivityAtSpecificity(0.5, num_thresholds=0), "num_thresholds must be"),
    (lambda: M.TopKCategoricalAccuracy(k=0), "TopKCategoricalAccuracy: k must be"),
    (lambda: M.TruePositives(thresholds=[0.5, 2]), "thresholds must lie in"),
    (lambda: M.IoU(2, [2]), r"IoU: target_class_ids must lie in \[0, 2\)"),
    (lambda: M.CategoricalCrossentropy(axis=1), "only axis=-1"),
    (lambda: M.BinaryCrossentropy(label_smoothing=2), "label_smoothing must lie in"),
])
def test_bad_arguments_name_the_metric_and_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_batches_name_the_metric_and_shapes_and_count_nothing():
    cases = [
        (M.MeanSquaredError(), [[1.0, 2.0]], [[1.0, 2.0, 3.0]],
         r"MeanSquaredError 'mean_squared_error': .*\(1, 2\) does not match .*\(1, 3\)"),
        (M.RootMeanSquaredError(), [1.0, 2.0], [1.0, 2.0, 3.0],
         r"RootMeanSquaredError 'root_mean_squared_error': y_true of shape \(2,\)"),
        (M.Hinge(), [[1.0, 2.0]], [[1.0], [2.0]], r"Hinge 'hinge': hinge: y_true of shape"),
        (M.F1Score(), [1, 0], [0.3, 0.6], r"F1Score 'f1_score': expects 2-D inputs"),
        (M.R2Score(), [[1.0, 2.0]], [[1.0, 2.0, 3.0]], r"R2Score 'r2_score': expects 2-D"),
        (M.TruePositives(), [0, 1], [0.1, 0.2, 0.3], r"TruePositives 'true_positives': y_true"),
        (M.MeanIoU(2), [0, 1], [0, 1, 1], r"MeanIoU 'mean_io_u': y_true holds 2 labels"),
        (M.SparseTopKCategoricalAccuracy(), [0, 3], [[0.1, 0.9], [0.5, 0.5]],
         r"SparseTopKCategoricalAccuracy .*labels must lie in \[0, 2\)"),
    ]
    for m, y_true, y_pred, message in cases:
        before = m.result()
        with pytest.raises(ValueError, match=message):
            m.update_state(y_true, y_pred)
        np.testing.assert_array_equal(m.result(), before)
    m = M.MeanAbsoluteError()
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) does not fit"):
        m.update_state(YT, YP, sample_weight=[1, 0, 1])
    assert m.result() == 0.0 and m.count == 0.0


def test_a_per_class_score_trains_logs_and_evaluates():
    """F1Score's default average=None gives one score per class, as Keras's: fit logs and
    prints it, evaluate returns it."""
    import nn
    rng = np.random.default_rng(0)
    x = rng.random((20, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 20)]
    model = nn.Sequential([nn.Input((4,)), nn.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=[M.F1Score(), "accuracy"])
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.2)
    assert np.shape(history.history["f1_score"][-1]) == (3,)
    assert np.shape(history.history["val_f1_score"][-1]) == (3,)
    scores = model.evaluate(x, y, verbose=0, return_dict=True)
    direct = M.F1Score()
    direct.update_state(y, model.predict(x, verbose=0))
    np.testing.assert_allclose(scores["f1_score"], direct.result(), rtol=1e-6)
    from nn.training import _format_logs
    assert _format_logs({"loss": 0.5, "f1": np.array([0.25, 1.0])}) == \
        " - loss: 0.5000 - f1: [0.25, 1.  ]"
