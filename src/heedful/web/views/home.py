"""The home page: today's headline numbers and the agent's own queue."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from heedful.accounts.models import User
from heedful.tickets.access import visible_tickets
from heedful.tickets.models import EventKind, Phase, Status, Ticket, TicketEvent
from heedful.web.charts import GroupedBars, grouped_bars
from heedful.web.decorators import StaffRequest, staff_required

QUEUE_PREVIEW = 8
FLOW_DAYS = 14
FLOW_CACHE_SECONDS = 60


def local_midnight(now: datetime | None = None) -> datetime:
    """The start of today in settings.TIME_ZONE, as an aware datetime."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def headline_numbers(user: User) -> dict[str, Any]:
    tickets = visible_tickets(user)
    # "phase" and "waiting_key" are what the inbox indexes start with: the counts read
    # only an index, and the longest wait is its first entry.
    unsolved = tickets.filter(phase=Phase.UNSOLVED)
    longest = (
        unsolved.filter(waiting_since__isnull=False)
        .select_related("requester")
        .order_by("waiting_key", "id")
        .first()
    )
    return {
        "open_count": unsolved.count(),
        "unassigned_count": unsolved.filter(assignee__isnull=True).count(),
        "solved_today_count": tickets.filter(solved_at__gte=local_midnight()).count(),
        "waiting_longest": longest,
    }


def own_queue(user: User) -> dict[str, Any]:
    mine = visible_tickets(user).filter(assignee_id=user.pk, phase=Phase.UNSOLVED)
    by_status = dict(
        mine.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    preview: list[Ticket] = list(
        mine.select_related("requester", "organization").order_by("waiting_key", "id")[
            :QUEUE_PREVIEW
        ]
    )
    return {
        "queue_by_status": [
            (status.label, by_status.get(status.value, 0))
            for status in (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
        ],
        "queue_total": sum(by_status.values()),
        "queue_preview": preview,
    }


def daily_flow(now: datetime) -> list[tuple[str, tuple[int, int]]]:
    """Tickets created and solved on each of the last FLOW_DAYS local days.

    Read from two indexes (events by kind and time; tickets by solved_at) and cached for
    a minute: every agent's home page shows the same desk-wide picture.
    """
    today = local_midnight(now)
    start = today - timedelta(days=FLOW_DAYS - 1)

    def compute() -> list[tuple[str, tuple[int, int]]]:
        created_at = TicketEvent.objects.filter(
            kind=EventKind.CREATED, created_at__gte=start
        ).values_list("created_at", flat=True)
        solved_at = Ticket.objects.filter(solved_at__gte=start).values_list("solved_at", flat=True)
        created = Counter(timezone.localtime(at).date() for at in created_at)
        solved = Counter(timezone.localtime(at).date() for at in solved_at if at)
        days = [(start + timedelta(days=n)).date() for n in range(FLOW_DAYS)]
        return [(f"{day:%a} {day.day}", (created[day], solved[day])) for day in days]

    key = f"home:flow:{today.date().isoformat()}"
    flow: list[tuple[str, tuple[int, int]]] | None = cache.get(key)
    if flow is None:
        flow = compute()
        cache.set(key, flow, FLOW_CACHE_SECONDS)
    return flow


def flow_chart(user: User) -> GroupedBars | None:
    """The desk-wide chart, for those who see the whole desk (not light agents)."""
    return grouped_bars(daily_flow(timezone.now())) if user.is_full_agent else None


@staff_required
def home(request: StaffRequest) -> HttpResponse:
    context = {
        **headline_numbers(request.user),
        **own_queue(request.user),
        "flow": flow_chart(request.user),
        "now": timezone.now(),
    }
    return render(request, "web/home.html", context)
