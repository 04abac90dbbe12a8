"""Shared test settings: a fast hypothesis profile, the engine's global state restored
after every test so one test's dtype, tape, mode or random draws cannot leak into the
next, and where the full MNIST data is (or a skip that says how to provide it).

``HYPOTHESIS_PROFILE=thorough pytest tests`` runs the property tests with more examples,
new ones on each run.
"""

import os
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import autograd_core as ag
from autograd_core import engine

# Two shared cores: a few dozen examples per property keep the whole suite under a minute.
# They are the same examples on every run (derandomize): CI must not turn red on an
# example no earlier run drew. The thorough profile draws new ones each time, to explore.
settings.register_profile("fast", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture(autouse=True)
def restore_engine_state(request):
    """Put back the default dtype and close tapes, modes and scopes a failing test left open.

    The generator behind ``ag.random`` (and so every layer's initial weights) is reseeded
    from the test's id: under pytest-xdist the tests a worker ran before decide its state, so
    a test whose outcome depends on its draws would otherwise pass or fail by scheduling."""
    dtype = ag.get_default_dtype()
    ag.random.set_seed(zlib.crc32(request.node.nodeid.encode()))
    yield
    ag.set_default_dtype(dtype)
    engine._local.state = engine._ThreadState()


@pytest.fixture(scope="session")
def full_data_root():
    """The folder holding the full MNIST and Fashion-MNIST (mnist/ and fashion-mnist/):
    $AUTOGRAD_CORE_DATA, else ../shared/data beside the repo. Tests never download them."""
    root = Path(os.environ.get("AUTOGRAD_CORE_DATA")
                or Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    if not ((root / "mnist").is_dir() and (root / "fashion-mnist").is_dir()):
        pytest.skip(
            f"needs the full MNIST and Fashion-MNIST, not found in {root}: set "
            "AUTOGRAD_CORE_DATA to a folder holding mnist/ and fashion-mnist/ (make does when "
            "../shared/data exists). To get them, connect and run python -c \"import nn; "
            "nn.datasets.load_mnist(); nn.datasets.load_fashion_mnist()\": they download into "
            "~/.cache/autograd-core, a folder AUTOGRAD_CORE_DATA can point at.")
    return root
