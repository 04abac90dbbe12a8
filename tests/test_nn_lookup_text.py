"""Keras 3's lookup and text preprocessing layers: the examples of their docstrings (Keras's
own expected outputs, TensorFlow not being installed), adapt on small corpora against
counts done by hand, config round trips, models on raw strings, and errors."""

import collections
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nn
from nn.lookup import (CategoryEncoding, Discretization, Hashing, IntegerLookup, StringLookup,
                       fingerprint64, siphash64)
from nn.text_vectorization import TextVectorization

DATA = [["a", "c", "d"], ["d", "z", "b"]]
DATA4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
VOCAB = ["a", "b", "c", "d"]


def out(value):
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


# --- StringLookup: Keras's docstring examples ---------------------------------------------
def test_string_lookup_known_vocabulary():
    y = StringLookup(vocabulary=VOCAB)(DATA)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(out(y), [[1, 3, 4], [4, 0, 2]])


def test_string_lookup_adapted_vocabulary():
    layer = StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "z", "c", "b", "a"]
    assert layer.vocabulary_size() == 6
    np.testing.assert_array_equal(out(layer(DATA)), [[5, 3, 1], [1, 2, 4]])


def test_string_lookup_encodings():
    onehot = StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"])
    np.testing.assert_array_equal(out(onehot), np.eye(5)[[1, 2, 3, 4, 0]])
    assert onehot.dtype == np.float32
    multi = StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(DATA4)
    np.testing.assert_array_equal(out(multi), [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    count = StringLookup(vocabulary=VOCAB, output_mode="count")(DATA4)
    np.testing.assert_array_equal(out(count), [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])


def test_string_lookup_tf_idf_set_vocabulary():
    layer = StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(out(layer(DATA4)), [[0, 0.25, 0, 0.6, 0.8],
                                                   [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    layer = StringLookup(output_mode="tf_idf")  # OOV's weight given with "[UNK]"
    layer.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(out(layer(DATA4)), [[0, 0.25, 0, 0.6, 0.8],
                                                   [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)


def test_string_lookup_tf_idf_adapt():
    docs = [["a", "b", "b"], ["b", "c", "c"], ["c", "c", "c"]]
    layer = StringLookup(output_mode="tf_idf")
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]  # counts 5, 3, 1
    idf = [math.log(1 + 3 / (1 + n)) for n in (2, 2, 1)]  # documents holding c, b, a
    expected_weights = [np.mean(idf)] + idf
    np.testing.assert_allclose(layer.idf_weights, expected_weights, rtol=1e-6)
    np.testing.assert_allclose(out(layer([["b", "b", "x"]])),
                               [[expected_weights[0], 0, 2 * idf[1], 0]], rtol=1e-6)


def test_string_lookup_invert_and_pairs():
    inverse = StringLookup(vocabulary=VOCAB, invert=True)
    expected = [["a", "c", "d"], ["d", "[UNK]", "b"]]
    np.testing.assert_array_equal(inverse([[1, 3, 4], [4, 0, 2]]), expected)
    forward = StringLookup(vocabulary=VOCAB)
    np.testing.assert_array_equal(inverse(forward(DATA)), expected)


def test_string_lookup_mask_token_and_max_tokens():
    layer = StringLookup(vocabulary=VOCAB, mask_token="")
    assert layer.get_vocabulary() == ["", "[UNK]"] + VOCAB
    np.testing.assert_array_equal(out(layer([["a", "", "z"]])), [[2, 0, 1]])
    # in the other modes the mask token is dropped and has no index
    multi = StringLookup(vocabulary=VOCAB, mask_token="", output_mode="multi_hot")
    np.testing.assert_array_equal(out(multi([["a", "", ""]])), [[0, 1, 0, 0, 0]])
    capped = StringLookup(max_tokens=3)
    capped.adapt([["x", "y", "y", "z", "z", "z"]])
    assert capped.get_vocabulary() == ["[UNK]", "z", "y"]
    padded = StringLookup(vocabulary=["a"], output_mode="count", max_tokens=4,
                          pad_to_max_tokens=True)
    np.testing.assert_array_equal(out(padded([["a", "a", "q"]])), [[1, 2, 0, 0]])


def test_string_lookup_inputs_of_every_string_kind():
    layer = StringLookup(vocabulary=VOCAB)
    for data in (np.array(DATA), np.array(DATA, dtype=object),
                 np.array([[s.encode() for s in row] for row in DATA])):
        np.testing.assert_array_equal(out(layer(data)), [[1, 3, 4], [4, 0, 2]])


def test_num_oov_indices_zero_raises_on_oov():
    layer = StringLookup(vocabulary=VOCAB, num_oov_indices=0)
    np.testing.assert_array_equal(out(layer([["a", "d"]])), [[0, 3]])
    with pytest.raises(ValueError, match=r"num_oov_indices=0.*'z'"):
        layer([["a", "z"]])


def test_string_lookup_several_oov_indices_hash_as_tensorflow():
    layer = StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    np.testing.assert_array_equal(out(layer([["a", "c", "d"], ["m", "z", "b"]])),
                                  [[2, 4, 5], [0, 1, 3]])  # Keras's docstring


# --- the hashes: published test vectors, and Keras's Hashing examples -----------------------
@pytest.mark.parametrize("expected, text", [
    (0x9ae16a3b2f90404f, ""), (0xb3454265b6df75e3, "a"), (0x24a5b3a074e7f369, "abc"),
    (0xc22f4663e54e04d4, "abcde"), (0xfee9d22990c82909, "abcdefgh"),
    (0x46a7416ed4861e3b, "0123456789=012345"),
    (0xb944f8a16261e414, "C is as portable as Stonehedge!!"),
    (0xe8f89ab6df9bdd25, "Discard medicine more than two years old."),
    (0xabcdb319fcf2826c,
     "You remind me of a TV show, but that's all right: I watch it anyway."),
    (0x5a05644eb66e435e, "Even if I could be Shakespeare, I think I should still choose to "
                         "be Faraday. - A. Huxley"),
])
def test_fingerprint64_matches_farmhash(expected, text):
    assert fingerprint64(text.encode()) == expected


def test_siphash64_matches_the_reference_vectors():
    key = (0x0706050403020100, 0x0F0E0D0C0B0A0908)  # the paper's key 00 01 .. 0f
    assert siphash64(key, b"") == 0x726FDB47DD0E0E31
    assert siphash64(key, bytes(range(15))) == 0xA129CA6149BE45E5


def test_hashing_docstring_examples():
    letters = [["A"], ["B"], ["C"], ["D"], ["E"]]
    y = Hashing(num_bins=3)(letters)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(out(y), [[1], [0], [1], [1], [2]])
    masked = Hashing(num_bins=3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]])
    np.testing.assert_array_equal(out(masked), [[1], [1], [0], [2], [2]])
    np.testing.assert_array_equal(out(Hashing(num_bins=3, salt=[133, 137])(letters)),
                                  [[1], [2], [1], [0], [2]])
    np.testing.assert_array_equal(out(Hashing(num_bins=3, salt=133)(letters)),
                                  [[0], [0], [2], [1], [0]])
    # integers are hashed as their decimal strings
    np.testing.assert_array_equal(out(Hashing(7)(np.array([[12], [345]]))),
                                  [[fingerprint64(b"12") % 7], [fingerprint64(b"345") % 7]])
    multi = Hashing(num_bins=3, output_mode="multi_hot")([["A", "B"], ["E", "E"]])
    np.testing.assert_array_equal(out(multi), [[1, 1, 0], [0, 0, 1]])


def test_integer_lookup_farmhash_oov():
    layer = IntegerLookup(vocabulary=[1, 2], num_oov_indices=3, oov_method="farmhash")
    expected = [fingerprint64(str(t).encode()) % 3 for t in (7, 1000)]
    np.testing.assert_array_equal(out(layer(np.array([[7, 1000, 2]]))), [expected + [4]])


# --- IntegerLookup --------------------------------------------------------------------------
def test_integer_lookup_docstring_examples():
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    np.testing.assert_array_equal(out(IntegerLookup(vocabulary=[12, 36, 1138, 42])(data)),
                                  [[1, 3, 4], [4, 0, 2]])
    layer = IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    np.testing.assert_array_equal(out(layer(data)), [[5, 2, 1], [1, 3, 4]])
    # several OOV indices: token % num_oov_indices (Keras's floormod)
    two = IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    np.testing.assert_array_equal(out(two(np.array([[12, 1138, 42], [37, 1000, 36]]))),
                                  [[2, 4, 5], [1, 0, 3]])
    inverse = IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    np.testing.assert_array_equal(out(inverse(np.array([[1, 3, 4], [4, 0, 2]]))),
                                  [[12, 1138, 42], [42, -1, 36]])


def test_integer_lookup_mask_and_one_hot():
    layer = IntegerLookup(vocabulary=[12, 36, 1138, 42], mask_token=0)
    assert layer.get_vocabulary() == [0, -1, 12, 36, 1138, 42]
    np.testing.assert_array_equal(out(layer(np.array([[12, 0, 7]]))), [[2, 0, 1]])
    onehot = IntegerLookup(vocabulary=[3, 5], output_mode="one_hot")(np.array([[5], [4], [3]]))
    np.testing.assert_array_equal(out(onehot), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), min_size=1, max_size=5), min_size=1, max_size=4)
       .filter(lambda rows: len({len(r) for r in rows}) == 1),
       st.one_of(st.none(), st.integers(2, 6)))
def test_adapt_orders_by_count_then_larger_token(rows, max_tokens):
    layer = IntegerLookup(max_tokens=max_tokens)
    layer.adapt(np.array(rows))
    counts = collections.Counter(t for row in rows for t in row)
    order = sorted(counts, key=lambda t: (-counts[t], -t))
    if max_tokens:
        order = order[:max_tokens - 1]
    assert layer.get_vocabulary() == [-1] + order
    index = {t: i for i, t in enumerate(order, 1)}
    np.testing.assert_array_equal(out(layer(np.array(rows))),
                                  [[index.get(t, 0) for t in row] for row in rows])


# --- TextVectorization ----------------------------------------------------------------------
def test_text_vectorization_docstring_examples():
    layer = TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    y = layer([["foo qux bar"], ["qux baz"]])
    assert y.dtype == np.int64
    np.testing.assert_array_equal(out(y), [[4, 1, 3, 0], [1, 2, 0, 0]])
    given_vocab = TextVectorization(max_tokens=5000, output_sequence_length=4,
                                    vocabulary=["earth", "wind", "and", "fire"])
    assert given_vocab.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]


