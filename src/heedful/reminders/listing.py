"""The Follow-ups view's rows, a page at a time: keyset ("seek") paging on (due_at, id),
so the hundredth page costs what the first does.

Cursors are the opaque strings of heedful.tickets.inbox (base64 of a time and a row key);
one that was not made here raises BadInboxQuery, which the view turns into a 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from heedful.accounts.models import User
from heedful.reminders.access import visible_targets
from heedful.reminders.models import FollowUp, FollowUpState
from heedful.tickets.inbox import BadInboxQuery, decode_cursor, encode_cursor

PAGE_SIZE = 100


@dataclass
class FollowUpPage:
    rows: list[FollowUp]
    next_cursor: str  # empty on the last page


def seek_after(follow_ups: QuerySet[FollowUp], cursor: str) -> QuerySet[FollowUp]:
    """Rows after the cursor in (due_at, id) order. ``due_at >= value`` starts the index
    range at the cursor; the OR settles ties (date-only follow-ups all fall due at 09:00)."""
    due_at, pk = decode_cursor(cursor)
    if due_at is None:
        raise BadInboxQuery("bad page cursor")
    after = Q(due_at__gt=due_at) | Q(due_at=due_at, id__gt=pk)
    return follow_ups.filter(after, due_at__gte=due_at)


def follow_ups_page(
    user: User, *, due: bool, now: datetime, cursor: str = "", size: int = PAGE_SIZE
) -> FollowUpPage:
    """``user``'s pending follow-ups due by ``now`` (or still ahead), oldest first, served
    by the (agent, state, due_at, id) index; tickets, contacts and authors in the same query."""
    mine = FollowUp.objects.filter(agent=user, state=FollowUpState.PENDING)
    mine = mine.filter(due_at__lte=now) if due else mine.filter(due_at__gt=now)
    if cursor:
        mine = seek_after(mine, cursor)
    rows = list(
        visible_targets(user, mine)
        .select_related(
            "ticket", "ticket__requester", "contact", "contact__organization", "created_by"
        )
        .order_by("due_at", "id")[: size + 1]
    )
    if len(rows) <= size:
        return FollowUpPage(rows, "")
    rows = rows[:size]
    return FollowUpPage(rows, encode_cursor(rows[-1].due_at, rows[-1].pk))
