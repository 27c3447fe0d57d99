from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Unread notification count for the top bar of every workspace page."""
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_staff_member", False):
        return {}
    return {"unread_notifications": user.notifications.filter(read_at__isnull=True).count()}
