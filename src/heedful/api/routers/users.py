"""/users: the staff directory (agents, light agents, admins), read only, staff only."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from heedful.accounts.models import Role, User
from heedful.api.access import require_staff
from heedful.api.auth import caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import Cursor
from heedful.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_by_id
from heedful.api.schemas import TeamRef

router = Router(tags=["users"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}
STAFF_ROLES = (Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)


class UserOut(Schema):
    username: str
    name: str
    email: str
    role: Role
    teams: list[TeamRef]


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class PageQuery(Schema):
    cursor: Cursor | None = None
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def user_out(user: User) -> UserOut:
    return UserOut(
        username=user.username,
        name=user.display_name,
        email=user.email,
        role=Role(user.role),
        teams=[TeamRef(id=t.public_id, name=t.name) for t in user.teams.all()],
    )


def _staff() -> Any:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).prefetch_related("teams")


@router.get("", response={200: UserPage, **ERRORS})
def list_users(request: HttpRequest, query: Query[PageQuery]) -> UserPage:
    require_staff(caller_of(request).user, "list colleagues")
    rows, next_cursor = page_by_id(_staff(), query.cursor, query.limit)
    return UserPage(items=[user_out(u) for u in rows], next_cursor=next_cursor)


@router.get("/{username}", response={200: UserOut, **ERRORS})
def get_user(request: HttpRequest, username: str) -> UserOut:
    require_staff(caller_of(request).user, "read colleagues")
    user = _staff().filter(username=username).first() if "\x00" not in username else None
    if user is None:
        raise Http404("No such colleague")
    return user_out(user)
