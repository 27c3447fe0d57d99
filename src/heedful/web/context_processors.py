from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from heedful.accounts.models import User
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
    return {
        "workspace_layout": "web/base.html",
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
        "sidebar_views": sidebar_views(user),
    }
