"""The only writers of ticket clocks.

Clocks are derived from the ticket's event log: :func:`do_recompute_clocks` rebuilds
them all, so a priority or policy change mid-way, a pause, a solve or a reopen are
all handled by the same code path. The ticket actions call
:func:`schedule_clock_recompute` for every change; it runs once per ticket after the
transaction commits. :func:`do_recompute_many_clocks` does the same for many tickets
in a fixed number of queries per chunk (after a policy or calendar change).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from heedful.lib.on_commit import cancel_on_commit, on_commit_once
from heedful.sla.clocks import ClockResult, compute_clocks
from heedful.sla.history import moments_by_ticket, moments_of_events, ticket_moments
from heedful.sla.models import ClockKind, ClockState, TicketClock
from heedful.sla.policies import PolicySet, load_policies, read_once
from heedful.tickets.models import Phase, Ticket, TicketEvent

# Tickets per transaction when recomputing many, and tickets per UPDATE of their due
# times: an UPDATE of many rows is one CASE per column, whose cost grows with rows x rows.
RECOMPUTE_CHUNK = 500
WRITE_BATCH = 200

_COMPARED = (
    "policy_id", "target_minutes", "state", "started_at", "due_at", "achieved_at", "breached",
    "elapsed_seconds", "paused_seconds", "warn_at",
)  # fmt: skip


# The ticket's column for each clock kind's due time (heedful.tickets.models.Ticket).
DUE_COLUMNS = {kind: f"{kind}_due_at" for kind in ClockKind.values}
NO_DUE_TIMES: dict[str, datetime | None] = {
    **{column: None for column in DUE_COLUMNS.values()},
    "next_due_at": None,
}


def due_times(results: list[ClockResult]) -> dict[str, datetime | None]:
    """The ticket's due columns for these clocks: each kind's running clock (the latest
    next-update round), and the nearest of them as ``next_due_at``."""
    values = dict(NO_DUE_TIMES)
    for result in results:
        if result.state == ClockState.RUNNING and result.due_at is not None:
            column = DUE_COLUMNS[result.kind]
            current = values[column]
            values[column] = result.due_at if current is None else min(current, result.due_at)
    running = [v for v in values.values() if v is not None]
    values["next_due_at"] = min(running) if running else None
    return values


def _row_values(result: ClockResult, now: datetime) -> dict[str, Any]:
    return {
        "policy_id": result.policy_id,
        "target_minutes": result.target_minutes,
        "state": result.state,
        "started_at": result.started_at,
        "due_at": result.due_at,
        "warn_at": result.warn_at,
        "achieved_at": result.achieved_at,
        "breached": result.breached,
        "elapsed_seconds": int(result.elapsed.total_seconds()),
        "paused_seconds": int(sum(p.total_seconds() for p in result.paused.values())),
        "computed_at": now,
    }


def clock_results(
    ticket: Ticket,
    *,
    now: datetime | None = None,
    policies: PolicySet | None = None,
    events: Sequence[TicketEvent] | None = None,
) -> list[ClockResult]:
    """The ticket's clocks as of ``now``, computed from its log without writing anything;
    ``events``: its whole log, oldest first, when the caller has read it already."""
    policies = policies if policies is not None else load_policies()
    if not policies.rules:
        return []
    moments = ticket_moments(ticket) if events is None else moments_of_events(ticket, events)
    return compute_clocks(moments, policies.resolve, now or timezone.now())


def do_recompute_clocks(
    ticket: Ticket | int, *, now: datetime | None = None, policies: PolicySet | None = None
) -> list[TicketClock]:
    """Rebuild the stored clocks of one ticket from its event log; returns them."""
    ticket_id = ticket if isinstance(ticket, int) else ticket.pk
    policies = policies if policies is not None else load_policies()
    if not policies.rules:
        # No policy, no clocks. Reading first, outside a transaction, keeps desks
        # without SLAs from taking the database's write lock (SQLite's BEGIN IMMEDIATE)
        # after every ticket change just to delete nothing.
        # The ticket's due columns are only ever set with running clocks, so a ticket
        # without clocks has none to clear either.
        stale = TicketClock.objects.filter(ticket_id=ticket_id)
        # In a batch, one read says whether any ticket has clocks at all.
        any_clock = read_once("any_clock", TicketClock.objects.exists, outside=True)
        if any_clock and stale.exists():
            _drop_clocks([ticket_id])
        return []
    rows = _recompute_chunk([ticket_id], now=now or timezone.now(), policies=policies)
    return rows.get(ticket_id, [])


def do_recompute_many_clocks(
    ticket_ids: Sequence[int],
    *,
    now: datetime | None = None,
    policies: PolicySet | None = None,
    chunk: int = RECOMPUTE_CHUNK,
) -> int:
    """Rebuild the stored clocks of many tickets, ``chunk`` tickets per transaction in a
    fixed number of queries each (after a policy change); the same results as
    :func:`do_recompute_clocks` on each. Returns how many tickets were found."""
    policies = policies if policies is not None else load_policies()
    now = now or timezone.now()
    found = 0
    for start in range(0, len(ticket_ids), chunk):
        ids = ticket_ids[start : start + chunk]
        if policies.rules:
            found += len(_recompute_chunk(ids, now=now, policies=policies))
        else:
            found += _drop_clocks(ids)
    return found


def do_recompute_unsolved_clocks(*, now: datetime | None = None) -> int:
    """After a policy or calendar change: rebuild the clocks of every unsolved ticket, so
    their due times follow the new settings. Solved tickets keep theirs until they next
    change. Returns how many tickets were recomputed."""
    ids = Ticket.objects.filter(phase=Phase.UNSOLVED).order_by("pk").values_list("pk", flat=True)
    return do_recompute_many_clocks(list(ids), now=now)


@transaction.atomic
def _drop_clocks(ticket_ids: Sequence[int]) -> int:
    """No policy applies: the tickets have no clocks and nothing due."""
    TicketClock.objects.filter(ticket_id__in=ticket_ids).delete()
    Ticket.objects.filter(pk__in=ticket_ids, next_due_at__isnull=False).update(**NO_DUE_TIMES)
    return Ticket.objects.filter(pk__in=ticket_ids).count()


@transaction.atomic
def _recompute_chunk(
    ticket_ids: Sequence[int], *, now: datetime, policies: PolicySet
) -> dict[int, list[TicketClock]]:
    """Recompute and store the clocks of these tickets: the stored clocks of each ticket
    found, by ticket id. Reads tickets, events and clocks once, writes only what changed."""
    # The row locks make concurrent recomputes of one ticket take turns; taking them in
    # id order keeps two batches from waiting on each other.
    tickets = list(
        Ticket.objects.select_for_update(of=("self",))
        .select_related("organization")
        .only(*_TICKET_FIELDS)
        .filter(pk__in=ticket_ids)
        .order_by("pk")
    )
    moments = moments_by_ticket(tickets)
    existing: dict[int, dict[tuple[str, int], TicketClock]] = defaultdict(dict)
    for clock in TicketClock.objects.filter(ticket_id__in=[t.pk for t in tickets]):
        existing[clock.ticket_id][(clock.kind, clock.cycle)] = clock
    writes = _ClockWrites()
    rows: dict[int, list[TicketClock]] = {}
    moved: list[Ticket] = []
    for ticket in tickets:
        results = compute_clocks(moments[ticket.pk], policies.resolve, now)
        rows[ticket.pk] = writes.plan(ticket.pk, results, existing.pop(ticket.pk, {}), now)
        if _set_due_times(ticket, due_times(results)):
            moved.append(ticket)
    writes.save()
    if moved:
        Ticket.objects.bulk_update(moved, list(NO_DUE_TIMES), batch_size=WRITE_BATCH)
    return rows


# What a recompute reads of the ticket (and its organization, for policy matching).
_TICKET_FIELDS = (
    "status", "priority", "channel", "organization__segment", "organization__plan",
    *NO_DUE_TIMES,
)  # fmt: skip


def _set_due_times(ticket: Ticket, values: dict[str, datetime | None]) -> bool:
    """Set the ticket's due columns; whether one differed (most changes move none)."""
    changed = {name: v for name, v in values.items() if getattr(ticket, name) != v}
    for name, value in changed.items():
        setattr(ticket, name, value)
    return bool(changed)


