"""The MNIST loaders against hostile servers and files: every download ends by its deadline
and at the size the file can have, a gzip bomb or a lying IDX header is refused before
its data is decompressed, nothing reaches the cache unverified, and a corrupt file is
deleted only when it is the cache's own.

The servers run on 127.0.0.1 and serve small synthetic files whose digests are patched
into datasets.SHA256; the real mirrors are never contacted.
"""

import gzip
import hashlib
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from hostile_files import MiB, gzip_bomb, idx_header
from nn import atomic, datasets
from nn.datasets import IDX_FILES, CorruptFileError, DatasetError

REPO = Path(__file__).resolve().parent.parent
IMAGES = "train-images-idx3-ubyte.gz"          # the first file a load asks for
DRIP = 0.05                                    # seconds between two bytes of a slow drip
# How far past its deadline a download may end on a busy machine. Without the deadline the
# drips and stalls below last 10 s or more (a drip: 0.05 s a byte, for the whole file).
SLACK = 4.0


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """An empty cache and system folder, no data folder, no default mirrors."""
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(datasets, "SYSTEM_DATA_DIR", str(tmp_path / "system"))
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [])
    monkeypatch.setattr(datasets, "FASHION_MNIST_MIRRORS", [])


def idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    return idx_header(array.shape) + array.tobytes()


@pytest.fixture
def files(monkeypatch):
    """Four small valid files, {name: gzip bytes}, their digests patched in."""
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (3, 28, 28)), [5, 0, 4], rng.integers(0, 256, (2, 28, 28)), [7, 2]]
    raw = {name: idx_bytes(a) for name, a in zip(IDX_FILES, arrays)}
    monkeypatch.setitem(datasets.SHA256, "mnist",
                        {name: hashlib.sha256(r).hexdigest() for name, r in raw.items()})
    return {name: gzip.compress(r, mtime=0) for name, r in raw.items()}


def cache_folder(tmp_path):
    return tmp_path / "cache" / "mnist"


def cache_contents(tmp_path):
    folder = cache_folder(tmp_path)
    return sorted(os.listdir(folder)) if folder.exists() else []


# ---------------------------------------------------------------- a hostile server