def test_text_vectorization_standardize_split_and_lengths():
    layer = TextVectorization()
    layer.adapt(np.array(["The cat, the HAT!", "a-b c's (x)", "Ünï  \tcode\nthe"]))
    # ASCII lowercase only (TensorFlow's strings.lower), Keras's punctuation deleted
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "Ünï", "x", "hat", "cs", "code",
                                      "cat", "ab"]  # "Ünï" > "x" as UTF-8 bytes
    np.testing.assert_array_equal(out(layer(["THE x", "cat hat cat cat"])),
                                  [[2, 4, 0, 0], [8, 5, 8, 8]])  # the batch's longest
    short = TextVectorization(vocabulary=["a", "b"], output_sequence_length=2)
    np.testing.assert_array_equal(out(short(["b a b a", "q"])), [[3, 2], [1, 0]])
    chars = TextVectorization(split="character", standardize=None, vocabulary=["a", "B"])
    np.testing.assert_array_equal(out(chars(["aBc"])), [[2, 3, 1]])
    whole = TextVectorization(split=None, vocabulary=["new york"])
    np.testing.assert_array_equal(out(whole([["New York"], ["Paris"]])), [[2], [1]])


def test_text_vectorization_ngrams_and_bag_of_words():
    layer = TextVectorization(ngrams=2)
    layer.adapt(["Hello, World! hello", "the World"])
    assert layer.get_vocabulary() == ["", "[UNK]", "world", "hello", "world hello",
                                      "the world", "the", "hello world"]
    np.testing.assert_array_equal(out(layer(["hello world x"])), [[3, 2, 1, 7, 1]])
    multi = TextVectorization(output_mode="multi_hot")
    multi.adapt(["a b b", "b c"])
    assert multi.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    np.testing.assert_array_equal(out(multi(["b b a z", ""])), [[1, 1, 0, 1], [0, 0, 0, 0]])
    count = TextVectorization(output_mode="count", vocabulary=["b", "c", "a"])
    np.testing.assert_array_equal(out(count(["b b a z"])), [[1, 2, 0, 1]])
    tfidf = TextVectorization(output_mode="tf_idf")
    tfidf.adapt(["a b b", "b c"])
    idf_b, idf_ac = math.log(1 + 2 / 3), math.log(2)
    oov = (idf_b + 2 * idf_ac) / 3
    np.testing.assert_allclose(out(tfidf(["b b a z"])), [[oov, 2 * idf_b, 0, idf_ac]],
                               rtol=1e-6)


