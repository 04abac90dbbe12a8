"""Tests for nn.data: one-hot targets, standardisation, whitening, splits and batches."""

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nn import data, datasets
from nn.data import BatchLoader, Standardizer, Whitener, batches, one_hot, to_categorical, train_val_split


@pytest.mark.parametrize("module", [data, datasets])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- one-hot

def test_one_hot_values():
    got = one_hot([0, 2, 1, 2], 4)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0]])


def test_one_hot_infers_classes_and_keeps_label_shape():
    got = one_hot(np.array([[3, 0], [1, 1]]), dtype=np.int64)
    assert got.shape == (2, 2, 4) and got.dtype == np.int64
    assert got[0, 0].tolist() == [0, 0, 0, 1] and got[1, 1].tolist() == [0, 1, 0, 0]


def test_one_hot_accepts_whole_floats_and_uint8():
    np.testing.assert_array_equal(one_hot([1.0, 0.0]), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(one_hot(np.array([9], dtype=np.uint8), 10)[0], np.eye(10)[9])


def test_one_hot_empty_with_num_classes():
    assert one_hot(np.array([], dtype=int), 3).shape == (0, 3)


@pytest.mark.parametrize("labels, num_classes, message", [
    ([0, 3], 3, r"one_hot: labels must lie in \[0, 2\] for num_classes=3, got values from 0 to 3"),
    ([-1, 1], None, r"labels must lie in \[0, 1\].*from -1 to 1"),
    ([0.5, 1.0], None, "one_hot: labels must be whole numbers, got 0.5"),
    ([np.nan], 2, "whole numbers, got nan"),
    (["a", "b"], None, "one_hot: labels must be integers, got dtype <U1"),
    ([True, False], None, "labels must be integers, got dtype bool"),
    (np.array([], dtype=int), None, "cannot infer num_classes from empty labels"),
])
def test_one_hot_errors(labels, num_classes, message):
    with pytest.raises(ValueError, match=message):
        one_hot(labels, num_classes)


@settings(max_examples=50, deadline=None)
@given(labels=hnp.arrays(np.int64, hnp.array_shapes(max_dims=2, max_side=6), elements=st.integers(0, 9)))
def test_one_hot_round_trips_through_argmax(labels):
    got = one_hot(labels, 10)
    assert got.shape == labels.shape + (10,)
    np.testing.assert_array_equal(got.argmax(axis=-1), labels)
    np.testing.assert_array_equal(got.sum(axis=-1), 1)


def test_to_categorical_like_keras():
    np.testing.assert_array_equal(to_categorical([0, 1, 2, 3], 4), np.eye(4))
    column = to_categorical(np.array([[2], [0]]), num_classes=3)
    assert column.shape == (2, 3) and column.dtype == np.float32
    assert column.tolist() == [[0, 0, 1], [1, 0, 0]]
    assert to_categorical([1, 0], dtype="int32").dtype == np.int32
    with pytest.raises(ValueError, match="labels must lie in"):
        to_categorical([5], num_classes=3)


# ---------------------------------------------------------------- standardisation

def test_standardizer_uses_training_statistics_for_test_data():
    x_train = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]], dtype=np.float32)
    scaler = Standardizer().fit(x_train)
    np.testing.assert_allclose(scaler.mean_, [3.0, 30.0])
    np.testing.assert_allclose(scaler.std_, [np.sqrt(8 / 3), np.sqrt(800 / 3)])
    x_test = np.array([[3.0, 30.0 + np.sqrt(800 / 3)]], dtype=np.float32)
    got = scaler.transform(x_test)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [[0.0, 1.0]], atol=1e-6)


