"""Helpers of the feedback tests: solve a ticket live, run the sweep when the survey is
due, and pull the rating links out of the email the worker sent."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from heedful.accounts.models import User
from heedful.feedback.actions import send_due_requests
from heedful.feedback.models import SurveyRequest
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Status, Ticket

RATE_LINK = re.compile(r"https?://\S+?(/feedback/s/[^/\s]+/rate/(\d)/)")
DAY = timedelta(days=1)


def solve(ticket: Ticket, agent: User, capture: Any) -> SurveyRequest | None:
    """An agent replies and solves the ticket live, and the on-commit jobs run."""
    with capture(execute=True):
        do_add_message(ticket, author=agent, body_text="Refunded, sorry!", new_status=Status.SOLVED)
    return SurveyRequest.objects.filter(ticket=ticket).order_by("-id").first()


def send_when_due(
    request: SurveyRequest, *, after: timedelta = timedelta(seconds=1)
) -> dict[str, int]:
    request.refresh_from_db()
    return send_due_requests(now=request.due_at + after)


def survey_emails() -> list[mail.EmailMessage]:
    """The survey emails sent (the agent's reply that solves the ticket is emailed too)."""
    return [
        m for m in mail.outbox if str(m.extra_headers.get("Message-ID", "")).startswith("<survey-")
    ]


def rate_links(message: mail.EmailMessage) -> dict[int, str]:
    """Rating -> path of its one-click link, from the plain-text body."""
    return {int(m.group(2)): m.group(1) for m in RATE_LINK.finditer(str(message.body))}


@pytest.fixture
def solved(
    alice: User, acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> Callable[[], SurveyRequest]:
    def make() -> SurveyRequest:
        request = solve(acme_ticket, alice, django_capture_on_commit_callbacks)
        assert request is not None
        return request

    return make


@pytest.fixture
def sent_request(solved: Callable[[], SurveyRequest]) -> SurveyRequest:
    request = solved()
    assert send_when_due(request) == {"sent": 1}
    request.refresh_from_db()
    return request