def test_text_vectorization_adapt_on_batches():
    batches = (np.array([["x y"], ["y"]]), np.array([["z z z"], ["q"]]), np.array([["w"]]))
    layer = TextVectorization()
    layer.adapt(iter(batches), steps=2)
    assert layer.get_vocabulary() == ["", "[UNK]", "z", "y", "x", "q"]


# --- CategoryEncoding and Discretization ---------------------------------------------------
def test_category_encoding_docstring_examples():
    onehot = CategoryEncoding(num_tokens=4, output_mode="one_hot")([3, 2, 0, 1])
    np.testing.assert_array_equal(out(onehot), np.eye(4)[[3, 2, 0, 1]])
    assert onehot.dtype == np.float32
    rows = [[0, 1], [0, 0], [1, 2], [3, 1]]
    np.testing.assert_array_equal(out(CategoryEncoding(num_tokens=4)(rows)),
                                  [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]])
    weights = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]])
    counted = CategoryEncoding(num_tokens=4, output_mode="count")(rows, count_weights=weights)
    np.testing.assert_allclose(out(counted), [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0],
                                              [0, .2, 0, .4]], rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), st.data())
def test_category_encoding_against_one_hot_sums(depth, n, k, data):
    x = np.array(data.draw(st.lists(st.integers(0, depth - 1), min_size=n * k,
                                    max_size=n * k))).reshape(n, k)
    eye = np.eye(depth)
    counts = eye[x].sum(axis=1)
    np.testing.assert_array_equal(out(CategoryEncoding(depth, "count")(x)), counts)
    np.testing.assert_array_equal(out(CategoryEncoding(depth, "multi_hot")(x)), counts > 0)
    expected = eye[x[:, 0]] if k == 1 else eye[x]
    np.testing.assert_array_equal(out(CategoryEncoding(depth, "one_hot")(x)), expected)


