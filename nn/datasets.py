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
5. the mirrors in `MNIST_MIRRORS` / `FASHION_MNIST_MIRRORS`, into the cache; a mirror
   that has not answered within CONNECT_TIMEOUT (5 s) is given up, so that a machine
   without network fails in seconds, not minutes.

Every file is checked before use: gzip integrity, IDX magic number and dimensions, and the
SHA-256 of the uncompressed bytes. Hashing the uncompressed bytes accepts any gzip
recompression (Debian recompressed Fashion-MNIST) yet rejects any change to the data.

Files and servers are not trusted to be small or quick. The IDX header is read first, and
a header that declares more than the file may hold (IDX_MAX_BYTES), or than its length
allows, is refused before any data is decompressed; the data is then read only up to the
declared size, so a gzip bomb costs no more than the real file. A download is cut off past
the size the file can have, and `timeout` bounds the whole call's downloading. It goes to
a temporary file beside the cache entry, renamed into place only once verified (ag.atomic).
A corrupt file in the cache is deleted and downloaded again; one in `path` or in
$AUTOGRAD_CORE_DATA belongs to the user and is reported, never deleted.

For machines with neither the files nor a network, a small sample ships inside the
package (`sample_data/`; its sources and licences are in the README there): the first
4,000 training and 1,000 test images of MNIST, the first 1,000 and 500 of Fashion-MNIST.
`sample=True` loads it; `sample="fallback"` loads the full set when it can and the sample,
with a warning, when it cannot. The default never falls back: results from 4,000 images
must not pass for results from 60,000.
"""

import gzip
import hashlib
import http.client
import math
import os
import struct
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np

from autograd_core.atomic import atomic_write
from .download import Deadline, download

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
    "mnist",
    "fashion_mnist",
    "read_idx",
    "DatasetError",
    "CorruptFileError",
    "IDX_FILES",
    "IDX_MAX_BYTES",
    "MNIST_MIRRORS",
    "FASHION_MNIST_MIRRORS",
    "SHA256",
    "DATA_ENV",
    "CACHE_ENV",
    "SYSTEM_DATA_DIR",
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "DOWNLOAD_TIMEOUT",
    "SAMPLE_SIZES",
    "SAMPLE_SHA256",
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

# The largest each file may be, uncompressed: the full sets' sizes (MNIST and Fashion-MNIST
# have the same shapes). A header that declares more is refused before any decompression.
IDX_MAX_BYTES = {
    "train-images-idx3-ubyte.gz": 16 + 60000 * 28 * 28,
    "train-labels-idx1-ubyte.gz": 8 + 60000,
    "t10k-images-idx3-ubyte.gz": 16 + 10000 * 28 * 28,
    "t10k-labels-idx1-ubyte.gz": 8 + 10000,
}

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
# Seconds a mirror may take to answer at all (name lookup, connection, response headers):
# short, so that an offline machine whose name server or firewall stays silent fails
# within seconds. Once the file flows, each read may wait READ_TIMEOUT for data, and the
# whole call's downloading may take `timeout`, DOWNLOAD_TIMEOUT by default: ten minutes,
# the four Fashion-MNIST files (30 MB) at 50 kB/s.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
DOWNLOAD_TIMEOUT = 600.0

# The samples shipped in the package: the first (training, test) images of each set, in
# the original order. sample_data/make_samples.py makes them from the full files.
SAMPLE_DIR = Path(__file__).resolve().parent / "sample_data"
SAMPLE_SIZES = {"mnist": (4000, 1000), "fashion-mnist": (1000, 500)}
# SHA-256 of the uncompressed sample files, checked at every load as for the full files.
SAMPLE_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "b3358b9a61a251a81c68ae570ea2d92d118ac42c2c0af55cc2f275960da94cc4",
        "train-labels-idx1-ubyte.gz": "2f27f08fa71eec1104defc563b61fcb2d9269d71a38c1898c9e4b6ce4f255449",
        "t10k-images-idx3-ubyte.gz": "de7c252b04f05e1f8309634180ccdf286dc6dbac8c579b74e76e02ae0331ca52",
        "t10k-labels-idx1-ubyte.gz": "832c0d20f0dc42e575488c75a83a970787d4c8d4d05831b2ef03701b4a478a90",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "e40edda7e9d8af05f5b762673ec21bbef87429a0c217d9e7953c711409749e45",
        "train-labels-idx1-ubyte.gz": "78ada934314bea75dcf5d086dfaad6ca75d2ed2801b6e35392fdb406a6338c12",
        "t10k-images-idx3-ubyte.gz": "c9bd0ed7148856eb2287d902861921296d6c36d95a5113341a35554343e84123",
        "t10k-labels-idx1-ubyte.gz": "9f5f7b9143df7bffff73a8bf7d8a53545dbf787f86e5e195c64401d2c6f8f372",
    },
}

# IDX type codes (third byte of the magic number) -> big-endian numpy dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
# Deflate's largest ratio: no gzip file expands to more than 1032 times its size.
_DEFLATE_MAX_RATIO = 1032
# Bytes decompressed, hashed and copied at a time.
_CHUNK = 1 << 20


class DatasetError(Exception):
    """A dataset could not be found, downloaded or verified."""


class CorruptFileError(DatasetError, ValueError):
    """A data file is truncated, corrupt, or not the file it should be."""


def read_idx(file, sha256=None, max_bytes=None):
    """Read an IDX file, plain or gzip-compressed, into a numpy array.

    The header (type and dimensions) is read first, and the data only up to the size it
    declares: a header that declares more than the file may hold is refused before any
    data is decompressed, and data past the declared size is an error, not a long read.

    Args:
        file: path of the file.
        sha256: expected hex SHA-256 of the uncompressed IDX bytes, or None to skip.
        max_bytes: the most uncompressed bytes the file may hold (IDX_MAX_BYTES has the
            MNIST files'), or None for what its length allows (a gzip file's, 1032 times).

    Returns:
        The array, shaped as the IDX header says (uint8 for MNIST), writable.

    Raises:
        CorruptFileError: bad gzip data, wrong magic number, dimensions that disagree with
            the file's length or exceed max_bytes, or a digest mismatch; the message names
            the file.
    """
    with open(file, "rb") as f:
        return _decode(f, sha256, max_bytes, str(file))


def _decode(f, sha256, max_bytes, where):
    """The checked array in the binary file ``f``, read from its start; ``where`` names it."""
    size = os.fstat(f.fileno()).st_size
    compressed = f.read(2) == b"\x1f\x8b"  # gzip's magic number; IDX starts with two zeros
    f.seek(0)
    if not compressed:
        limit = size if max_bytes is None else min(size, max_bytes)
        return _parse_idx(f, sha256, limit, size, where)
    limit = size * _DEFLATE_MAX_RATIO if max_bytes is None else max_bytes
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as stream:
            return _parse_idx(stream, sha256, limit, None, where)
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise CorruptFileError(
            f"{where}: not a valid gzip file (truncated or corrupt): {err}") from None


def _parse_idx(stream, sha256, limit, length, where):
    """Parse IDX data from ``stream``: the header, then exactly the bytes it declares.

    ``limit`` caps the declared size; ``length`` is the stream's length when known (plain
    files), else the stream is read one chunk past the data to check that it ends there.
    """
    head = stream.read(4)
    if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in _IDX_DTYPES:
        raise CorruptFileError(f"{where}: neither gzip nor IDX data (starts with 0x{head.hex()})")
    ndim = head[3]
    dims_bytes = stream.read(4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise CorruptFileError(f"{where}: IDX header truncated ({4 + len(dims_bytes)} bytes)")
    dims = struct.unpack(f">{ndim}I", dims_bytes)
    dtype = np.dtype(_IDX_DTYPES[head[2]])
    header = 4 + 4 * ndim
    total = header + math.prod(dims) * dtype.itemsize   # Python ints: cannot overflow
    says = f"{where}: IDX header says shape {dims} ({total:,} bytes)"
    if length is not None and total != length:
        raise CorruptFileError(f"{says}, but the file holds {length:,} bytes")
    if total > limit:
        raise CorruptFileError(f"{says}, more than the {limit:,} this file can hold")

    digest = hashlib.sha256(head + dims_bytes)
    data = np.empty(total - header, np.uint8)
    view = memoryview(data)
    done = 0
    while done < len(data):
        chunk = stream.read(min(_CHUNK, len(data) - done))
        if not chunk:
            raise CorruptFileError(f"{says}, but the file holds {header + done:,} bytes")
        view[done:done + len(chunk)] = chunk
        digest.update(chunk)
        done += len(chunk)
    if length is None:
        extra = len(stream.read(_CHUNK))   # at the end of a gzip stream, this checks its CRC
        if extra:
            more = "" if extra < _CHUNK else "at least "
            raise CorruptFileError(f"{says}, but the file holds {more}{total + extra:,} bytes")
    if sha256 is not None and digest.hexdigest() != sha256:
        raise CorruptFileError(
            f"{where}: SHA-256 of the uncompressed data is {digest.hexdigest()}, expected "
            f"{sha256} (corrupt, or not the expected file)")
    return data.view(dtype).reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def load_mnist(path=None, mirrors=None, timeout=DOWNLOAD_TIMEOUT, sample=False):
    """The MNIST handwritten digits, exactly as `keras.datasets.mnist.load_data()`.

    Args:
        path: a folder holding the four files of IDX_FILES; if given, only it is used.
        mirrors: base URLs to download from; defaults to MNIST_MIRRORS. [] never downloads.
        timeout: seconds all the downloads of this call may take together, mirrors and
            files included (a mirror must also answer within CONNECT_TIMEOUT, and send
            data within READ_TIMEOUT of each read).
        sample: False (the default) for the full set or an error; True for the sample
            shipped in the package (the first 4,000 training and 1,000 test images; never
            downloads); "fallback" for the full set when it can be found or downloaded,
            else the sample, with a warning.

    Returns:
        (x_train, y_train), (x_test, y_test): uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,); pixels 0..255, labels 0..9. The sample
        has 4000 and 1000 images, the same as the full set's first ones.

    Raises:
        CorruptFileError: a file in `path` or in $AUTOGRAD_CORE_DATA fails its checks.
        FileNotFoundError: `path` lacks one of the files.
        DatasetError: no verified copy was found and every mirror failed; the message
            says where it looked and how to get the data.

    >>> (x_train, y_train), (x_test, y_test) = load_mnist(sample=True)
    >>> x_train.shape, y_train[:10].tolist()
    ((4000, 28, 28), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    """
    return _load("mnist", path, MNIST_MIRRORS if mirrors is None else mirrors, timeout, sample)


def load_fashion_mnist(path=None, mirrors=None, timeout=DOWNLOAD_TIMEOUT, sample=False):
    """Zalando's Fashion-MNIST, exactly as `keras.datasets.fashion_mnist.load_data()`.

    Same shapes, search order and `sample` choices as `load_mnist`; the folders are named
    `fashion-mnist`, and its sample holds the first 1,000 training and 500 test images.
    Labels: 0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt,
    7 sneaker, 8 bag, 9 ankle boot.

    Args:
        path: a folder holding the four files of IDX_FILES; if given, only it is used.
        mirrors: base URLs to download from; defaults to FASHION_MNIST_MIRRORS.
        timeout: seconds all the downloads of this call may take together.
        sample: False, True or "fallback", as for `load_mnist`.

    Returns:
        (x_train, y_train), (x_test, y_test): uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,); the sample's have 1000 and 500 images.
    """
    return _load("fashion-mnist", path,
                 FASHION_MNIST_MIRRORS if mirrors is None else mirrors, timeout, sample)


class _KerasDataset:
    """Keras's ``keras.datasets.mnist`` (``fashion_mnist``): ``load_data()`` gives
    ((x_train, y_train), (x_test, y_test)), uint8 arrays, from the same places as
    ``load_mnist`` (``load_fashion_mnist``); ``path`` is a folder holding the four IDX
    files, not Keras's name of an .npz in ~/.keras/datasets."""

    def __init__(self, load):
        self._load = load

    def load_data(self, path=None):
        return self._load(path=path)


