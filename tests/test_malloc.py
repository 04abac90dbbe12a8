"""The allocator settings (autograd_core/_malloc.py): freed multi-megabyte arrays are reused,
not page-faulted back in; freed small buffers are not parked in glibc's fast bins; and
AUTOGRAD_CORE_MALLOC=system leaves glibc's defaults."""

import ctypes
import os
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


def environment(value):
    """This process's environment with AUTOGRAD_CORE_MALLOC set to ``value`` (or unset)."""
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_CORE_MALLOC"}
    return {**env, "AUTOGRAD_CORE_MALLOC": value} if value else env


def run(env_value):
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         env=environment(env_value), check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_freed_large_arrays_are_reused_without_page_faults():
    applied, faults = run(None)
    assert applied
    assert faults < 50 * 8 * 512 // 10   # under a tenth of the pages: memory reused


def test_the_setting_can_be_turned_off():
    applied, faults = run("system")
    assert not applied
    assert faults > 50 * 8 * 512 // 2    # glibc's default: the arrays fault in again


SMALL_PROGRAM = """
import ctypes, sys, numpy as np
import autograd_core
class MallInfo(ctypes.Structure):   # glibc's struct mallinfo2 (2.33+) / mallinfo
    _fields_ = [(name, ctypes.c_size_t if sys.argv[1] == "2" else ctypes.c_int) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc = ctypes.CDLL("libc.so.6")
info = libc.mallinfo2 if sys.argv[1] == "2" else libc.mallinfo
info.restype = MallInfo
buffers = [np.arange(10.0) * 2 for _ in range(20_000)]   # 80-byte data buffers, as W4's
for i in range(len(buffers)):  # freed one by one; freeing the list's own 160 KB at once
    buffers[i] = None          # would make glibc merge its fast bins there and then
print(info().smblks, info().fsmblks)
"""


def fast_bin_blocks(env_value):
    libc = ctypes.CDLL("libc.so.6")
    version = "2" if hasattr(libc, "mallinfo2") else "1"
    out = subprocess.run([sys.executable, "-c", SMALL_PROGRAM, version], capture_output=True,
                         text=True, env=environment(env_value), check=True)
    blocks, size = map(int, out.stdout.split())
    return blocks, size


def test_freed_small_buffers_are_not_parked_in_fast_bins():
    # glibc's default keeps thousands of them apart, unmerged (the second test shows it)
    assert fast_bin_blocks(None) == (0, 0)


def test_fast_bins_stay_on_with_the_system_setting():
    blocks, size = fast_bin_blocks("system")
    assert blocks > 1000 and size > 1000 * 80