def test_discretization_docstring_examples():
    x = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])
    y = Discretization(bin_boundaries=[0., 1., 2.])(x)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(out(y), [[0, 2, 3, 1], [1, 3, 2, 1]])
    layer = Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(x)
    np.testing.assert_array_equal(out(layer(x)), [[0, 2, 3, 2], [1, 3, 3, 1]])
    onehot = Discretization(bin_boundaries=[0.0], output_mode="one_hot")(np.array([[-1.], [2.]]))
    np.testing.assert_array_equal(out(onehot), [[1, 0], [0, 1]])


def test_discretization_adapt_quantiles_of_a_large_sample():
    x = np.arange(1000, dtype=np.float64)
    layer = Discretization(num_bins=4)
    layer.adapt(x)
    np.testing.assert_allclose(layer.bin_boundaries, [249.5, 499.5, 749.5], atol=10)


# --- configs, models ----------------------------------------------------------------------
@pytest.mark.parametrize("make, data", [
    (lambda: StringLookup(mask_token="", output_mode="int"), DATA),
    (lambda: StringLookup(output_mode="tf_idf", max_tokens=8, pad_to_max_tokens=True), DATA4),
    (lambda: IntegerLookup(num_oov_indices=2), np.array([[1, 2, 2], [5, 7, 2]])),
    (lambda: TextVectorization(max_tokens=6, output_sequence_length=3), ["a b c", "c d a a"]),
    (lambda: TextVectorization(output_mode="tf_idf", ngrams=(1, 2)), ["a b c", "c d a a"]),
    (lambda: Discretization(num_bins=3), np.array([[0.5, 2.0, 7.0, 1.0]])),
    (lambda: Hashing(5, mask_value="", salt=[1, 2]), [["a", ""], ["b", "c"]]),
    (lambda: StringLookup(num_oov_indices=3, salt=9), DATA),
])
def test_config_round_trip_after_adapt(make, data):
    layer = make()
    if hasattr(layer, "adapt"):
        layer.adapt(data)
    config = layer.get_config()
    copy = type(layer).from_config(config)
    assert copy.get_config() == config
    np.testing.assert_array_equal(out(copy(data)), out(layer(data)))


