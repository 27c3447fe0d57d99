"""Giving memory that a long-running process has freed back to the system.

CPython frees its larger objects (and SQLite its page cache) to the C allocator, and
glibc's ``malloc`` keeps freed pages inside its heap for the next allocation instead of
returning them: a job that read 20,000 texts leaves about 20 MB of free heap in the worker
for as long as it runs (docs/performance-history.md, "The whole stack's memory").
``malloc_trim`` hands those pages back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None)  # glibc only (not musl, macOS)
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
