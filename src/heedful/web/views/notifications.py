"""The agent's notifications (mentions, assignments, loop-ins, follow-ups due)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from heedful.accounts.actions import do_mark_notifications_read
from heedful.web.decorators import StaffRequest, staff_required

SHOWN = 100


@staff_required
def notifications(request: StaffRequest) -> HttpResponse:
    mine = request.user.notifications.select_related("ticket", "contact", "actor")
    items = list(mine.order_by("-created_at", "-id")[:SHOWN])
    return render(request, "web/notifications.html", {"notifications": items})


@staff_required
@require_POST
def mark_all_read(request: StaffRequest) -> HttpResponse:
    count = do_mark_notifications_read(request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("web:notifications")
