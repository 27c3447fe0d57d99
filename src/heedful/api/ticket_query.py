"""The ticket list of the API: every ticket the caller may see, filtered, in keyset
pages. Filters, sorts and cursors are the inbox's (heedful.tickets.inbox), so each
filter has one definition and its index-friendly query; the inbox's named views are
not offered: an API client asks for statuses itself."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from django.db import connection

from heedful.accounts.models import User
from heedful.api.access import api_visible_tickets
from heedful.lib.errors import ActionForbidden
from heedful.tickets.access import is_customer
from heedful.tickets.inbox import apply_filters, sorted_page
from heedful.tickets.models import Ticket


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    priority: str | None = None
    assignee: str | None = None  # a username, or "none" for unassigned
    team: uuid.UUID | None = None
    tag: str | None = None
    organization: uuid.UUID | None = None
    requester: uuid.UUID | None = None

    def as_inbox_filters(self) -> dict[str, str]:
        """The filters given, as heedful.tickets.inbox.apply_filters takes them."""
        return {name: str(value) for name, value in asdict(self).items() if value is not None}


def ticket_page(
    user: User, f: TicketFilter, *, sort: str, cursor: str | None, limit: int
) -> tuple[list[Ticket], str | None]:
    if is_customer(user):
        _check_customer_query(f, sort)
    filtered = apply_filters(api_visible_tickets(user), f.as_inbox_filters())
    rows, next_cursor = sorted_page(
        filtered.tickets, sort, cursor or "", limit, by_phase=_reads_by_phase(user, f)
    )
    return rows, next_cursor or None


def _check_customer_query(f: TicketFilter, sort: str) -> None:
    """A customer's token sees no SLA due times, tags, team or agent's username
    (heedful.api.schemas.CustomerTicketOut): sorting or filtering by them would tell."""
    if sort == "due":
        raise ActionForbidden("Customers cannot sort by SLA due time.")
    internal = [name for name in ("assignee", "tag", "team") if getattr(f, name) is not None]
    if internal:
        raise ActionForbidden(f"Customers cannot filter by {', '.join(internal)}.")


def _reads_by_phase(user: User, f: TicketFilter) -> bool:
    """Whether the page is read one phase at a time (heedful.tickets.inbox._each_phase).
    A filter on priority, assignee or team has only (column, phase, sort, id) indexes,
    made for the inbox's views: without a status, SQLite reads the column's tickets from
    one of them and sorts them all. Status, requester and organization filters have
    indexes of their own, a customer's token reads its requester's, and a tag is a
    subquery (inbox._tag_filter): those are read as one range, as before. PostgreSQL
    does not merge a UNION's parts in order (it appends and sorts them); its planner walks
    the unfiltered sort index (ticket_all_*) instead, or sorts a column with few tickets."""
    if connection.vendor != "sqlite":
        return False
    if f.status or f.requester or f.organization or f.tag or is_customer(user):
        return False
    return bool(f.priority or f.assignee or f.team)
