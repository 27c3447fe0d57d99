"""Inbox lists: named views, filters, sorts and keyset pagination.

Pages are fetched by "seek" (WHERE key > last key ORDER BY key LIMIT n), never by
OFFSET, so page 1,000 costs what page 1 costs; the total is counted only up to
settings.INBOX_COUNT_LIMIT ("1,000+").

Each view x filter x sort is written so that one index of Ticket.Meta.indexes serves it
as a range scan in sort order: views test the generated ``phase`` column (one value, not
``status IN (...)``), lookups by public id are scalar subqueries (an equality the index
can use, not a join), and the "oldest waiting" and "due soonest" sorts use
``waiting_key`` and ``due_key`` (never NULL: "nobody waits" and "nothing due" are the far
future, so those tickets come last without a NULLS LAST the index cannot give).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact, Organization
from heedful.tickets.access import visible_tickets
from heedful.tickets.models import (
    NOBODY_WAITS,
    SOLVED_STATUSES,
    UNSOLVED_STATUSES,
    Phase,
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
    "waiting": ("Oldest waiting", "waiting_key", True),
    "newest": ("Newest", "created_at", False),
    "oldest": ("Oldest", "created_at", True),
    "updated": ("Recently updated", "updated_at", False),
    # The nearest due time of the ticket's running SLA clocks (heedful.sla.actions).
    "due": ("Due soonest", "due_key", True),
}

# The filters of the inbox page; apply_filters() also takes "requester" (the API's).
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


Row = TypeVar("Row")


@dataclass
class InboxPage(Generic[Row]):
    tickets: list[Row]
    next_cursor: str
    count: int
    count_is_capped: bool
    # The organization of the "organization" filter, when it names one.
    organization: Organization | None = None


# The views that are one phase, and the statuses of that phase.
_PHASE_VIEWS = {"open": UNSOLVED_STATUSES, "solved": SOLVED_STATUSES}


def _view_queryset(user: User, view: str, status: str = "") -> QuerySet[Ticket]:
    tickets = visible_tickets(user)
    if status and view in _PHASE_VIEWS:
        # The status filter (applied next) decides the phase: testing both made
        # PostgreSQL multiply their shares as if independent (2,300 of 28,000 pending
        # tickets expected), AND two bitmap scans and count for 26 ms instead of reading
        # the status index (docs/performance-history.md, "PostgreSQL at 1M, again").
        return tickets if status in _PHASE_VIEWS[view] else tickets.none()
    return _in_view(tickets, user, view, None)


def _in_view(
    tickets: QuerySet[Ticket], user: User, view: str, team_ids: QuerySet[Any] | None
) -> QuerySet[Ticket]:
    """The tickets of ``view`` among ``tickets``; the "team" view reads the user's teams
    first, unless ``team_ids`` gives them as a subquery."""
    unsolved = tickets.filter(phase=Phase.UNSOLVED)
    if view == "mine":
        return unsolved.filter(assignee_id=user.pk)
    if view == "unassigned":
        return unsolved.filter(assignee__isnull=True)
    if view == "team":
        if team_ids is None:
            return unsolved.filter(team_id__in=list(user.teams.values_list("id", flat=True)))
        return unsolved.filter(team_id__in=team_ids)
    if view == "open":
        return unsolved
    if view == "pending":
        return tickets.filter(status=Status.PENDING)
    if view == "solved":
        return tickets.filter(phase=Phase.SOLVED)
    raise BadInboxQuery(f"unknown view {view!r}")


def _id_of(queryset: QuerySet[Any]) -> Subquery:
    """``(SELECT id ... LIMIT 1)``: compared with ``=``, the database looks it up once and
    range-scans the ticket index that starts with that column (a join could scan)."""
    return Subquery(queryset.order_by().values("id")[:1])


# A tag with more tickets than this is "common": the page shows "50+" instead of a count
# (counting would read every tagged ticket), and the list is read in sort order from an
# index: the tag's own (TicketTag's copies of the phase and sort keys) when nothing but
# the phase narrows the list, else the narrower view's, probing each ticket's tags (at
# most that view's tickets). A rarer tag is read from its own index and sorted: at most
# this many rows.
COMMON_TAG_TICKETS = 3000


@dataclass
class FilteredTickets:
    tickets: QuerySet[Ticket]
    # False when an exact capped count would read too many rows (a common tag).
    countable: bool = True
    organization: Organization | None = None
    # True when the rows come in the order of the tag's own index (TicketTag's columns).
    in_tag_order: bool = False


def _tag_filter(tickets: QuerySet[Ticket], name: str, phase: str | None) -> FilteredTickets:
    tag_id = _id_of(Tag.objects.filter(name=name))
    tagged = TicketTag.objects.filter(tag_id=tag_id)
    size = tagged.order_by()[: COMMON_TAG_TICKETS + 1].count()
    if size <= COMMON_TAG_TICKETS:
        return FilteredTickets(tickets.filter(id__in=tagged.values("ticket_id")))
    if phase is not None:
        # One filter() call: one join, which the order and the cursor then use too.
        joined = tickets.filter(tickettag__tag_id=tag_id, tickettag__phase=phase)
        return FilteredTickets(joined, countable=False, in_tag_order=True)
    probe = tagged.filter(ticket_id=OuterRef("pk"))
    return FilteredTickets(tickets.filter(Exists(probe)), countable=False)


def list_phase(view: str, filters: dict[str, str]) -> str | None:
    """The one phase of every ticket of the list, when nothing narrower than the phase
    (a status is no narrower: no index leads with tag and status) filters it; else None."""
    if view not in ("open", "pending", "solved"):
        return None  # "mine", "unassigned", "team": the view's index is narrower
    if any(value for name, value in filters.items() if name not in ("status", "tag")):
        return None
    status = filters.get("status") or (Status.PENDING if view == "pending" else "")
    if status:
        return Phase.SOLVED if status in SOLVED_STATUSES else Phase.UNSOLVED
    return {"open": Phase.UNSOLVED, "solved": Phase.SOLVED}.get(view)


def apply_filters(
    tickets: QuerySet[Ticket], filters: dict[str, str], phase: str | None = None
) -> FilteredTickets:
    """Filter values are public identifiers: a status or priority name, a team's,
    organization's or requester's public id, an assignee's username ("none" for
    unassigned), a tag. Empty values are ignored. ``phase`` is ``list_phase``'s, when
    the caller has it: a common tag is then read from its own index."""
    countable, organization, in_tag_order = True, None, False
    for name, value in filters.items():
        if not value:
            continue
        if name == "status":
            tickets = tickets.filter(status=value)
        elif name == "priority":
            tickets = tickets.filter(priority=value)
        elif name == "team":
            tickets = tickets.filter(team_id=_id_of(Team.objects.filter(public_id=_uuid(value))))
        elif name == "assignee":
            if value == "none":
                tickets = tickets.filter(assignee__isnull=True)
            else:
                tickets = tickets.filter(assignee_id=_id_of(User.objects.filter(username=value)))
        elif name == "tag":
            tagged = _tag_filter(tickets, value, phase)
            tickets, countable = tagged.tickets, countable and tagged.countable
            in_tag_order = tagged.in_tag_order
        elif name == "organization":
            # Looked up first, so the planner sees the value: organization sizes are long
            # tailed and PostgreSQL's guess for an unknown one (a dozen rows) picks a sort
            # of every unsolved ticket of the largest.
            organization = Organization.objects.filter(public_id=_uuid(value)).first()
            if organization is None:
                tickets = tickets.none()  # and still check the other filters
            else:
                tickets = tickets.filter(organization_id=organization.pk)
        elif name == "requester":
            contact = _id_of(Contact.objects.filter(public_id=_uuid(value)))
            tickets = tickets.filter(requester_id=contact)
        else:
            raise BadInboxQuery(f"unknown filter {name!r}")
    return FilteredTickets(tickets, countable, organization, in_tag_order)


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


def seek_after(
    tickets: QuerySet[Ticket],
    column: str,
    ascending: bool,
    cursor: str,
    in_tag_order: bool = False,
) -> QuerySet[Ticket]:
    """Rows after the cursor in (column, id) order, as the row comparison
    ``(column, id) > (value, pk)``: one index range on both databases, which starts at the
    cursor even inside a long run of equal values (every ticket nobody waits on shares one
    waiting_key), where ``column >= value AND (...)`` would read the whole run first.
    ``in_tag_order``: the same columns of the joined TicketTag, whose index is read."""
    value, pk = decode_cursor(cursor)
    if value is None:
        # Cursors of older releases pointed at a NULL waiting_since: nobody waits.
        if column != "waiting_key":
            raise BadInboxQuery("bad page cursor")
        value = NOBODY_WAITS
    quote = connection.ops.quote_name
    table = quote(TicketTag._meta.db_table if in_tag_order else Ticket._meta.db_table)
    pk_column = quote("ticket_id" if in_tag_order else "id")
    after = RawSQL(
        f"({table}.{quote(column)}, {table}.{pk_column}) {'>' if ascending else '<'} (%s, %s)",
        (connection.ops.adapt_datetimefield_value(value), pk),
        output_field=BooleanField(),
    )
    return tickets.filter(after)


def capped_count(tickets: QuerySet[Ticket]) -> Expression:
    """How many of ``tickets`` there are, read up to INBOX_COUNT_LIMIT + 1 rows, as a scalar
    subquery for another query's SELECT: several counts then cost one statement."""
    try:
        capped = tickets.order_by().values("id")[: settings.INBOX_COUNT_LIMIT + 1]
        sql, params = capped.query.sql_with_params()
    except EmptyResultSet:  # e.g. a light agent in no team: nothing to count
        return Value(0)
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS capped", params, output_field=IntegerField())


