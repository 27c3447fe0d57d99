"""``heedful mail bench``: ingest throughput (parse + thread + store), reproducibly.

The corpus (by default the notmuch test corpus of ``../shared/data/email/``) is read
into memory once, then replayed ``--copies`` times into the current database under new
Message-IDs: each copy rewrites Message-ID, In-Reply-To, References and Outlook's
Thread-Index with a tag of its own, so a copy threads exactly like the original and
never into another copy, and adds an ``X-Heedful-Bench`` header so that messages without
a Message-ID are new too. Senders and people copied are the same in every copy, as with
a real mailbox (the first copy creates the contacts, later ones find them).

It prints one JSON line; ``messages_per_s`` counts every message handed to the pipeline
(duplicates of the corpus included: they are part of the corpus) over wall-clock time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import resource
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.db import connection

from heedful.mail.importer import import_messages, iter_messages

DEFAULT_CORPUS = Path("../shared/data/email/notmuch")
_ID_HEADERS = {b"message-id", b"in-reply-to", b"references", b"resent-message-id"}
_ANGLE_ID = re.compile(rb"<([^<>\s]+)>")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _header_block(raw: bytes) -> tuple[bytes, bytes]:
    found = _HEADER_END.search(raw)
    if found is None:
        return raw, b""
    return raw[: found.start()], raw[found.start() :]


def _new_thread_index(value: bytes, tag: bytes) -> bytes:
    try:
        decoded = base64.b64decode(b"".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return value
    if len(decoded) < 22:
        return value
    root = hashlib.sha256(tag + decoded[:22]).digest()[:22]
    return base64.b64encode(root + decoded[22:])


def rewrite_ids(raw: bytes, tag: str) -> bytes:
    """The message as if it belonged to another, identical conversation ``tag``."""
    head, rest = _header_block(raw)
    marker = tag.encode("ascii")
    lines = head.split(b"\n")
    current = b""
    for number, line in enumerate(lines):
        if line[:1] not in (b" ", b"\t"):
            current = line.split(b":", 1)[0].strip().lower() if b":" in line else b""
            if current == b"thread-index":
                name, value = line.split(b":", 1)
                ending = b"\r" if value.endswith(b"\r") else b""
                lines[number] = name + b": " + _new_thread_index(value.strip(), marker) + ending
                continue
        if current in _ID_HEADERS:
            lines[number] = _ANGLE_ID.sub(lambda m: b"<" + marker + b"." + m.group(1) + b">", line)
    ending = b"\r\n" if head.find(b"\r\n") != -1 else b"\n"
    return b"X-Heedful-Bench: " + marker + ending + b"\n".join(lines) + rest


def replay(corpus: Sequence[bytes], copies: int, run: str) -> Iterator[tuple[str, bytes]]:
    for copy in range(1, copies + 1):
        tag = f"bench-{run}-{copy}"
        for number, raw in enumerate(corpus, 1):
            yield f"{tag}#{number}", rewrite_ids(raw, tag)


def run_bench(
    corpus_path: Path, copies: int, *, workers: int = 0, writers: int = 1
) -> dict[str, Any]:
    corpus = [raw for _, raw in iter_messages([corpus_path])]
    run = uuid.uuid4().hex[:10]
    messages = list(replay(corpus, copies, run))  # rewritten before the clock starts
    cpu_started, children_started = time.process_time(), _children_cpu()
    summary = import_messages(messages, progress=None, workers=workers, writers=writers)
    cpu = time.process_time() - cpu_started
    parser_cpu = _children_cpu() - children_started  # the pool has exited by now
    n = summary.total
    return {
        "name": "mail.ingest",
        "backend": connection.vendor,
        "n": n,
        "messages_per_s": round(n / summary.seconds, 1) if summary.seconds else 0.0,
        "seconds": round(summary.seconds, 3),
        "ms_per_message": round(1000 * summary.seconds / n, 3) if n else 0.0,
        # This process (threading and storing, and parsing when workers is 0), then the
        # child processes: the parsing process, or the writers when writers > 1 on
        # PostgreSQL (this process parses then); a PostgreSQL server's CPU is in neither.
        "cpu_s": round(cpu, 3),
        "parser_cpu_s": round(parser_cpu, 3),
        "copies": copies,
        "workers": workers,
        "writers": writers if writers > 1 and connection.vendor == "postgresql" else 1,
        "corpus_messages": len(corpus),
        **{outcome: count for outcome, count in sorted(summary.counts.items())},
        "run": run,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_line(corpus_path: Path, copies: int, *, workers: int = 0, writers: int = 1) -> str:
    return json.dumps(run_bench(corpus_path, copies, workers=workers, writers=writers))
