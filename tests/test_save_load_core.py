"""Tests for ag.save / ag.load (PyTorch's torch.save / torch.load, never pickled): state
dicts of arrays and of Values, checkpoints with an optimizer's state, a Value alone, atomic
saves that survive an error and kill -9, and files refused before any data is read."""

import errno
import io
import os
import signal
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from hostile_files import MiB, bomb_member, npy_header, stored, zip_bytes

REPO = Path(__file__).resolve().parent.parent


def network(seed):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))


def outputs(model):
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    return model(x).numpy()


# --- round trips ------------------------------------------------------------------------------

def test_a_state_dict_round_trips_into_load_state_dict(tmp_path):
    path = tmp_path / "model.pth"
    saved, fresh = network(0), network(1)
    assert not np.array_equal(outputs(saved), outputs(fresh))
    ag.save(saved.state_dict(), path)
    assert os.listdir(tmp_path) == ["model.pth"]
    fresh.load_state_dict(ag.load(path, weights_only=True))
    np.testing.assert_array_equal(outputs(fresh), outputs(saved))
    with np.load(path, allow_pickle=False) as plain:      # numpy reads it: a plain .npz
        assert list(plain) == list(saved.state_dict())
        for name, value in saved.state_dict().items():
            np.testing.assert_array_equal(plain[name], value)


def test_a_state_dict_of_values_loads_as_arrays(tmp_path):
    path = tmp_path / "values.pt"
    saved, fresh = network(2), network(3)
    values = dict(saved.named_parameters())
    assert all(isinstance(v, ag.Value) for v in values.values())
    ag.save(values, path)
    loaded = ag.load(path)
    assert list(loaded) == list(values)
    for name, v in values.items():
        assert type(loaded[name]) is np.ndarray and loaded[name].dtype == v.numpy().dtype
        np.testing.assert_array_equal(loaded[name], v.numpy())
    fresh.load_state_dict(loaded)
    np.testing.assert_array_equal(outputs(fresh), outputs(saved))


@pytest.mark.parametrize("array", [
    np.arange(6, dtype=np.float32).reshape(2, 3), np.array(2.5), np.array([1, -2], np.int64),
    np.array([1 + 2j], np.complex64), np.array([0.1, np.nan, -np.inf], np.float16),
    np.zeros((0, 3)), np.array([True, False]),
], ids=lambda a: f"{a.dtype}{a.shape}")
def test_a_value_or_an_array_alone_loads_as_the_array_torch_gives(tmp_path, array):
    """torch.save(tensor, path); torch.load(path) gives the tensor; ag.load gives its array,
    with the same values, dtype and shape as torch's (a Value holds floats: ints and bools
    become float32 in it, as ag.Value makes them)."""
    torch = pytest.importorskip("torch")
    objects = {"array": array.copy()}
    if array.dtype.kind != "c":                      # a Value holds no complex numbers
        objects["Value"] = ag.Value(array.copy())
    for kind, obj in objects.items():
        data = np.asarray(obj.numpy() if kind == "Value" else obj)
        torch.save(torch.from_numpy(data.copy()), tmp_path / "t.pt")
        expected = torch.load(tmp_path / "t.pt").numpy()
        ag.save(obj, tmp_path / f"{kind}.pt")
        loaded = ag.load(tmp_path / f"{kind}.pt")
        assert type(loaded) is np.ndarray, kind
        assert loaded.dtype == expected.dtype and loaded.shape == expected.shape, kind
        np.testing.assert_array_equal(loaded, expected)


