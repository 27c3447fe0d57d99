"""The demo's staff accounts and teams, and the file that tells a person how to sign in."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password

from heedful.accounts.actions import do_create_admin, do_create_team, do_create_user
from heedful.accounts.models import Role, Team, TeamKind, User
from heedful.demo import catalog

LOGINS_FILENAME = "demo-logins.txt"
_PASSWORD_LINE = re.compile(r"sign in as admin / (\S+)")


def logins_path() -> Path:
    return Path(settings.VAR_DIR) / LOGINS_FILENAME


def saved_password() -> str | None:
    """The password of an earlier load, so a reload keeps the logins a person knows."""
    try:
        found = _PASSWORD_LINE.search(logins_path().read_text(encoding="utf-8"))
    except OSError:
        return None
    return found.group(1) if found else None


def new_password() -> str:
    return secrets.token_urlsafe(12)


def ensure_staff(password: str) -> dict[str, User]:
    """Create the demo's teams and people, or give existing ones the demo password."""
    teams = {team.name: _ensure_team(team) for team in catalog.TEAMS}
    encoded = make_password(password)
    users: dict[str, User] = {}
    for member in catalog.STAFF:
        email = f"{member.username}@heedful.{catalog.EMAIL_DOMAIN}"
        if member.role == Role.ADMIN:
            user = do_create_admin(member.username, email, password)
        else:
            user = User.objects.filter(username=member.username).first() or do_create_user(
                member.username, role=Role(member.role), email=email,
                first_name=member.first_name, last_name=member.last_name,
            )  # fmt: skip
            # One hash for everyone: hashing is slow on purpose, and all share the password.
            user.password = encoded
            user.save(update_fields=["password"])
            for name in member.teams:
                teams[name].members.add(user)
        users[member.username] = user
    return users


def _ensure_team(team: catalog.DemoTeam) -> Team:
    existing = Team.objects.filter(name=team.name).first()
    return existing or do_create_team(team.name, kind=TeamKind(team.kind))


def write_logins(password: str, summary: str, source: str) -> Path:
    agents = [s.username for s in catalog.STAFF if s.role == Role.AGENT]
    light = [s for s in catalog.STAFF if s.role == Role.LIGHT_AGENT]
    light_text = "; ".join(f"{s.username}: light agent from {s.teams[0]}" for s in light)
    text = (
        f"Heedful demo: {summary}\n"
        f"  loaded from {source}\n"
        f"  Open {settings.BASE_URL}/  — sign in as admin / {password}\n"
        f"  (or {', '.join(agents)}: agents; {light_text} — same password)\n"
    )
    path = logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file holds a password: readable by its owner only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return path
