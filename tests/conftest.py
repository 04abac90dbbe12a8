"""Shared test settings: a fast hypothesis profile, and the engine's global state restored
after every test so one test's dtype, tape or mode cannot leak into the next.

``HYPOTHESIS_PROFILE=thorough pytest tests`` runs the property tests with more examples.
"""

import os

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
