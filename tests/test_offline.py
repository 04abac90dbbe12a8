"""The README's two commands on a machine with no network and no data folder.

`make demo` runs demo.py and `make test` runs the notebooks' short (QUICK) settings. Here
demo.py and the short runs of the MNIST notebooks (06, 07, 10) each run in a subprocess
whose network is blocked (a sitecustomize.py on PYTHONPATH makes every connection and
name lookup beyond this machine fail), with $AUTOGRAD_CORE_DATA an empty folder and an
empty download cache. They must succeed on the sample shipped in the package (06 and 07,
which fall back to it, say so).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTICE = "UserWarning: {}: the full data set is neither here nor downloadable; using the sample"
MNIST_DOWNLOAD = ("Downloading "
                  "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz")

BLOCK_NETWORK = '''\
"""Any connection or name lookup beyond this machine fails, as with no network at all.
Loopback stays open: a notebook's kernel talks to its client over it."""
import errno
import socket


def _local(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    return host in ("localhost", "::1") or host.startswith("127.")


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo
BLOCKED = "(blocked by the offline test)"


def connect(self, address):
    if isinstance(address, tuple) and not _local(address[0]):
        raise OSError(errno.ENETUNREACH, f"Network is unreachable {BLOCKED}: {address[0]}")
    return _connect(self, address)


def connect_ex(self, address):
    if isinstance(address, tuple) and not _local(address[0]):
        return errno.ENETUNREACH
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if host is not None and not _local(host):
        raise socket.gaierror(socket.EAI_AGAIN,
                              f"Temporary failure in name resolution {BLOCKED}: {host}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.getaddrinfo = getaddrinfo
'''


@pytest.fixture
def offline_env(tmp_path):
    """The environment of a fresh clone on a machine with no network: returns it as a dict."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_NETWORK)
    (tmp_path / "no-data").mkdir()
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")])),
        AUTOGRAD_CORE_DATA=str(tmp_path / "no-data"),
        AUTOGRAD_CORE_CACHE=str(tmp_path / "cache"),
        AUTOGRAD_CORE_QUICK="1",
        MPLBACKEND="Agg",
    )
    return env


def run(args, env, cwd):
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_network_is_blocked(offline_env, tmp_path):
    """The block works (else the tests below would prove nothing), and loopback is open."""
    script = (
        "import socket, urllib.request\n"
        "listener = socket.create_server(('127.0.0.1', 0))\n"
        "socket.create_connection(listener.getsockname(), timeout=5).close()\n"
        "urllib.request.urlopen('https://pypi.org/simple/', timeout=5)\n")
    result = run([sys.executable, "-c", script], offline_env, tmp_path)
    assert result.returncode == 1
    assert ("Temporary failure in name resolution (blocked by the offline test): pypi.org"
            in result.stderr)


def test_demo_runs_offline_on_the_sample(offline_env, tmp_path):
    result = run([sys.executable, str(REPO / "demo.py")], offline_env, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count(NOTICE.format("mnist")) == 1
    assert MNIST_DOWNLOAD in result.stderr      # it did try, and fell back
    assert "4,000 training and 1,000 test images (the sample in the package)" in result.stdout
    accuracy = float(re.search(r"test accuracy (\d\.\d+)", result.stdout).group(1))
    assert accuracy > 0.85          # 0.887 after five epochs of the sample
    for name in ("xor_graph.svg", "xor_backprop.gif", "xor_backprop.html"):
        assert (tmp_path / "out" / name).stat().st_size > 1000
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.gz"))


@pytest.mark.parametrize("notebook, notices", [
    ("06_mnist", ["mnist", "fashion-mnist"]),
    ("07_optimizers", ["mnist"]),
])
def test_quick_notebook_runs_offline_on_the_sample(offline_env, monkeypatch, notebook, notices):
    nbformat = pytest.importorskip("nbformat", reason="needs the 'notebooks' extra")
    nbclient = pytest.importorskip("nbclient", reason="needs the 'notebooks' extra")
    for key in ("PYTHONPATH", "AUTOGRAD_CORE_DATA", "AUTOGRAD_CORE_CACHE", "AUTOGRAD_CORE_QUICK",
                "MPLBACKEND"):
        monkeypatch.setenv(key, offline_env[key])   # the kernel, a subprocess, inherits them
    nb = nbformat.read(REPO / "notebooks" / f"{notebook}.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "import socket\nassert socket.getaddrinfo.__module__ == 'sitecustomize', 'not blocked'"))
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    for name in notices:
        assert stderr.count(NOTICE.format(name)) == 1
    assert MNIST_DOWNLOAD in stderr


def test_convnet_notebook_runs_offline_without_trying_to_download(offline_env, monkeypatch):
    """10_convnets' short run takes the sample straight away (``sample=QUICK``): with the
    network blocked it neither tries a mirror nor warns, unlike 06 and 07's fallback."""
    nbformat = pytest.importorskip("nbformat", reason="needs the 'notebooks' extra")
    nbclient = pytest.importorskip("nbclient", reason="needs the 'notebooks' extra")
    for key in ("PYTHONPATH", "AUTOGRAD_CORE_DATA", "AUTOGRAD_CORE_CACHE", "AUTOGRAD_CORE_QUICK",
                "MPLBACKEND"):
        monkeypatch.setenv(key, offline_env[key])
    nb = nbformat.read(REPO / "notebooks" / "10_convnets.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "import socket\nassert socket.getaddrinfo.__module__ == 'sitecustomize', 'not blocked'"))
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    stdout = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "x_train (2000, 28, 28, 1)" in stdout and "x_test  (1000, 28, 28, 1)" in stdout
    assert "Downloading" not in stderr and "using the sample" not in stderr
