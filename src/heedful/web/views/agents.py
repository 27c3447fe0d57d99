"""An agent's profile: who they are, their teams, the open tickets assigned to them,
the CSAT credited to them (fair attribution) and their kudos (R12)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from heedful.accounts.models import Role, User
from heedful.feedback.agent_profile import agent_kudos, credited_csat
from heedful.tickets.access import visible_tickets
from heedful.tickets.models import UNSOLVED_STATUSES
from heedful.web.decorators import StaffRequest, staff_required

PERIODS = {"30": 30, "90": 90, "365": 365}
DEFAULT_PERIOD = "90"
OPEN_SHOWN = 20


def get_agent_for_user(viewer: User, username: str) -> User:
    """Staff profiles only (a customer's username is a 404, as is an unknown one).
    Kudos quote customers of every organization: light agents see only their own."""
    agent = User.objects.filter(
        username=username[:150], role__in=(Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)
    ).first()
    if agent is None:
        raise Http404("No such agent")
    if not viewer.is_full_agent and agent.pk != viewer.pk:
        raise PermissionDenied("Light agents see only their own profile.")
    return agent


@staff_required
def agent_profile(request: StaffRequest, username: str) -> HttpResponse:
    agent = get_agent_for_user(request.user, username)
    period = request.GET.get("days", DEFAULT_PERIOD)
    if period not in PERIODS:
        return HttpResponseBadRequest("days must be one of 30, 90 or 365.")
    since = timezone.now() - timedelta(days=PERIODS[period])
    assigned = visible_tickets(request.user).filter(assignee=agent, status__in=UNSOLVED_STATUSES)
    kudos, kudos_count = agent_kudos(agent, since)
    context = {
        "agent": agent,
        "teams": list(agent.teams.order_by("name")),
        "open_count": assigned.count(),
        "open_tickets": list(
            assigned.select_related("requester").order_by("-updated_at", "-id")[:OPEN_SHOWN]
        ),
        "csat": credited_csat(agent, since),
        "kudos": kudos,
        "kudos_count": kudos_count,
        "period": period,
        "periods": list(PERIODS),
    }
    return render(request, "web/agent.html", context)
