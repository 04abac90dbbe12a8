"""Datasets for the course: tiny truth tables, toy 2-D problems, and MNIST / Fashion-MNIST.

Every function returns plain numpy arrays `(x, y)`: `x` holds one example per row (float32
for the small sets), `y` the matching targets. Random sets take a `seed` and draw from
`np.random.default_rng(seed)`, so the same seed always gives the same data.

`load_mnist()` and `load_fashion_mnist()` return the same arrays as Keras's
`load_data()`. They look for the four gzip IDX files in this order, and download only when
no local copy exists:

1. the folder passed as `path` (then nowhere else);
2. `$AUTOGRAD_CORE_DATA/mnist` or `$AUTOGRAD_CORE_DATA/fashion-mnist`;
3. the per-user cache: `$AUTOGRAD_CORE_CACHE/<name>`, else
   `$XDG_CACHE_HOME/autograd-core/<name>`, else `~/.cache/autograd-core/<name>`;
4. a system copy under `/usr/share/datasets/<name>` (Debian's `dataset-fashion-mnist`);
5. the mirrors in `MNIST_MIRRORS` / `FASHION_MNIST_MIRRORS`, into the cache.

Every file is checked before use: gzip integrity, IDX magic number and dimensions, and the
SHA-256 of the uncompressed bytes. Hashing the uncompressed bytes accepts any gzip
recompression (Debian recompressed Fashion-MNIST) yet rejects any change to the data.
"""

import gzip
import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.request
import warnings
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "xor",
    "and_gate",
    "or_gate",
    "grid16",
    "two_bit_decoder",
    "noisy_cosine",
    "two_moons",
    "spirals",
    "load_mnist",
    "load_fashion_mnist",
    "read_idx",
    "DatasetError",
    "CorruptFileError",
    "IDX_FILES",
    "MNIST_MIRRORS",
    "FASHION_MNIST_MIRRORS",
    "SHA256",
    "DATA_ENV",
    "CACHE_ENV",
    "SYSTEM_DATA_DIR",
]


# ---------------------------------------------------------------- truth tables

_TWO_BITS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)


def _truth_table(outputs):
    return _TWO_BITS.copy(), np.array(outputs, dtype=np.float32).reshape(4, 1)


