"""Tests for nn.datasets: the small course datasets and the verified MNIST loaders.

Downloads are tested against an HTTP server on 127.0.0.1 serving small synthetic IDX
files (their digests patched into datasets.SHA256); the real mirrors are never contacted.
"""

import gzip
import hashlib
import http.server
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn import datasets
from nn.datasets import CorruptFileError, DatasetError, IDX_FILES

# Taken before the autouse fixture below replaces the mirrors and the system folder.
DEFAULTS = {name: getattr(datasets, name) for name in (
    "MNIST_MIRRORS", "FASHION_MNIST_MIRRORS", "SYSTEM_DATA_DIR", "DATA_ENV", "CACHE_ENV")}


# ---------------------------------------------------------------- small datasets

TWO_BITS = [[0, 0], [0, 1], [1, 0], [1, 1]]


@pytest.mark.parametrize("make, targets", [
    (datasets.xor, [0, 1, 1, 0]),
    (datasets.and_gate, [0, 0, 0, 1]),
    (datasets.or_gate, [0, 1, 1, 1]),
])
def test_truth_tables(make, targets):
    x, y = make()
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x.shape == (4, 2) and y.shape == (4, 1)
    assert x.tolist() == TWO_BITS
    assert y.ravel().tolist() == targets


def test_xor_is_the_truth_table():
    x, y = datasets.xor()
    assert (y.ravel() == (x[:, 0] != x[:, 1])).all()


def test_small_datasets_return_fresh_arrays():
    x, y = datasets.xor()
    x[:] = 7
    y[:] = 7
    assert datasets.xor()[0].tolist() == TWO_BITS


def test_grid16_points_and_labels():
    x, y = datasets.grid16()
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x.shape == (16, 2) and y.shape == (16, 1)
    expected_x = [[0.0, 0.0], [0.0, 0.3], [0.0, 0.7], [0.0, 1.0],
                  [0.3, 0.0], [0.3, 0.3], [0.3, 0.7], [0.3, 1.0],
                  [0.7, 0.0], [0.7, 0.3], [0.7, 0.7], [0.7, 1.0],
                  [1.0, 0.0], [1.0, 0.3], [1.0, 0.7], [1.0, 1.0]]
    np.testing.assert_array_equal(x, np.array(expected_x, dtype=np.float32))
    assert y.ravel().tolist() == [0, 0, 0, 0,
                                  0, 1, 1, 0,
                                  0, 1, 1, 0,
                                  0, 0, 0, 0]
    inner = np.isin(x, np.float32([0.3, 0.7])).all(axis=1)
    assert (y.ravel() == inner).all()


def test_two_bit_decoder():
    x, y = datasets.two_bit_decoder()
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x.tolist() == TWO_BITS
    np.testing.assert_array_equal(y, np.eye(4))
    number = 2 * x[:, 0] + x[:, 1]
    assert (y.argmax(axis=1) == number).all()
    x_sparse, labels = datasets.two_bit_decoder(sparse=True)
    assert x_sparse.tolist() == TWO_BITS
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 2, 3]


def test_noisy_cosine_shapes_and_values():
    x, y = datasets.noisy_cosine(n=200, samples=300, noise=0.5, seed=3)
    assert x.shape == y.shape == (300, 200)
    assert x.dtype == y.dtype == np.float32
    clean = np.cos(np.linspace(-3 * np.pi, 3 * np.pi, 200))
    np.testing.assert_allclose(y, np.tile(clean, (300, 1)), atol=1e-7)
    residual = x - y
    assert abs(residual.std() - 0.5) < 0.01
    assert abs(residual.mean()) < 0.01
    # Every row has its own noise.
    assert not np.allclose(residual[0], residual[1])


def test_noisy_cosine_default_is_one_signal_with_unit_noise():
    x, y = datasets.noisy_cosine()
    assert x.shape == y.shape == (1, 200)
    assert 0.8 < (x - y).std() < 1.2