mnist = _KerasDataset(load_mnist)
fashion_mnist = _KerasDataset(load_fashion_mnist)


def _load(name, path, mirrors, timeout, sample):
    if sample not in (False, True, "fallback"):
        raise ValueError(f"sample must be False, True or 'fallback', not {sample!r}")
    if sample is True:
        if path is not None:
            raise ValueError("pass either path= (the full set) or sample=True, not both")
        return _load_sample(name)
    deadline = Deadline(timeout)
    try:
        arrays = [_get_file(name, filename, path, mirrors, deadline) for filename in IDX_FILES]
    except CorruptFileError:
        raise  # a bad file where the user pointed is theirs to fix, not a missing download
    except DatasetError:
        if sample != "fallback":
            raise
        n_train, n_test = SAMPLE_SIZES[name]
        warnings.warn(
            f"{name}: the full data set is neither here nor downloadable; using the sample "
            f"in the package ({n_train:,} training and {n_test:,} test images). For all of "
            f"it: set ${DATA_ENV}, pass path=, or connect to the internet.", stacklevel=3)
        return _load_sample(name)
    return _pair_up(name, arrays)


def _load_sample(name):
    return _pair_up(name, [read_idx(SAMPLE_DIR / name / filename, SAMPLE_SHA256[name][filename],
                                    IDX_MAX_BYTES[filename])
                           for filename in IDX_FILES])


