"""Speed, fenced here: two glibc settings for graphs that are built, walked and freed
again and again.

1. Keep glibc from returning freed multi-megabyte arrays to the system.

A training step frees and makes again the same large temporaries every step (a 1024x512
float32 activation is 2 MB). glibc serves blocks above its mmap threshold (128 KB at
start, sliding up to 32 MB as such blocks are freed) straight from the kernel and gives
them back on free, and trims the top of its heap when 128 KB of it are free: either way
the next step's array is fresh memory, which page-faults in, one fault per 4 KB page.
Measured on the 784-512-10 step at batch 1024 (``resource.getrusage``, 30 steps): 2,536
minor faults a step for the engine and 1,388 for hand-written numpy, and none for either
once large blocks stay in the heap; the peer benchmark saw both steps 1.3x faster.

So at import, on glibc, the mmap threshold is set to its maximum (32 MB: larger arrays
still come from mmap and go back at once) and the trim threshold to 128 MB (at most that
much freed memory is kept for reuse). This is a setting of the whole process, as
jemalloc's or tcmalloc's caches would be.

2. Keep freed small blocks coalesced (no "fast bins").

A graph of small arrays (10,000 ops on 10-element arrays, the peer benchmark's W4) mallocs
and frees some 33,000 data buffers under 128 bytes per pass. glibc parks such freed blocks
in its fast bins, which never merge neighbours until something forces a consolidation, so
the heap fragments a little more every pass: after each W4 pass 2.1 MB of them sat free,
and the count of other free blocks grew from 3 to about 1,000 over ten passes. Measured
in real time, passes after the first got slower, from 35 ms to 39-42 ms, and stayed
there; without fast bins every pass stayed at 34-35 ms (``mallinfo2``: 410 free blocks,
steady), and the peer benchmark's W4 went from 36.6-40.4 ms to 34.5-35.7 (medians, four
runs of its child process each). The likely cause: a new buffer lands anywhere, away from
its neighbours in the graph, so a pass touches more cache lines. Cachegrind, with a 1 MB
second-level cache, counted 464,000 misses of it per pass against 410,000; this machine
gives no access to the real caches' counters. Small frees still go first to glibc's
per-thread cache (tcache), so the cost in instructions is small: 301.0 M per W4 pass
against 298.5 M (callgrind). Hand-written numpy's W4, whose few live arrays are all it
touches, runs the same either way.

``AUTOGRAD_CORE_MALLOC=system`` in the environment leaves glibc's defaults alone.
"""

from __future__ import annotations

import ctypes
import os
import platform

# mallopt's parameter numbers, from glibc's malloc.h.
_M_MXFAST = 1
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20    # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 128 << 20


def tune_glibc() -> bool:
    """Apply the settings above; True if glibc took them."""
    if os.environ.get("AUTOGRAD_CORE_MALLOC", "").lower() == "system":
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    # mallopt returns 1 on success; a refused value leaves glibc's default in place.
    # M_MXFAST of 0 turns the fast bins off (mallopt first merges what they hold).
    return all([libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
                libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
                libc.mallopt(_M_MXFAST, 0)])


applied = tune_glibc()
