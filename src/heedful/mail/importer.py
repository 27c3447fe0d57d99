"""``heedful mail import``: .eml files, mbox files and Maildir (or any) folders."""

from __future__ import annotations

import mailbox
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from heedful.mail.actions import Outcome
from heedful.mail.models import Source
from heedful.mail.pipeline import ingest_many


def is_mbox(path: Path) -> bool:
    """mbox by name only: sniffing "From " lines would split a message that quotes a patch."""
    return path.suffix.lower() == ".mbox" or path.name.lower() == "mbox"


def iter_messages(paths: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for every message under ``paths``, in a stable order. A folder
    is walked recursively (Maildir cur/ and new/ included, tmp/ skipped)."""
    for path in paths:
        if path.is_dir():
            files = (
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and not p.name.startswith(".")
                and "tmp" not in p.relative_to(path).parts[:-1]
            )
            yield from iter_messages(files)
        elif is_mbox(path):
            box = mailbox.mbox(path, create=False)
            try:
                for number, key in enumerate(box.iterkeys(), 1):
                    yield f"{path}#{number}", box.get_bytes(key)
            finally:
                box.close()
        else:
            yield str(path), path.read_bytes()


@dataclass
class ImportSummary:
    counts: Counter[str] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        rate = self.total / self.seconds if self.seconds else 0.0
        parts = ", ".join(f"{self.counts[o.value]} {o.value}" for o in Outcome)
        return f"{self.total} messages: {parts} ({self.seconds:.1f} s, {rate:.0f} messages/s)"


def import_messages(
    messages: Iterable[tuple[str, bytes]],
    *,
    progress: TextIO | None = None,
    every: int = 100,
    workers: int = 0,
    writers: int = 1,
) -> ImportSummary:
    """``workers``: parsing processes beside this one; ``writers``: processes that store
    at once, on PostgreSQL (heedful.mail.pipeline)."""
    summary = ImportSummary()
    started = time.perf_counter()
    for label, result in ingest_many(
        messages, source=Source.IMPORT, workers=workers, writers=writers
    ):
        summary.counts[result.outcome.value] += 1
        if result.outcome == Outcome.FAILED:
            summary.failed.append(label)
        if progress is not None and summary.total % every == 0:
            summary.seconds = time.perf_counter() - started
            print(f"  {summary.line()}", file=progress, flush=True)
    summary.seconds = time.perf_counter() - started
    return summary


def import_paths(
    paths: Iterable[Path],
    *,
    progress: TextIO | None = sys.stderr,
    workers: int = 0,
    writers: int = 1,
) -> ImportSummary:
    return import_messages(
        iter_messages(paths), progress=progress, workers=workers, writers=writers
    )
