"""Bulk ingest on PostgreSQL with two or more writer processes (``heedful.mail.pipeline``).

SQLite has one writer at a time; PostgreSQL lets several transactions write at once, so a
batch import there hands its messages to ``writers`` processes, each with its own
connection, that thread and store them exactly as the one-process pipeline does
(``pipeline._ingest_chunk``: a sub-chunk's raw bytes committed first, then one transaction
per message). This process parses them (the parsing process's work, a chunk or two
ahead of the writers), routes them and returns the results in the order they came.

Correctness does not rest on the routing: two messages of one conversation processed at
once by two writers wait for each other on an advisory lock of the keys they share
(``actions._lock_conversation``), and a message delivered twice is claimed once
(``actions._finish``). The routing keeps the *order* of a conversation: a message sharing
a key (Message-ID, a reference, the Thread-Index) with a message still in flight goes to
the same writer, which processes its messages in order; so a reply is stored after its
parent, as it is by one process. Only a message that joins two conversations in flight
on two writers may be processed before one of them (``Router.merged`` counts those);
it then threads as if it had arrived a moment earlier.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import TYPE_CHECKING

from django.db import connection

from heedful.mail.headers import all_header_text, header_text, message_ids
from heedful.mail.identity import message_key, raw_key, thread_index_key
from heedful.mail.parsing import thread_index_root
from heedful.mail.prepare import Prepared, prepare_chunk

if TYPE_CHECKING:  # a writer process imports this module before Django is set up
    from heedful.mail.actions import IngestResult

Chunk = list[tuple[str, bytes]]


def default_writers() -> int:
    """Two writer processes on PostgreSQL with two or more cores; else one (this one)."""
    if connection.vendor != "postgresql":
        return 1
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def conversation_keys(raw: bytes) -> list[str]:
    """The keys threading will look up for this message (its own first), read from its
    headers alone (for a message whose parse failed here). A header read differently here than by
    the parser only costs order, never correctness (see the module's docstring)."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    except Exception:
        return [raw_key(raw)]
    own = message_ids(header_text(headers, "Message-ID"))
    keys = [message_key(own[0]) if own else raw_key(raw)]
    keys += [message_key(i) for i in message_ids(header_text(headers, "In-Reply-To"))]
    keys += [message_key(i) for i in message_ids(" ".join(all_header_text(headers, "References")))]
    root = thread_index_root(header_text(headers, "Thread-Index"))
    if root:
        keys.append(thread_index_key(root))
    return keys


class Router:
    """Which writer gets a message: the one that has a message sharing one of its keys
    in flight, else the one with the fewest messages in flight."""

    def __init__(self, writers: int, window: int) -> None:
        self.writers = writers
        self.merged = 0
        # The keys of the last ``window`` chunks (those that can still be in flight).
        self._recent: deque[dict[str, int]] = deque(maxlen=window)
        self._load: deque[list[int]] = deque(maxlen=window)

    def start_chunk(self) -> None:
        self._recent.append({})
        self._load.append([0] * self.writers)

    def route(self, keys: Sequence[str]) -> int:
        owners = [owner for key in keys if (owner := self._owner(key)) is not None]
        if owners:
            writer = owners[0]
            self.merged += len(set(owners)) > 1
        else:
            in_flight = [sum(load[w] for load in self._load) for w in range(self.writers)]
            writer = in_flight.index(min(in_flight))
        current = self._recent[-1]
        for key in keys:
            current[key] = writer
        self._load[-1][writer] += 1
        return writer

    def _owner(self, key: str) -> int | None:
        for chunk in reversed(self._recent):
            if key in chunk:
                return chunk[key]
        return None


def _start_writer(database_name: str) -> None:
    """Runs first in each writer process (spawned: it inherits no connection)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.settings")
    import django

    django.setup()
    from django.db import connections

    # The database this import writes to: the test database under pytest, for one.
    connections["default"].settings_dict["NAME"] = database_name


def write_chunk(
    chunk: Chunk, source: str, prepared: list[Prepared | None] | None = None
) -> list[IngestResult]:
    """In a writer process: a sub-chunk stored as one process would (``prepared``: parsed
    by the importing process; else here)."""
    from heedful.mail.contacts import import_cache
    from heedful.mail.models import Source
    from heedful.mail.pipeline import _ingest_chunk, _inline

    with import_cache():
        if prepared is None:
            ready = _inline([raw for _, raw in chunk])
        else:
            ready = Future()
            ready.set_result(prepared)  # type: ignore[arg-type]  # None: parsed in the pipeline
        results = _ingest_chunk(chunk, ready, source=source, live=source != Source.IMPORT)
        return [result for _, result in results]


def _prepare(chunk: Chunk) -> list[Prepared | None]:
    """Parsing and quote folding, here, a chunk or two ahead of the writers: this
    process has nothing else to do, and the writers only store (as in the one-process
    pipeline, where a separate process parses)."""
    try:
        return list(prepare_chunk([raw for _, raw in chunk]))
    except Exception:  # each message is then parsed by its writer's pipeline
        return [None] * len(chunk)


def _keys(raw: bytes, ready: Prepared | None) -> list[str]:
    if ready is None:
        return conversation_keys(raw)
    from heedful.mail.threading import reference_keys

    return [ready.identity[0], *(key for key, _ in reference_keys(ready.parsed))]


_Part = tuple[list[int], "Future[list[IngestResult]]"]  # positions in the chunk, results


def ingest_with_writers(
    chunks: Iterable[Chunk], *, source: str, writers: int, ahead: int
) -> Iterator[tuple[str, IngestResult]]:
    """(label, result) of every message of ``chunks``, in order; ``ahead`` chunks are
    handed out before the results of the first are awaited."""
    router = Router(writers, window=ahead + 1)
    context = multiprocessing.get_context("spawn")
    name = str(connection.settings_dict["NAME"])
    with ExitStack() as stack:
        pools = [
            stack.enter_context(
                ProcessPoolExecutor(1, context, initializer=_start_writer, initargs=(name,))
            )
            for _ in range(writers)
        ]
        pending: deque[tuple[Chunk, list[_Part]]] = deque()
        for chunk in chunks:
            pending.append((chunk, _hand_out(chunk, router, pools, source)))
            if len(pending) > ahead:
                yield from _collect(*pending.popleft(), source=source)
        while pending:
            yield from _collect(*pending.popleft(), source=source)


def _hand_out(
    chunk: Chunk, router: Router, pools: list[ProcessPoolExecutor], source: str
) -> list[_Part]:
    router.start_chunk()
    prepared = _prepare(chunk)
    positions: list[list[int]] = [[] for _ in pools]
    for position, ((_, raw), ready) in enumerate(zip(chunk, prepared, strict=True)):
        positions[router.route(_keys(raw, ready))].append(position)
    return [
        (wanted, _submit(pool, [chunk[p] for p in wanted], source, [prepared[p] for p in wanted]))
        for pool, wanted in zip(pools, positions, strict=True)
        if wanted
    ]


def _submit(
    pool: ProcessPoolExecutor, part: Chunk, source: str, prepared: list[Prepared | None]
) -> Future[list[IngestResult]]:
    try:
        return pool.submit(write_chunk, part, source, prepared)
    except Exception as exc:  # the pool broke earlier: _collect finishes the part here
        failed: Future[list[IngestResult]] = Future()
        failed.set_exception(exc)
        return failed


def _collect(
    chunk: Chunk, parts: list[_Part], *, source: str
) -> Iterator[tuple[str, IngestResult]]:
    results: dict[int, IngestResult] = {}
    for positions, future in parts:
        part = [chunk[p] for p in positions]
        try:
            done = future.result()
        except Exception:  # the writer died: its messages are finished here, as a retry would
            done = write_chunk(part, source)
        results.update(zip(positions, done, strict=True))
    for position, (label, _) in enumerate(chunk):
        yield label, results[position]
