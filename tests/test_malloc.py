"""The allocator setting (autograd_core/_malloc.py): freed multi-megabyte arrays are reused,
not page-faulted back in, and AUTOGRAD_CORE_MALLOC=system leaves glibc's defaults."""

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or
                                platform.libc_ver()[0] != "glibc", reason="glibc only")

PROGRAM = """
import resource, sys, numpy as np
import autograd_core  # the setting is made by the import alone
_malloc = sys.modules["autograd_core._malloc"]
def step():  # a training step's temporaries: several 2 MB arrays, freed together
    arrays = [np.ones((1024, 512), np.float32) for _ in range(8)]
    del arrays
for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    step()
print(_malloc.applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def run(env_value):
    env = {"AUTOGRAD_CORE_MALLOC": env_value} if env_value else {}
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         env={**__import__("os").environ, **env}, check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_freed_large_arrays_are_reused_without_page_faults():
    applied, faults = run(None)
    assert applied
    assert faults < 50 * 8 * 512 // 10   # under a tenth of the pages: memory reused


def test_the_setting_can_be_turned_off():
    applied, faults = run("system")
    assert not applied
    assert faults > 50 * 8 * 512 // 2    # glibc's default: the arrays fault in again
