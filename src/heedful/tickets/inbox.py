"""Inbox lists: named views, filters, sorts and keyset pagination.

Pages are fetched by "seek" (WHERE key > last key ORDER BY key LIMIT n), never by
OFFSET, so page 1,000 costs what page 1 costs; the total is counted only up to
settings.INBOX_COUNT_LIMIT ("1,000+").
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet

from heedful.accounts.models import User
from heedful.tickets.access import visible_tickets
from heedful.tickets.models import (
    SOLVED_STATUSES,
    UNSOLVED_STATUSES,
    Status,
    Tag,
    Ticket,
    TicketTag,
)

VIEWS: dict[str, str] = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "team": "My teams",
    "open": "All open",
    "pending": "Pending customer",
    "solved": "Solved",
}

# sort name -> (label, column, ascending)
SORTS: dict[str, tuple[str, str, bool]] = {
    "waiting": ("Oldest waiting", "waiting_since", True),
    "newest": ("Newest", "created_at", False),
    "oldest": ("Oldest", "created_at", True),
    "updated": ("Recently updated", "updated_at", False),
}

FILTERS = ("status", "priority", "team", "assignee", "tag", "organization")


class BadInboxQuery(ValueError):
    """A view, sort, filter value or cursor that we do not offer."""


@dataclass
class InboxQuery:
    view: str = "open"
    sort: str = "waiting"
    filters: dict[str, str] = field(default_factory=dict)
    cursor: str = ""
    page_size: int = 50


@dataclass
class InboxPage:
    tickets: list[Ticket]
    next_cursor: str
    count: int
    count_is_capped: bool


def _view_queryset(user: User, view: str) -> QuerySet[Ticket]:
    tickets = visible_tickets(user)
    if view == "mine":
        return tickets.filter(assignee_id=user.pk, status__in=UNSOLVED_STATUSES)
    if view == "unassigned":
        return tickets.filter(assignee__isnull=True, status__in=UNSOLVED_STATUSES)
    if view == "team":
        team_ids = list(user.teams.values_list("id", flat=True))
        return tickets.filter(team_id__in=team_ids, status__in=UNSOLVED_STATUSES)
    if view == "open":
        return tickets.filter(status__in=UNSOLVED_STATUSES)
    if view == "pending":
        return tickets.filter(status=Status.PENDING)
    if view == "solved":
        return tickets.filter(status__in=SOLVED_STATUSES)
    raise BadInboxQuery(f"unknown view {view!r}")


def _apply_filters(tickets: QuerySet[Ticket], filters: dict[str, str]) -> QuerySet[Ticket]:
    """Filter values are public identifiers: a status or priority name, a team's or
    organization's public id, an assignee's username ("none" for unassigned), a tag."""
    for name, value in filters.items():
        if not value:
            continue
        if name == "status":
            tickets = tickets.filter(status=value)
        elif name == "priority":
            tickets = tickets.filter(priority=value)
        elif name == "team":
            tickets = tickets.filter(team__public_id=_uuid(value))
        elif name == "assignee":
            if value == "none":
                tickets = tickets.filter(assignee__isnull=True)
            else:
                tickets = tickets.filter(assignee__username=value)
        elif name == "tag":
            tickets = tickets.filter(
                id__in=TicketTag.objects.filter(tag__name=value).values("ticket_id")
            )
        elif name == "organization":
            tickets = tickets.filter(organization__public_id=_uuid(value))
        else:
            raise BadInboxQuery(f"unknown filter {name!r}")
    return tickets


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadInboxQuery(f"not an id: {value!r}") from None


def encode_cursor(value: datetime | None, pk: int) -> str:
    raw = json.dumps([value.isoformat() if value else None, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Cursors come from the address bar: anything a database column cannot hold is refused
# here rather than overflowing inside the database driver.
_MAX_CURSOR_LENGTH = 200
_MAX_PK = 2**63 - 1


def decode_cursor(cursor: str) -> tuple[datetime | None, int]:
    if len(cursor) > _MAX_CURSOR_LENGTH:
        raise BadInboxQuery("bad page cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        when = datetime.fromisoformat(value) if value else None
        if when is not None:
            when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        pk = int(pk)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise BadInboxQuery("bad page cursor") from None
    if not 0 <= pk <= _MAX_PK:
        raise BadInboxQuery("bad page cursor")
    return when, pk


def _seek(tickets: QuerySet[Ticket], column: str, ascending: bool, cursor: str) -> QuerySet[Ticket]:
    """Rows after the cursor in (column, id) order; NULLs of ``column`` sort last."""
    value, pk = decode_cursor(cursor)
    after, id_after = ("gt", "gt") if ascending else ("lt", "lt")
    if value is None:
        return tickets.filter(**{f"{column}__isnull": True, f"id__{id_after}": pk})
    return tickets.filter(
        Q(**{f"{column}__{after}": value})
        | Q(**{column: value, f"id__{id_after}": pk})
        | Q(**{f"{column}__isnull": True})
    )


def count_view(user: User, view: str) -> tuple[int, bool]:
    """How many tickets a view holds, counted up to the cap: (count, count_is_capped)."""
    limit = settings.INBOX_COUNT_LIMIT
    count = _view_queryset(user, view).order_by()[: limit + 1].count()
    return min(count, limit), count > limit


def inbox_page(user: User, query: InboxQuery) -> InboxPage:
    if query.sort not in SORTS:
        raise BadInboxQuery(f"unknown sort {query.sort!r}")
    _, column, ascending = SORTS[query.sort]
    tickets = _apply_filters(_view_queryset(user, query.view), query.filters)
    limit = settings.INBOX_COUNT_LIMIT
    count = tickets.order_by()[: limit + 1].count()
    if query.cursor:
        tickets = _seek(tickets, column, ascending, query.cursor)
    order: list[Any] = (
        [F(column).asc(nulls_last=True), "id"]
        if ascending
        else [F(column).desc(nulls_last=True), "-id"]
    )
    rows = list(
        tickets.select_related("requester", "organization", "assignee", "team")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name")))
        .order_by(*order)[: query.page_size + 1]
    )
    next_cursor = ""
    if len(rows) > query.page_size:
        rows = rows[: query.page_size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, column), last.pk)
    return InboxPage(rows, next_cursor, min(count, limit), count > limit)
