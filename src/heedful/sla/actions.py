"""The only writers of ticket clocks.

Clocks are derived from the ticket's event log: :func:`do_recompute_clocks` rebuilds
them all, so a priority or policy change mid-way, a pause, a solve or a reopen are
all handled by the same code path. The ticket actions call
:func:`schedule_clock_recompute` for every change; it runs once per ticket after the
transaction commits.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from heedful.sla.clocks import ClockResult, compute_clocks
from heedful.sla.history import ticket_moments
from heedful.sla.models import ClockKind, ClockState, TicketClock
from heedful.sla.policies import PolicySet, load_policies, read_once
from heedful.tickets.models import Ticket

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


def _store_due_times(ticket: Ticket, values: dict[str, datetime | None]) -> None:
    """Write the ticket's due columns when one differs (most changes move none)."""
    changed = {name: v for name, v in values.items() if getattr(ticket, name) != v}
    if changed:
        Ticket.objects.filter(pk=ticket.pk).update(**changed)
        for name, value in changed.items():
            setattr(ticket, name, value)


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
    ticket: Ticket, *, now: datetime | None = None, policies: PolicySet | None = None
) -> list[ClockResult]:
    """The ticket's clocks as of ``now``, computed from its log without writing anything."""
    policies = policies if policies is not None else load_policies()
    if not policies.rules:
        return []
    return compute_clocks(ticket_moments(ticket), policies.resolve, now or timezone.now())


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
            with transaction.atomic():
                stale.delete()
                Ticket.objects.filter(pk=ticket_id).update(**NO_DUE_TIMES)
        return []
    return _recompute_locked(ticket_id, now=now, policies=policies)


@transaction.atomic
def _recompute_locked(
    ticket_id: int, *, now: datetime | None, policies: PolicySet
) -> list[TicketClock]:
    # The row lock makes concurrent recomputes of one ticket take turns.
    locked = Ticket.objects.select_for_update(of=("self",)).select_related("organization")
    locked = locked.filter(pk=ticket_id)
    current = locked.first()
    if current is None:
        return []
    now = now or timezone.now()
    results = clock_results(current, now=now, policies=policies)
    existing = {(c.kind, c.cycle): c for c in TicketClock.objects.filter(ticket_id=ticket_id)}
    created, changed, rows = [], [], []
    for result in results:
        values = _row_values(result, now)
        row = existing.pop((result.kind, result.cycle), None)
        if row is None:
            row = TicketClock(ticket_id=ticket_id, kind=result.kind, cycle=result.cycle, **values)
            created.append(row)
        elif any(getattr(row, name) != values[name] for name in _COMPARED):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
        rows.append(row)
    if existing:
        TicketClock.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    if changed:
        TicketClock.objects.bulk_update(changed, [*_COMPARED, "computed_at"])
    TicketClock.objects.bulk_create(created)
    _store_due_times(current, due_times(results))
    return rows


def schedule_clock_recompute(ticket_id: int) -> None:
    """Recompute the ticket's clocks once the current transaction commits (at once
    outside a transaction); several changes in one transaction recompute once."""
    connection = transaction.get_connection()
    # Django drops the callbacks of rolled-back savepoints from this list, so a ticket
    # found here is sure to be recomputed; looking here is how we avoid doing it twice.
    for _, func, _ in connection.run_on_commit:
        if getattr(func, "sla_ticket_id", None) == ticket_id:
            return
    callback = partial(do_recompute_clocks, ticket_id)
    callback.sla_ticket_id = ticket_id  # type: ignore[attr-defined]
    transaction.on_commit(callback)
