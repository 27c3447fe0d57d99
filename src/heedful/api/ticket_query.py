"""The ticket list of the API: every ticket the caller may see, filtered, in keyset
pages. It keeps the inbox's sorts and cursor format (heedful.tickets.inbox) but not
its named views: an API client asks for statuses itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from heedful.accounts.models import User
from heedful.api.access import api_visible_tickets
from heedful.tickets.inbox import SORTS, decode_cursor, encode_cursor
from heedful.tickets.models import Tag, Ticket, TicketTag


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    priority: str | None = None
    assignee: str | None = None  # a username, or "none" for unassigned
    team: uuid.UUID | None = None
    tag: str | None = None
    organization: uuid.UUID | None = None
    requester: uuid.UUID | None = None


def _filtered(tickets: QuerySet[Ticket], f: TicketFilter) -> QuerySet[Ticket]:
    if f.status:
        tickets = tickets.filter(status=f.status)
    if f.priority:
        tickets = tickets.filter(priority=f.priority)
    if f.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif f.assignee:
        tickets = tickets.filter(assignee__username=f.assignee)
    if f.team:
        tickets = tickets.filter(team__public_id=f.team)
    if f.tag:
        tagged = TicketTag.objects.filter(tag__name=f.tag).values("ticket_id")
        tickets = tickets.filter(id__in=tagged)
    if f.organization:
        tickets = tickets.filter(organization__public_id=f.organization)
    if f.requester:
        tickets = tickets.filter(requester__public_id=f.requester)
    return tickets


def _after(
    tickets: QuerySet[Ticket], column: str, ascending: bool, cursor: str
) -> QuerySet[Ticket]:
    """Rows after the cursor in (column, id) order; NULLs of ``column`` sort last."""
    value, pk = decode_cursor(cursor)
    op = "gt" if ascending else "lt"
    if value is None:
        return tickets.filter(**{f"{column}__isnull": True, f"id__{op}": pk})
    return tickets.filter(
        Q(**{f"{column}__{op}": value})
        | Q(**{column: value, f"id__{op}": pk})
        | Q(**{f"{column}__isnull": True})
    )


def ticket_page(
    user: User, f: TicketFilter, *, sort: str, cursor: str | None, limit: int
) -> tuple[list[Ticket], str | None]:
    _, column, ascending = SORTS[sort]
    tickets = _filtered(api_visible_tickets(user), f)
    if cursor:
        tickets = _after(tickets, column, ascending, cursor)
    order: list[Any] = (
        [F(column).asc(nulls_last=True), "id"]
        if ascending
        else [F(column).desc(nulls_last=True), "-id"]
    )
    rows = list(
        tickets.select_related("requester", "organization", "assignee", "team")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name")))
        .order_by(*order)[: limit + 1]
    )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(getattr(rows[-1], column), rows[-1].pk)