def _pair_up(name, arrays):
    x_train, y_train, x_test, y_test = arrays
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


def _get_file(name, filename, path, mirrors, deadline):
    """One verified array, from the first place in the search order that has the file."""
    sha256 = SHA256[name][filename]
    max_bytes = IDX_MAX_BYTES[filename]
    if path is not None:
        file = Path(path).expanduser() / filename
        if not file.is_file():
            raise FileNotFoundError(f"load_{name.replace('-', '_')}: {file} does not exist")
        return read_idx(file, sha256, max_bytes)  # the user's file: a bad one is reported

    searched = []
    data_root = os.environ.get(DATA_ENV)
    if data_root:
        file = Path(data_root).expanduser() / name / filename
        searched.append(str(file))
        if file.is_file():
            return read_idx(file, sha256, max_bytes)  # the user's file: reported, kept
    else:
        searched.append(f"${DATA_ENV} (not set)")

    cached = _cache_dir(name) / filename
    searched.append(str(cached))
    if cached.is_file():
        try:
            return read_idx(cached, sha256, max_bytes)
        except CorruptFileError as err:
            warnings.warn(f"corrupt file in the cache, deleting it and downloading again: {err}")
            cached.unlink()

    system = Path(SYSTEM_DATA_DIR) / name / filename
    searched.append(str(system))
    if system.is_file():
        try:
            return read_idx(system, sha256, max_bytes)
        except CorruptFileError as err:
            warnings.warn(f"ignoring a corrupt system copy: {err}")

    return _download(name, filename, mirrors, deadline, cached, searched)