def xor():
    """The XOR truth table: 1 when the two inputs differ.

    No single sigmoid unit can learn it (topic 3, section 2); a 2-2-1 net can.

    Returns:
        x: float32 (4, 2), the rows 00, 01, 10, 11.
        y: float32 (4, 1), the targets 0, 1, 1, 0.

    >>> x, y = xor()
    >>> y.ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    return _truth_table([0, 1, 1, 0])


def and_gate():
    """The AND truth table: 1 only when both inputs are 1.

    Returns:
        x: float32 (4, 2), the rows 00, 01, 10, 11.
        y: float32 (4, 1), the targets 0, 0, 0, 1.
    """
    return _truth_table([0, 0, 0, 1])


def or_gate():
    """The OR truth table: 1 when at least one input is 1.

    Returns:
        x: float32 (4, 2), the rows 00, 01, 10, 11.
        y: float32 (4, 1), the targets 0, 1, 1, 1.
    """
    return _truth_table([0, 1, 1, 1])


def grid16():
    """The 16-point grid of topic 3, section 3 (two-layer net with 3 hidden units).

    The points are the 4 x 4 grid {0, 0.3, 0.7, 1}^2 in the course's order (first input
    slowest). The four inner points are 1 and the twelve on the border are 0: a closed
    region that two hidden units cannot carve out but three can.

    The course text prints 17 targets for these 16 points (its PDF-to-text copy has an
    extra 0); the one reading that fits 16 points, the 4 x 4 layout and the exercise is
    rows 0000 / 0110 / 0110 / 0000.

    Returns:
        x: float32 (16, 2), rows (0.0, 0.0), (0.0, 0.3), (0.0, 0.7), (0.0, 1.0), (0.3, 0.0), ...
        y: float32 (16, 1), 1 for the points with both inputs in {0.3, 0.7}, else 0.
    """
    levels = np.array([0.0, 0.3, 0.7, 1.0], dtype=np.float32)
    x0, x1 = np.meshgrid(levels, levels, indexing="ij")
    x = np.stack([x0.ravel(), x1.ravel()], axis=1)
    y = np.array([0, 0, 0, 0,
                  0, 1, 1, 0,
                  0, 1, 1, 0,
                  0, 0, 0, 0], dtype=np.float32).reshape(16, 1)
    return x, y


def two_bit_decoder(sparse=False):
    """Decode a 2-bit number into a one-hot vector (topic 3, section 7).

    Input row i holds the two bits of the number i, and its target is class i. The course
    text writes the targets as bit strings with position 0 on the right (00 -> 0001,
    01 -> 0010, 10 -> 0100, 11 -> 1000); as arrays they are the rows of the identity.

    Args:
        sparse: if True, return the class indices 0..3 (what the course's script feeds to
            sparse categorical cross-entropy) instead of one-hot rows.

    Returns:
        x: float32 (4, 2), the rows 00, 01, 10, 11.
        y: float32 (4, 4) one-hot rows (np.eye(4)), or int64 (4,) [0, 1, 2, 3] if sparse.
    """
    y = np.arange(4, dtype=np.int64) if sparse else np.eye(4, dtype=np.float32)
    return _TWO_BITS.copy(), y


# ---------------------------------------------------------------- random toy sets

def noisy_cosine(n=200, samples=1, noise=1.0, seed=0):
    """Noisy copies of a cosine, for the denoising example of lecture 4.

    The whole signal is one input vector: the network maps a noisy signal of length n to
    the clean one, h = sigmoid(W x + b), y = W_y h. The signal is cos(t) at n points of
    [-3 pi, 3 pi]; each sample adds fresh Gaussian noise, as each training step of the
    lecture's exercise draws new noise.

    Args:
        n: signal length (input and output width).
        samples: number of noisy copies (rows).
        noise: standard deviation of the added Gaussian noise.
        seed: seed for np.random.default_rng.

    Returns:
        x: float32 (samples, n), the noisy signals (network input).
        y: float32 (samples, n), the clean cosine, the same in every row (target).
    """
    t = np.linspace(-3 * np.pi, 3 * np.pi, n)
    clean = np.cos(t)
    rng = np.random.default_rng(seed)
    noisy = clean + noise * rng.standard_normal((samples, n))
    return noisy.astype(np.float32), np.tile(clean, (samples, 1)).astype(np.float32)


def two_moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles, for decision-boundary plots.

    Class 0 is the upper arc (cos a, sin a), class 1 the lower arc
    (1 - cos a, 0.5 - sin a), a in [0, pi]; class 0 rows come first.

    Args:
        n: total number of points; class 0 gets n // 2, class 1 the rest.
        noise: standard deviation of the Gaussian noise added to each coordinate.
        seed: seed for np.random.default_rng.

    Returns:
        x: float32 (n, 2), the points.
        y: int64 (n,), the class of each point (0 or 1).
    """
    n_upper = n // 2
    a_upper = np.linspace(0, np.pi, n_upper)
    a_lower = np.linspace(0, np.pi, n - n_upper)
    upper = np.stack([np.cos(a_upper), np.sin(a_upper)], axis=1)
    lower = np.stack([1 - np.cos(a_lower), 0.5 - np.sin(a_lower)], axis=1)
    rng = np.random.default_rng(seed)
    x = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.repeat(np.arange(2, dtype=np.int64), [n_upper, n - n_upper])
    return x.astype(np.float32), y