def test_a_general_checkpoint_resumes_training_exactly(tmp_path):
    """PyTorch's checkpoint recipe: model and optimizer state, epoch and loss; the resumed
    run takes the same next steps as the one that went on."""
    x = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    model = network(4)
    opt = optim.Adam(model.parameters(), lr=0.01)

    def step(m, o):
        o.zero_grad()
        loss = (m(x) ** 2).mean()
        loss.backward()
        o.step()
        return loss

    for _ in range(3):
        loss = step(model, opt)
    path = tmp_path / "checkpoint.tar"
    ag.save({"epoch": 3, "model_state_dict": model.state_dict(),
             "optimizer_state_dict": opt.state_dict(), "loss": loss,
             "history": [1.5, (2, "two"), None, True]}, path)
    resumed = network(5)
    resumed_opt = optim.Adam(resumed.parameters(), lr=0.01)
    checkpoint = ag.load(path)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_opt.load_state_dict(checkpoint["optimizer_state_dict"])
    assert checkpoint["epoch"] == 3 and type(checkpoint["epoch"]) is int
    assert checkpoint["history"] == [1.5, (2, "two"), None, True]
    assert type(checkpoint["loss"]) is np.ndarray and float(checkpoint["loss"]) == float(loss)
    for _ in range(2):
        step(model, opt), step(resumed, resumed_opt)
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_nn_keeps_its_names_for_the_same_functions():
    from nn import atomic, saving
    assert nn.save is ag.save and nn.load is ag.load
    assert saving.save is ag.save and saving.write_arrays is ag.npz.write_arrays
    assert atomic.atomic_write is ag.atomic.atomic_write and atomic._HOST == ag.atomic.HOST


# --- what save refuses -----------------------------------------------------------------------

@pytest.mark.parametrize("obj,error,message", [
    (lambda: network(0), TypeError, r"got Sequential; save model\.state_dict\(\)"),
    (lambda: {"a": np.zeros(2), "m": network(0)}, TypeError, r"obj\['m'\] is a Sequential"),
    (lambda: [np.zeros(2), object()], TypeError, r"obj\[1\] is a object"),
    (lambda: {1.5: np.zeros(2)}, TypeError, "key 1.5: keys must be strings or integers"),
    (lambda: np.array(["a"]), TypeError, "obj holds ndarray of dtype <U1"),
])
def test_save_refuses_before_touching_the_file(tmp_path, obj, error, message):
    path = tmp_path / "model.pth"
    path.write_bytes(b"old")
    with pytest.raises(error, match=message):
        ag.save(obj(), path)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["model.pth"]


def test_a_file_object_is_refused_with_the_reason(tmp_path):
    buffer = io.BytesIO()
    with pytest.raises(TypeError, match=r"save: f is a file object \(BytesIO\).*atomically"):
        ag.save({"w": np.zeros(2)}, buffer)
    assert buffer.getvalue() == b""
    ag.save({"w": np.zeros(2)}, tmp_path / "w.pt")
    with open(tmp_path / "w.pt", "rb") as f:
        with pytest.raises(TypeError, match=r"load: f is a file object \(BufferedReader\)"):
            ag.load(f)
    with pytest.raises(TypeError, match=r"save: f must be a path .* got int 3"):
        ag.save({"w": np.zeros(2)}, 3)


