"""Tests for the samples shipped in nn/sample_data and for the loaders' `sample=` choices:
the sample on request, the full set with the sample as a fallback, and a quick failure
when the network is out of reach.

No test here contacts a real mirror: the "unreachable" mirrors are a closed local port, a
local socket that never answers, and host names in `.invalid` whose lookup is patched.
"""

import gzip
import hashlib
import shutil
import socket
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nn import datasets
from nn.datasets import IDX_FILES, CorruptFileError, DatasetError

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "nn" / "sample_data"
LOADERS = {"mnist": datasets.load_mnist, "fashion-mnist": datasets.load_fashion_mnist}


def closed_port():
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No data folder, an empty cache and system folder, and mirrors that refuse at once."""
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(datasets, "SYSTEM_DATA_DIR", str(tmp_path / "system"))
    refused = [f"http://127.0.0.1:{closed_port()}/"]
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", refused)
    monkeypatch.setattr(datasets, "FASHION_MNIST_MIRRORS", refused)
    return tmp_path


def idx_gz(array):
    array = np.asarray(array, dtype=np.uint8)
    raw = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">u4").tobytes() + array.tobytes()
    return gzip.compress(raw, mtime=0), hashlib.sha256(raw).hexdigest()


@pytest.fixture
def tiny_full_set(tmp_path, monkeypatch):
    """A 'full' MNIST of 3 + 2 images in the cache, its digests patched in."""
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (3, 28, 28)), [5, 0, 4],
              rng.integers(0, 256, (2, 28, 28)), [7, 2]]
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    digests = {}
    for filename, array in zip(IDX_FILES, arrays):
        gz, digests[filename] = idx_gz(array)
        (folder / filename).write_bytes(gz)
    monkeypatch.setitem(datasets.SHA256, "mnist", digests)
    return folder


# ---------------------------------------------------------------- the samples themselves

def test_mnist_sample():
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(sample=True)
    assert x_train.shape == (4000, 28, 28) and y_train.shape == (4000,)
    assert x_test.shape == (1000, 28, 28) and y_test.shape == (1000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8 and array.flags.writeable
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]   # MNIST's first labels
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_train).tolist() == [379, 444, 397, 392, 430, 350, 405, 433, 373, 397]
    assert np.bincount(y_test).tolist() == [85, 126, 116, 107, 110, 87, 87, 99, 89, 94]
    assert x_train.sum(dtype=np.int64) == 103665918 and x_test.sum(dtype=np.int64) == 24443134


def test_fashion_mnist_sample():
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist(sample=True)
    assert x_train.shape == (1000, 28, 28) and x_test.shape == (500, 28, 28)
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(y_train).tolist() == [107, 104, 86, 92, 95, 100, 100, 115, 102, 99]
    assert np.bincount(y_test).tolist() == [55, 52, 65, 46, 57, 39, 47, 47, 44, 48]
    assert x_train.sum(dtype=np.int64) == 56558003 and x_test.sum(dtype=np.int64) == 29494551


def test_samples_are_small():
    for name in LOADERS:
        size = sum((SAMPLE_DIR / name / f).stat().st_size for f in IDX_FILES)
        assert size < 850_000, (name, size)


def test_sample_reads_nothing_else(tmp_path, monkeypatch):
    """sample=True ignores the data folder (here corrupt), the cache and the mirrors."""
    (tmp_path / "data" / "mnist").mkdir(parents=True)
    for filename in IDX_FILES:
        (tmp_path / "data" / "mnist" / filename).write_bytes(b"not gzip")
    monkeypatch.setenv(datasets.DATA_ENV, str(tmp_path / "data"))

    def no_network(*args, **kwargs):
        raise AssertionError("sample=True opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    (x_train, _), _ = datasets.load_mnist(sample=True)
    assert len(x_train) == 4000


def _flip_last_bit(raw):
    return raw[:-1] + bytes([raw[-1] ^ 1])


@pytest.mark.parametrize("damage, message", [
    (lambda gz: gz[: len(gz) // 2], "not a valid gzip file"),
    (lambda gz: gzip.compress(_flip_last_bit(gzip.decompress(gz))),
     "SHA-256 of the uncompressed data is"),
], ids=["truncated", "one-byte-changed"])
def test_sample_files_are_checked(tmp_path, monkeypatch, damage, message):
    copy = tmp_path / "sample_data"
    shutil.copytree(SAMPLE_DIR, copy)
    labels = copy / "mnist" / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(damage(labels.read_bytes()))
    monkeypatch.setattr(datasets, "SAMPLE_DIR", copy)
    with pytest.raises(CorruptFileError, match=message) as info:
        datasets.load_mnist(sample=True)
    assert str(labels) in str(info.value)


@pytest.mark.parametrize("name", LOADERS)
def test_samples_are_the_first_images_of_the_full_sets(full_data_root, name):
    full = LOADERS[name](path=full_data_root / name, mirrors=[])
    sample = LOADERS[name](sample=True)
    n_train, n_test = datasets.SAMPLE_SIZES[name]
    for full_split, sample_split, n in zip(full, sample, (n_train, n_test)):
        for full_array, sample_array in zip(full_split, sample_split):
            np.testing.assert_array_equal(sample_array, full_array[:n])


def test_make_samples_writes_the_shipped_bytes_again(full_data_root, tmp_path):
    sys.path.insert(0, str(SAMPLE_DIR))
    try:
        import make_samples
    finally:
        sys.path.remove(str(SAMPLE_DIR))
    make_samples.main(full_data_root, tmp_path / "out")
    for name in LOADERS:
        for filename in IDX_FILES:
            made = (tmp_path / "out" / name / filename).read_bytes()
            assert made == (SAMPLE_DIR / name / filename).read_bytes(), (name, filename)


def test_readme_states_the_checksums_and_the_licences():
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    for name, digests in datasets.SAMPLE_SHA256.items():
        for filename, digest in digests.items():
            gz_digest = hashlib.sha256((SAMPLE_DIR / name / filename).read_bytes()).hexdigest()
            assert f"| {name}/{filename} | {digest} | {gz_digest} |" in readme
    assert "Creative Commons Attribution-Share Alike 3.0" in readme
    assert "MIT licence" in readme
    assert "Copyright © 2017 Zalando SE" in (SAMPLE_DIR / "fashion-mnist" / "LICENSE").read_text()


def test_the_package_data_covers_every_sample_file():
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["nn"]
    shipped = {p.relative_to(REPO / "nn").as_posix() for g in globs for p in (REPO / "nn").glob(g)}
    wanted = {p.relative_to(REPO / "nn").as_posix() for p in SAMPLE_DIR.rglob("*")
              if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts}
    assert shipped == wanted and len(wanted) == 10


# ---------------------------------------------------------------- the sample= choices

def test_default_never_falls_back():
    with pytest.raises(DatasetError, match=r"sample=True\), or load_mnist\(sample=\"fallback\"\)"):
        datasets.load_mnist()


def test_fallback_prefers_the_full_set(tiny_full_set, recwarn):
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(sample="fallback")
    assert y_train.tolist() == [5, 0, 4] and y_test.tolist() == [7, 2]
    assert len(recwarn) == 0


def test_fallback_gives_the_sample_with_a_one_line_warning():
    with pytest.warns(UserWarning) as record:
        (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist(sample="fallback")
    assert len(record) == 1
    message = str(record[0].message)
    assert message == (
        "fashion-mnist: the full data set is neither here nor downloadable; using the sample "
        "in the package (1,000 training and 500 test images). For all of it: set "
        "$AUTOGRAD_CORE_DATA, pass path=, or connect to the internet.")
    assert record[0].filename == __file__   # points at the caller, not into nn/datasets.py
    assert x_train.shape == (1000, 28, 28) and y_test.shape == (500,)


def test_fallback_does_not_hide_a_corrupt_data_folder(tmp_path, monkeypatch):
    (tmp_path / "data" / "mnist").mkdir(parents=True)
    (tmp_path / "data" / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b broken")
    monkeypatch.setenv(datasets.DATA_ENV, str(tmp_path / "data"))
    with pytest.raises(CorruptFileError, match="not a valid gzip file"):
        datasets.load_mnist(sample="fallback")


def test_fallback_does_not_hide_a_wrong_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.load_mnist(path=tmp_path, sample="fallback")


@pytest.mark.parametrize("kwargs, message", [
    ({"sample": "yes"}, "sample must be False, True or 'fallback', not 'yes'"),
    ({"sample": True, "path": "."}, "either path= .* or sample=True"),
])
def test_sample_argument_is_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.load_mnist(**kwargs)


# ---------------------------------------------------------------- offline, quickly

def test_a_name_lookup_that_hangs_is_given_up(monkeypatch):
    """A socket timeout does not cover getaddrinfo; CONNECT_TIMEOUT must."""
    real_getaddrinfo = socket.getaddrinfo

    def silent_name_server(host, *args, **kwargs):
        if host.endswith(".invalid"):
            time.sleep(3)
            raise socket.gaierror("no answer from the name server")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", silent_name_server)
    monkeypatch.setattr(datasets, "CONNECT_TIMEOUT", 0.3)
    mirrors = ["http://first.invalid/", "http://second.invalid/"]
    start = time.perf_counter()
    with pytest.raises(DatasetError) as info:
        datasets.load_mnist(mirrors=mirrors)
    assert time.perf_counter() - start < 1.5
    assert str(info.value).count("timed out: no answer within 0.3 s") == 2

    start = time.perf_counter()
    with pytest.warns(UserWarning, match="using the sample"):
        (x_train, _), _ = datasets.load_mnist(mirrors=mirrors, sample="fallback")
    assert time.perf_counter() - start < 1.5 and len(x_train) == 4000


def test_a_mirror_that_never_answers_is_given_up_after_connect_timeout(monkeypatch):
    """Connected but silent (a listening socket nobody serves): the read timeout of 30 s
    does not apply until the mirror has answered."""
    monkeypatch.setattr(datasets, "CONNECT_TIMEOUT", 0.3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        start = time.perf_counter()
        with pytest.raises(DatasetError, match="timed out: no answer within 0.3 s"):
            mirror = f"http://127.0.0.1:{silent.getsockname()[1]}/"
            datasets.load_mnist(mirrors=[mirror], timeout=30)
        assert time.perf_counter() - start < 1.5


def test_the_first_missing_file_ends_the_search(capsys):
    """Offline, one file's failed downloads are enough: the other three are not tried."""
    with pytest.raises(DatasetError):
        datasets.load_mnist()
    assert capsys.readouterr().err.count("Downloading") == 1
