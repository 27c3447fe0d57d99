"""Helpers of the reminders tests: signed-in clients, a fixed desk time zone, and
solving a ticket live then running the check sweep."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from heedful.accounts.models import User
from heedful.reminders.checks import decide_solved_checks
from heedful.reminders.models import SolvedCheck
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Status, Ticket

CHECK_LINK = re.compile(r"https?://\S+?(/check/[^/\s]+/(yes|no)/)")


@pytest.fixture(autouse=True)
def _desk_zone(settings: Any) -> Iterator[None]:
    settings.TIME_ZONE = "Europe/Berlin"
    timezone.activate(ZoneInfo("Europe/Berlin"))
    yield
    # Left active, the zone would leak into every later test of this process.
    timezone.deactivate()


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def after_due(days: int = 2) -> datetime:
    """An instant when a follow-up set for tomorrow is due."""
    return timezone.now() + timedelta(days=days)


def solve(ticket: Ticket, agent: User, capture: Any) -> None:
    """An agent replies and solves the ticket live; the on-commit jobs run."""
    with capture(execute=True):
        do_add_message(ticket, author=agent, body_text="Refunded, sorry!", new_status=Status.SOLVED)


def run_check_sweep(capture: Any, now: datetime | None = None) -> int:
    """The worker's sweep, with the outbox sends it enqueues after commit."""
    with capture(execute=True):
        return decide_solved_checks(now=now)


def check_emails() -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if "Did this solve it?" in str(m.body)]


def check_links(message: mail.EmailMessage) -> dict[str, str]:
    return {m.group(2): m.group(1) for m in CHECK_LINK.finditer(str(message.body))}


@pytest.fixture
def checked(
    acme_ticket: Ticket, alice: User, django_capture_on_commit_callbacks: Any
) -> Callable[[], SolvedCheck]:
    """Solve dave's ticket as alice and send the check; returns the check row."""

    def make() -> SolvedCheck:
        solve(acme_ticket, alice, django_capture_on_commit_callbacks)
        assert run_check_sweep(django_capture_on_commit_callbacks) == 1
        return SolvedCheck.objects.get(ticket=acme_ticket)

    return make