def test_standardizer_fit_transform_gives_zero_mean_unit_std():
    x = np.random.default_rng(0).normal([5, -3, 100], [2, 0.1, 30], size=(500, 3))
    x_n = Standardizer().fit_transform(x)
    assert x_n.dtype == np.float64
    np.testing.assert_allclose(x_n.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(x_n.std(axis=0), 1, atol=1e-12)


def test_standardizer_constant_feature_gives_zero_not_nan():
    x = np.array([[0, 1.0], [0, 3.0], [0, 5.0]])
    x[:, 0] = 0.1  # the same float in every row, whose float mean need not be exact
    scaler = Standardizer().fit(x)
    assert scaler.std_[0] == 1.0
    x_n = scaler.transform(x)
    assert np.isfinite(x_n).all()
    np.testing.assert_allclose(x_n[:, 0], 0, atol=1e-15)


def test_standardizer_spread_that_underflows_stays_finite():
    x = np.array([[4.76e-285], [0.0]])  # found by hypothesis: std underflows to 0
    x_n = Standardizer().fit_transform(x)
    assert np.isfinite(x_n).all()


def test_standardizer_on_uint8_images():
    images = np.zeros((4, 28, 28), dtype=np.uint8)  # border pixels are always 0, as in MNIST
    images[:, 10:18, 10:18] = np.arange(4, dtype=np.uint8)[:, None, None] * 80
    scaler = Standardizer().fit(images)
    assert scaler.mean_.shape == (28, 28)
    x_n = scaler.transform(images)
    assert x_n.dtype == np.float32 and np.isfinite(x_n).all()
    assert (x_n[:, 0, 0] == 0).all()
    np.testing.assert_allclose(x_n[:, 12, 12], (np.arange(4) - 1.5) / np.std(np.arange(4)), atol=1e-6)
    np.testing.assert_allclose(scaler.inverse_transform(x_n), images, atol=1e-4)


def test_standardizer_axis_none_and_leading_axes():
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    whole = Standardizer().fit(x, axis=None)
    assert np.ndim(whole.mean_) == 0
    assert whole.mean_ == pytest.approx(11.5) and whole.std_ == pytest.approx(np.arange(24).std())
    per_channel = Standardizer().fit(x, axis=(0, 1))
    assert per_channel.mean_.shape == (4,)
    np.testing.assert_allclose(per_channel.mean_, x.reshape(-1, 4).mean(axis=0))


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(2, 20), st.integers(1, 4)),
                    elements=st.integers(-8000, 8000).map(lambda k: k / 8)))
def test_standardizer_properties(x):
    scaler = Standardizer().fit(x)
    x_n = scaler.transform(x)
    assert np.isfinite(x_n).all()
    np.testing.assert_allclose(x_n.mean(axis=0), 0, atol=1e-9)
    spread = x_n.std(axis=0)
    constant = x.max(axis=0) == x.min(axis=0)
    np.testing.assert_allclose(spread[~constant], 1, rtol=1e-6)
    np.testing.assert_allclose(spread[constant], 0, atol=1e-9)
    np.testing.assert_allclose(scaler.inverse_transform(x_n), x, atol=1e-9)


def test_standardizer_errors():
    with pytest.raises(RuntimeError, match=r"Standardizer.transform: call fit\(x_train\) first"):
        Standardizer().transform(np.ones((2, 3)))
    scaler = Standardizer().fit(np.ones((5, 3)))
    message = r"Standardizer.transform: fitted on examples of shape \(3,\), got x of shape \(5, 4\)"
    with pytest.raises(ValueError, match=message):
        scaler.transform(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"Standardizer.fit: axis must name the leading sample axes"):
        Standardizer().fit(np.ones((5, 3)), axis=1)


# ---------------------------------------------------------------- whitening

@pytest.fixture(scope="module")
def correlated():
    """Train and test draws of strongly correlated 4-D data with unequal scales."""
    rng = np.random.default_rng(1)
    mixing = np.array([[3.0, 0.0, 0.0, 0.0],
                       [2.0, 0.5, 0.0, 0.0],
                       [0.0, 1.0, 0.2, 0.0],
                       [1.0, 0.0, 0.3, 4.0]])
    make = lambda n: rng.standard_normal((n, 4)) @ mixing.T + [1.0, -2.0, 5.0, 0.0]
    return make(2000), make(500)


def covariance(x):
    centred = x - x.mean(axis=0)
    return centred.T @ centred / len(x)


