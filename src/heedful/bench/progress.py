"""A small progress bar on stderr (a line per 10% when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total, self.label = max(1, total), label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._shown_at = 0.0
        self._shown_tenth = -1

    def update(self, done: int, rows: int) -> None:
        now = time.monotonic()
        tenth = done * 10 // self.total
        if self.tty and now - self._shown_at < 0.2 and done < self.total:
            return
        if not self.tty and tenth == self._shown_tenth:
            return
        self._shown_at, self._shown_tenth = now, tenth
        elapsed = max(now - self.started, 1e-9)
        share = done / self.total
        eta = elapsed / share - elapsed if share else 0.0
        bar = "#" * int(share * 30)
        line = (
            f"{self.label} [{bar:<30}] {share:4.0%} {done:,}/{self.total:,} "
            f"{rows / elapsed:,.0f} rows/s, {_duration(elapsed)} elapsed, ETA {_duration(eta)}"
        )
        self.stream.write(("\r" + line + " ") if self.tty else line + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        prefix = "\n" if self.tty else ""
        self.stream.write(f"{prefix}{text}\n")
        self.stream.flush()
        self._shown_at = 0.0
