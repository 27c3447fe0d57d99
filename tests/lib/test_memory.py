"""Giving freed memory back to the system (heedful.lib.memory)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from heedful.lib.memory import release_free_memory

GLIBC = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else None


def resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_it_returns_the_freed_heap_to_the_system() -> None:
    # 60 MB in blocks of 1 kB (C heap, not Python's small-object arenas), one block in a
    # hundred kept: the heap cannot shrink from its top, its free pages stay resident.
    blocks = [bytes(1000) for _ in range(60_000)]
    kept = blocks[::100]
    del blocks
    before = resident_mb()

    assert release_free_memory() is True

    assert before - resident_mb() > 30
    assert len(kept) == 600
