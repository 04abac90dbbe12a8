"""``ag.data.Dataset``, TensorFlow's ``tf.data``: every transformation against a plain-Python
reference, TensorFlow's buffered shuffle (a permutation, seeded, reshuffled per pass, local
with a small buffer), dtypes kept, errors named, and the quickstart for experts and
``model.fit`` on datasets."""

import collections
import itertools
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim

Dataset = ag.data.Dataset


def rows(ds):
    """The elements as plain Python (numbers, lists, tuples, dicts), through numpy."""
    return [plain(e) for e in ds.as_numpy_iterator()]


def plain(element):
    if isinstance(element, dict):
        return {k: plain(v) for k, v in element.items()}
    if isinstance(element, tuple):
        return tuple(plain(v) for v in element)
    return np.asarray(element).tolist()


def numbers(n):
    return Dataset.range(n)


# --- constructors ------------------------------------------------------------------------
def test_from_tensor_slices_slices_every_component_along_the_first_axis():
    x = np.arange(12.0).reshape(4, 3)
    y = np.array([3, 1, 4, 1])
    assert rows(Dataset.from_tensor_slices((x, y))) == [(x[i].tolist(), int(y[i]))
                                                       for i in range(4)]
    assert rows(Dataset.from_tensor_slices({"a": x, "b": y})) == [
        {"a": x[i].tolist(), "b": int(y[i])} for i in range(4)]
    assert rows(Dataset.from_tensor_slices(x)) == x.tolist()
    assert rows(Dataset.from_tensor_slices(ag.constant(x))) == x.tolist()
    assert rows(Dataset.from_tensor_slices(((x, y), y))) == [
        ((x[i].tolist(), int(y[i])), int(y[i])) for i in range(4)]


def test_elements_are_values_of_their_own_dtype_and_numpy_from_as_numpy_iterator():
    images = np.arange(24, dtype=np.uint8).reshape(4, 2, 3)
    labels = np.arange(4, dtype=np.int64)
    ds = Dataset.from_tensor_slices((images / 255.0, labels, images.astype(np.float32)))
    x, y, z = next(iter(ds))
    assert isinstance(x, ag.Value) and isinstance(y, ag.Value)
    assert (x.dtype, y.dtype, z.dtype) == (np.float64, np.int64, np.float32)
    x, y, z = next(iter(ds.batch(3)))
    assert (x.shape, y.dtype, z.dtype) == ((3, 2, 3), np.int64, np.float32)
    np.testing.assert_array_equal(y.numpy(), [0, 1, 2])
    a, b, _ = next(ds.as_numpy_iterator())
    assert isinstance(a, np.ndarray) and b.dtype == np.int64
    assert next(iter(Dataset.from_tensor_slices(images))).dtype == np.uint8
    # Python numbers take TensorFlow's dtypes: float32 and int32
    f, i = next(iter(Dataset.from_tensor_slices(([1.5, 2.5], [1, 2]))))
    assert (f.dtype, i.dtype) == (np.float32, np.int32)


