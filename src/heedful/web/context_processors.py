from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef
from django.http import HttpRequest
from django.utils import timezone

from heedful.accounts.models import Notification, User
from heedful.reminders.counts import count_of, due_follow_ups_of_outer_user
from heedful.tickets.inbox import VIEWS, count_view

# Views whose size the sidebar shows; "solved" only grows, so it gets no counter.
COUNTED_VIEWS = ("mine", "unassigned", "team", "open", "pending")


@dataclass
class SidebarView:
    slug: str
    label: str
    count: int | None
    capped: bool


def sidebar_views(user: User) -> list[SidebarView]:
    views = []
    for slug, label in VIEWS.items():
        count, capped = count_view(user, slug) if slug in COUNTED_VIEWS else (None, False)
        views.append(SidebarView(slug, label, count, capped))
    return views


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The frame of every workspace page: inbox views with their counts for the sidebar
    and the unread notification count for the top bar. Nothing for non-staff."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff_member:
        return {"workspace_layout": "web/bare.html"}
    unread, follow_ups_due = frame_counts(user)
    return {
        "workspace_layout": "web/base.html",
        "unread_notifications": unread,
        "follow_ups_due": follow_ups_due,
        "sidebar_views": sidebar_views(user),
    }


def frame_counts(user: User) -> tuple[int, int]:
    """Unread notifications and due follow-ups (heedful.reminders) in one query: two
    indexed COUNT subqueries, so the follow-ups counter costs every page nothing extra."""
    unread = count_of(Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True))
    due = due_follow_ups_of_outer_user(timezone.now())
    return User.objects.filter(pk=user.pk).values_list(unread, due).get()
