"""SLA benchmarks: computing and storing due times for many tickets (``sla.recompute``),
and the "breaching next" list read through the ticket's due index (``sla.breaching``).

The data generator writes no SLA policy, so the first run adds one 24/7 policy (named
below) to the benchmark database and stores the clocks of up to 100k tickets; the
breaching benchmarks read those.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures
from heedful.bench.rawsql import capture_call
from heedful.sla.actions import (
    NO_DUE_TIMES,
    RECOMPUTE_CHUNK,
    do_recompute_clocks,
    do_recompute_many_clocks,
)
from heedful.sla.due import breaching_next, breaching_page, breaching_rows
from heedful.sla.models import Policy, Target, TicketClock
from heedful.sla.policies import PolicySet, load_policies
from heedful.tickets.inbox import encode_cursor, seek_after
from heedful.tickets.models import Phase, Priority, Ticket

BENCH_POLICY = "Benchmark 24/7"
# The figure; fewer when the data set is smaller, or as many as the environment
# variable HEEDFUL_BENCH_SLA_TICKETS says (a quick run on a busy machine).
RECOMPUTE_TICKETS = 100_000
SMOKE_TICKETS = 300
# Tickets recomputed a second time, when nothing changed.
UNCHANGED_TICKETS = 5000
# Tickets recomputed through the per-ticket path, for comparison.
ONE_BY_ONE_TICKETS = 1000
# Tickets per transaction, as the recompute after a policy change does.
CHUNK = RECOMPUTE_CHUNK
BREACHING_TARGET_MS = 20.0
PAGE_TARGET_MS = 50.0
PAGE = 50
DEEP_PAGES = 20
# Minutes per priority: first response, next update, unblock, resolution.
TARGETS = {
    Priority.URGENT: (30, 60, 120, 480),
    Priority.HIGH: (60, 240, 480, 1440),
    Priority.NORMAL: (240, 480, 1440, 4320),
    Priority.LOW: (480, 1440, 2880, 10080),
}


def ensure_policy() -> Policy:
    policy, created = Policy.objects.get_or_create(name=BENCH_POLICY, defaults={"position": 0})
    if created:
        for priority, (first, update, unblock, resolution) in TARGETS.items():
            Target.objects.create(
                policy=policy, priority=priority, first_response_minutes=first,
                next_update_minutes=update, unblock_minutes=unblock,
                resolution_minutes=resolution,
            )  # fmt: skip
    return policy


def recompute_count(ctx: Context) -> int:
    wanted = os.environ.get("HEEDFUL_BENCH_SLA_TICKETS", "")
    if wanted:
        if not wanted.isdigit() or int(wanted) < 1:
            raise SystemExit(f"HEEDFUL_BENCH_SLA_TICKETS must be a whole number, not {wanted!r}")
        return min(ctx.n, int(wanted))
    return min(ctx.n, SMOKE_TICKETS if ctx.smoke else RECOMPUTE_TICKETS)


def recompute_ticket_ids(count: int) -> list[int]:
    """Unsolved tickets first (the ones with running clocks), then the newest others."""
    ids = list(
        Ticket.objects.filter(phase=Phase.UNSOLVED)
        .order_by("-id")
        .values_list("id", flat=True)[:count]
    )
    if len(ids) < count:
        solved = Ticket.objects.filter(phase=Phase.SOLVED).order_by("-id")
        ids += solved.values_list("id", flat=True)[: count - len(ids)]
    return ids


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _forget_clocks(ids: Sequence[int]) -> None:
    """Each run measures the same work: these tickets start without clocks."""
    with transaction.atomic():
        for chunk in _chunks(ids, CHUNK):
            TicketClock.objects.filter(ticket_id__in=chunk).delete()
            Ticket.objects.filter(id__in=chunk).update(**NO_DUE_TIMES)


@dataclass
class _Run:
    samples: list[float]  # milliseconds per ticket, one sample per chunk or ticket
    seconds: float
    cpu_seconds: float

    def figures(self, tickets: int) -> dict[str, Any]:
        return {
            "tickets": tickets,
            "seconds": round(self.seconds, 2),
            "cpu_s": round(self.cpu_seconds, 2),
            "tickets_per_s": round(tickets / max(self.seconds, 1e-9)),
            "tickets_per_cpu_s": round(tickets / max(self.cpu_seconds, 1e-9)),
        }


def _timed(ids: Sequence[int], size: int, call: Callable[[Sequence[int]], Any]) -> _Run:
    """Run ``call`` on ``size`` tickets at a time; the CPU time is this process's (all
    of SQLite's work, none of the PostgreSQL server's)."""
    samples: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    for chunk in _chunks(ids, size):
        began = time.perf_counter()
        call(chunk)
        samples.append((time.perf_counter() - began) * 1000 / len(chunk))
    return _Run(samples, time.perf_counter() - started, time.process_time() - cpu)


def _batched(now: datetime, policies: PolicySet) -> Callable[[Sequence[int]], Any]:
    return lambda chunk: do_recompute_many_clocks(chunk, now=now, policies=policies, chunk=CHUNK)


def _one_by_one(now: datetime, policies: PolicySet) -> Callable[[Sequence[int]], Any]:
    def call(chunk: Sequence[int]) -> None:
        with transaction.atomic():
            for ticket_id in chunk:
                do_recompute_clocks(ticket_id, now=now, policies=policies)

    return call


def bench_sla_recompute(ctx: Context, fixtures: Fixtures) -> None:
    """``sla.recompute``: the first computation (clocks and the ticket's due columns
    written) of N tickets, CHUNK per transaction as a policy change recomputes them;
    ``sla.recompute.one_by_one``: the same for the first tickets through the per-ticket
    path (what a ticket change costs), for comparison in the same run;
    ``sla.recompute.unchanged``: tickets again when nothing moved (reads, no writes);
    ``sla.recompute.an_hour_later``: the same an hour later (running clocks updated)."""
    ensure_policy()
    policies = load_policies()
    ids = recompute_ticket_ids(recompute_count(ctx))
    now = timezone.now()
    few = ids[:ONE_BY_ONE_TICKETS]
    _forget_clocks(few)
    run = _timed(few, CHUNK, _one_by_one(now, policies))
    queries = len(capture_call(lambda: do_recompute_clocks(few[0], now=now, policies=policies)))
    ctx.result(
        "sla.recompute.one_by_one", run.samples, **run.figures(len(few)),
        queries_per_unchanged_ticket=queries,
    )  # fmt: skip
    _forget_clocks(ids)
    run = _timed(ids, CHUNK, _batched(now, policies))
    chunk = ids[:CHUNK]
    _forget_clocks(chunk)
    queries = len(capture_call(lambda: _batched(now, policies)(chunk)))
    ctx.result(
        "sla.recompute", run.samples, **run.figures(len(ids)), chunk=CHUNK,
        queries_per_chunk=queries, clocks=TicketClock.objects.count(),
        tickets_due=Ticket.objects.filter(next_due_at__isnull=False).count(),
    )  # fmt: skip
    again = ids[:UNCHANGED_TICKETS]
    run = _timed(again, CHUNK, _batched(now, policies))
    ctx.result("sla.recompute.unchanged", run.samples, **run.figures(len(again)))
    # An hour later every running clock has counted more time: its row is updated.
    run = _timed(again, CHUNK, _batched(now + timedelta(hours=1), policies))
    ctx.result("sla.recompute.an_hour_later", run.samples, **run.figures(len(again)))


def _deep_cursor(fixtures: Fixtures) -> str:
    """The cursor of page ``DEEP_PAGES + 1`` of the breaching list ('' when shorter)."""
    rows = list(breaching_next(fixtures.agent).only("id", "due_key")[: PAGE * DEEP_PAGES])
    if len(rows) < PAGE * DEEP_PAGES:
        return ""
    return encode_cursor(rows[-1].due_key, rows[-1].pk)


def _first_rows(fixtures: Fixtures, cursor: str) -> Callable[[], None]:
    def call() -> None:
        tickets = breaching_next(fixtures.agent)
        if cursor:
            tickets = seek_after(tickets, "due_key", True, cursor)
        list(breaching_rows(tickets)[:PAGE])

    return call


def bench_sla_breaching(ctx: Context, fixtures: Fixtures) -> None:
    due = Ticket.objects.filter(next_due_at__isnull=False).count()
    if not due:
        ctx.note("sla.breaching: no ticket has a due time; run the sla.recompute benchmark first")
    ctx.compare(
        "sla.breaching_next.first", _first_rows(fixtures, ""), target_ms=BREACHING_TARGET_MS
    )
    deep = _deep_cursor(fixtures)
    if deep:
        ctx.compare(
            "sla.breaching_next.deep", _first_rows(fixtures, deep), target_ms=BREACHING_TARGET_MS
        )
    now = timezone.now()
    ctx.compare(
        "sla.breaching_page",
        lambda: breaching_page(fixtures.agent, "", now, PAGE),
        target_ms=PAGE_TARGET_MS,
    )