class _Hostile(http.server.BaseHTTPRequestHandler):
    """GET /<mode>/<file>: the file, or one of the ways a server can misbehave."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        mode, _, name = self.path.strip("/").partition("/")
        body = self.server.files[name]
        try:
            getattr(self, "serve_" + mode.replace("-", "_"))(body)
        except OSError:
            pass                                   # the client hung up, as it should

    def start(self, length=None, chunked=False):
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        if length is None and not chunked:
            self.send_header("Connection", "close")    # the body ends when the server closes
        self.end_headers()
        self.wfile.flush()

    def serve_good(self, body):
        self.start(len(body))
        self.wfile.write(body)

    def serve_drip(self, body):
        """The right file, one byte at a time, forever slow."""
        self.start(len(body))
        for i in range(len(body)):
            self.wfile.write(body[i:i + 1])
            self.wfile.flush()
            if i == 2:
                self.server.while_downloading()
            time.sleep(DRIP)

    def serve_stall(self, body):
        """Half the file, then silence."""
        self.start(len(body))
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        time.sleep(10)

    def serve_chunk_drip(self, body):
        """A chunked body whose first chunk-size line never ends."""
        self.start(chunked=True)
        for _ in range(int(10 / DRIP)):
            self.wfile.write(b"0")
            self.wfile.flush()
            time.sleep(DRIP)

    def serve_endless(self, body):
        """No Content-Length: the body lasts until the connection closes, which it never does."""
        self.start()
        zeros = bytes(1 << 16)
        while True:
            self.wfile.write(zeros)

    def serve_endless_chunked(self, body):
        self.start(chunked=True)
        chunk = b"10000\r\n" + bytes(1 << 16) + b"\r\n"
        while True:
            self.wfile.write(chunk)

    def serve_huge(self, body):
        """Announces a terabyte."""
        self.start(10 ** 12)
        zeros = bytes(1 << 16)
        while True:
            self.wfile.write(zeros)

    def serve_bomb(self, body):
        """A valid gzip file: the header of 3 images, then 256 MiB of zeros."""
        bomb = gzip_bomb(idx_header((3, 28, 28)), 256)
        self.start(len(bomb))
        self.wfile.write(bomb)

    def serve_bomb_header(self, body):
        """A valid gzip file whose IDX header declares (2**32 - 1)**3 images."""
        bomb = gzip_bomb(idx_header((2**32 - 1,) * 3), 256)
        self.start(len(bomb))
        self.wfile.write(bomb)

    def serve_hang_up(self, body):
        self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(files):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    httpd.daemon_threads = True
    httpd.files = files
    httpd.while_downloading = lambda: None
    httpd.handle_error = lambda request, address: None
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    httpd.url = lambda mode: f"http://127.0.0.1:{httpd.server_address[1]}/{mode}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def failures(error):
    """The 'Download failed:' lines of a DatasetError."""
    lines = str(error).splitlines()
    return lines[lines.index("Download failed:") + 1:lines.index("To fix it, do one of these:")]


def timed_failure(**kwargs):
    """(seconds, DatasetError) of a load_mnist that must fail."""
    start = time.perf_counter()
    with pytest.raises(DatasetError) as info:
        datasets.load_mnist(**kwargs)
    return time.perf_counter() - start, info.value


# ---------------------------------------------------------------- within the deadline

def test_a_slow_drip_ends_at_the_deadline_and_only_a_temporary_grew(tmp_path, server):
    """Before: one byte every half second held load_mnist(timeout=2) for as long as the
    file lasted (hours for the real one); `timeout` bounded each read, not the download."""
    during = []
    server.while_downloading = lambda: during.append(cache_contents(tmp_path))
    seconds, error = timed_failure(mirrors=[server.url("drip")], timeout=0.5)
    assert 0.5 <= seconds < SLACK + 0.5, seconds
    [line] = failures(error)
    assert "timed out: the download took longer than the 0.5 s given (timeout)" in line
    # Mid-download the cache held a temporary beside the target, never the target itself.
    [[part]] = during
    assert part.startswith(f".{IMAGES}.{atomic._HOST}.{os.getpid()}.") and part.endswith(".part")
    assert cache_contents(tmp_path) == []


@pytest.mark.parametrize("mode", ["stall", "chunk-drip"])
def test_a_read_that_waits_is_ended_at_the_deadline(server, mode):
    """A silent server would hold each read READ_TIMEOUT (30 s), and a chunk-size line
    that never ends many reads; the watchdog hangs up at the deadline."""
    seconds, error = timed_failure(mirrors=[server.url(mode)], timeout=0.5)
    assert seconds < SLACK + 0.5, seconds
    assert "timed out: the download took longer than the 0.5 s" in failures(error)[0]


def test_the_timeout_covers_all_mirrors_together(server):
    seconds, error = timed_failure(mirrors=[server.url("drip"), server.url("drip")], timeout=0.6)
    assert seconds < SLACK + 0.6, seconds  # the messages below tell one deadline from two
    first, second = failures(error)
    assert "took longer than the 0.6 s given" in first
    assert "timed out: the 0.6 s given (timeout) are spent" in second


# ---------------------------------------------------------------- at the size the file can have

LIMIT = datasets._most_gzip_bytes(datasets.IDX_MAX_BYTES[IMAGES])


@pytest.mark.parametrize("mode", ["endless", "endless-chunked"])
def test_an_endless_body_is_cut_off(tmp_path, server, mode):
    """Before: an endless body was written to the cache folder until the disk was full."""
    seconds, error = timed_failure(mirrors=[server.url(mode)])
    assert seconds < 10, seconds
    assert f"the server sent more than the {LIMIT:,} bytes this file can have; cut off" \
        in failures(error)[0]
    assert LIMIT < 48 * 10**6 and cache_contents(tmp_path) == []


def test_an_announced_terabyte_is_refused_before_reading(server):
    seconds, error = timed_failure(mirrors=[server.url("huge")])
    assert seconds < 1, seconds
    assert f"the server announces 1,000,000,000,000 bytes; this file has at most {LIMIT:,}" \
        in failures(error)[0]


@pytest.mark.parametrize("mode, message", [
    ("bomb", r"IDX header says shape (3, 28, 28) (2,368 bytes), but the file holds at least"),
    ("bomb-header", r"IDX header says shape (4294967295, 4294967295, 4294967295) "
                    r"(79,228,162,458,924,105,385,300,197,391 bytes), more than the 47,040,016"),
], ids=["bomb", "bomb-header"])
def test_a_gzip_bomb_is_refused_in_bounded_time_and_memory(tmp_path, server, mode, message):
    """Before: a 256 kB download inflated to 2 GiB in memory (MemoryError after 15 s)."""
    gzip_bomb(idx_header((3, 28, 28)), 256)        # built before the measurement
    gzip_bomb(idx_header((2**32 - 1,) * 3), 256)
    tracemalloc.start()
    try:
        seconds, error = timed_failure(mirrors=[server.url(mode)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message in failures(error)[0]
    assert seconds < 2 and peak < 8 * MiB, (seconds, peak)
    assert cache_contents(tmp_path) == []


def test_a_server_that_hangs_up_is_one_failure_among_others(tmp_path, server):
    _, error = timed_failure(mirrors=[server.url("hang-up")])
    assert "Remote end closed connection without response" in failures(error)[0]
    (_, y_train), _ = datasets.load_mnist(mirrors=[server.url("hang-up"), server.url("good")])
    assert y_train.tolist() == [5, 0, 4]
    assert cache_contents(tmp_path) == sorted(IDX_FILES)


# ---------------------------------------------------------------- temporaries of killed downloads

DOWNLOADS_FOREVER = """
import sys
from nn import datasets
datasets.load_mnist(mirrors=[sys.argv[1]], timeout=60)
"""


def test_a_download_killed_midway_leaves_a_part_the_next_one_removes(tmp_path, server, files):
    env = {**os.environ, datasets.CACHE_ENV: str(tmp_path / "cache")}
    child = subprocess.Popen([sys.executable, "-c", DOWNLOADS_FOREVER, server.url("drip")],
                             cwd=REPO, stderr=subprocess.DEVNULL, env=env)
    try:
        # The child imports the library before it downloads: on a loaded 2-core machine that
        # took more than 10 s, so wait up to a minute (it stops as soon as the part appears).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(name.endswith(".part") for name in cache_contents(tmp_path)):
                break
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    [part] = cache_contents(tmp_path)
    assert part.startswith(f".{IMAGES}.{atomic._HOST}.{child.pid}.") and part.endswith(".part")
    datasets.load_mnist(mirrors=[server.url("good")])
    assert cache_contents(tmp_path) == sorted(IDX_FILES)
    assert (cache_folder(tmp_path) / IMAGES).read_bytes() == files[IMAGES]


# ---------------------------------------------------------------- IDX headers that lie

BAD_HEADERS = {
    # dims whose product overflows 64 bits: numpy's int64 product wrapped to 0 before,
    # and the reshape's ValueError escaped the cache's cleanup, so the file stayed forever.
    "overflow": (gzip.compress(idx_header((65536,) * 4), mtime=0),
                 r"IDX header says shape \(65536, 65536, 65536, 65536\) "
                 r"\(18,446,744,073,709,551,636 bytes\), more than the 47,040,016"),
    "plain, longer than the file": (idx_header((3, 28, 28)) + bytes(100),
                                    r"says shape \(3, 28, 28\) \(2,368 bytes\), but the file "
                                    r"holds 116 bytes"),
    "more than the file may hold": (gzip.compress(idx_header((60001, 28, 28)), mtime=0),
                                    r"\(47,040,800 bytes\), more than the 47,040,016 this file"),
}


@pytest.mark.parametrize("kind", BAD_HEADERS)
def test_a_corrupt_cached_file_is_deleted_and_fetched_again(tmp_path, server, files, kind):
    content, message = BAD_HEADERS[kind]
    cache_folder(tmp_path).mkdir(parents=True)
    for name, gz in files.items():
        (cache_folder(tmp_path) / name).write_bytes(content if name == IMAGES else gz)
    with pytest.warns(UserWarning, match="corrupt file in the cache, deleting it and "
                                         "downloading again: .*" + message):
        (x_train, _), _ = datasets.load_mnist(mirrors=[server.url("good")])
    assert x_train.shape == (3, 28, 28)
    assert (cache_folder(tmp_path) / IMAGES).read_bytes() == files[IMAGES]


@pytest.mark.parametrize("where", ["path", "data env"])
@pytest.mark.parametrize("kind", BAD_HEADERS)
def test_a_corrupt_file_of_the_user_is_reported_never_deleted(tmp_path, files, monkeypatch,
                                                              where, kind):
    content, message = BAD_HEADERS[kind]
    folder = tmp_path / "mine" / "mnist"
    folder.mkdir(parents=True)
    for name, gz in files.items():
        (folder / name).write_bytes(content if name == IMAGES else gz)
    if where == "path":
        load = lambda: datasets.load_mnist(path=folder)  # noqa: E731
    else:
        monkeypatch.setenv(datasets.DATA_ENV, str(tmp_path / "mine"))
        load = datasets.load_mnist
    for _ in range(2):                                  # the same answer every time
        with pytest.raises(CorruptFileError, match=message) as info:
            load()
        assert str(folder / IMAGES) in str(info.value)
        assert (folder / IMAGES).read_bytes() == content


@pytest.mark.parametrize("content, max_bytes, message", [
    (idx_header((2**32 - 1,) * 3), None,
     r"\(79,228,162,458,924,105,385,300,197,391 bytes\), but the file holds 16 bytes"),
    (gzip.compress(idx_header((2**32 - 1,) * 3), mtime=0), None,
     r"more than the [0-9,]+ this file can hold"),
    (idx_header((10,)) + bytes(10), 12, r"\(18 bytes\), more than the 12"),
    (idx_header((2, 2)) + bytes(3), None, r"\(16 bytes\), but the file holds 15 bytes"),
], ids=["plain-overflow", "gzip-overflow-deflate-ratio", "max-bytes", "plain-short"])
def test_read_idx_checks_the_header_against_what_the_file_can_hold(tmp_path, content,
                                                                    max_bytes, message):
    file = tmp_path / "x.idx"
    file.write_bytes(content)
    with pytest.raises(CorruptFileError, match=message) as info:
        datasets.read_idx(file, max_bytes=max_bytes)
    assert str(file) in str(info.value)


def test_a_local_gzip_bomb_is_refused_before_decompressing(tmp_path):
    file = tmp_path / "bomb.gz"
    file.write_bytes(gzip_bomb(idx_header((2**20, 2**20)), 256))
    tracemalloc.start()
    try:
        start = time.perf_counter()
        with pytest.raises(CorruptFileError, match=r"\(1,099,511,627,788 bytes\), more than the "):
            datasets.read_idx(file)                  # 1032 x its 270 kB: 280 MB at most
        seconds, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < 0.5 and peak < 2 * MiB, (seconds, peak)
