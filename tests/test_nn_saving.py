"""Tests for save_weights / load_weights: round trips, strict loading, hostile files refused
cheaply and without changing a weight, and saves that survive kill -9, a full disk and a
second writer."""

import errno
import math
import os
import signal
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from hostile_files import MiB, bomb_member, npy_bytes, npy_header, stored, zip_bytes
from nn.layers import Dense
from nn.sequential import MLP, Sequential

REPO = Path(__file__).resolve().parent.parent


def model(seed=0):
    return MLP(3, [4], 2, output_activation="softmax", seed=seed)


def arrays_of(m):
    return [p.numpy().copy() for p in m.parameters()]


def members_of(m):
    """The members save_weights writes for ``m``, as stored zip members."""
    return [stored(name + ".npy", npy_bytes(v.numpy())) for name, v in m.named_parameters()]


def temporaries(folder, keep="w.npz"):
    return sorted(name for name in os.listdir(folder) if name != keep)


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


def test_files_written_by_np_savez_load(tmp_path):
    path = tmp_path / "w.npz"
    m = model()
    np.savez_compressed(path, **{name: v.numpy() * 2 for name, v in m.named_parameters()})
    other = model(1)
    other.load_weights(path)
    for x, y in zip(m.parameters(), other.parameters()):
        np.testing.assert_array_equal(y.numpy(), x.numpy() * 2)


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


# ---------------------------------------------------------------- hostile files

