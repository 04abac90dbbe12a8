"""The optimizers' speed tricks, fenced here: cache-sized blocks and BLAS's ``axpy``/``scal``.

An optimizer's formula is written once, in its ``update``, with three in-place helpers:
``blocks`` (stream the operands through cache-sized views), ``add_scaled``
(``y <- y + alpha*x``) and ``scale`` (``x <- alpha*x``). This module makes them fast.
Nothing here knows an optimizer; nothing in an optimizer knows what is below.

Why blocks. ``step()`` must leave ``.grad`` as backward left it (PyTorch's does too), so
a formula such as ``s <- rho*s + (1-rho)*g**2`` needs temporaries. Written with numpy's
operators each is a fresh array of the parameter's size (1.6 MB for the 784x512 float32
weight, five of them in RMSprop's update); streamed through blocks of ``BLOCK`` elements
they all live in one 256 KB work array, so a step allocates nothing. When the blocks were
written, RMSprop's update of that weight ran 1.6x faster through them than with
temporaries. Measured again for issue #13 (a busy 2-core AMD EPYC, 2 MB of L2 per core),
the ways are close: blocks 435-540 us, fresh temporaries 480-525 us, one work array of
the whole size 395-455 us. What the blocks buy there is a step without allocations, with
a work array that does not grow with the largest parameter.

Why BLAS. numpy's ufuncs run on one core, and ``p -= lr * g`` over a large parameter
either makes a temporary for ``lr * g`` or scales ``g``. BLAS's ``axpy`` does the whole
update in one pass, with no temporary, on the threads OpenBLAS already runs numpy's
matrix products on. For the 784x512 float32 weight: 36-37 us against 94-132 us for the
numpy update (issue #13's measurement; 29 against 115 us on a quiet machine when it was
written), which took the 784-512-10 training step from 1.15x the hand-written numpy step
to 0.95x at batch 32 (``benchmarks/mlp_step.py``; ``benchmarks/step_breakdown.py`` times
the update alone).

The BLAS functions come from the OpenBLAS that numpy's own wheels bundle: its
64-bit-integer (ILP64) CBLAS interface, exported with a ``64_`` suffix
(``scipy_cblas_saxpy64_`` in numpy 2, ``cblas_saxpy64_`` in numpy 1). They are looked up
through numpy's extension module, so they are the very library and thread pool numpy
uses, and a self-test checks them before any parameter is touched. A numpy built against
another BLAS (conda's MKL, macOS Accelerate) exports none of them, and on Windows a DLL's
functions are not found through the extension module: then ``available`` is False and
``add_scaled`` and ``scale`` use numpy.
"""

from __future__ import annotations

import ctypes
import functools
import importlib

import numpy as np

# Elements per block: a block of float32 temporaries (256 KB) stays in cache.
BLOCK = 65536

# Below this many elements OpenBLAS runs axpy on one thread, and numpy's two ufunc calls
# cost less than one call through ctypes.
MIN_SIZE = 16384


class Workspace:
    """The work arrays of one optimizer, made once and reused at every step.

    Attributes:
        work: dtype -> the block-sized array ``blocks`` hands out for temporaries.
        buffers: key -> an array ``buffer`` made once (the clipped gradients).
    """

    def __init__(self):
        self.work = {}
        self.buffers = {}

    def blocks(self, p, g, *state):
        """The operands of an update as matching flat views, one cache-sized block at a time.

        Args:
            p: a C-contiguous array, updated in place through the views.
            g: an array of p's shape (read only).
            state: arrays of p's shape, or None (which stays None).
        Yields:
            ``(p_block, g_block, *state_blocks, work)``, ``work`` a scratch array of the
            block's size for the temporaries.
        """
        flat = p.reshape(-1)
        flat_g = g.reshape(-1)
        flat_state = [None if a is None else a.reshape(-1) for a in state] if state else ()
        size = flat.size
        work = self._work(flat.dtype, min(size, BLOCK))
        if size <= BLOCK:  # most parameters (biases, small layers): no slicing
            yield (flat, flat_g, *flat_state, work)
            return
        for span in _spans(size):
            yield (flat[span], flat_g[span],
                   *[None if a is None else a[span] for a in flat_state],
                   work[:span.stop - span.start])

    def add_scaled(self, y, alpha, x):
        """y <- y + alpha*x, in place: BLAS's ``axpy`` when ``usable``, else numpy blocks."""
        if usable(y, x):
            axpy(alpha, x, y)
        elif alpha == 1.0:  # SGD's p <- p + v: no product to hold
            y += x
        elif y.size <= BLOCK:  # one block: without the generator, 1 us less per call
            y += np.multiply(x, alpha, out=self._work(y.dtype, y.size).reshape(y.shape))
        else:
            for y_b, x_b, work in self.blocks(y, x):
                y_b += np.multiply(x_b, alpha, out=work)

    def scale(self, x, alpha):
        """x <- alpha*x, in place: BLAS's ``scal`` when ``usable``, else numpy."""
        if usable(x):
            scal(alpha, x)
        else:
            x *= alpha

    def _work(self, dtype, size):
        """The first ``size`` elements of the work array of ``dtype``, grown when needed."""
        work = self.work.get(dtype)
        if work is None or work.size < size:
            work = self.work[dtype] = np.empty(size, dtype)
        return work[:size]

    def buffer(self, key, shape, dtype):
        """An array of ``shape`` and ``dtype`` kept under ``key``: made at the first call."""
        array = self.buffers.get(key)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self.buffers[key] = np.empty(shape, dtype)
        return array