def test_category_encoding_config_round_trip():
    layer = CategoryEncoding(num_tokens=3, output_mode="count")
    copy = CategoryEncoding.from_config(layer.get_config())
    assert (copy.num_tokens, copy.output_mode) == (3, "count")


def test_sequential_text_classifier_on_raw_strings():
    texts = np.array(["a great movie", "an awful movie", "great great fun", "awful plot"])
    vectorize = TextVectorization(max_tokens=20, output_mode="int", output_sequence_length=5)
    vectorize.adapt(texts)
    model = nn.Sequential([vectorize, nn.Embedding(20, 4), nn.GlobalAveragePooling1D(),
                           nn.Dense(1)])
    y = model(texts)
    assert y.shape == (4, 1)
    embedded = model.layers[1].embeddings.numpy()[out(vectorize(texts))].mean(axis=1)
    dense = model.layers[3]
    np.testing.assert_allclose(out(y), embedded @ dense.W.numpy() + dense.b.numpy(),
                               rtol=1e-5)


def test_functional_model_on_strings_saves_its_vocabulary(tmp_path):
    vectorize = TextVectorization(max_tokens=10, output_sequence_length=4)
    vectorize.adapt(["red green", "green blue blue"])
    inputs = nn.Input((1,), dtype=str)
    x = nn.Embedding(10, 3)(vectorize(inputs))
    model = nn.Model(inputs, nn.Dense(2)(nn.GlobalAveragePooling1D()(x)))
    data = np.array([["blue red"], ["green yellow"]])
    path = tmp_path / "text.keras"
    model.save(path)
    loaded = nn.load_model(path)
    np.testing.assert_allclose(out(loaded(data)), out(model(data)), rtol=1e-6)
    assert loaded.layers[1].get_vocabulary() == vectorize.get_vocabulary()


def test_structured_data_lookups_feed_dense():
    # Keras's structured-data tutorial: a string and an integer feature, one-hot encoded
    thal = StringLookup(output_mode="one_hot")
    thal.adapt(np.array(["fixed", "normal", "reversible", "normal"]))
    sex = IntegerLookup(output_mode="one_hot")
    sex.adapt(np.array([0, 1, 1]))
    features = np.concatenate([out(thal(np.array([["normal"], ["odd"]]))),
                               out(sex(np.array([[1], [0]])))], axis=1)
    np.testing.assert_array_equal(features, [[0, 1, 0, 0, 0, 1, 0], [1, 0, 0, 0, 0, 0, 1]])
    assert nn.Dense(2)(features).shape == (2, 2)


