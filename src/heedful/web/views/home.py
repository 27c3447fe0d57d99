"""The home page: today's headline numbers and the agent's own queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, F
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from heedful.accounts.models import User
from heedful.tickets.access import visible_tickets
from heedful.tickets.models import UNSOLVED_STATUSES, Status, Ticket
from heedful.web.decorators import StaffRequest, staff_required

QUEUE_PREVIEW = 8


def local_midnight(now: datetime | None = None) -> datetime:
    """The start of today in settings.TIME_ZONE, as an aware datetime."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def headline_numbers(user: User) -> dict[str, Any]:
    tickets = visible_tickets(user)
    unsolved = tickets.filter(status__in=UNSOLVED_STATUSES)
    longest = (
        unsolved.filter(waiting_since__isnull=False)
        .select_related("requester")
        .order_by(F("waiting_since").asc(), "id")
        .first()
    )
    return {
        "open_count": unsolved.count(),
        "unassigned_count": unsolved.filter(assignee__isnull=True).count(),
        "solved_today_count": tickets.filter(solved_at__gte=local_midnight()).count(),
        "waiting_longest": longest,
    }


def own_queue(user: User) -> dict[str, Any]:
    mine = visible_tickets(user).filter(assignee_id=user.pk, status__in=UNSOLVED_STATUSES)
    by_status = dict(
        mine.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    preview: list[Ticket] = list(
        mine.select_related("requester", "organization").order_by(
            F("waiting_since").asc(nulls_last=True), "id"
        )[:QUEUE_PREVIEW]
    )
    return {
        "queue_by_status": [
            (status.label, by_status.get(status.value, 0))
            for status in (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
        ],
        "queue_total": sum(by_status.values()),
        "queue_preview": preview,
    }


@staff_required
def home(request: StaffRequest) -> HttpResponse:
    context = {**headline_numbers(request.user), **own_queue(request.user), "now": timezone.now()}
    return render(request, "web/home.html", context)