# --- atomic saves ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["state dict", "checkpoint"])
def test_a_failure_mid_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, kind):
    path = tmp_path / "model.pth"
    old = {"a": np.ones(3), "b": np.full(4, 2.0), "c": np.zeros(2)}
    ag.save(old, path)
    before = path.read_bytes()
    real_write, calls = np.lib.format.write_array, []

    def disk_fills_up(file, array, **kwargs):
        calls.append(array.shape)
        if len(calls) == 2:                  # one array written, then ENOSPC
            file.write(b"\0" * 10)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(file, array, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", disk_fills_up)
    new = {"a": np.zeros(3), "b": np.zeros(4), "c": np.ones(2)}
    with pytest.raises(OSError, match="No space left on device"):
        ag.save(new if kind == "state dict" else {"epoch": 2, "state": new}, path)
    monkeypatch.undo()
    assert len(calls) == 2 and path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.pth"]
    for name, value in ag.load(path).items():
        np.testing.assert_array_equal(value, old[name])


KILLED_MID_SAVE = """
import os, signal, sys
import numpy as np
import autograd_core as ag
real_write = np.lib.format.write_array
def write_then_die(*args, **kwargs):
    real_write(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)     # kill -9 after the first array
np.lib.format.write_array = write_then_die
ag.save({"epoch": 2, "w": ag.Value(np.zeros((64, 64))), "b": np.zeros(64)}, sys.argv[1])
"""


def test_kill_9_mid_save_leaves_the_old_file_and_the_next_save_cleans_up(tmp_path):
    path = tmp_path / "checkpoint.pt"
    ag.save({"epoch": 1, "w": np.ones((64, 64)), "b": np.ones(64)}, path)
    done = subprocess.run([sys.executable, "-c", KILLED_MID_SAVE, str(path)], cwd=REPO,
                          timeout=120)
    assert done.returncode == -signal.SIGKILL
    left = sorted(name for name in os.listdir(tmp_path) if name != "checkpoint.pt")
    assert len(left) == 1 and left[0].startswith(".checkpoint.pt.") and left[0].endswith(".tmp")
    checkpoint = ag.load(path)
    assert checkpoint["epoch"] == 1 and checkpoint["w"].sum() == 64 * 64
    ag.save({"epoch": 3}, path)
    assert os.listdir(tmp_path) == ["checkpoint.pt"] and ag.load(path) == {"epoch": 3}


# --- what load refuses -----------------------------------------------------------------------

class RunsWhenUnpickled:
    """Unpickling this creates the file ``marker``: proof that a pickle ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def test_a_pickle_inside_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pickle-ran"
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.zeros(2), evil=np.array([RunsWhenUnpickled(marker)], dtype=object))
    with pytest.raises(ValueError, match=r"evil: holds Python objects \(dtype object\)"):
        ag.load(path)
    assert not marker.exists()


def test_a_file_torch_save_wrote_is_refused_not_unpickled(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    assert zipfile.is_zipfile(path)
    with pytest.raises(ValueError, match=r"members that are not .npy arrays: .*data\.pkl"):
        ag.load(path)


def test_an_oversized_file_is_refused_from_its_headers(tmp_path):
    path = tmp_path / "bomb.pt"
    header = npy_header("<f4", (64, MiB // 4))       # 64 MiB of zeros, deflated to ~64 KiB
    path.write_bytes(zip_bytes([bomb_member("w.npy", header, 64)]))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"add up to 67,108,9\d\d bytes, more than "
                                             r"max_bytes \(1,048,576\)"):
            ag.load(path, max_bytes=MiB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MiB
    huge = tmp_path / "huge.pt"
    huge.write_bytes(zip_bytes([stored("w.npy", npy_header("<f4", (1 << 20, 1 << 20))
                                       + bytes(64))]))
    with pytest.raises(ValueError, match="w: the .npy header declares 4,398,046,511,232 bytes"):
        ag.load(huge)


@pytest.mark.parametrize("damage,message", [
    (lambda good: b"", r"is empty \(0 bytes\)"),
    (lambda good: good[: len(good) // 2], r"not a readable .npz archive \(truncated"),
    (lambda good: b"\x80\x04K\x01." + good, r"not an .npz \(zip\) archive: it starts with 0x80"),
    (lambda good: good.replace(b"__structure__.json", b"__structure__.jsox"),
     r"members that are not .npy arrays: __structure__.jsox"),
])
def test_a_damaged_file_says_what_is_wrong(tmp_path, damage, message):
    good = tmp_path / "good.pt"
    ag.save({"epoch": 1, "w": np.arange(100.0)}, good)
    path = tmp_path / "bad.pt"
    path.write_bytes(damage(good.read_bytes()))
    with pytest.raises(ValueError, match=message) as info:
        ag.load(path)
    assert str(info.value).startswith("load: ") and repr(str(path)) in str(info.value)
