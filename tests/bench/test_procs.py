"""Servers and workers started by the benchmarks are stopped with all their children:
a leaked worker would keep polling the database and load the machine for later runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from heedful.bench import procs

# A parent like `heedful serve`: it starts a child, and SIGTERM to it alone would leave
# the child running. With IGNORE it also ignores SIGTERM itself.
PARENT = (
    "import signal, subprocess, sys, time\n"
    "if sys.argv[1] == 'ignore': signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[bytes], int]:
    out = tmp_path / "child.pid"
    with out.open("w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-c", PARENT, mode], stdout=stream, start_new_session=True
        )
    deadline = time.monotonic() + 20
    while not out.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    return process, int(out.read_text())


@pytest.mark.parametrize(("mode", "status"), [("default", -15), ("ignore", -9)])
def test_it_stops_the_process_and_every_child(tmp_path: Path, mode: str, status: int) -> None:
    process, child = _start(tmp_path, mode)
    assert _alive(process.pid) and _alive(child)
    procs.stop(process, grace=1.0)
    assert not _alive(process.pid)
    assert not _alive(child)
    # SIGTERM, or SIGKILL after the grace period for a parent that ignores SIGTERM.
    assert process.returncode == status


def test_it_counts_the_memory_only_this_process_maps() -> None:
    before = procs.uss_mb(os.getpid())
    block = bytearray(b"x" * 50 * 2**20)  # written, so every page is resident
    after = procs.uss_mb(os.getpid())
    assert after - before >= 45
    assert after <= procs.rss_mb(os.getpid())
    assert len(block) == 50 * 2**20
