"""/teams: support teams and departments with their members (staff only)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from heedful.accounts.models import Team, TeamKind
from heedful.api.access import require_staff
from heedful.api.auth import caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.schemas import UserRef, user_ref

router = Router(tags=["teams"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}
# Teams are few (tens); the list is one page.
MAX_TEAMS = 500


class TeamOut(Schema):
    id: uuid.UUID
    name: str
    kind: TeamKind
    lead: UserRef | None
    members: list[UserRef]


def team_out(team: Team) -> TeamOut:
    members = [u for u in team.members.all() if u.is_active]
    return TeamOut(
        id=team.public_id,
        name=team.name,
        kind=TeamKind(team.kind),
        lead=user_ref(team.lead),
        members=[UserRef(username=u.username, name=u.display_name) for u in members],
    )


def _teams() -> Any:
    return Team.objects.select_related("lead").prefetch_related("members").order_by("name", "id")


@router.get("", response={200: list[TeamOut], **ERRORS})
def list_teams(request: HttpRequest) -> list[TeamOut]:
    require_staff(caller_of(request).user, "list teams")
    return [team_out(t) for t in _teams()[:MAX_TEAMS]]


@router.get("/{team_id}", response={200: TeamOut, **ERRORS})
def get_team(request: HttpRequest, team_id: str) -> TeamOut:
    require_staff(caller_of(request).user, "read teams")
    try:
        team = _teams().get(public_id=uuid.UUID(team_id))
    except (ValueError, Team.DoesNotExist):
        raise Http404("No such team") from None
    return team_out(team)