def _download(name, filename, mirrors, deadline, target, searched):
    """Try each mirror in turn; a copy is renamed into the cache only once verified."""
    sha256, max_bytes = SHA256[name][filename], IDX_MAX_BYTES[filename]
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            print(f"Downloading {url}", file=sys.stderr)
            with atomic_write(target, suffix=".part") as out:
                download(url, out, _most_gzip_bytes(max_bytes), deadline,
                         CONNECT_TIMEOUT, READ_TIMEOUT)
                out.seek(0)
                return _decode(out, sha256, max_bytes, url)
        except CorruptFileError as err:  # its message already starts with the URL
            failures.append(f"  {err}")
        except (OSError, ValueError, http.client.HTTPException) as err:
            failures.append(f"  {url}: {err}")
    looked = "\n".join(f"  {place}" for place in searched)
    tried = "\n".join(failures) if failures else "  (no mirrors given)"
    load = f"load_{name.replace('-', '_')}"
    raise DatasetError(
        f"{name}: no verified copy of {filename}.\nLooked in:\n{looked}\n"
        f"Download failed:\n{tried}\n"
        f"To fix it, do one of these:\n"
        f"  set ${DATA_ENV} to a folder whose {name}/ holds the four files of IDX_FILES;\n"
        f"  pass {load}(path=<a folder holding the four files>);\n"
        f"  connect to the internet and call again (it downloads once, into {target.parent}).\n"
        f"Or take the small sample shipped in the package: {load}(sample=True), or "
        f"{load}(sample=\"fallback\") to use it only when the full set is unavailable.")


def _most_gzip_bytes(n):
    """The most bytes a gzip file of n uncompressed bytes can have: deflate stores data it
    cannot compress in blocks of up to 65,535 bytes with 5 bytes of header each, and 64 KiB
    more covers gzip's own header (file name, comment) and trailer."""
    return n + 5 * (n // 65535 + 1) + 65536