@functools.lru_cache(maxsize=256)
def _spans(size):
    """``size`` elements cut into equal slices of at most BLOCK (a tuple, made once per size)."""
    count = -(-size // BLOCK)
    length = -(-size // count)
    return tuple(slice(lo, min(lo + length, size)) for lo in range(0, size, length))


# --- BLAS ---------------------------------------------------------------------------------

_INT = ctypes.c_int64  # ILP64: every integer argument is 64 bits
_SCALAR = {"f": ctypes.c_float, "d": ctypes.c_double}


def _functions():
    """``{dtype char: (axpy, scal)}`` for float32 and float64, or {} if numpy's BLAS has none."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            lib = ctypes.CDLL(importlib.import_module(module).__file__)
        except (ImportError, OSError, AttributeError, TypeError):
            continue
        for prefix in ("scipy_cblas_", "cblas_"):
            try:
                found = {char: (getattr(lib, f"{prefix}{letter}axpy64_"),
                                getattr(lib, f"{prefix}{letter}scal64_"))
                         for char, letter in (("f", "s"), ("d", "d"))}
            except AttributeError:
                continue
            for char, (axpy_fn, scal_fn) in found.items():
                axpy_fn.argtypes = [_INT, _SCALAR[char], ctypes.c_void_p, _INT,
                                    ctypes.c_void_p, _INT]
                scal_fn.argtypes = [_INT, _SCALAR[char], ctypes.c_void_p, _INT]
                axpy_fn.restype = scal_fn.restype = None
            return found
    return {}


_BLAS = _functions()


def axpy(alpha, x, y):
    """BLAS: y <- y + alpha*x in place. Only for arrays ``usable`` accepted."""
    _BLAS[y.dtype.char][0](y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)


def scal(alpha, x):
    """BLAS: x <- alpha*x in place. Only for arrays ``usable`` accepted."""
    _BLAS[x.dtype.char][1](x.size, alpha, x.ctypes.data, 1)


def usable(y, *xs) -> bool:
    """Whether ``axpy``/``scal`` may update ``y`` in place from the arrays ``xs``.

    All must be C-contiguous float32 or float64 arrays of one dtype (in the machine's byte
    order) and size, with ``y`` writeable, at least ``MIN_SIZE`` elements, and sharing no
    memory with any of ``xs`` (BLAS assumes its operands do not overlap).
    """
    if not available or type(y) is not np.ndarray or y.size < MIN_SIZE \
            or not (y.flags.c_contiguous and y.flags.writeable) \
            or y.dtype.char not in _BLAS or not y.dtype.isnative:  # '>f4' is 'f' too
        return False
    for x in xs:
        if type(x) is not np.ndarray or x.dtype != y.dtype or x.size != y.size \
                or not x.flags.c_contiguous or np.may_share_memory(x, y):
            return False
    return True


def _self_test() -> bool:
    """Whether the functions compute ``axpy`` and ``scal`` on known numbers: checked once,
    before any parameter is handed to them."""
    for dtype in (np.float32, np.float64):
        x = np.arange(1, MIN_SIZE + 1, dtype=dtype)
        y = np.full(MIN_SIZE, 10, dtype=dtype)
        axpy(2.0, x, y)
        scal(0.5, y)
        if not np.array_equal(y, 5 + x):
            return False
    return True


available = bool(_BLAS) and _self_test()