@pytest.mark.parametrize("make", [
    lambda seed: datasets.noisy_cosine(n=50, samples=4, seed=seed),
    lambda seed: datasets.two_moons(n=50, seed=seed),
    lambda seed: datasets.spirals(n=50, seed=seed),
])
def test_random_datasets_are_seeded(make):
    a, b, c = make(1), make(1), make(2)
    for first, again in zip(a, b):
        np.testing.assert_array_equal(first, again)
    assert not np.array_equal(a[0], c[0])


def test_two_moons():
    x, y = datasets.two_moons(n=101, noise=0.1, seed=0)
    assert x.shape == (101, 2) and x.dtype == np.float32
    assert y.shape == (101,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 51]
    # Without noise the points lie exactly on the two arcs.
    x, y = datasets.two_moons(n=40, noise=0.0)
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (upper[:, 1] >= 0).all() and (lower[:, 1] <= 0.5 + 1e-6).all()


def test_spirals():
    x, y = datasets.spirals(n=10, classes=3, noise=0.2, seed=0)
    assert x.shape == (10, 2) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    # Without noise, arm k is at radius r and angle 4k + 4r.
    x, y = datasets.spirals(n=300, classes=3, noise=0.0)
    for k in range(3):
        arm = x[y == k].astype(np.float64)
        radius = np.linspace(0, 1, 100)
        angle = np.linspace(4 * k, 4 * (k + 1), 100)
        np.testing.assert_allclose(arm[:, 0], radius * np.sin(angle), atol=1e-6)
        np.testing.assert_allclose(arm[:, 1], radius * np.cos(angle), atol=1e-6)


# ---------------------------------------------------------------- isolation

@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test gets its own cache and system folder, and no default mirrors at all."""
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(datasets, "SYSTEM_DATA_DIR", str(tmp_path / "system"))
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [])
    monkeypatch.setattr(datasets, "FASHION_MNIST_MIRRORS", [])
    return tmp_path


def test_default_mirrors_and_locations():
    assert DEFAULTS == {
        "MNIST_MIRRORS": [
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ],
        "FASHION_MNIST_MIRRORS": [
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ],
        "SYSTEM_DATA_DIR": "/usr/share/datasets",
        "DATA_ENV": "AUTOGRAD_CORE_DATA",
        "CACHE_ENV": "AUTOGRAD_CORE_CACHE",
    }


# ---------------------------------------------------------------- the real data

def _load_from_data_env(root, load):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(datasets.DATA_ENV, str(root))
        mp.setenv(datasets.CACHE_ENV, "/nonexistent/autograd-core-cache")
        return load(mirrors=[])


@pytest.fixture(scope="module")
def mnist(full_data_root):
    return _load_from_data_env(full_data_root, datasets.load_mnist)


@pytest.fixture(scope="module")
def fashion(full_data_root):
    return _load_from_data_env(full_data_root, datasets.load_fashion_mnist)


def _check_keras_shapes(data):
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
        assert array.flags.writeable


def test_mnist_from_data_env(mnist):
    _check_keras_shapes(mnist)
    (x_train, y_train), (x_test, y_test) = mnist
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert x_train.mean() == pytest.approx(33.318421449829934, abs=1e-9)
    assert x_test.mean() == pytest.approx(33.791224489795916, abs=1e-9)
    # Exact integer sums: far cheaper than x_train / 255 in float64.
    n = x_train.size
    mean = x_train.sum(dtype=np.int64) / n / 255
    std = np.sqrt((x_train.astype(np.uint32) ** 2).sum(dtype=np.int64) / n / 255**2 - mean**2)
    assert mean == pytest.approx(0.1306604762738429, abs=1e-12)
    assert std == pytest.approx(0.30810780385646264, abs=1e-9)
    assert x_train.min() == 0 and x_train.max() == 255


def test_fashion_mnist_from_data_env(fashion):
    _check_keras_shapes(fashion)
    (x_train, y_train), (x_test, y_test) = fashion
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert round(float(x_train.mean()), 3) == 72.940
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]


def test_mnist_from_explicit_path(full_data_root, mnist):
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(full_data_root / "mnist", mirrors=[])
    np.testing.assert_array_equal(x_train, mnist[0][0])
    np.testing.assert_array_equal(y_test, mnist[1][1])


# ---------------------------------------------------------------- synthetic IDX files

def idx_bytes(array):
    """An uncompressed IDX file: magic 0x0000 08 ndim, big-endian dims, then the bytes."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.tobytes()


