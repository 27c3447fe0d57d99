"""The team kudos wall: customers' own words naming or thanking an agent (R12), for
everyone or for one team (?team=<name>)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from heedful.accounts.models import Team
from heedful.feedback.kudos import counts_by_agent, wall
from heedful.feedback.models import Kudos
from heedful.feedback.views.dashboard import DEFAULT_PERIOD, PERIODS
from heedful.web.decorators import StaffRequest, staff_required

SHOWN = 100


@staff_required
def kudos_wall(request: StaffRequest) -> HttpResponse:
    # Quotes customers of every organization, like the feedback page: full agents only.
    if not request.user.is_full_agent:
        raise PermissionDenied("The kudos wall is for full agents.")
    period = request.GET.get("days", DEFAULT_PERIOD)
    if period not in PERIODS:
        return HttpResponseBadRequest("days must be one of 30, 90 or 365.")
    since = timezone.now() - timedelta(days=PERIODS[period])
    kudos = Kudos.objects.filter(created_at__gte=since)
    teams = list(Team.objects.order_by("name").values_list("name", flat=True))
    team = request.GET.get("team", "").strip()
    ignored = ""
    if team and team not in teams:
        ignored, team = f"No team “{team[:100]}”: showing every team.", ""
    if team:
        # One team name: one row per kudos whatever the agent's other teams.
        kudos = kudos.filter(agent__teams__name=team)
    context = {
        "team": team,
        "teams": teams,
        "ignored": ignored,
        "kudos": wall(kudos, SHOWN),
        "counts": counts_by_agent(kudos),
        "period": period,
        "periods": list(PERIODS),
    }
    return render(request, "feedback/kudos.html", context)