# --- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("make, match", [
    (lambda: StringLookup(max_tokens=1, name="s"), r"StringLookup 's'.*max_tokens"),
    (lambda: StringLookup(output_mode="bag", name="s"), r"StringLookup 's'.*output_mode"),
    (lambda: StringLookup(num_oov_indices=-1, name="s"), r"'s'.*num_oov_indices"),
    (lambda: StringLookup(salt="pepper", name="s"), r"'s'.*salt"),
    (lambda: StringLookup(invert=True, output_mode="count", name="s"), r"'s'.*invert"),
    (lambda: StringLookup(pad_to_max_tokens=True, name="s"), r"'s'.*max_tokens"),
    (lambda: StringLookup(sparse=True, name="s"), r"'s'.*sparse"),
    (lambda: StringLookup(vocabulary=["a"], output_mode="tf_idf", name="s"), r"idf_weights"),
    (lambda: StringLookup(vocabulary=["a", "a"], name="s"), r"'s'.*repeated.*'a'"),
    (lambda: StringLookup(vocabulary=["a", "b"], max_tokens=2, name="s"), r"'s'.*max_tokens"),
    (lambda: IntegerLookup(oov_method="md5", name="i"), r"IntegerLookup 'i'.*oov_method"),
    (lambda: IntegerLookup(salt=3, name="i"), r"IntegerLookup 'i'.*salt.*farmhash"),
    (lambda: Hashing(0, name="h"), r"Hashing 'h'.*num_bins"),
    (lambda: Hashing(3, output_mode="tf_idf", name="h"), r"Hashing 'h'.*output_mode"),
    (lambda: CategoryEncoding(name="c"), r"CategoryEncoding 'c'.*num_tokens"),
    (lambda: CategoryEncoding(3, output_mode="tf_idf", name="c"), r"'c'.*output_mode"),
    (lambda: Discretization(name="d"), r"Discretization 'd'.*num_bins.*bin_boundaries"),
    (lambda: Discretization([1.0], num_bins=2, name="d"), r"'d'.*num_bins"),
    (lambda: TextVectorization(standardize="upper", name="t"), r"'t'.*standardize"),
    (lambda: TextVectorization(ngrams="2", name="t"), r"'t'.*ngrams"),
    (lambda: TextVectorization(output_mode="count", output_sequence_length=3, name="t"),
     r"'t'.*output_sequence_length"),
])
def test_bad_arguments_name_the_layer_and_argument(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_call_and_adapt_errors_change_nothing():
    layer = StringLookup(vocabulary=VOCAB, name="s")
    with pytest.raises(ValueError, match=r"'s'.*static vocabulary"):
        layer.adapt(DATA)
    with pytest.raises(ValueError, match=r"'s'.*repeated"):
        layer.set_vocabulary(["x", "x"])
    assert layer.get_vocabulary() == ["[UNK]"] + VOCAB
    with pytest.raises(TypeError, match=r"'s'.*strings"):
        layer(np.array([[1.5]]))
    with pytest.raises(RuntimeError, match=r"multi_hot.*vocabulary"):
        StringLookup(output_mode="multi_hot")(DATA)
    with pytest.raises(ValueError, match=r"CategoryEncoding 'c'.*0 <= values < num_tokens"):
        CategoryEncoding(3, name="c")([[0, 3]])
    with pytest.raises(ValueError, match=r"Discretization 'd'.*adapt"):
        Discretization(num_bins=2, name="d")(np.ones((1, 1)))
    text = TextVectorization(name="t")
    with pytest.raises(ValueError, match=r"'t'.*last shape dimension must be 1"):
        text(np.array([["a", "b"]]))


def test_docstring_examples_run():
    import doctest

    import nn.lookup
    import nn.text_vectorization
    for module in (nn.lookup, nn.text_vectorization):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0


def test_fit_and_predict_take_raw_text_and_input_takes_kerass_string_dtype():
    """TensorFlow's text-classification tutorial's shape: TextVectorization first, then
    Embedding(mask_zero=True) and a masked average; fit and predict on strings."""
    import warnings

    import nn
    texts = np.array(["the movie was great", "terrible film, awful", "great story",
                      "awful awful boring", "I loved it", "worst movie ever"])
    labels = np.array([1, 0, 1, 0, 1, 0], dtype="float32")
    vectorize = TextVectorization(max_tokens=100, output_sequence_length=6)
    vectorize.adapt(texts)
    model = nn.Sequential([vectorize, nn.Embedding(100, 8, mask_zero=True),
                           nn.GlobalAveragePooling1D(), nn.Dense(1)])
    model.compile(optimizer="adam", loss=nn.losses.BinaryCrossentropy(from_logits=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the average uses the mask: no "mask destroyed"
        history = model.fit(texts, labels, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(np.array(["great movie", "awful"]), verbose=0).shape == (2, 1)
    inp = nn.Input(shape=(1,), dtype="string")
    assert inp.dtype == np.dtype(object) and vectorize(inp).shape == (None, 6)
    with pytest.raises(TypeError, match=r"y must be numeric, got dtype <U"):
        model.fit(texts, np.array(["a"] * 6), verbose=0)
