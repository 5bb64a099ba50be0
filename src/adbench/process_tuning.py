"""Process-wide settings that make CPU inference and training fast; applied on import.

Both are measured on the 2-core machine this project is developed on (EfficientNet-Lite0
forward, 256 px, batch 16):
- glibc malloc: torch's large activation buffers are, by default, fresh mmaps that are page-
  faulted and zeroed on every allocation, and freed heap memory is trimmed back to the OS.
  Serving them from the heap and never trimming made the forward 4.4x faster (29 -> 129
  images/s). The cost: the process keeps its peak heap instead of returning it.
- OpenMP: idle threads sleep instead of spinning. On an idle machine spinning is a little
  faster, but when the cores are shared (dataloader workers, parallel jobs) spinning threads
  made small convolutions 4-10x slower.
A user's own OMP_WAIT_POLICY or MALLOC_* environment wins; ADBENCH_MALLOC_TUNING=0 turns the
malloc settings off.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
NEVER = 2**31 - 1  # bytes: in effect, never trim the heap
HEAP_UP_TO = 2**30  # bytes: allocations below this come from the heap, not from mmap


def tune_process() -> None:
    """Set the OpenMP wait policy (before torch loads) and glibc's malloc thresholds."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    user_malloc = any(name.startswith("MALLOC_") for name in os.environ)
    if (
        sys.platform == "linux"
        and not user_malloc
        and os.environ.get("ADBENCH_MALLOC_TUNING") != "0"
    ):
        _keep_large_buffers_on_the_heap()


def _keep_large_buffers_on_the_heap() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl): leave the allocator alone
        return
    libc.mallopt(M_MMAP_THRESHOLD, HEAP_UP_TO)
    libc.mallopt(M_TRIM_THRESHOLD, NEVER)
