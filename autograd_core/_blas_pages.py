"""Speed, fenced here: one matrix product at import, so that numpy's OpenBLAS runs narrow
single-threaded float products at full speed from the first step.

OpenBLAS packs its operands into a work buffer of its own (32 MB of address space per
thread, memory only where written). A product with few output columns, such as MNIST
convnet's second layer, (3630, 288) @ (288, 64) per block of images, packs one narrow
panel of B at a time into the same first pages of it: the process's buffer then holds
88 KB of memory (``/proc/self/smaps``). The Haswell kernel prefetches the next panel of B
(``prefetcht1``) past those pages, into pages no call has written, which have no memory
behind them, and each such prefetch walks the page tables for nothing: perf put 45% of the
kernel's samples on the instruction after it. One product whose packed B is wide writes
those pages once, and every later product finds them: (32, 512) @ (512, 1024), 3 ms.

Measured with numpy 2.4's OpenBLAS 0.3.31 on a 2-core AMD EPYC at one BLAS thread: that
layer's product took 7.6-7.9 ms before and 3.7-4.1 ms after, its filter gradient
(288, 3630) @ (3630, 64) 10.5 against 3.8-4.6 ms, and the convnet's training step
(``benchmarks/convnet.py``) 134 against 106 ms, which PyTorch ran in 87-95 ms. At two
threads and more, the first large (threaded) product writes the pages anyway.

Only the thread that imports autograd_core is helped (OpenBLAS keeps a buffer per
thread), and only numpy built on OpenBLAS is asked. ``AUTOGRAD_CORE_BLAS_WARMUP=0`` in the
environment skips it.
"""

from __future__ import annotations

import os

import numpy as np

# (32, 512) @ (512, 1024): the smallest float64 product measured to write the pages both
# float32's and float64's narrow products prefetch (float32's (32, 512, 1024) fixed
# float32 alone).
_SHAPE = (32, 512, 1024)


def _numpy_blas():
    """The name numpy's build gives its BLAS ("scipy-openblas"), or "" if it says none."""
    try:
        return str(np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]).lower()
    except (AttributeError, KeyError, TypeError):
        return ""


def warm_up() -> bool:
    """Run the product described above; True if it ran."""
    if os.environ.get("AUTOGRAD_CORE_BLAS_WARMUP", "").strip() == "0":
        return False
    if "openblas" not in _numpy_blas():
        return False
    m, k, n = _SHAPE
    np.ones((m, k)) @ np.ones((k, n))
    return True


applied = warm_up()
