"""Writers for staff accounts and teams."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from heedful.accounts.models import Notification, Role, Team, TeamKind, User
from heedful.lib.errors import ActionError


@transaction.atomic
def do_create_admin(username: str, email: str, password: str) -> User:
    """Create the administrator, or reset its password if it exists (safe to re-run)."""
    if len(password) < 8:
        raise ActionError("The password must be at least 8 characters.", field="password")
    user, _ = User.objects.get_or_create(username=username)
    user.email = email or user.email
    user.role = Role.ADMIN
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def do_create_user(
    username: str,
    *,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
    teams: tuple[Team, ...] = (),
) -> User:
    if User.objects.filter(username=username).exists():
        raise ActionError(f"The username {username!r} is taken.", field="username")
    user = User(
        username=username, role=role, first_name=first_name, last_name=last_name, email=email
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    for team in teams:
        team.members.add(user)
    return user


@transaction.atomic
def do_create_team(
    name: str, *, kind: TeamKind = TeamKind.SUPPORT, lead: User | None = None
) -> Team:
    if Team.objects.filter(name=name).exists():
        raise ActionError(f"A team named {name!r} exists.", field="name")
    return Team.objects.create(name=name, kind=kind, lead=lead)


@transaction.atomic
def do_mark_notifications_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
