from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Expression, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from heedful.accounts.models import Notification, User
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
    unread, follow_ups_due, *counts = frame_counts(user, *view_counts(user, COUNTED_VIEWS))
    return {
        "workspace_layout": "web/base.html",
        "unread_notifications": unread,
        "follow_ups_due": follow_ups_due,
        "sidebar_views": sidebar_views(counts),
    }


def frame_counts(user: User, *more: Expression) -> tuple[int, ...]:
    """Unread notifications and due follow-ups (heedful.reminders), then the value of each
    of ``more``, in one query: indexed COUNT subqueries, so a counter costs every page
    no extra round trip."""
    unread = count_of(Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True))
    due = due_follow_ups_of_outer_user(timezone.now())
    return User.objects.filter(pk=user.pk).values_list(unread, due, *more).get()
