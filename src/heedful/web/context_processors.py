from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Expression, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from heedful.accounts.models import Notification, Role, User
from heedful.reminders.counts import count_of, due_follow_ups_of_outer_user
from heedful.tickets.inbox import VIEWS, read_capped_count, view_counts

# Views whose size the sidebar shows; "solved" only grows, so it gets no counter.
COUNTED_VIEWS = ("mine", "unassigned", "team", "open", "pending")


@dataclass
class SidebarView:
    slug: str
    label: str
    count: int | None
    capped: bool


def sidebar_views(counts: list[int]) -> list[SidebarView]:
    """The inbox views, with ``counts`` (capped counts, one per COUNTED_VIEWS) on theirs."""
    capped = dict(zip(COUNTED_VIEWS, map(read_capped_count, counts), strict=True))
    views = []
    for slug, label in VIEWS.items():
        count, is_capped = capped.get(slug, (None, False))
        views.append(SidebarView(slug, label, count, is_capped))
    return views


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The frame of every workspace page: inbox views with their counts for the sidebar
    and the unread notification count for the top bar. Nothing for non-staff."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff_member:
        return {"workspace_layout": "web/bare.html"}
    # One statement for every counter of the frame: on PostgreSQL each statement is a
    # round trip, and these were seven of an inbox page's sixteen.
    unread, follow_ups_due, *counts = request_frame_counts(request, user)
    return {
        "workspace_layout": "web/base.html",
        "unread_notifications": unread,
        "follow_ups_due": follow_ups_due,
        "sidebar_views": sidebar_views(counts),
    }


# Where a request keeps its frame counts, so the inbox view can take its own view's count
# from them (one statement fewer) and the layout does not read them twice.
_FRAME_COUNTS_ATTRIBUTE = "_heedful_frame_counts"


def request_frame_counts(request: HttpRequest, user: User) -> tuple[int, ...]:
    """``sidebar_frame_counts(user)``, read once per request."""
    counts: tuple[int, ...] | None = getattr(request, _FRAME_COUNTS_ATTRIBUTE, None)
    if counts is None:
        counts = sidebar_frame_counts(user)
        setattr(request, _FRAME_COUNTS_ATTRIBUTE, counts)
    return counts


def sidebar_count(request: HttpRequest, user: User, view: str) -> int | None:
    """The sidebar's capped count of ``view`` (see tickets.inbox.capped_count), or None
    for a view without a counter."""
    if view not in COUNTED_VIEWS:
        return None
    return request_frame_counts(request, user)[2 + COUNTED_VIEWS.index(view)]


def frame_counts(user: User, *more: Expression) -> tuple[int, ...]:
    """Unread notifications and due follow-ups (heedful.reminders), then the value of each
    of ``more``, in one query: indexed COUNT subqueries, so a counter costs every page
    no extra round trip."""
    return _frame_query(user, timezone.now(), *more).get()


def _frame_query(user: User, now: datetime, *more: Expression) -> QuerySet[Any]:
    unread = count_of(Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True))
    due = due_follow_ups_of_outer_user(now)
    return User.objects.filter(pk=user.pk).values_list(unread, due, *more)


# The frame's statement for full agents is compiled once per process, for a stand-in user
# at a stand-in time, and then sent with each request's user id and time in their place:
# building it through the ORM (five views, seven subqueries) cost about 2.5 ms of CPU on
# every workspace page, ten times what the statement itself costs
# (docs/performance-history.md, "Inbox page: the frame compiled once"). A full agent's
# views do not depend on anything else of the user; a light agent's do (their teams), so
# theirs is built each time.
_STAND_IN_PK = -7_406_319_001
_STAND_IN_NOW = datetime(1999, 12, 31, 23, 59, 58, 123457, tzinfo=UTC)
_frame_statements: dict[tuple[str, int], tuple[str, tuple[Any, ...]]] = {}


def sidebar_frame_counts(user: User) -> tuple[int, ...]:
    """``frame_counts(user, *view_counts(user, COUNTED_VIEWS))``."""
    if not user.is_full_agent:
        return frame_counts(user, *view_counts(user, COUNTED_VIEWS))
    sql, params = _full_agent_frame_statement()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    stand_in_now = connection.ops.adapt_datetimefield_value(_STAND_IN_NOW)
    values = [user.pk if p == _STAND_IN_PK else now if p == stand_in_now else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        raise User.DoesNotExist("the signed-in user is gone")
    return tuple(row)


def _full_agent_frame_statement() -> tuple[str, tuple[Any, ...]]:
    key = (connection.vendor, settings.INBOX_COUNT_LIMIT)
    statement = _frame_statements.get(key)
    if statement is None:
        stand_in = User(pk=_STAND_IN_PK, role=Role.AGENT, is_active=True)
        counts = view_counts(stand_in, COUNTED_VIEWS)
        sql, params = _frame_query(stand_in, _STAND_IN_NOW, *counts).query.sql_with_params()
        if str(_STAND_IN_PK) in sql or "1999-12-31" in sql:
            # Written into the text, the stand-ins could not be replaced: count for them.
            raise RuntimeError("the frame statement must take the user and time as parameters")
        statement = _frame_statements[key] = (sql, params)
    return statement
