"""Tests for save_weights / load_weights: round trips, atomic writes, strict loading."""

import os
import zipfile

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.layers import MLP, Dense, Sequential


def model(seed=0):
    return MLP(3, [4], 2, output_activation="softmax", seed=seed)


def arrays_of(m):
    return [p.numpy().copy() for p in m.parameters()]


def test_round_trip_restores_every_variable(tmp_path):
    path = tmp_path / "weights.npz"
    a, b = model(0), model(1)
    a.save_weights(path)
    assert not np.array_equal(a[0].W.numpy(), b[0].W.numpy())
    b.load_weights(path)
    for x, y in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(a.predict(x), b.predict(x))


def test_file_is_a_plain_npz_keyed_by_named_parameters(tmp_path):
    path = tmp_path / "w.npz"
    m = model()
    nn.save_weights(m, path)
    assert zipfile.is_zipfile(path)
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == sorted(name for name, _ in m.named_parameters())
        np.testing.assert_array_equal(f["0.W"], m[0].W.numpy())
        assert f["1.b"].dtype == np.float32
    assert os.listdir(tmp_path) == ["w.npz"]
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o644)


def test_load_into_a_fresh_lazy_model_needs_building(tmp_path):
    path = tmp_path / "w.npz"
    model().save_weights(path)
    lazy = Sequential([Dense(4, activation="relu"), Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="build it first"):
        lazy.load_weights(path)
    lazy(np.zeros((1, 3)))
    lazy.load_weights(path)
    with pytest.raises(ValueError, match="no Variables yet"):
        Sequential([Dense(2)]).save_weights(tmp_path / "empty.npz")


def test_a_crash_mid_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "weights.npz"
    m = model()
    m.save_weights(path)
    before = path.read_bytes()
    saved_W = m[0].W.numpy().copy()
    m[0].W.assign_add(np.ones((3, 4), np.float32))

    real_savez = np.savez

    def broken_savez(file, **arrays):
        real_savez(file, **arrays)
        file.seek(0)
        file.truncate(100)                 # half-written file, then the crash
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        m.save_weights(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["weights.npz"]          # no temporary file left
    monkeypatch.undo()
    fresh = model(5)
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh[0].W.numpy(), saved_W)


def test_mismatched_file_is_listed_and_changes_nothing(tmp_path):
    path = tmp_path / "w.npz"
    saved = model(0)
    saved.save_weights(path)

    wider = MLP(3, [5], 2, seed=1)                         # shapes differ
    before = arrays_of(wider)
    with pytest.raises(ValueError) as err:
        wider.load_weights(path)
    message = str(err.value)
    assert "nothing was loaded" in message
    assert "0.W: shape (3, 4) in the file, (3, 5) in the model" in message
    assert "0.b: shape (4,) in the file, (5,) in the model" in message
    assert "1.W: shape (4, 2) in the file, (5, 2) in the model" in message
    assert "1.b" not in message                            # that one matches
    for a, b in zip(before, arrays_of(wider)):
        np.testing.assert_array_equal(a, b)

    deeper = MLP(3, [4, 4], 2, seed=2)                     # names differ
    before = arrays_of(deeper)
    with pytest.raises(ValueError, match=r"missing from the file: 2\.W, 2\.b"):
        deeper.load_weights(path)
    for a, b in zip(before, arrays_of(deeper)):
        np.testing.assert_array_equal(a, b)

    shallow = Sequential([Dense(2, input_dim=3)])
    with pytest.raises(ValueError, match=r"in the file but not in the model: 1\.W, 1\.b"):
        shallow.load_weights(path)


def test_dtype_mismatch_is_an_error(tmp_path):
    path = tmp_path / "w.npz"
    model().save_weights(path)
    ag.set_default_dtype(ag.float64)
    double = model()
    before = arrays_of(double)
    with pytest.raises(ValueError, match="0.W: dtype float32 in the file, float64 in the model"):
        double.load_weights(path)
    for a, b in zip(before, arrays_of(double)):
        np.testing.assert_array_equal(a, b)


def test_pickled_content_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"0.W": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="allow_pickle"):
        model().load_weights(path)
