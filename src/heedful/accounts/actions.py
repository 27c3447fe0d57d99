"""Writers for staff accounts, teams and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from heedful.accounts.models import (
    API_TOKEN_PREFIX,
    API_TOKEN_SHOWN_CHARS,
    ApiToken,
    Notification,
    Role,
    Team,
    TeamKind,
    TokenScope,
    User,
    hash_token_secret,
)
from heedful.lib.errors import ActionError, ActionForbidden


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


MAX_ACTIVE_TOKENS_PER_USER = 50
# last_used_at is written at most this often per token, so reads stay reads.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@transaction.atomic
def do_create_api_token(user: User, *, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it with its secret, which is never stored."""
    if not user.is_active:
        raise ActionError("Deactivated accounts cannot have API tokens.")
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise ActionError("Give the token a name of 1 to 100 characters.", field="name")
    if scope not in TokenScope.values:
        raise ActionError(f"Unknown scope {scope!r}: use read or write.", field="scope")
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS_PER_USER:
        raise ActionError(
            f"You have {active} active tokens; revoke one before creating another.", field="name"
        )
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=secret[:API_TOKEN_SHOWN_CHARS],
        secret_hash=hash_token_secret(secret),
    )
    return token, secret


def check_manage_api_token(actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise ActionForbidden("Only the token's owner or an administrator can revoke it.")


@transaction.atomic
def do_revoke_api_token(token: ApiToken, *, actor: User) -> bool:
    """Revoke a token at once; returns False when it was already revoked."""
    check_manage_api_token(actor, token)
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def do_touch_api_token(token: ApiToken) -> None:
    """Record that the token was just used (at most once a minute)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
