"""Read helpers for lists: tickets by their nearest due time, and each one's nearest clock.

Colours come from stored instants, so a list needs no calendar: a running clock is
*breached* once ``due_at`` has passed, *warning* once ``warn_at`` (the start of the
last quarter of its target, in service time) has, and *ok* before that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from heedful.accounts.models import User
from heedful.sla.explain import Tone, format_duration
from heedful.sla.models import ClockKind, ClockState, TicketClock
from heedful.tickets.access import visible_tickets
from heedful.tickets.inbox import encode_cursor, seek_after
from heedful.tickets.models import NOTHING_DUE, Phase, Ticket


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


def nearest_clocks(ticket_ids: Sequence[int], now: datetime) -> dict[int, DueClock]:
    """The running clock of each ticket that is due first, by ticket id (a ticket without
    one is left out). One query for the whole page."""
    if not ticket_ids:
        return {}
    clocks = (
        TicketClock.objects.filter(
            ticket_id__in=list(ticket_ids), state=ClockState.RUNNING, due_at__isnull=False
        )
        .only("ticket_id", "kind", "cycle", "due_at", "warn_at", "state")
        .order_by("ticket_id", "due_at", "id")
    )
    nearest: dict[int, TicketClock] = {}
    for clock in clocks:
        nearest.setdefault(clock.ticket_id, clock)
    return {ticket_id: due_clock(clock, now) for ticket_id, clock in nearest.items()}


def attach_nearest_clocks(tickets: Sequence[Ticket], now: datetime) -> None:
    """Set ``ticket.sla_due`` (a DueClock or None) on each ticket: its running clock
    that is due first. One query for the whole page."""
    nearest = nearest_clocks([t.pk for t in tickets], now)
    for ticket in tickets:
        ticket.sla_due = nearest.get(ticket.pk)  # type: ignore[attr-defined]


def breaching_next(user: User) -> QuerySet[Ticket]:
    """Tickets ``user`` may see that have a running clock, nearest due first: one range
    of the index (phase, due_key, id), since a ticket with a running clock is unsolved and
    ``due_key`` is the far future exactly when nothing is due."""
    tickets = visible_tickets(user).filter(phase=Phase.UNSOLVED, due_key__lt=NOTHING_DUE)
    return tickets.order_by("due_key", "id")


# What a row of the "Breaching soon" list shows (sla/breaching.html): loading only
# these keeps the 50 model instances, not the query, from being most of the cost.
ROW_FIELDS = (
    "number", "subject", "priority", "due_key",
    "requester__name",
    "organization__name",
    "assignee__username", "assignee__first_name", "assignee__last_name",
    "team__name",
)  # fmt: skip


def breaching_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``tickets`` with what the list shows of each and of its related objects."""
    related = tickets.select_related("requester", "organization", "assignee", "team")
    return related.only(*ROW_FIELDS)


@dataclass
class BreachingPage:
    rows: list[DueClock]
    next_cursor: str


def breaching_page(user: User, cursor: str, now: datetime, size: int = 50) -> BreachingPage:
    """Tickets with a running clock, due first first, ``size`` at a time by keyset on
    (due_key, id), each with its nearest clock: two queries whatever the page. A bad
    cursor raises BadInboxQuery."""
    tickets = breaching_next(user)
    if cursor:
        tickets = seek_after(tickets, "due_key", True, cursor)
    rows = list(breaching_rows(tickets)[: size + 1])
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(rows[-1].due_key, rows[-1].pk)
    attach_nearest_clocks(rows, now)
    due: list[DueClock] = []
    for ticket in rows:
        found: DueClock | None = ticket.sla_due  # type: ignore[attr-defined]
        if found is not None:  # a clock changed since the page was read: skip the row
            found.clock.ticket = ticket
            due.append(found)
    return BreachingPage(due, next_cursor)