@pytest.mark.parametrize("method", ["pca", "zca"])
@pytest.mark.parametrize("eps, atol", [(0.0, 1e-10), (1e-8, 1e-5)])  # eps shrinks variance lam by lam/(lam+eps)
def test_whitened_training_data_has_identity_covariance(correlated, method, eps, atol):
    x_train, _ = correlated
    x_w = Whitener(method, eps=eps).fit_transform(x_train)
    assert x_w.dtype == np.float64
    np.testing.assert_allclose(x_w.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(covariance(x_w), np.eye(4), atol=atol)


def test_pca_whitening_is_rotation_then_scaling(correlated):
    x_train, _ = correlated
    pca = Whitener("pca").fit(x_train)
    C = covariance(x_train)
    assert (np.diff(pca.eigenvalues_) <= 0).all()  # largest variance first
    np.testing.assert_allclose(C @ pca.eigenvectors_, pca.eigenvectors_ * pca.eigenvalues_, atol=1e-9)
    np.testing.assert_allclose(pca.W_, pca.eigenvectors_ / np.sqrt(pca.eigenvalues_ + 1e-8))


def test_zca_is_the_symmetric_whitening_closest_to_the_data(correlated):
    x_train, _ = correlated
    pca = Whitener("pca").fit(x_train)
    zca = Whitener("zca").fit(x_train)
    np.testing.assert_allclose(zca.W_, zca.W_.T, atol=1e-12)
    np.testing.assert_allclose(zca.W_, pca.W_ @ pca.eigenvectors_.T, atol=1e-12)
    centred = x_train - x_train.mean(axis=0)
    distance = lambda x_w: np.mean(np.sum((x_w - centred) ** 2, axis=1))
    zca_distance = distance(zca.transform(x_train))
    x_pca = pca.transform(x_train)
    assert zca_distance < distance(x_pca)
    # Any other whitening is a rotation Q of the PCA one, and lies further from the data.
    rng = np.random.default_rng(0)
    for _ in range(20):
        Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
        assert zca_distance < distance(x_pca @ Q)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitener_applies_training_statistics_to_test_data(correlated, method):
    x_train, x_test = correlated
    whitener = Whitener(method).fit(x_train)
    expected = (x_test - x_train.mean(axis=0)) @ whitener.W_
    np.testing.assert_allclose(whitener.transform(x_test), expected)
    # Same distribution, so close to (but not exactly) white.
    np.testing.assert_allclose(covariance(whitener.transform(x_test)), np.eye(4), atol=0.2)


def test_whitener_singular_data_stays_finite():
    x = np.random.default_rng(0).standard_normal((100, 2))
    x = np.column_stack([x, x[:, 0] + x[:, 1], np.zeros(100)]).astype(np.float32)
    x_w = Whitener("zca", eps=1e-2).fit_transform(x)
    assert x_w.dtype == np.float32 and np.isfinite(x_w).all()


def test_whitener_errors():
    with pytest.raises(ValueError, match="Whitener: method must be 'pca' or 'zca', got 'pcb'"):
        Whitener("pcb")
    with pytest.raises(RuntimeError, match="call fit"):
        Whitener().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"Whitener.fit: x must be 2-D \(samples, features\), got shape \(3, 2, 2\)"):
        Whitener().fit(np.ones((3, 2, 2)))
    whitener = Whitener().fit(np.random.default_rng(0).standard_normal((10, 3)))
    with pytest.raises(ValueError, match=r"fitted on 3 features, got x of shape \(2, 4\)"):
        whitener.transform(np.ones((2, 4)))


# ---------------------------------------------------------------- train/validation split

def test_split_without_shuffle_takes_the_last_rows():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_fraction=0.25, shuffle=False)
    np.testing.assert_array_equal(x_train, x[:8])
    np.testing.assert_array_equal(x_val, x[8:])
    assert y_train.tolist() == list(range(0, 80, 10)) and y_val.tolist() == [80, 90]


@pytest.mark.parametrize("n, fraction, expected", [(10, 0.25, 2), (100, 0.29, 29), (60000, 1 / 60, 1000), (7, 0.5, 3)])
def test_split_size_from_fraction_matches_keras(n, fraction, expected):
    # Keras: split_at = ceil(n * (1 - validation_split)); the rest is validation.
    x = np.zeros((n, 1))
    (x_train, _), (x_val, _) = train_val_split(x, np.zeros(n), val_fraction=fraction, shuffle=False)
    assert (len(x_train), len(x_val)) == (n - expected, expected)


def test_split_lecture_mnist_sizes():
    x = np.zeros((60000, 1), dtype=np.uint8)
    (x_train, _), (x_val, _) = train_val_split(x, np.zeros(60000), val_size=1000, seed=0)
    assert (len(x_train), len(x_val)) == (59000, 1000)