def spirals(n=300, classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms, one per class, for decision-boundary plots.

    Arm k runs from the origin out to radius 1 while its angle goes from 4k to 4(k+1)
    radians (the CS231n spiral); rows are grouped by class.

    Args:
        n: total number of points, shared as evenly as possible between the classes.
        classes: number of arms (classes).
        noise: standard deviation of the Gaussian noise added to each angle, in radians.
        seed: seed for np.random.default_rng.

    Returns:
        x: float32 (n, 2), the points, inside the unit disc up to the noise.
        y: int64 (n,), the class of each point (0 .. classes - 1).
    """
    rng = np.random.default_rng(seed)
    counts = [n // classes + (k < n % classes) for k in range(classes)]
    xs, ys = [], []
    for k, m in enumerate(counts):
        radius = np.linspace(0.0, 1.0, m)
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), m) + noise * rng.standard_normal(m)
        xs.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        ys.append(np.full(m, k, dtype=np.int64))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


# ---------------------------------------------------------------- MNIST files

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

MNIST_MIRRORS = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
]
FASHION_MNIST_MIRRORS = [
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
]

# SHA-256 of the *uncompressed* IDX bytes, computed from copies whose MD5s match the
# published ones (MNIST: the .gz files; Fashion-MNIST: the uncompressed files).
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

DATA_ENV = "AUTOGRAD_CORE_DATA"
CACHE_ENV = "AUTOGRAD_CORE_CACHE"
SYSTEM_DATA_DIR = "/usr/share/datasets"
DOWNLOAD_TIMEOUT = 30.0

# IDX type codes (third byte of the magic number) -> big-endian numpy dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DatasetError(Exception):
    """A dataset could not be found, downloaded or verified."""


class CorruptFileError(DatasetError, ValueError):
    """A data file is truncated, corrupt, or not the file it should be."""


def read_idx(file, sha256=None):
    """Read an IDX file, plain or gzip-compressed, into a numpy array.

    Args:
        file: path of the file.
        sha256: expected hex SHA-256 of the uncompressed IDX bytes, or None to skip.

    Returns:
        The array, shaped as the IDX header says (uint8 for MNIST), writable.

    Raises:
        CorruptFileError: bad gzip data, wrong magic number, a size that disagrees with
            the header's dimensions, or a digest mismatch; the message names the file.
    """
    return _decode(Path(file).read_bytes(), sha256, str(file))


def _decode(raw, sha256, where):
    if raw[:2] == b"\x1f\x8b":  # the gzip magic number; IDX files start with two zeros
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise CorruptFileError(f"{where}: not a valid gzip file (truncated or corrupt): {err}") from None
    array = _parse_idx(raw, where)
    if sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != sha256:
            raise CorruptFileError(
                f"{where}: SHA-256 of the uncompressed data is {digest}, expected {sha256} "
                "(corrupt, or not the expected file)")
    return array


def _parse_idx(raw, where):
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _IDX_DTYPES:
        raise CorruptFileError(f"{where}: neither gzip nor IDX data (starts with 0x{raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise CorruptFileError(f"{where}: IDX header truncated ({len(raw)} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = header + int(np.prod(dims)) * dtype.itemsize
    if len(raw) != expected:
        raise CorruptFileError(
            f"{where}: IDX header says shape {dims} ({expected} bytes), "
            f"but the file holds {len(raw)} bytes")
    # A copy: np.frombuffer over bytes is read-only, and users write into their arrays.
    return np.frombuffer(raw, dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def load_mnist(path=None, mirrors=None, timeout=DOWNLOAD_TIMEOUT):
    """The MNIST handwritten digits, exactly as `keras.datasets.mnist.load_data()`.

    Args:
        path: a folder holding the four files of IDX_FILES; if given, only it is used.
        mirrors: base URLs to download from; defaults to MNIST_MIRRORS. [] never downloads.
        timeout: seconds to wait for a mirror before trying the next one.

    Returns:
        (x_train, y_train), (x_test, y_test): uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,); pixels 0..255, labels 0..9.

    Raises:
        CorruptFileError: a file in `path` or in $AUTOGRAD_CORE_DATA fails its checks.
        FileNotFoundError: `path` lacks one of the files.
        DatasetError: no verified copy was found and every mirror failed.
    """
    return _load("mnist", path, MNIST_MIRRORS if mirrors is None else mirrors, timeout)


def load_fashion_mnist(path=None, mirrors=None, timeout=DOWNLOAD_TIMEOUT):
    """Zalando's Fashion-MNIST, exactly as `keras.datasets.fashion_mnist.load_data()`.

    Same shapes and search order as `load_mnist`; the folders are named `fashion-mnist`.
    Labels: 0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt,
    7 sneaker, 8 bag, 9 ankle boot.

    Args:
        path: a folder holding the four files of IDX_FILES; if given, only it is used.
        mirrors: base URLs to download from; defaults to FASHION_MNIST_MIRRORS.
        timeout: seconds to wait for a mirror before trying the next one.

    Returns:
        (x_train, y_train), (x_test, y_test): uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,).
    """
    return _load("fashion-mnist", path,
                 FASHION_MNIST_MIRRORS if mirrors is None else mirrors, timeout)


def _load(name, path, mirrors, timeout):
    x_train, y_train, x_test, y_test = (
        _get_file(name, filename, path, mirrors, timeout) for filename in IDX_FILES)
    for split, x, y in (("train", x_train, y_train), ("t10k", x_test, y_test)):
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.ndim != 1 or len(x) != len(y):
            raise CorruptFileError(
                f"{name} {split}: images of shape {x.shape} do not match labels of shape "
                f"{y.shape}; expected (N, 28, 28) and (N,)")
    return (x_train, y_train), (x_test, y_test)


def _cache_dir(name):
    root = os.environ.get(CACHE_ENV)
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = Path(xdg) / "autograd-core" if xdg else Path.home() / ".cache" / "autograd-core"
    return Path(root).expanduser() / name


def _get_file(name, filename, path, mirrors, timeout):
    """One verified array, from the first place in the search order that has the file."""
    sha256 = SHA256[name][filename]
    if path is not None:
        file = Path(path).expanduser() / filename
        if not file.is_file():
            raise FileNotFoundError(f"load_{name.replace('-', '_')}: {file} does not exist")
        return read_idx(file, sha256)

    searched = []
    data_root = os.environ.get(DATA_ENV)
    if data_root:
        file = Path(data_root).expanduser() / name / filename
        searched.append(str(file))
        if file.is_file():
            return read_idx(file, sha256)  # the user pointed here: a bad file is an error
    else:
        searched.append(f"${DATA_ENV} (not set)")

    cached = _cache_dir(name) / filename
    searched.append(str(cached))
    if cached.is_file():
        try:
            return read_idx(cached, sha256)
        except CorruptFileError as err:
            warnings.warn(f"corrupt file in the cache, deleting it and downloading again: {err}")
            cached.unlink()

    system = Path(SYSTEM_DATA_DIR) / name / filename
    searched.append(str(system))
    if system.is_file():
        try:
            return read_idx(system, sha256)
        except CorruptFileError as err:
            warnings.warn(f"ignoring a corrupt system copy: {err}")

    return _download(name, filename, sha256, mirrors, timeout, cached, searched)


def _download(name, filename, sha256, mirrors, timeout, target, searched):
    """Try each mirror in turn; a copy is renamed into the cache only once verified."""
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        target.parent.mkdir(parents=True, exist_ok=True)
        # A temporary name in the same folder, so the final os.replace is atomic and an
        # interrupted download never leaves a partial file under the real name.
        fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=target.parent)
        try:
            print(f"Downloading {url}", file=sys.stderr)
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                shutil.copyfileobj(response, out)
                # urllib returns a connection closed early as a short body, not an error.
                expected = response.headers.get("Content-Length")
                if expected is not None and out.tell() != int(expected):
                    raise OSError(f"connection closed after {out.tell()} of {expected} bytes")
            array = _decode(Path(tmp).read_bytes(), sha256, url)
            os.replace(tmp, target)
            return array
        except CorruptFileError as err:  # its message already starts with the URL
            failures.append(f"  {err}")
        except (OSError, ValueError, http.client.HTTPException) as err:
            failures.append(f"  {url}: {err}")
        finally:
            Path(tmp).unlink(missing_ok=True)
    looked = "\n".join(f"  {place}" for place in searched)
    tried = "\n".join(failures) if failures else "  (no mirrors given)"
    raise DatasetError(
        f"{name}: no verified copy of {filename}.\nLooked in:\n{looked}\n"
        f"Download failed:\n{tried}")
