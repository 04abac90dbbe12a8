"""The BLAS warm-up at import (autograd_core/_blas_pages.py): it runs when numpy's BLAS is
OpenBLAS, and AUTOGRAD_CORE_BLAS_WARMUP=0 or another BLAS skips it.

(Its speed is measured by benchmarks/convnet.py at one thread, not here.)"""

import os
import subprocess
import sys

import pytest

from autograd_core import _blas_pages

PROGRAM = """
import sys
import autograd_core
print(sys.modules["autograd_core._blas_pages"].applied)
"""


def imported_with(value):
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_CORE_BLAS_WARMUP"}
    if value is not None:
        env["AUTOGRAD_CORE_BLAS_WARMUP"] = value
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    return out[-1] == "True"


@pytest.mark.skipif("openblas" not in _blas_pages._numpy_blas(),
                    reason="numpy is not built on OpenBLAS: the warm-up does not apply")
def test_the_warm_up_runs_at_import_on_openblas():
    assert imported_with(None)
    assert imported_with("1")


def test_the_warm_up_can_be_turned_off():
    assert not imported_with("0")


def test_a_numpy_without_a_blas_name_is_left_alone(monkeypatch):
    monkeypatch.setattr(_blas_pages, "_numpy_blas", lambda: "")
    monkeypatch.delenv("AUTOGRAD_CORE_BLAS_WARMUP", raising=False)
    assert not _blas_pages.warm_up()