class _ClockWrites:
    """The clock rows to create, change and delete for a batch of tickets, written
    with one DELETE and one INSERT (or two: rows with and without ids)."""

    def __init__(self) -> None:
        self.created: list[TicketClock] = []
        self.changed: list[TicketClock] = []
        self.stale: list[int] = []

    def plan(
        self,
        ticket_id: int,
        results: list[ClockResult],
        existing: dict[tuple[str, int], TicketClock],
        now: datetime,
    ) -> list[TicketClock]:
        """Match one ticket's results to its stored clocks; returns its clock rows."""
        rows = []
        for result in results:
            values = _row_values(result, now)
            row = existing.pop((result.kind, result.cycle), None)
            if row is None:
                row = TicketClock(
                    ticket_id=ticket_id, kind=result.kind, cycle=result.cycle, **values
                )
                self.created.append(row)
            elif any(getattr(row, name) != values[name] for name in _COMPARED):
                for name, value in values.items():
                    setattr(row, name, value)
                self.changed.append(row)
            rows.append(row)
        self.stale += [row.pk for row in existing.values()]
        return rows

    def save(self) -> None:
        # A changed row is deleted and inserted again with its id: Django's bulk UPDATE
        # (one CASE per column) costs rows x rows, mostly in Python.
        gone = [*self.stale, *(row.pk for row in self.changed)]
        if gone:
            TicketClock.objects.filter(pk__in=gone).delete()
        if self.changed or self.created:
            TicketClock.objects.bulk_create([*self.changed, *self.created])


def schedule_clock_recompute(ticket_id: int) -> None:
    """Recompute the ticket's clocks once the current transaction commits (at once
    outside a transaction); several changes in one transaction recompute once."""
    on_commit_once(_recompute_key(ticket_id), partial(do_recompute_clocks, ticket_id))


def _recompute_key(ticket_id: int) -> tuple[str, int]:
    return ("sla.recompute", ticket_id)


def do_start_new_ticket_clocks(
    ticket: Ticket, events: Sequence[TicketEvent], *, policies: PolicySet | None = None
) -> list[str]:
    """The clocks of a ticket created in the current transaction, from ``events`` (its
    whole log so far, in memory): stored now, its due columns set on ``ticket`` for the
    caller to save; returns the names of those that changed. This is the recompute its
    creation scheduled after the commit, done without reading the ticket, its log or its
    clocks back (there are none yet) nor a transaction of its own; a later change in the
    same transaction schedules the recompute again."""
    cancel_on_commit(_recompute_key(ticket.pk))
    policies = policies if policies is not None else load_policies()
    if not policies.rules:
        return []  # no clocks; and a new ticket has no due times to clear
    now = timezone.now()
    results = compute_clocks(moments_of_events(ticket, events), policies.resolve, now)
    writes = _ClockWrites()
    writes.plan(ticket.pk, results, {}, now)
    writes.save()
    values = due_times(results)
    changed = [name for name, value in values.items() if getattr(ticket, name) != value]
    for name in changed:
        setattr(ticket, name, values[name])
    return changed
