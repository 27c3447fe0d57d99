"""Bulk ingest (``heedful mail import``, ``heedful mail bench``): the same pipeline as
one message at a time, with three changes for throughput.

- **Raw bytes of a chunk are stored in one transaction.** Every raw message of the chunk
  is committed before any of them is processed, so "store first, then parse" still holds
  (for the whole chunk at once); each message is then processed in its own transaction,
  exactly as a single delivery is. A crash mid-chunk leaves the rest ``received``: the
  next import of the same files, or ``heedful mail retry``, finishes them.
- **Parsing and quote folding run in a second process** (``workers``), a chunk or two
  ahead, while this process threads and stores: they need no database. So does reading
  each message's key from its headers (``identify``), which storing the raw bytes needs.
- **Staff addresses and organization domains are read once** (``import_cache``), SLA
  policies, webhook subscriptions and the chunk's existing contacts once per chunk (a
  change made meanwhile applies from the next chunk on).

On PostgreSQL, ``writers`` processes thread and store at once, each its share of every
chunk, while this process parses (``heedful.mail.writers``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import chain

from django.db import connection, transaction

from heedful.mail.actions import IngestResult, ingest_raw, ingest_stored
from heedful.mail.contacts import contacts_read_once, import_cache
from heedful.mail.identity import identify
from heedful.mail.models import Direction, MailMessage, Source
from heedful.mail.parsing import Address
from heedful.mail.prepare import Prepared, prepare_chunk
from heedful.sla.policies import policies_read_once
from heedful.webhooks.emit import subscriptions_read_once

CHUNK = 64
CHUNK_BYTES = 8 * 1024 * 1024
AHEAD = 2  # chunks parsed ahead of the one being stored


def default_workers() -> int:
    """One parsing process beside this one when the machine has a second core."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


def store_raw(
    messages: Sequence[tuple[str, bytes]],
    source: str,
    identified: Sequence[tuple[str, str] | None] = (),
) -> list[MailMessage | None]:
    """The stored row of every message (one per Message-ID), new ones in one transaction;
    None where the bulk insert skipped a row for another reason than a duplicate.
    ``identified``: ``identify(raw)`` of each message where the parsing process computed it."""
    given = list(identified) or [None] * len(messages)
    identities = [known or identify(raw) for (_, raw), known in zip(messages, given, strict=True)]
    keys = [key for key, _ in identities]
    with transaction.atomic():
        existing = set(MailMessage.objects.filter(key__in=keys).values_list("key", flat=True))
        new: dict[str, MailMessage] = {}
        for (label, raw), (key, message_id) in zip(messages, identities, strict=True):
            if key not in existing and key not in new:
                new[key] = MailMessage(
                    key=key,
                    message_id=message_id,
                    direction=Direction.INBOUND,
                    source=source,
                    mailbox=label[-200:],
                    raw=MailMessage.compress(raw),
                    raw_size=len(raw),
                )
        # A concurrent delivery of the same message wins; its row is used below.
        MailMessage.objects.bulk_create(new.values(), ignore_conflicts=True)
    rows = {m.key: m for m in MailMessage.objects.filter(key__in=keys).defer("raw")}
    return [rows.get(key) for key in keys]


@contextmanager
def _preparer(workers: int) -> Iterator[Callable[[Sequence[bytes]], Future[list[Prepared]]]]:
    if workers < 1:
        yield _inline
        return
    # spawn, not fork: the child must not inherit this process's database connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:

        def submit(raws: Sequence[bytes]) -> Future[list[Prepared]]:
            try:
                # prepare_chunk lives in a Django-free module: that is all the child imports.
                return pool.submit(prepare_chunk, list(raws))
            except Exception:  # the pool broke: parse here from now on
                return _inline(raws)

        yield submit


def _inline(raws: Sequence[bytes]) -> Future[list[Prepared]]:
    future: Future[list[Prepared]] = Future()
    try:
        future.set_result(prepare_chunk(raws))
    except Exception as exc:  # each message is then parsed by the pipeline itself
        future.set_exception(exc)
    return future


def _chunks(messages: Iterable[tuple[str, bytes]]) -> Iterator[list[tuple[str, bytes]]]:
    """Up to CHUNK messages, fewer once they reach CHUNK_BYTES (large attachments: the
    chunks parsed ahead are held in memory, twice)."""
    chunk: list[tuple[str, bytes]] = []
    size = 0
    for label, raw in messages:
        chunk.append((label, raw))
        size += len(raw)
        if len(chunk) >= CHUNK or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def ingest_many(
    messages: Iterable[tuple[str, bytes]],
    *,
    source: str = Source.IMPORT,
    workers: int = 0,
    writers: int = 1,
) -> Iterator[tuple[str, IngestResult]]:
    """(label, result) of every message, in order. ``writers``: processes that parse,
    thread and store at once, on PostgreSQL (``heedful.mail.writers``); ``workers`` then
    does not apply (this process parses, the writers store)."""
    live = source != Source.IMPORT
    chunks = _chunks(messages)
    first = next(chunks, [])
    if len(first) < CHUNK and sum(len(raw) for _, raw in first) < CHUNK_BYTES:
        workers = 0  # it all fits in one chunk: starting a process would cost more
        writers = 1
    if writers > 1 and connection.vendor == "postgresql":
        from heedful.mail.writers import ingest_with_writers

        everything = chain([first] if first else [], chunks)
        yield from ingest_with_writers(everything, source=source, writers=writers, ahead=AHEAD)
        return
    with import_cache(), _preparer(workers) as submit:
        pending: deque[tuple[list[tuple[str, bytes]], Future[list[Prepared]]]] = deque()
        for chunk in chain([first] if first else [], chunks):
            pending.append((chunk, submit([raw for _, raw in chunk])))
            if len(pending) <= AHEAD:
                continue
            yield from _ingest_chunk(*pending.popleft(), source=source, live=live)
        while pending:
            yield from _ingest_chunk(*pending.popleft(), source=source, live=live)


def _ingest_chunk(
    chunk: list[tuple[str, bytes]],
    prepared: Future[list[Prepared]],
    *,
    source: str,
    live: bool,
) -> Iterator[tuple[str, IngestResult]]:
    results = _prepared_or_none(prepared, len(chunk))
    rows = store_raw(chunk, source, [r.identity if r is not None else None for r in results])
    # SLA policies, webhook subscriptions and the people on the chunk's messages: read
    # once per chunk, not per message.
    with (
        policies_read_once(),
        subscriptions_read_once(),
        contacts_read_once(_chunk_people(results)),
    ):
        for (label, raw), row, ready in zip(chunk, rows, results, strict=True):
            if row is None:  # stored one at a time instead, with its own error handling
                yield label, ingest_raw(raw, source=source, mailbox=label[-200:], prepared=ready)
            else:
                yield label, ingest_stored(row, raw, live=live, prepared=ready)


def _chunk_people(results: list[Prepared | None]) -> list[Address]:
    return [
        address
        for ready in results
        if ready is not None
        for address in (ready.parsed.sender, *ready.parsed.to, *ready.parsed.cc)
    ]


def _prepared_or_none(future: Future[list[Prepared]], count: int) -> list[Prepared | None]:
    """A parsing process that died (or a message it could not pickle) is no reason to
    stop: those messages are parsed here instead, as a single delivery would be."""
    try:
        return list(future.result())
    except Exception:
        return [None] * count
