"""Shared test settings: a fast hypothesis profile, the engine's global state restored
after every test so one test's dtype, tape or mode cannot leak into the next, and where
the full MNIST data is (or a skip that says how to provide it).

``HYPOTHESIS_PROFILE=thorough pytest tests`` runs the property tests with more examples.
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import autograd_core as ag
from autograd_core import engine

# Two shared cores: a few dozen examples per property keep the whole suite under a minute.
settings.register_profile("fast", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture(autouse=True)
def restore_engine_state():
    """Put back the default dtype and close tapes, modes and scopes a failing test left open."""
    dtype = ag.get_default_dtype()
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
