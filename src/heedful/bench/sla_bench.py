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
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures
from heedful.bench.rawsql import capture_call
from heedful.sla.actions import NO_DUE_TIMES, do_recompute_clocks
from heedful.sla.due import breaching_next, breaching_page
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
UNCHANGED_TICKETS = 1000
# Tickets per transaction, as a batch job recomputing after a policy change would.
CHUNK = 500
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


def _recompute(ids: Sequence[int], now: datetime, policies: PolicySet) -> tuple[list[float], float]:
    """Milliseconds per ticket, and seconds in all."""
    samples: list[float] = []
    started = time.perf_counter()
    for chunk in _chunks(ids, CHUNK):
        with transaction.atomic():
            for ticket_id in chunk:
                began = time.perf_counter()
                do_recompute_clocks(ticket_id, now=now, policies=policies)
                samples.append((time.perf_counter() - began) * 1000)
    return samples, time.perf_counter() - started


def bench_sla_recompute(ctx: Context, fixtures: Fixtures) -> None:
    """``sla.recompute``: the first computation (clocks and the ticket's due columns
    written) of N tickets; ``sla.recompute.unchanged``: the same tickets again, when
    nothing moved (what every later ticket change costs: reads, no writes)."""
    ensure_policy()
    policies = load_policies()
    ids = recompute_ticket_ids(recompute_count(ctx))
    # Each run measures the same work: these tickets start without clocks.
    with transaction.atomic():
        for chunk in _chunks(ids, CHUNK):
            TicketClock.objects.filter(ticket_id__in=chunk).delete()
            Ticket.objects.filter(id__in=chunk).update(**NO_DUE_TIMES)
    now = timezone.now()
    samples, seconds = _recompute(ids, now, policies)
    queries = len(capture_call(lambda: do_recompute_clocks(ids[0], now=now, policies=policies)))
    ctx.result(
        "sla.recompute", samples, tickets=len(ids), seconds=round(seconds, 2),
        tickets_per_s=round(len(ids) / max(seconds, 1e-9)), queries_per_unchanged_ticket=queries,
        clocks=TicketClock.objects.count(),
        tickets_due=Ticket.objects.filter(next_due_at__isnull=False).count(),
    )  # fmt: skip
    again = ids[:UNCHANGED_TICKETS]
    samples, seconds = _recompute(again, now, policies)
    ctx.result(
        "sla.recompute.unchanged", samples, tickets=len(again), seconds=round(seconds, 2),
        tickets_per_s=round(len(again) / max(seconds, 1e-9)),
    )  # fmt: skip


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
        list(tickets.select_related("requester", "organization", "assignee", "team")[:PAGE])

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