def view_counts(user: User, views: Iterable[str]) -> list[Expression]:
    """``capped_count`` of each view, for one query that reads them all (the sidebar's);
    the user's teams are a subquery, not a statement of their own."""
    tickets = visible_tickets(user)
    team_ids = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
    return [capped_count(_in_view(tickets, user, view, team_ids)) for view in views]


def read_capped_count(count: int) -> tuple[int, bool]:
    """A ``capped_count`` as (count, count_is_capped)."""
    limit = settings.INBOX_COUNT_LIMIT
    return min(count, limit), count > limit


def _each_phase(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``tickets`` as the unsolved ones UNION ALL the solved ones. Ordered and limited,
    SQLite reads each part as one range of a (column, phase, sort column, id) index and
    merges the two in order ("MERGE (UNION ALL)"), about a page of each; the column alone
    would make it read all of that column's tickets from the index and sort them.
    (PostgreSQL appends and sorts a UNION's parts: see heedful.api.ticket_query.)"""
    unsolved = tickets.filter(phase=Phase.UNSOLVED).order_by()
    return unsolved.union(tickets.filter(phase=Phase.SOLVED).order_by(), all=True)


def _ordered_after(
    tickets: QuerySet[Ticket], sort: str, cursor: str, by_phase: bool, in_tag_order: bool
) -> tuple[QuerySet[Ticket], str]:
    """``tickets`` after ``cursor`` in a SORTS order, and the sort column. ``in_tag_order``:
    ordered by the joined TicketTag's copies of the keys (the same values), which the
    database reads from the tag's index."""
    if sort not in SORTS:
        raise BadInboxQuery(f"unknown sort {sort!r}")
    _, column, ascending = SORTS[sort]
    if cursor:
        tickets = seek_after(tickets, column, ascending, cursor, in_tag_order)
    if by_phase:
        tickets = _each_phase(tickets)
    # The sort columns are never NULL: plain ASC/DESC, which both databases read
    # straight from the index (a NULLS LAST that differs from the index's order would sort).
    keys = [f"tickettag__{column}", "tickettag__ticket_id"] if in_tag_order else [column, "id"]
    order = keys if ascending else [f"-{key}" for key in keys]
    return tickets.order_by(*order), column


def sorted_page(
    tickets: QuerySet[Ticket],
    sort: str,
    cursor: str,
    page_size: int,
    *,
    by_phase: bool = False,
    in_tag_order: bool = False,
) -> tuple[list[Ticket], str]:
    """One keyset page of ``tickets`` in a SORTS order, after ``cursor`` when given:
    (rows, next cursor or ""). ``by_phase`` reads it as two ranges, see _each_phase;
    ``in_tag_order`` as FilteredTickets says."""
    related = tickets.select_related("requester", "organization", "assignee", "team")
    ordered, column = _ordered_after(related, sort, cursor, by_phase, in_tag_order)
    rows = list(ordered[: page_size + 1])
    # After the read: a UNION takes no prefetch_related.
    prefetch_related_objects(rows, Prefetch("tags", queryset=Tag.objects.only("id", "name")))
    if len(rows) <= page_size:
        return rows, ""
    rows = rows[:page_size]
    return rows, encode_cursor(getattr(rows[-1], column), rows[-1].pk)


def sorted_values(
    tickets: QuerySet[Ticket],
    sort: str,
    cursor: str,
    page_size: int,
    fields: Sequence[str],
    in_tag_order: bool = False,
) -> tuple[list[dict[str, Any]], str]:
    """``sorted_page`` as dicts of ``fields`` (which may follow foreign keys, e.g.
    ``requester__name``) plus ``id`` and ``tags`` (the names, in name order), read with
    one plain query for the rows and one for their tags: 50 rows as model instances with
    four related ones and a tag manager each cost more CPU than the SQL."""
    ordered, column = _ordered_after(tickets, sort, cursor, False, in_tag_order)
    rows = list(ordered.values("id", column, *fields)[: page_size + 1])
    next_cursor = ""
    if len(rows) > page_size:
        rows = rows[:page_size]
        next_cursor = encode_cursor(rows[-1][column], rows[-1]["id"])
    tags: dict[int, list[str]] = {row["id"]: [] for row in rows}
    if tags:
        tagged = TicketTag.objects.filter(ticket_id__in=list(tags)).order_by("tag__name")
        for ticket_id, name in tagged.values_list("ticket_id", "tag__name"):
            tags[ticket_id].append(name)
    for row in rows:
        row["tags"] = tags[row["id"]]
    return rows, next_cursor


def _inbox_page(
    user: User,
    query: InboxQuery,
    read: Callable[[FilteredTickets], tuple[list[Row], str]],
    known_count: int | None = None,
) -> InboxPage[Row]:
    if query.sort not in SORTS:  # before counting anything
        raise BadInboxQuery(f"unknown sort {query.sort!r}")
    view = _view_queryset(user, query.view, query.filters.get("status", ""))
    filtered = apply_filters(view, query.filters, list_phase(query.view, query.filters))
    limit = settings.INBOX_COUNT_LIMIT
    count = 0
    if filtered.countable:
        count = known_count if known_count is not None else _capped(filtered.tickets)
    rows, next_cursor = read(filtered)
    if not filtered.countable:
        # "50+": what this page shows, and whether more follow.
        return InboxPage(rows, next_cursor, len(rows), bool(next_cursor), filtered.organization)
    return InboxPage(rows, next_cursor, min(count, limit), count > limit, filtered.organization)


def inbox_page(user: User, query: InboxQuery) -> InboxPage[Ticket]:
    def read(filtered: FilteredTickets) -> tuple[list[Ticket], str]:
        return sorted_page(
            filtered.tickets, query.sort, query.cursor, query.page_size,
            in_tag_order=filtered.in_tag_order,
        )  # fmt: skip

    return _inbox_page(user, query, read)


def _capped(tickets: QuerySet[Ticket]) -> int:
    return tickets.order_by()[: settings.INBOX_COUNT_LIMIT + 1].count()


def inbox_values_page(
    user: User, query: InboxQuery, fields: Sequence[str], known_count: int | None = None
) -> InboxPage[dict[str, Any]]:
    """``inbox_page`` with each row as a dict (see ``sorted_values``). ``known_count`` is
    the view's ``capped_count`` when the caller has read it already (the sidebar's, for a
    page without filters): then it is not counted again."""

    def read(filtered: FilteredTickets) -> tuple[list[dict[str, Any]], str]:
        return sorted_values(
            filtered.tickets, query.sort, query.cursor, query.page_size, fields,
            filtered.in_tag_order,
        )  # fmt: skip

    return _inbox_page(user, query, read, known_count)