def hostile(kind, good):
    """The bytes of a bad weights file for model(); ``good`` is a valid file's bytes."""
    valid = members_of(model(7))
    first, rest = valid[0], valid[1:]
    if kind == "empty":
        return b""
    if kind == "plain .npy":
        return npy_bytes(model(7)[0].W.numpy())
    if kind == "random bytes":
        return np.random.default_rng(0).bytes(3000)
    if kind == "truncated":
        return good[: len(good) // 2]
    if kind == "cut before its directory":
        return good[: good.index(b"PK\x01\x02")]
    if kind == "duplicate member":
        return zip_bytes(valid + [first])
    if kind == "object dtype":
        objects = npy_bytes(np.array([None, "x"], dtype=object), allow_pickle=True)
        return zip_bytes([stored("0.W.npy", objects)] + rest)
    if kind == "not an .npy member":
        return zip_bytes(valid + [stored("notes.txt", b"hello")])
    if kind == "not .npy data":
        return zip_bytes([stored("0.W.npy", b"PK not an array at all")] + rest)
    if kind == "directory lies":
        return zip_bytes([stored("0.W.npy", first[2], size=len(first[2]) + 4)] + rest)
    if kind == "declares 4 TB":
        return zip_bytes([stored("0.W.npy", npy_header("<f4", (1 << 20, 1 << 20)) + bytes(48))]
                         + rest)
    if kind == "directory astray":                  # the end record's directory offset
        end = good.rindex(b"PK\x05\x06")
        offset = struct.unpack("<L", good[end + 16:end + 20])[0] + 4096
        return good[:end + 16] + struct.pack("<L", offset) + good[end + 20:]
    if kind == "needs a newer zip":                 # "version needed to extract": 25.5
        entry = good.index(b"PK\x01\x02")
        return good[:entry + 6] + struct.pack("<H", 255) + good[entry + 8:]
    if kind == "bad CRC":
        name, method, payload, crc, size = valid[-1]
        return zip_bytes(valid[:-1] + [(name, method, payload, crc ^ 1, size)])
    raise ValueError(kind)


HOSTILE = {
    "empty": r"is empty \(0 bytes\)",
    "plain .npy": "is a single .npy array, not an .npz archive",
    "random bytes": r"is not an .npz \(zip\) archive: it starts with 0x",
    "truncated": r"is not a readable .npz archive \(truncated or corrupt",
    "cut before its directory": r"is not a readable .npz archive \(truncated or corrupt",
    "directory astray": r"0\.W\.npy: the zip directory places it at byte -4,096, outside the file",
    "needs a newer zip": r"is not a readable .npz archive \(truncated or corrupt: zip file "
                         r"version 25\.5",
    "duplicate member": r"members stored more than once \(which one is meant\?\): 0\.W\.npy",
    "object dtype": r"0\.W: holds Python objects \(dtype object\).*refused",
    "not an .npy member": "members that are not .npy arrays: notes.txt",
    "not .npy data": r"0\.W: not a readable .npy array",
    "directory lies": r"0\.W: the .npy header declares 176 bytes .* but the zip directory says 180",
    "declares 4 TB": r"0\.W: the .npy header declares 4,398,046,511,232 bytes",
    "bad CRC": r"1\.b: not a readable .npy array \(Bad CRC-32",
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_bad_file_says_what_is_wrong_and_changes_nothing(tmp_path, kind):
    good = tmp_path / "good.npz"
    model(7).save_weights(good)
    path = tmp_path / "bad.npz"
    path.write_bytes(hostile(kind, good.read_bytes()))
    m = model(1)
    before = arrays_of(m)
    with pytest.raises(ValueError, match=HOSTILE[kind]) as info:
        m.load_weights(path)
    assert repr(str(path)) in str(info.value) and "nothing was loaded" in str(info.value)
    for a, b in zip(before, arrays_of(m)):
        np.testing.assert_array_equal(a, b)


def test_the_pickle_in_a_file_is_never_run(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"0.W": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="holds Python objects"):
        model().load_weights(path)


def test_damaged_data_found_late_changes_no_weight(tmp_path):
    """The last member's header is fine but its data is not: found while reading the data,
    after the other arrays were read and before any was assigned."""
    m = MLP(64, [64], 64, seed=0)
    path = tmp_path / "w.npz"
    m.save_weights(path)
    raw = bytearray(path.read_bytes())
    last = raw.index(b"1.b.npy")      # in the last member's local header, after 1.W's data
    raw[last - 300] ^= 0xFF            # inside 1.W's data (16 KiB), far from its header
    path.write_bytes(bytes(raw))
    other = MLP(64, [64], 64, seed=1)
    before = arrays_of(other)
    with pytest.raises(ValueError, match=r"1\.W: damaged data \(Bad CRC-32"):
        other.load_weights(path)
    for a, b in zip(before, arrays_of(other)):
        np.testing.assert_array_equal(a, b)


def test_long_lists_of_names_are_shortened(tmp_path):
    path = tmp_path / "many.npz"
    extra = [stored(f"junk{i}.npy", npy_bytes(np.zeros(1, np.float32))) for i in range(25)]
    path.write_bytes(zip_bytes(members_of(model()) + extra))
    with pytest.raises(ValueError, match=r"not in the model: junk0, junk1, .*junk9, \.\.\. "
                                         r"\(25 in all\)"):
        model().load_weights(path)


def refusal_cost(m, path):
    """(seconds, peak bytes allocated) of a load_weights that must fail."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError) as info:
            m.load_weights(path)
        return time.perf_counter() - start, tracemalloc.get_traced_memory()[1], str(info.value)
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("where", ["an extra member", "a model's name"])
def test_a_member_that_inflates_to_a_gigabyte_is_refused_unread(tmp_path, where):
    valid = members_of(model())
    bomb_header = npy_header("<f4", (MiB * 1024 // 4,))
    if where == "an extra member":
        members = valid + [bomb_member("junk.npy", bomb_header, 1024)]
        expected = "in the file but not in the model: junk"
    else:
        members = valid[:1] + [bomb_member("0.b.npy", bomb_header, 1024)] + valid[2:]
        expected = r"0.b: shape (268435456,) in the file, (4,) in the model"
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_bytes(members))
    assert path.stat().st_size < 1.1 * MiB
    with zipfile.ZipFile(path) as archive:            # a valid archive: 1 GiB inside
        assert sum(info.file_size for info in archive.infolist()) > 1024 * MiB
    seconds, peak, message = refusal_cost(model(), path)
    assert expected in message
    assert seconds < 0.5 and peak < 2 * MiB, (seconds, peak)   # the old code: 14 s, 1 GiB


@pytest.mark.parametrize("name", ["0.W", "big"])
def test_a_header_that_declares_4_tb_is_refused_unread(tmp_path, name):
    valid = members_of(model())
    huge = stored(f"{name}.npy", npy_header("<f4", (1 << 20, 1 << 20)) + bytes(64))
    members = [huge] + valid[1:] if name == "0.W" else valid + [huge]
    path = tmp_path / "huge.npz"
    path.write_bytes(zip_bytes(members))
    seconds, peak, message = refusal_cost(model(), path)
    assert ("the .npy header declares 4,398,046,511,232 bytes" in message if name == "0.W"
            else "in the file but not in the model: big" in message)
    assert seconds < 0.5 and peak < 2 * MiB, (seconds, peak)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damage_is_refused_or_harmless(tmp_path, data):
    """Truncate or overwrite a valid file anywhere: loading either gives exactly the saved
    weights (the damage hit bytes nothing reads) or raises ValueError and changes nothing."""
    saved = model(3)
    path = tmp_path / "w.npz"
    saved.save_weights(path)
    raw = bytearray(path.read_bytes())
    if data.draw(st.booleans(), label="truncate"):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1), label="length")]
    else:
        at = data.draw(st.integers(0, len(raw) - 1), label="at")
        patch = data.draw(st.binary(min_size=1, max_size=8), label="bytes")
        raw[at:at + len(patch)] = patch
    path.write_bytes(bytes(raw))
    m = model(4)
    before = arrays_of(m)
    try:
        m.load_weights(path)
    except ValueError as err:
        assert "nothing was loaded" in str(err)
        for a, b in zip(before, arrays_of(m)):
            np.testing.assert_array_equal(a, b)
    else:
        for a, b in zip(arrays_of(saved), arrays_of(m)):
            np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- atomic saves

def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    m = model()
    m.save_weights(path)
    before = path.read_bytes()
    saved_W = m[0].W.numpy().copy()
    m[0].W.assign_add(np.ones((3, 4), np.float32))
    real_write = np.lib.format.write_array
    calls = []

    def disk_fills_up(file, array, **kwargs):
        calls.append(array.shape)
        if len(calls) == 3:                       # two arrays written, then ENOSPC
            file.write(b"\0" * 10)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(file, array, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", disk_fills_up)
    with pytest.raises(OSError, match="No space left on device"):
        m.save_weights(path)
    assert len(calls) == 3
    assert path.read_bytes() == before
    assert temporaries(tmp_path) == []
    monkeypatch.undo()
    fresh = model(5)
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh[0].W.numpy(), saved_W)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs (needs root and the right to mount; skipped elsewhere)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                       check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as err:
        pytest.skip(f"cannot mount a tmpfs here: {err}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False, timeout=10)


def test_a_full_disk_keeps_the_old_file(tiny_disk):
    path = tiny_disk / "w.npz"
    small = MLP(4, [8], 2, seed=0)
    small.save_weights(path)
    before = path.read_bytes()
    big = MLP(256, [1024], 10, seed=1)           # 1.1 MB of float32: more than the disk
    with pytest.raises(OSError) as info:
        big.save_weights(path)
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before and temporaries(tiny_disk) == []
    MLP(4, [8], 2, seed=2).save_weights(path)    # the space came back
    small.load_weights(path)


DIES_MID_SAVE = """
import os, signal, sys
import numpy as np
from nn.sequential import MLP
real_write = np.lib.format.write_array
def write_then_die(*args, **kwargs):
    real_write(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)     # kill -9 after the first array
np.lib.format.write_array = write_then_die
MLP(int(sys.argv[2]), [int(sys.argv[3])], 2, seed=0).save_weights(sys.argv[1])
"""


def die_mid_save(path, n_in=16, width=16):
    done = subprocess.run([sys.executable, "-c", DIES_MID_SAVE, str(path), str(n_in), str(width)],
                          cwd=REPO, timeout=60)
    assert done.returncode == -signal.SIGKILL


def test_the_next_save_removes_what_a_killed_save_left(tmp_path):
    path = tmp_path / "w.npz"
    die_mid_save(path)
    left = temporaries(tmp_path, keep=None)
    assert len(left) == 1 and left[0].startswith(".w.npz.") and left[0].endswith(".tmp")
    assert not path.exists()
    mine = tmp_path / "notes.w.npz.tmp"            # not the library's: never touched
    mine.write_text("mine")
    model().save_weights(path)
    assert temporaries(tmp_path) == ["notes.w.npz.tmp"]
    model(1).load_weights(path)


def test_a_full_disk_left_by_a_killed_save_is_cleared(tiny_disk):
    """The killed save's 800 kB temporary leaves too little room for the next save, which
    must remove it first."""
    path = tiny_disk / "w.npz"
    die_mid_save(path, n_in=200, width=1000)       # 0.8 MB of W, then the 4 kB of b
    assert len(temporaries(tiny_disk)) == 1
    MLP(200, [400], 2, seed=1).save_weights(path)  # 320 kB: fits only once it is gone
    assert temporaries(tiny_disk) == []
    MLP(200, [400], 2, seed=2).load_weights(path)


SAVES_FOREVER = """
import sys
import numpy as np
from nn.sequential import MLP
m = MLP(512, [1024, 512], 512, seed=0)    # 5 MB of float32
version = 0
while True:
    for v in m.parameters():
        v.assign(np.full(v.shape, version, v.dtype))
    m.save_weights(sys.argv[1])
    print(version, flush=True)
    version += 1
"""


def versions_in(path, architecture):
    """The set of the values in a weights file: one value means one complete save."""
    m = architecture()
    m.load_weights(path)
    return {float(x) for v in m.parameters() for x in (v.numpy().min(), v.numpy().max())}


KILLED_AT = """
import os, signal, sys
import numpy as np
from nn.sequential import MLP
path, point = sys.argv[1], sys.argv[2]
m = MLP(64, [64], 64, seed=0)
for value in (1.0, 2.0):
    for v in m.parameters():
        v.assign(np.full(v.shape, value, v.dtype))
    if value == 2.0:                                 # the second save is killed at `point`
        real_write, real_replace, arrays = np.lib.format.write_array, os.replace, []
        def write(*args, **kwargs):
            arrays.append(1)
            if point == f"before array {len(arrays)}":
                os.kill(os.getpid(), signal.SIGKILL)
            real_write(*args, **kwargs)
        def replace(*args):
            if point == "before the rename":
                os.kill(os.getpid(), signal.SIGKILL)
            real_replace(*args)
            if point == "after the rename":
                os.kill(os.getpid(), signal.SIGKILL)
        np.lib.format.write_array, os.replace = write, replace
    m.save_weights(path)
"""


def test_kill_9_at_each_step_of_a_save(tmp_path):
    """SIGKILL before each array, before the rename and after it: the file is the first
    save, complete, until the rename makes it the second; the next save removes the
    temporary left behind."""
    architecture = lambda: MLP(64, [64], 64, seed=1)  # noqa: E731
    points = {"before array 1": 1.0, "before array 3": 1.0, "before array 4": 1.0,
              "before the rename": 1.0, "after the rename": 2.0}
    runs = {point: tmp_path / f"run{i}" for i, point in enumerate(points)}
    children = []
    for point, folder in runs.items():
        folder.mkdir()
        children.append(subprocess.Popen([sys.executable, "-c", KILLED_AT, str(folder / "w.npz"),
                                          point], cwd=REPO))
    for child in children:
        assert child.wait(timeout=60) == -signal.SIGKILL
    for point, folder in runs.items():
        assert versions_in(folder / "w.npz", architecture) == {points[point]}, point
        left = temporaries(folder)
        assert len(left) == (0 if point == "after the rename" else 1), (point, left)
        architecture().save_weights(folder / "w.npz")
        assert temporaries(folder) == [], point


def test_kill_9_at_random_moments_leaves_a_complete_file(tmp_path):
    """Writers killed with SIGKILL at several moments of a save loop: the file always
    holds one complete save (the last one reported, or the one after), and the next save
    removes the temporaries they left."""
    architecture = lambda: MLP(512, [1024, 512], 512, seed=1)  # noqa: E731
    delays = [0.0, 0.04, 0.12, 0.3]
    folders = [tmp_path / f"run{i}" for i in range(len(delays))]
    writers = []
    for folder in folders:
        folder.mkdir()
        writers.append(subprocess.Popen(
            [sys.executable, "-c", SAVES_FOREVER, str(folder / "w.npz")], cwd=REPO,
            stdout=subprocess.PIPE, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}))
    try:
        for writer in writers:
            assert writer.stdout.readline() == "0\n"     # one complete save exists
        start = time.perf_counter()
        for writer, delay in zip(writers, delays):
            time.sleep(max(0.0, start + delay - time.perf_counter()))
            writer.send_signal(signal.SIGKILL)
    finally:
        for writer in writers:
            writer.kill()
            writer.wait(timeout=30)
    for writer, folder in zip(writers, folders):
        last = int(([0] + writer.stdout.read().split())[-1])
        writer.stdout.close()
        assert writer.returncode == -signal.SIGKILL
        assert versions_in(folder / "w.npz", architecture) in ({last}, {last + 1})
        assert len(temporaries(folder)) <= 1
        architecture().save_weights(folder / "w.npz")
        assert temporaries(folder) == []


CONCURRENT_WRITER = """
import sys
import numpy as np
from nn.sequential import MLP
m = MLP(64, [256], 10, seed=0)
for v in m.parameters():
    v.assign(np.full(v.shape, float(sys.argv[2]), v.dtype))
for _ in range(int(sys.argv[3])):
    m.save_weights(sys.argv[1])
"""


def test_two_writers_of_one_file_never_break_it(tmp_path):
    architecture = lambda: MLP(64, [256], 10, seed=2)  # noqa: E731
    path = tmp_path / "w.npz"
    first = architecture()
    for v in first.parameters():
        v.assign(np.zeros(v.shape, v.dtype))
    first.save_weights(path)
    writers = [subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, str(path), value, "60"],
                                cwd=REPO) for value in ("1", "2")]
    seen = []
    try:
        while any(w.poll() is None for w in writers):
            seen.append(versions_in(path, architecture))
    finally:
        for w in writers:
            w.wait(timeout=60)
    assert [w.returncode for w in writers] == [0, 0]
    assert len(seen) > 10
    assert all(s in ({0.0}, {1.0}, {2.0}) for s in seen), [s for s in seen if len(s) != 1]
    assert versions_in(path, architecture) in ({1.0}, {2.0})
    assert temporaries(tmp_path) == []


# --- nn.save / nn.load: PyTorch's torch.save / torch.load for state dicts -------------------

def test_pytorchs_save_and_load_of_a_state_dict_port_by_renaming(tmp_path):
    # the quickstart's last lines: torch.save(model.state_dict(), "model.pth"), then
    # model.load_state_dict(torch.load("model.pth", weights_only=True))
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "model.pth"
    nn.save(m.state_dict(), path)
    assert os.listdir(tmp_path) == ["model.pth"]  # the name as given, no temporary left
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(nn.load(path, weights_only=True, map_location="cpu"))
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(fresh(x).numpy(), m(x).numpy())
    assert list(nn.load(path)) == list(m.state_dict())  # in the file's order
    # an optimizer's state dict too
    import optim
    opt = optim.Adam(m.parameters())
    m(x).sum().backward()
    opt.step()
    nn.save(opt.state_dict(), path)
    again = optim.Adam(m.parameters())
    again.load_state_dict(nn.load(path))
    for name, value in opt.state_dict().items():
        np.testing.assert_array_equal(again.state_dict()[name], value)


@pytest.mark.parametrize("obj,message", [
    (lambda m: m, "save model.state_dict"),
    (lambda m: {(1, 2): np.zeros(2)}, r"key \(1, 2\): keys must be strings or integers"),
    (lambda m: {"a": np.zeros(2), "b": object()}, r"obj\['b'\] is a object"),
    (lambda m: {"a": {"b": [1, m]}}, r"obj\['a'\]\['b'\]\[1\] is a MLP"),
    (lambda m: {"a": np.array(["text"])}, "'a' holds ndarray of dtype <U4"),
])
def test_save_refuses_what_it_cannot_write_and_leaves_the_file(tmp_path, obj, message):
    path = tmp_path / "model.pth"
    path.write_bytes(b"old")
    with pytest.raises(TypeError, match=message):
        nn.save(obj(model()), path)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["model.pth"]


def test_pytorchs_general_checkpoint_ports_by_renaming(tmp_path):
    """PyTorch's "saving and loading a general checkpoint" recipe: a dict of state dicts
    and numbers, read back with its Python types (epoch an int, the loss an array)."""
    import optim
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    loss = net(x).sum()
    loss.backward()
    optimizer.step()
    path = tmp_path / "model.pt"
    extra = {"notes": ["a", 1, 2.0, None, True, (3, "b")], 7: {"nan": float("nan")},
             "step": np.int64(3)}
    nn.save({"epoch": 5, "model_state_dict": net.state_dict(),
             "optimizer_state_dict": optimizer.state_dict(), "loss": loss, **extra}, path)
    assert os.listdir(tmp_path) == ["model.pt"]
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    checkpoint = nn.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    opt.load_state_dict(checkpoint["optimizer_state_dict"])
    assert checkpoint["epoch"] == 5 and type(checkpoint["epoch"]) is int
    assert float(checkpoint["loss"]) == float(loss)
    assert checkpoint["notes"] == ["a", 1, 2.0, None, True, (3, "b")]
    assert type(checkpoint["notes"][2]) is float and math.isnan(checkpoint[7]["nan"])
    assert checkpoint["step"] == 3 and checkpoint["step"].dtype == np.int64
    assert list(checkpoint) == ["epoch", "model_state_dict", "optimizer_state_dict", "loss",
                                "notes", 7, "step"]
    np.testing.assert_array_equal(model(x).numpy(), net(x).numpy())
    for name, value in optimizer.state_dict().items():
        np.testing.assert_array_equal(opt.state_dict()[name], value)


@pytest.mark.parametrize("structure,message", [
    (b'{"dict": [["a", {"array": "9"}]]}', "not a structure save wrote"),  # no such array
    (b'{"dict": [["a", {"array": "0"}], ["b", {"array": "0"}]]}', "not a structure"),
    (b'{"eval": "os.system"}', "not a structure save wrote"),
    (b'[' * 100_000 + b']' * 100_000, "damaged"),
    (b'{"dict": [', "damaged"),
])
def test_load_refuses_a_checkpoint_whose_structure_is_wrong(tmp_path, structure, message):
    path = tmp_path / "bad.pt"
    nn.save({"a": np.zeros(2), "n": 1}, path)  # a checkpoint: arrays and a structure
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    members["__structure__.json"] = structure
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=message):
        nn.load(path)


def test_load_refuses_a_structure_past_its_bound_before_reading_it(tmp_path, monkeypatch):
    from autograd_core import serialization  # nn.save/nn.load are ag.save/ag.load
    path = tmp_path / "big.pt"
    nn.save({"a": np.zeros(2), "text": "x" * 5000}, path)
    monkeypatch.setattr(serialization, "_MAX_STRUCTURE", 1000)
    with pytest.raises(ValueError, match=r"declares 5,\d\d\d bytes, more than 1,000"):
        nn.load(path)


@pytest.mark.parametrize("kind", HOSTILE)
def test_load_says_what_is_wrong_with_a_bad_file(tmp_path, kind):
    good = tmp_path / "good.npz"
    model(7).save_weights(good)
    path = tmp_path / "bad.pth"
    path.write_bytes(hostile(kind, good.read_bytes()))
    with pytest.raises(ValueError, match=HOSTILE[kind]) as info:
        nn.load(path)
    assert str(info.value).startswith("load: ") and repr(str(path)) in str(info.value)


def test_load_refuses_a_file_whose_arrays_outgrow_max_bytes(tmp_path):
    path = tmp_path / "bomb.pth"
    header = npy_header("<f4", (64, MiB // 4))   # 64 MiB of zeros, deflated to ~64 KiB
    path.write_bytes(zip_bytes([bomb_member("w.npy", header, 64)]))
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"add up to 67,108,9\d\d bytes, more than max_bytes"):
        nn.load(path, max_bytes=MiB)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 * MiB  # refused from the headers, before any data was inflated
    assert nn.load(path)["w"].shape == (64, MiB // 4)  # within the default bound it loads
