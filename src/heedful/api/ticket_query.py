"""The ticket list of the API: every ticket the caller may see, filtered, in keyset
pages. Filters, sorts and cursors are the inbox's (heedful.tickets.inbox), so each
filter has one definition and its index-friendly query; the inbox's named views are
not offered: an API client asks for statuses itself."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

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
    if sort == "due" and is_customer(user):
        # The order would tell a customer what the SLA due times do not.
        raise ActionForbidden("Customers cannot sort by SLA due time.")
    filtered = apply_filters(api_visible_tickets(user), f.as_inbox_filters())
    rows, next_cursor = sorted_page(filtered.tickets, sort, cursor or "", limit)
    return rows, next_cursor or None