def test_split_with_shuffle_is_a_seeded_partition():
    x = np.arange(50)
    y = -np.arange(50)
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_size=10, seed=3)
    assert sorted(np.concatenate([x_train, x_val]).tolist()) == list(range(50))
    np.testing.assert_array_equal(y_train, -x_train)
    np.testing.assert_array_equal(y_val, -x_val)
    assert x_val.tolist() != list(range(40, 50))
    (again, _), (again_val, _) = train_val_split(x, y, val_size=10, seed=3)
    np.testing.assert_array_equal(again_val, x_val)
    (_, _), (other_val, _) = train_val_split(x, y, val_size=10, seed=4)
    assert other_val.tolist() != x_val.tolist()


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=np.zeros((5, 2)), y=np.zeros(4), val_size=1),
     r"train_val_split: x and y must have the same number of rows, got x of shape \(5, 2\) and y of shape \(4,\)"),
    (dict(x=np.zeros(5), y=np.zeros(5)), "give exactly one of val_fraction and val_size"),
    (dict(x=np.zeros(5), y=np.zeros(5), val_fraction=0.2, val_size=1), "give exactly one"),
    (dict(x=np.zeros(5), y=np.zeros(5), val_fraction=1.0), r"val_fraction must be in \(0, 1\), got 1.0"),
    (dict(x=np.zeros(5), y=np.zeros(5), val_fraction=0), r"val_fraction must be in \(0, 1\), got 0"),
    (dict(x=np.zeros(5), y=np.zeros(5), val_fraction=0.1),
     "the validation set must have between 1 and 4 of the 5 rows, got 0 from val_fraction=0.1"),
    (dict(x=np.zeros(5), y=np.zeros(5), val_size=5), "between 1 and 4 of the 5 rows, got 5"),
])
def test_split_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_val_split(**kwargs)


# ---------------------------------------------------------------- mini-batches

def test_batches_in_order():
    x = np.arange(10)
    got = [xb.tolist() for xb in batches(x, batch_size=4, shuffle=False)]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    got = [xb.tolist() for xb in batches(x, batch_size=4, shuffle=False, drop_last=True)]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_batches_keep_x_and_y_aligned():
    x = np.arange(20).reshape(10, 2)
    y = x[:, 0] * 10
    seen = []
    for xb, yb in batches(x, y, batch_size=3, seed=0):
        assert len(xb) == len(yb) <= 3
        np.testing.assert_array_equal(yb, xb[:, 0] * 10)
        seen.extend(xb[:, 0] // 2)
    assert sorted(seen) == list(range(10)) and seen != list(range(10))


def test_batches_seeded():
    x = np.arange(100)
    first = np.concatenate(list(batches(x, batch_size=7, seed=5)))
    again = np.concatenate(list(batches(x, batch_size=7, seed=5)))
    other = np.concatenate(list(batches(x, batch_size=7, seed=6)))
    np.testing.assert_array_equal(first, again)
    assert first.tolist() != other.tolist()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 60), batch_size=st.integers(1, 70), drop_last=st.booleans(), seed=st.integers(0, 100))
def test_batches_cover_every_row_once(n, batch_size, drop_last, seed):
    x = np.arange(n)
    got = list(batches(x, batch_size=batch_size, seed=seed, drop_last=drop_last))
    sizes = [len(xb) for xb in got]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
    rows = np.concatenate(got) if got else np.array([], dtype=int)
    assert len(np.unique(rows)) == len(rows)
    if not drop_last:
        assert sorted(rows.tolist()) == list(range(n))


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=np.zeros((4, 2)), y=np.zeros(3)),
     r"batches: x and y must have the same number of rows, got x of shape \(4, 2\) and y of shape \(3,\)"),
    (dict(x=np.zeros(4), batch_size=0), "batches: batch_size must be a positive integer, got 0"),
    (dict(x=np.zeros(4), batch_size=2.5), "got 2.5"),
    (dict(x=np.zeros(4), batch_size=True), "got True"),
])
def test_batches_errors_are_raised_at_the_call(kwargs, message):
    with pytest.raises(ValueError, match=message):
        batches(**kwargs)  # not iterated: the check must not wait for the first batch


def test_batch_loader_epochs():
    x = np.arange(10)
    y = x * 2
    loader = BatchLoader(x, y, batch_size=4, seed=0)
    assert len(loader) == 3
    assert len(BatchLoader(x, batch_size=4, drop_last=True)) == 2
    epochs = [np.concatenate([xb for xb, _ in loader]) for _ in range(3)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(10))
    assert epochs[0].tolist() != epochs[1].tolist()  # a new order every epoch
    replay = BatchLoader(x, y, batch_size=4, seed=0)
    for order in epochs:  # ... and the same sequence of orders from the same seed
        np.testing.assert_array_equal(np.concatenate([xb for xb, _ in replay]), order)
    with pytest.raises(ValueError, match="BatchLoader: batch_size must be a positive integer"):
        BatchLoader(x, batch_size=-1)