@pytest.fixture
def synthetic(monkeypatch):
    """Small, valid MNIST-style files whose digests replace the real ones.

    Returns a dict: file name -> (gzip bytes, array).
    """
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.array([5, 0, 4], dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.array([7, 2], dtype=np.uint8),
    }
    files = {name: (gzip.compress(idx_bytes(a)), a) for name, a in arrays.items()}
    digests = {name: hashlib.sha256(idx_bytes(a)).hexdigest() for name, a in arrays.items()}
    monkeypatch.setitem(datasets.SHA256, "mnist", digests)
    monkeypatch.setitem(datasets.SHA256, "fashion-mnist", digests)
    return files


def write_files(folder, files, corrupt=None):
    """Write the synthetic files into folder; `corrupt` names one to truncate."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (gz, _) in files.items():
        (folder / name).write_bytes(gz[: len(gz) // 2] if name == corrupt else gz)


def assert_synthetic(data, files):
    (x_train, y_train), (x_test, y_test) = data
    for array, name in zip((x_train, y_train, x_test, y_test), IDX_FILES):
        assert array.dtype == np.uint8
        np.testing.assert_array_equal(array, files[name][1])


def test_read_idx_plain_and_gzip(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(idx_bytes(array))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(idx_bytes(array)))
    digest = hashlib.sha256(idx_bytes(array)).hexdigest()
    for name in ("a.idx", "a.idx.gz"):
        got = datasets.read_idx(tmp_path / name, sha256=digest)
        assert got.shape == (2, 3, 4) and got.dtype == np.uint8
        np.testing.assert_array_equal(got, array)


def test_read_idx_other_types(tmp_path):
    array = np.array([[1, -2], [300000, 4]], dtype=">i4")
    raw = bytes([0, 0, 0x0C, 2]) + np.array([2, 2], ">u4").tobytes() + array.tobytes()
    (tmp_path / "ints.idx").write_bytes(raw)
    got = datasets.read_idx(tmp_path / "ints.idx")
    assert got.dtype == np.int32 and got.tolist() == [[1, -2], [300000, 4]]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=st.lists(st.integers(0, 5), min_size=1, max_size=3), seed=st.integers(0, 2**16))
def test_read_idx_round_trip(tmp_path_factory, shape, seed):
    array = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    file = tmp_path_factory.mktemp("idx") / "x.gz"
    file.write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(datasets.read_idx(file), array)


def _flip_middle(data):
    data = bytearray(data)
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    return bytes(data)


LABELS = np.array([1, 2, 3, 4, 5], dtype=np.uint8)


def _gz(data):
    """gzip with a fixed timestamp: parametrized cases must be the same bytes in every
    pytest-xdist worker, or the workers collect different tests and the run errors."""
    return gzip.compress(data, mtime=0)


@pytest.mark.parametrize("content, message", [
    (_gz(idx_bytes(LABELS))[:-12], "not a valid gzip file"),
    (_flip_middle(_gz(idx_bytes(np.arange(256, dtype=np.uint8)))), "not a valid gzip file"),
    (_gz(b"\x00\x00\x08"), "neither gzip nor IDX"),
    (_gz(b"<html>not found</html>"), "neither gzip nor IDX"),
    (_gz(b"\x00\x00\x08\x03\x00\x00"), "IDX header truncated"),
    (_gz(idx_bytes(LABELS)[:-1]), r"header says shape \(5,\) \(13 bytes\), but the file holds 12"),
    (_gz(idx_bytes(LABELS) + b"\x00"), "but the file holds 14 bytes"),
    (_gz(idx_bytes(LABELS[::-1])), "SHA-256 of the uncompressed data is"),
], ids=["gzip-cut", "gzip-corrupt", "short-header", "html", "header-truncated",
        "data-short", "data-long", "wrong-digest"])
def test_read_idx_rejects_bad_files(tmp_path, content, message):
    file = tmp_path / "labels.gz"
    file.write_bytes(content)
    digest = hashlib.sha256(idx_bytes(LABELS)).hexdigest()
    with pytest.raises(CorruptFileError, match=message) as info:
        datasets.read_idx(file, sha256=digest)
    assert str(file) in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, DatasetError)


# ---------------------------------------------------------------- local search order

def test_explicit_path(tmp_path, synthetic):
    write_files(tmp_path / "mine", synthetic)
    assert_synthetic(datasets.load_mnist(tmp_path / "mine"), synthetic)
    assert_synthetic(datasets.load_fashion_mnist(str(tmp_path / "mine")), synthetic)


def test_explicit_path_is_the_only_place_looked(tmp_path, synthetic):
    write_files(tmp_path / "cache" / "mnist", synthetic)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"load_mnist: .*empty.train-images-idx3-ubyte.gz"):
        datasets.load_mnist(tmp_path / "empty")


def test_explicit_path_corrupt_file_is_an_error(tmp_path, synthetic):
    write_files(tmp_path / "mine", synthetic, corrupt="t10k-images-idx3-ubyte.gz")
    with pytest.raises(CorruptFileError, match=r"t10k-images-idx3-ubyte.gz: not a valid gzip"):
        datasets.load_mnist(tmp_path / "mine")


def test_data_env(tmp_path, synthetic, monkeypatch):
    write_files(tmp_path / "data" / "fashion-mnist", synthetic)
    monkeypatch.setenv(datasets.DATA_ENV, str(tmp_path / "data"))
    assert_synthetic(datasets.load_fashion_mnist(), synthetic)
    # The env folder has no mnist/ subfolder: MNIST is looked for further on.
    with pytest.raises(DatasetError, match=r"data.mnist.train-images"):
        datasets.load_mnist()


def test_data_env_corrupt_file_is_an_error_even_with_a_good_cache(tmp_path, synthetic, monkeypatch):
    write_files(tmp_path / "data" / "mnist", synthetic, corrupt="train-labels-idx1-ubyte.gz")
    write_files(tmp_path / "cache" / "mnist", synthetic)
    monkeypatch.setenv(datasets.DATA_ENV, str(tmp_path / "data"))
    with pytest.raises(CorruptFileError, match=r"data.mnist.train-labels-idx1-ubyte.gz: not a valid gzip"):
        datasets.load_mnist()


def test_cache_from_env_var(tmp_path, synthetic):
    write_files(tmp_path / "cache" / "mnist", synthetic)
    assert_synthetic(datasets.load_mnist(), synthetic)


@pytest.mark.parametrize("env, folder", [
    ({"XDG_CACHE_HOME": "xdg"}, "xdg/autograd-core/mnist"),
    ({"HOME": "home"}, "home/.cache/autograd-core/mnist"),
])
def test_default_cache_folders(tmp_path, synthetic, monkeypatch, env, folder):
    monkeypatch.delenv(datasets.CACHE_ENV)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, str(tmp_path / value))
    write_files(tmp_path / folder, synthetic)
    assert_synthetic(datasets.load_mnist(), synthetic)


def test_system_copy(tmp_path, synthetic):
    write_files(tmp_path / "system" / "fashion-mnist", synthetic)
    assert_synthetic(datasets.load_fashion_mnist(), synthetic)


def test_cache_comes_before_system_copy(tmp_path, synthetic, recwarn):
    write_files(tmp_path / "cache" / "mnist", synthetic)
    write_files(tmp_path / "system" / "mnist", synthetic, corrupt="train-images-idx3-ubyte.gz")
    assert_synthetic(datasets.load_mnist(), synthetic)
    assert len(recwarn) == 0


def test_corrupt_system_copy_is_skipped_with_a_warning(tmp_path, synthetic):
    write_files(tmp_path / "system" / "mnist", synthetic, corrupt="train-images-idx3-ubyte.gz")
    with pytest.warns(UserWarning, match="ignoring a corrupt system copy"):
        with pytest.raises(DatasetError, match="no verified copy of train-images"):
            datasets.load_mnist()


def test_nothing_found_and_no_mirrors(tmp_path, synthetic):
    with pytest.raises(DatasetError) as info:
        datasets.load_mnist()
    message = str(info.value)
    assert "no verified copy of train-images-idx3-ubyte.gz" in message
    assert str(tmp_path / "cache" / "mnist" / "train-images-idx3-ubyte.gz") in message
    assert str(tmp_path / "system" / "mnist" / "train-images-idx3-ubyte.gz") in message
    assert "$AUTOGRAD_CORE_DATA (not set)" in message
    assert "(no mirrors given)" in message


def test_the_error_says_how_to_fix_it(tmp_path):
    with pytest.raises(DatasetError) as info:
        datasets.load_fashion_mnist()
    fixes = str(info.value).split("To fix it, do one of these:\n")[1].splitlines()
    assert fixes == [
        "  set $AUTOGRAD_CORE_DATA to a folder whose fashion-mnist/ holds the four files of IDX_FILES;",
        "  pass load_fashion_mnist(path=<a folder holding the four files>);",
        "  connect to the internet and call again (it downloads once, into "
        f"{tmp_path / 'cache' / 'fashion-mnist'}).",
        "Or take the small sample shipped in the package: load_fashion_mnist(sample=True), "
        'or load_fashion_mnist(sample="fallback") to use it only when the full set is unavailable.',
    ]


def test_images_and_labels_must_agree(tmp_path, synthetic, monkeypatch):
    labels = np.array([1, 2], dtype=np.uint8)  # 2 labels for 3 training images
    synthetic["train-labels-idx1-ubyte.gz"] = (gzip.compress(idx_bytes(labels)), labels)
    datasets.SHA256["mnist"]["train-labels-idx1-ubyte.gz"] = hashlib.sha256(idx_bytes(labels)).hexdigest()
    write_files(tmp_path / "mine", synthetic)
    with pytest.raises(CorruptFileError, match=r"images of shape \(3, 28, 28\) do not match labels of shape \(2,\)"):
        datasets.load_mnist(tmp_path / "mine")


# ---------------------------------------------------------------- downloads

class _Handler(http.server.BaseHTTPRequestHandler):
    """GET /<mode>/<file>: the file served well, or in one of several broken ways."""

    def do_GET(self):
        self.server.requests.append(self.path)
        mode, _, name = self.path.strip("/").partition("/")
        body = self.server.files.get(name)
        if body is None or mode not in ("good", "truncated", "corrupt", "wrong", "cut", "slow"):
            self.send_error(404)
            return
        if mode == "slow":
            time.sleep(6.0)  # far past the tests' timeouts, so their bounds can be generous
        payload = {
            "truncated": body[: len(body) // 2],
            "corrupt": _flip_middle(body),
            "wrong": gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07"),
            "cut": body[: len(body) // 2],  # sent under the full Content-Length
        }.get(mode, body)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) if mode == "cut" else len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(synthetic):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.files = {name: gz for name, (gz, _) in synthetic.items()}
    httpd.requests = []
    httpd.handle_error = lambda request, address: None  # a client that timed out hung up
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = lambda mode: f"http://127.0.0.1:{httpd.server_address[1]}/{mode}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def cache_contents(tmp_path, name="mnist"):
    folder = tmp_path / "cache" / name
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_into_cache(tmp_path, synthetic, server):
    assert_synthetic(datasets.load_mnist(mirrors=[server.url("good")]), synthetic)
    assert cache_contents(tmp_path) == sorted(IDX_FILES)
    for name in IDX_FILES:
        assert (tmp_path / "cache" / "mnist" / name).read_bytes() == synthetic[name][0]
    assert len(server.requests) == 4
    # The second load reads the cache and downloads nothing.
    assert_synthetic(datasets.load_mnist(mirrors=[server.url("good")]), synthetic)
    assert len(server.requests) == 4


def test_download_uses_the_module_mirror_list(tmp_path, synthetic, server, monkeypatch):
    monkeypatch.setattr(datasets, "FASHION_MNIST_MIRRORS", [server.url("missing"), server.url("good")])
    assert_synthetic(datasets.load_fashion_mnist(), synthetic)
    assert cache_contents(tmp_path, "fashion-mnist") == sorted(IDX_FILES)
    assert server.requests[:2] == ["/missing/train-images-idx3-ubyte.gz", "/good/train-images-idx3-ubyte.gz"]


def test_bad_mirrors_fall_through_to_a_good_one(tmp_path, synthetic, server):
    modes = ["missing", "truncated", "corrupt", "wrong", "cut", "good"]
    data = datasets.load_mnist(mirrors=[server.url(mode) for mode in modes])
    assert_synthetic(data, synthetic)
    assert server.requests[:6] == [f"/{mode}/train-images-idx3-ubyte.gz" for mode in modes]
    assert cache_contents(tmp_path) == sorted(IDX_FILES)


def test_every_mirror_bad_is_a_clear_error_and_leaves_nothing(tmp_path, server):
    modes = ["missing", "truncated", "corrupt", "wrong", "cut"]
    with pytest.raises(DatasetError) as info:
        datasets.load_mnist(mirrors=[server.url(mode) for mode in modes])
    lines = str(info.value).splitlines()
    assert "mnist: no verified copy of train-images-idx3-ubyte.gz." in lines[0]
    failures = lines[lines.index("Download failed:") + 1:lines.index("To fix it, do one of these:")]
    assert len(failures) == 5
    expected = ["404", "not a valid gzip file", "not a valid gzip file", "SHA-256", "connection closed after"]
    for line, mode, reason in zip(failures, modes, expected):
        assert line.strip().startswith(server.url(mode) + "train-images-idx3-ubyte.gz: ")
        assert reason in line
    assert cache_contents(tmp_path) == []


def test_timeout(tmp_path, server):
    start = time.perf_counter()
    with pytest.raises(DatasetError, match="timed out"):
        datasets.load_mnist(mirrors=[server.url("slow")], timeout=0.2)
    # Without the timeout the answer would take 6 s; 3 s leaves a busy machine room.
    assert time.perf_counter() - start < 3.0
    assert cache_contents(tmp_path) == []


def test_corrupt_cache_file_is_reported_and_downloaded_again(tmp_path, synthetic, server):
    write_files(tmp_path / "cache" / "mnist", synthetic, corrupt="train-labels-idx1-ubyte.gz")
    with pytest.warns(UserWarning, match=r"corrupt file in the cache.*train-labels-idx1-ubyte.gz: not a valid gzip"):
        data = datasets.load_mnist(mirrors=[server.url("good")])
    assert_synthetic(data, synthetic)
    assert server.requests == ["/good/train-labels-idx1-ubyte.gz"]
    cached = tmp_path / "cache" / "mnist" / "train-labels-idx1-ubyte.gz"
    assert cached.read_bytes() == synthetic["train-labels-idx1-ubyte.gz"][0]


def test_corrupt_cache_file_is_removed_when_the_download_fails(tmp_path, synthetic, server):
    write_files(tmp_path / "cache" / "mnist", synthetic, corrupt="t10k-labels-idx1-ubyte.gz")
    with pytest.warns(UserWarning, match="corrupt file in the cache"):
        with pytest.raises(DatasetError, match="no verified copy of t10k-labels"):
            datasets.load_mnist(mirrors=[server.url("truncated")])
    assert "t10k-labels-idx1-ubyte.gz" not in cache_contents(tmp_path)
    assert len(cache_contents(tmp_path)) == 3
