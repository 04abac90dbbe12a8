"""Timing helpers: every figure is a ratio against a reference timed in the same run.

The machine is small and shared, so implementations are timed in interleaved rounds and
each one's median is kept; a ratio of medians from one run is far steadier than seconds.
"""

from __future__ import annotations

import gc
import mmap
import statistics
import time

import numpy as np


def interleaved_medians(fns: dict, rounds: int = 7, number: int = 1,
                        settle: float = 0.0, clock=time.perf_counter) -> dict:
    """Time each fn ``number`` times in a row per round, rounds interleaved; median seconds
    per call.

    The cyclic garbage collector runs whenever allocations pile up, and then frees whatever
    cyclic garbage exists, whoever made it. So each round starts from a collected heap, and
    an implementation that leaves cyclic garbage pays for it within its own round (the
    second call onwards), as it would in a training loop.

    ``settle`` seconds pass before each burst, for implementations with thread pools of
    their own: after a matrix product numpy's OpenBLAS keeps a worker thread spinning for
    about 100 ms (measured here: 103 ms of CPU while the caller slept 300 ms), and on two
    cores that worker takes a core from PyTorch's threads timed right after it.

    ``clock``: ``time.process_time`` times single-threaded code by its CPU time, which the
    other processes of a shared machine move far less than the wall clock.
    """
    times = {name: [] for name in fns}
    for fn in fns.values():  # warm up caches, BLAS threads and the allocator
        fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            gc.collect()
            if settle:
                time.sleep(settle)
                fn()  # untimed: wakes this implementation's threads and refills the caches
            t0 = clock()
            for _ in range(number):
                fn()
            times[name].append((clock() - t0) / number)
    return {name: statistics.median(ts) for name, ts in times.items()}


def table(rows, headers):
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def own_pages(a):
    """A copy of ``a`` in memory of its own: fresh, page-aligned pages from an anonymous mmap.

    Where the allocator puts a 1.6 MB weight matrix changes the hand-written numpy step by up
    to 15% on this machine: eight identical numpy instances of the 784-512-10 step ran at
    598-690 us (batch 32, two BLAS threads) with weights from the heap, and at 580-600 us
    with weights in pages of their own. Every implementation's parameters go here, so a
    ratio compares the implementations rather than where their weights happened to land.
    """
    buffer = mmap.mmap(-1, max(a.nbytes, 1))
    copy = np.frombuffer(buffer, dtype=a.dtype, count=a.size).reshape(a.shape)
    copy[...] = a
    return copy