def test_from_tensor_slices_names_mismatched_first_axes_and_scalars():
    with pytest.raises(ValueError, match=r"from_tensor_slices.*\(3, 2\).*\(4,\)"):
        Dataset.from_tensor_slices((np.zeros((3, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match=r"from_tensor_slices.*'y': \(2,\)"):
        Dataset.from_tensor_slices({"x": np.zeros(3), "y": np.zeros(2)})
    with pytest.raises(ValueError, match=r"from_tensor_slices.*first axis.*\(\)"):
        Dataset.from_tensor_slices(np.float64(3.0))


def test_from_tensors_range_and_their_cardinalities():
    assert rows(Dataset.from_tensors(([1, 2], 3))) == [([1, 2], 3)]
    for args in [(5,), (2, 7), (10, 0, -3), (3, 3)]:
        ds = Dataset.range(*args)
        assert rows(ds) == list(range(*args)) and len(ds) == len(range(*args))
        assert int(ds.cardinality()) == len(range(*args))
    assert next(iter(Dataset.range(3))).dtype == np.int64
    with pytest.raises(ValueError, match="Dataset.range: step must not be zero"):
        Dataset.range(0, 5, 0)
    with pytest.raises(TypeError, match="Dataset.range: each argument must be an integer"):
        Dataset.range(2.5)


def test_zip_pairs_datasets_in_their_nest_and_stops_at_the_shortest():
    a, b = numbers(5), numbers(3).map(lambda i: i * 10)
    assert rows(Dataset.zip((a, b))) == [(0, 0), (1, 10), (2, 20)]
    assert rows(Dataset.zip(a, b)) == rows(Dataset.zip((a, b)))
    assert rows(Dataset.zip(b)) == rows(b)
    assert rows(Dataset.zip({"u": b, "v": a})) == [{"u": 10 * i, "v": i} for i in range(3)]
    assert len(Dataset.zip((a, b))) == 3
    assert int(Dataset.zip((a.repeat(), b)).cardinality()) == 3
    assert int(Dataset.zip((a.repeat(), b.repeat())).cardinality()) == -1
    assert int(Dataset.zip((a.filter(lambda i: i > 0), b)).cardinality()) == -2
    with pytest.raises(TypeError, match="Dataset.zip: datasets must be"):
        Dataset.zip((a, np.arange(3)))


def test_from_generator_calls_the_generator_every_pass_and_casts_to_the_signature():
    calls = []

    def gen(n):
        calls.append(n)
        for i in range(n):
            yield i, [float(i)] * 2

    spec = (ag.TensorSpec((), ag.int32), ag.TensorSpec((None,), ag.float32))
    ds = Dataset.from_generator(gen, output_signature=spec, args=(3,))
    assert calls == []  # lazy
    assert rows(ds) == [(i, [float(i)] * 2) for i in range(3)]
    assert rows(ds) == [(i, [float(i)] * 2) for i in range(3)]
    assert calls == [3, 3]
    i, v = next(iter(ds))
    assert (i.dtype, v.dtype) == (np.int32, np.float32)
    assert int(ds.cardinality()) == -2 and ds.element_spec == spec
    typed = Dataset.from_generator(lambda: iter([1, 2]), output_types=ag.float64)
    assert [x.dtype for x in typed] == [np.float64] * 2
    shaped = Dataset.from_generator(lambda: iter([[1, 2, 3]]), output_types=ag.int64,
                                    output_shapes=(2,))
    with pytest.raises(ValueError, match=r"from_generator.*shape \(3,\) where \(2,\)"):
        list(shaped)
    exact = Dataset.from_generator(lambda: iter([0.1]), output_types=ag.float64)
    assert [float(x) for x in exact] == [0.1]  # not through float32
    floats = Dataset.from_generator(lambda: iter([1.5]), output_types=ag.int32)
    with pytest.raises(TypeError, match="from_generator.*float.*int32"):
        list(floats)
    with pytest.raises(TypeError, match="from_generator: give output_signature"):
        Dataset.from_generator(gen)


# --- transformations -----------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 5, 6, 7])
@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_batch_cuts_consecutive_elements_and_keeps_or_drops_the_remainder(n, size):
    x, y = np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n)
    expected = [(x[i:i + size].tolist(), y[i:i + size].tolist()) for i in range(0, n, size)]
    ds = Dataset.from_tensor_slices((x, y)).batch(size)
    assert rows(ds) == expected and len(ds) == len(expected) == math.ceil(n / size)
    kept = [b for b in expected if len(b[1]) == size]
    dropped = Dataset.from_tensor_slices((x, y)).batch(size, drop_remainder=True)
    assert rows(dropped) == kept and len(dropped) == n // size
    assert dropped.element_spec[0].shape == (size, 2)
    assert ds.element_spec[0].shape == (None, 2)


def test_batch_refuses_bad_sizes_and_names_unequal_shapes():
    with pytest.raises(ValueError, match="Dataset.batch: batch_size must be >= 1, got 0"):
        numbers(3).batch(0)
    with pytest.raises(TypeError, match="Dataset.batch: batch_size must be an integer"):
        numbers(3).batch(2.5)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        numbers(3).batch(True)
    ragged = Dataset.range(1, 4).map(lambda i: ag.ones(int(i)))
    with pytest.raises(ValueError, match=r"Dataset.batch: .*shapes \(1,\) and \(2,\)"):
        list(ragged.batch(2))


def test_padded_batch_pads_each_batch_to_its_longest_or_to_given_shapes():
    ragged = Dataset.range(1, 4).map(lambda i: (ag.fill([int(i)], i), i))
    assert rows(ragged.padded_batch(2)) == [([[1, 0], [2, 2]], [1, 2]), ([[3, 3, 3]], [3])]
    fixed = ragged.padded_batch(3, padded_shapes=([4], []), padding_values=(-1, 0))
    assert rows(fixed) == [([[1, -1, -1, -1], [2, 2, -1, -1], [3, 3, 3, -1]], [1, 2, 3])]
    with pytest.raises(ValueError, match="padded_batch: component 0 .* larger than"):
        list(ragged.padded_batch(3, padded_shapes=([2], [])))


@pytest.mark.parametrize("count", [0, 1, 3])
def test_repeat_take_and_skip_count_as_python(count):
    n = 4
    base = numbers(n)
    assert rows(base.repeat(count)) == list(range(n)) * count
    assert len(base.repeat(count)) == n * count
    for k in [0, 2, 4, 9]:
        assert rows(base.repeat(count).take(k)) == (list(range(n)) * count)[:k]
        assert rows(base.repeat(count).skip(k)) == (list(range(n)) * count)[k:]
        assert len(base.repeat(count).take(k)) == min(k, n * count)
        assert len(base.repeat(count).skip(k)) == max(0, n * count - k)
    forever = base.repeat()
    assert rows(forever.take(10)) == list(itertools.islice(itertools.cycle(range(n)), 10))
    assert int(forever.cardinality()) == ag.data.INFINITE_CARDINALITY == -1
    assert len(forever.take(10)) == 10 and int(forever.skip(3).cardinality()) == -1
    assert rows(base.take(-1)) == list(range(n)) and rows(base.skip(-1)) == []
    assert rows(numbers(0).repeat()) == []  # an empty dataset repeated ends
    with pytest.raises(TypeError, match="infinite"):
        len(forever)


def test_map_passes_a_tuples_components_as_arguments_and_a_dict_whole():
    x, y = np.arange(6.0).reshape(3, 2), np.array([7, 8, 9])
    seen = []

    def scale(a, b):
        seen.append((type(a), type(b), b.dtype))
        return a * 2, b + 1

    ds = Dataset.from_tensor_slices((x, y)).map(scale, num_parallel_calls=ag.data.AUTOTUNE)
    assert seen == []  # lazy
    assert rows(ds) == [((x[i] * 2).tolist(), int(y[i]) + 1) for i in range(3)]
    assert seen[0] == (ag.Value, ag.Value, np.int64) and len(ds) == 3
    named = Dataset.from_tensor_slices({"x": x, "y": y}).map(lambda d: d["x"].sum() + d["y"])
    assert rows(named) == [x[i].sum() + y[i] for i in range(3)]
    as_list = numbers(2).map(lambda i: [i, i * 3])  # a list comes back as a tuple
    assert rows(as_list) == [(0, 0), (1, 3)]
    with pytest.raises(TypeError, match="Dataset.map: map_func must be callable"):
        numbers(2).map(3)


def test_filter_keeps_what_the_predicate_accepts_and_makes_the_length_unknown():
    ds = Dataset.from_tensor_slices((np.arange(10), np.arange(10) % 3))
    kept = ds.filter(lambda i, r: r == 0)
    assert rows(kept) == [(i, 0) for i in range(10) if i % 3 == 0]
    assert int(kept.cardinality()) == ag.data.UNKNOWN_CARDINALITY == -2
    with pytest.raises(TypeError, match="length is unknown"):
        len(kept)
    with pytest.raises(TypeError, match="Dataset.filter: predicate must return a scalar bool"):
        list(ds.filter(lambda i, r: i))


def test_enumerate_unbatch_and_concatenate_against_python():
    letters = Dataset.from_tensor_slices(np.array([10.0, 20.0, 30.0]))
    assert rows(letters.enumerate(start=5)) == [(5, 10.0), (6, 20.0), (7, 30.0)]
    i, _ = next(iter(letters.enumerate()))
    assert i.dtype == np.int64
    x, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    flat = Dataset.from_tensor_slices((x, y))
    assert rows(flat.batch(3).unbatch()) == rows(flat)
    assert int(flat.batch(3).unbatch().cardinality()) == -2
    more = Dataset.from_tensor_slices((x[:2] + 100, y[:2]))
    assert rows(flat.concatenate(more)) == rows(flat) + rows(more)
    assert len(flat.concatenate(more)) == 9
    assert int(flat.concatenate(more.repeat()).cardinality()) == -1
    with pytest.raises(TypeError, match="Dataset.concatenate: the datasets' elements differ"):
        flat.concatenate(numbers(3))
    with pytest.raises(TypeError, match="Dataset.concatenate: the datasets' elements differ"):
        flat.concatenate(Dataset.from_tensor_slices((x, y.astype(np.float32))))


def test_every_pass_is_fresh_and_cache_computes_once():
    calls = []
    ds = numbers(4).map(lambda i: calls.append(int(i)) or i * i)
    assert rows(ds) == rows(ds) == [0, 1, 4, 9] and calls == [0, 1, 2, 3] * 2
    calls.clear()
    cached = ds.cache()
    assert rows(cached) == rows(cached) == [0, 1, 4, 9] and calls == [0, 1, 2, 3]
    frozen = numbers(20).shuffle(20).cache()
    assert rows(frozen) == rows(frozen) and sorted(rows(frozen)) == list(range(20))
    assert ds.prefetch(ag.data.AUTOTUNE) is ds and ds.prefetch(2) is ds


def test_reduce_apply_element_spec_and_experimental_names():
    total = numbers(5).reduce(np.int64(0), lambda state, i: state + i)
    assert int(total) == 10
    assert rows(numbers(4).apply(lambda d: d.skip(1))) == [1, 2, 3]
    spec = Dataset.from_tensor_slices((np.zeros((4, 3), np.float32), np.arange(4))).element_spec
    assert spec == (ag.TensorSpec((3,), ag.float32), ag.TensorSpec((), ag.int64))
    assert ag.data.experimental.cardinality(numbers(3).repeat()) == -1
    assert ag.data.experimental.AUTOTUNE == ag.data.AUTOTUNE == -1
    assert bool(numbers(3).repeat())  # truthy, though len would raise
    assert repr(numbers(0).map(lambda i: i).repeat()) == "<Dataset cardinality=0>"
    assert repr(numbers(3).repeat()) == "<Dataset cardinality=infinite>"


# --- shuffle --------------------------------------------------------------------------------
def orders(ds, passes):
    return [rows(ds) for _ in range(passes)]


def test_shuffle_gives_permutations_and_new_ones_every_pass():
    ds = numbers(50).shuffle(50)
    first, second = orders(ds, 2)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != second and first != list(range(50))
    fixed = numbers(50).shuffle(50, reshuffle_each_iteration=False)
    a, b = orders(fixed, 2)
    assert a == b != list(range(50))
    assert len(ds) == 50


def test_shuffle_is_reproducible_under_set_seed_and_with_its_own_seed():
    ag.random.set_seed(7)
    one = orders(numbers(30).shuffle(10).batch(4), 3)
    ag.random.set_seed(7)
    two = orders(numbers(30).shuffle(10).batch(4), 3)
    assert one == two
    ag.random.set_seed(8)
    assert orders(numbers(30).shuffle(10).batch(4), 3) != one
    seeded = [orders(numbers(30).shuffle(30, seed=3), 2) for _ in range(2)]
    assert seeded[0] == seeded[1] and seeded[0][0] != seeded[0][1]


def test_a_full_buffer_shuffles_uniformly():
    ag.random.set_seed(1)
    counts = collections.Counter(rows(numbers(5).shuffle(5))[0] for _ in range(2000))
    assert sorted(counts) == list(range(5))
    assert all(330 < c < 470 for c in counts.values()), counts  # 400 each expected


@pytest.mark.parametrize("buffer_size", [1, 2, 5])
def test_a_small_buffer_keeps_tensorflows_locality(buffer_size):
    """Element i enters the buffer after i - buffer_size + 1 elements have left it: it
    comes out at position >= i - buffer_size + 1, and the first comes from the first
    buffer_size elements. Both bounds are reached."""
    n, lowest, firsts = 40, {}, set()
    ds = numbers(n).shuffle(buffer_size)
    for _ in range(300):
        order = rows(ds)
        assert sorted(order) == list(range(n))
        for position, i in enumerate(order):
            assert position >= i - buffer_size + 1
            lowest[i] = min(lowest.get(i, n), position)
        firsts.add(order[0])
    assert firsts == set(range(buffer_size))
    assert all(lowest[i] == i - buffer_size + 1 for i in range(buffer_size, n))
    if buffer_size == 1:
        assert rows(ds) == list(range(n))


def test_shuffle_refuses_a_buffer_below_one():
    with pytest.raises(ValueError, match="Dataset.shuffle: buffer_size must be >= 1, got 0"):
        numbers(3).shuffle(0)


# --- TensorFlow's quickstart for experts, and Keras's fit on datasets ------------------------
def blobs(n, seed):
    """Three classes of 6x6 one-channel images: a bright row per class, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(0, 0.3, (n, 6, 6)).astype(np.float32)
    x[np.arange(n), 2 * y] += 2.0
    return x[..., np.newaxis], y.astype(np.uint8)


class MyModel(nn.Model):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2D(4, 3, activation="relu")
        self.flatten = nn.Flatten()
        self.d1 = nn.Dense(16, activation="relu")
        self.d2 = nn.Dense(3)

    def call(self, x):
        x = self.conv1(x)
        x = self.flatten(x)
        x = self.d1(x)
        return self.d2(x)


def test_the_quickstart_for_experts_loop_lowers_the_loss():
    ag.random.set_seed(0)
    x_train, y_train = blobs(256, 0)
    x_test, y_test = blobs(64, 1)
    train_ds = ag.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(32)
    test_ds = ag.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)
    model = MyModel()
    loss_object = nn.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = optim.Adam()
    train_loss = nn.metrics.Mean(name="train_loss")
    train_accuracy = nn.metrics.SparseCategoricalAccuracy(name="train_accuracy")
    test_accuracy = nn.metrics.SparseCategoricalAccuracy(name="test_accuracy")

    @ag.function
    def train_step(images, labels):
        with ag.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_loss(loss)
        train_accuracy(labels, predictions)

    losses = []
    for epoch in range(5):
        train_loss.reset_state()
        train_accuracy.reset_state()
        steps = 0
        for images, labels in train_ds:
            assert labels.dtype == np.uint8 and images.shape[1:] == (6, 6, 1)
            train_step(images, labels)
            steps += 1
        assert steps == 8
        losses.append(float(train_loss.result()))
    for images, labels in test_ds:
        test_accuracy(labels, model(images, training=False))
    assert losses[-1] < 0.6 * losses[0], losses
    assert float(train_accuracy.result()) > 0.8 and float(test_accuracy.result()) > 0.8


def compiled():
    model = nn.Sequential([nn.Input((4,)), nn.Dense(8, activation="relu", seed=1),
                           nn.Dense(3, activation="softmax", seed=2)])
    model.compile(optim.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_and_evaluate_on_datasets_equal_fit_on_the_arrays():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(22, 4)), rng.integers(0, 3, 22)
    xv, yv = rng.normal(size=(9, 4)), rng.integers(0, 3, 9)
    ds = Dataset.from_tensor_slices((x, y)).batch(6)
    val_ds = Dataset.from_tensor_slices((xv, yv)).batch(6)
    model, reference = compiled(), compiled()
    history = model.fit(ds, epochs=2, validation_data=val_ds, verbose=0)
    expected = reference.fit(x, y, batch_size=6, shuffle=False, epochs=2,
                             validation_data=(xv, yv), verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert history.history.keys() == expected.history.keys()
    np.testing.assert_allclose(history.history["val_loss"], expected.history["val_loss"],
                               rtol=1e-6)
    assert model.optimizer.iterations == 2 * 4
    np.testing.assert_allclose(model.evaluate(ds, verbose=0),
                               reference.evaluate(x, y, batch_size=6, verbose=0), rtol=1e-6)
    assert model.predict(ds.map(lambda a, b: a), verbose=0).shape == (22, 3)


def test_fit_on_a_shuffled_repeated_dataset_needs_steps_per_epoch():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    forever = Dataset.from_tensor_slices((x, y)).shuffle(20).batch(5).repeat()
    model = compiled()
    before = model.get_weights()
    with pytest.raises(ValueError, match="fit: x is an infinite dataset.*steps_per_epoch"):
        model.fit(forever, epochs=2, verbose=0)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    history = model.fit(forever, epochs=3, steps_per_epoch=6, verbose=0)
    assert model.optimizer.iterations == 18 and len(history.history["loss"]) == 3
