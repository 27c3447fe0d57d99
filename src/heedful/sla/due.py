"""Read helpers for lists: running clocks by due time, and each ticket's nearest one.

Colours come from stored instants, so a list needs no calendar: a running clock is
*breached* once ``due_at`` has passed, *warning* once ``warn_at`` (the start of the
last quarter of its target, in service time) has, and *ok* before that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from heedful.accounts.models import User
from heedful.sla.explain import Tone, format_duration
from heedful.sla.models import ClockKind, ClockState, TicketClock
from heedful.tickets.access import visible_tickets
from heedful.tickets.inbox import decode_cursor, encode_cursor
from heedful.tickets.models import Ticket


def clock_tone(clock: TicketClock, now: datetime) -> str:
    if clock.due_at is not None and clock.due_at <= now:
        return Tone.BREACHED
    if clock.warn_at is not None and clock.warn_at <= now:
        return Tone.WARNING
    return Tone.OK


def due_text(clock: TicketClock, now: datetime) -> str:
    """``due in 25 min`` or ``late by 1 h 5 min`` (wall-clock time)."""
    assert clock.due_at is not None
    if clock.due_at <= now:
        return f"late by {format_duration(now - clock.due_at)}"
    return f"due in {format_duration(clock.due_at - now)}"


@dataclass(frozen=True)
class DueClock:
    clock: TicketClock
    label: str
    tone: str
    text: str


def due_clock(clock: TicketClock, now: datetime) -> DueClock:
    return DueClock(
        clock, ClockKind(clock.kind).label, clock_tone(clock, now), due_text(clock, now)
    )


def attach_nearest_clocks(tickets: Sequence[Ticket], now: datetime) -> None:
    """Set ``ticket.sla_due`` (a DueClock or None) on each ticket: its running clock
    that is due first. One query for the whole page."""
    if not tickets:
        return
    clocks = (
        TicketClock.objects.filter(
            ticket_id__in=[t.pk for t in tickets], state=ClockState.RUNNING, due_at__isnull=False
        )
        .only("ticket_id", "kind", "cycle", "due_at", "warn_at", "state")
        .order_by("ticket_id", "due_at", "id")
    )
    nearest: dict[int, TicketClock] = {}
    for clock in clocks:
        nearest.setdefault(clock.ticket_id, clock)
    for ticket in tickets:
        found = nearest.get(ticket.pk)
        ticket.sla_due = due_clock(found, now) if found is not None else None  # type: ignore[attr-defined]


def running_clocks(user: User) -> QuerySet[TicketClock]:
    """Running clocks of the tickets ``user`` may see (the partial due_at index)."""
    clocks = TicketClock.objects.filter(state=ClockState.RUNNING, due_at__isnull=False)
    if not user.is_full_agent:
        clocks = clocks.filter(ticket_id__in=visible_tickets(user).values("id"))
    return clocks


@dataclass
class BreachingPage:
    rows: list[DueClock]
    next_cursor: str


def breaching_page(user: User, cursor: str, now: datetime, size: int = 50) -> BreachingPage:
    """Running clocks, due first first, ``size`` at a time by keyset on (due_at, id);
    one query whatever the page. A bad cursor raises BadInboxQuery."""
    clocks = running_clocks(user)
    if cursor:
        due_at, pk = decode_cursor(cursor)
        if due_at is None:
            from heedful.tickets.inbox import BadInboxQuery

            raise BadInboxQuery("bad page cursor")
        clocks = clocks.filter(Q(due_at__gte=due_at) & (Q(due_at__gt=due_at) | Q(id__gt=pk)))
    rows = list(
        clocks.select_related(
            "ticket", "ticket__requester", "ticket__organization", "ticket__assignee",
            "ticket__team",
        ).order_by("due_at", "id")[: size + 1]
    )  # fmt: skip
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(rows[-1].due_at, rows[-1].pk)
    return BreachingPage([due_clock(clock, now) for clock in rows], next_cursor)
