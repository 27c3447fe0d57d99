"""NPS on a cadence: who is asked, how often, throttling, idempotency, the scheduler's
sweep and the 0-10 landing page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.feedback.actions import do_send_request, send_due_requests
from heedful.feedback.links import make_token
from heedful.feedback.models import (
    FollowUpTask,
    RequestState,
    Response,
    SkipReason,
    SurveyKind,
    SurveyRequest,
)
from heedful.feedback.nps import do_schedule_nps
from heedful.feedback.surveys import csat_survey, nps_survey
from heedful.sla.scheduler import run_pass
from heedful.tickets.models import Ticket

from .conftest import DAY, survey_emails

NPS_LINK = re.compile(r"https?://\S+?(/feedback/s/[^/\s]+/rate/(\d+)/)")


def nps_requests() -> list[SurveyRequest]:
    return list(SurveyRequest.objects.filter(survey__kind=SurveyKind.NPS).order_by("id"))


def sweep(now: Any, capture: Any) -> list[SurveyRequest]:
    """The cadence sweep, then the send jobs it enqueues (the tests' backend runs them
    at once), then the send sweep at the same instant."""
    with capture(execute=True):
        created = do_schedule_nps(now=now)
    send_due_requests(now=now)
    return created


def test_it_asks_contacts_with_an_email_and_a_ticket_in_the_period(
    acme_ticket: Ticket, dave: Contact, erin: Contact, make_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    tweeter = Contact.objects.create(name="Tweeter", handle="@t")
    make_ticket(requester=tweeter)
    old_timer = Contact.objects.create(name="Old", email="old@acme.test")
    make_ticket(requester=old_timer, created_at=timezone.now() - 91 * DAY)
    now = timezone.now() + timedelta(minutes=1)
    created = sweep(now, django_capture_on_commit_callbacks)
    assert [r.contact for r in created] == [dave]  # not erin (no ticket), tweeter, old
    request = nps_requests()[0]
    assert (request.state, request.ticket, request.organization) == (
        RequestState.SENT, None, dave.organization,
    )  # fmt: skip
    [email] = survey_emails()
    assert (email.to, email.subject) == (["dave@acme.test"], "How likely are you to recommend us?")
    links = {int(m.group(2)): m.group(1) for m in NPS_LINK.finditer(str(email.body))}
    assert sorted(links) == list(range(11))
    assert email.alternatives[0][0].count("/rate/") == 11  # type: ignore[attr-defined]


def test_it_sends_once_when_the_sweep_runs_twice(
    acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now() + timedelta(minutes=1)
    assert len(sweep(now, django_capture_on_commit_callbacks)) == 1
    assert sweep(now, django_capture_on_commit_callbacks) == []
    assert sweep(now + DAY, django_capture_on_commit_callbacks) == []
    assert (len(nps_requests()), len(survey_emails())) == (1, 1)


def test_it_asks_again_after_the_cadence_when_there_was_a_new_ticket(
    acme_ticket: Ticket, make_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    now = timezone.now() + timedelta(minutes=1)
    sweep(now, django_capture_on_commit_callbacks)
    later = now + 90 * DAY
    # 89 days later: still within the period.
    assert sweep(later - DAY, django_capture_on_commit_callbacks) == []
    # 90 days later, but the only ticket is older than the period: not asked.
    assert sweep(later + timedelta(minutes=2), django_capture_on_commit_callbacks) == []
    make_ticket(subject="New question", created_at=later - 10 * DAY)
    assert len(sweep(later + timedelta(minutes=3), django_capture_on_commit_callbacks)) == 1
    assert (len(nps_requests()), len(survey_emails())) == (2, 2)


def test_it_uses_the_configured_cadence_and_can_be_switched_off(
    settings: Any, acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FEEDBACK_NPS_EVERY_DAYS = 0
    now = timezone.now() + timedelta(minutes=1)
    assert sweep(now, django_capture_on_commit_callbacks) == []
    settings.FEEDBACK_NPS_EVERY_DAYS = 30
    assert len(sweep(now, django_capture_on_commit_callbacks)) == 1
    assert sweep(now + 29 * DAY, django_capture_on_commit_callbacks) == []
    assert nps_requests()[0].created_at == now


def test_it_waits_for_the_throttle_period_after_another_survey(
    acme_ticket: Ticket, dave: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now() + timedelta(minutes=1)
    csat = SurveyRequest.objects.create(
        survey=csat_survey(), contact=dave, ticket=acme_ticket, state=RequestState.SENT,
        due_at=now - 10 * DAY, sent_at=now - 10 * DAY,
    )  # fmt: skip
    [request] = sweep(now, django_capture_on_commit_callbacks)
    # Dave had a CSAT survey 10 days ago: the NPS one is due when the 30 days are over.
    assert request.due_at == csat.sent_at + timedelta(days=30, minutes=1)  # type: ignore[operator]
    assert survey_emails() == []
    assert send_due_requests(now=request.due_at - timedelta(seconds=1)) == {}
    assert send_due_requests(now=request.due_at) == {"sent": 1}
    assert len(survey_emails()) == 1


def test_it_is_throttled_by_a_survey_sent_after_it_was_scheduled(
    acme_ticket: Ticket, dave: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now() + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=False):
        [request] = do_schedule_nps(now=now)
    SurveyRequest.objects.create(
        survey=csat_survey(), contact=dave, ticket=acme_ticket, state=RequestState.SENT,
        due_at=now, sent_at=now,
    )  # fmt: skip
    assert do_send_request(request.pk, now=now) == "skipped:throttled"
    request.refresh_from_db()
    assert (request.state, request.skip_reason) == (RequestState.SKIPPED, SkipReason.THROTTLED)
    assert survey_emails() == []


def test_it_is_started_by_the_schedulers_leader(
    acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert run_pass("scheduler-1").leader
    assert [r.state for r in nps_requests()] == [RequestState.SENT]
    with django_capture_on_commit_callbacks(execute=True):
        assert run_pass("scheduler-1").leader
    assert (len(nps_requests()), len(survey_emails())) == (1, 1)


def test_it_records_the_nps_rating_and_why_on_the_landing_page(
    client: Client, acme_ticket: Ticket, dave: Contact, bob: User,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    assert dave.organization is not None
    dave.organization.owner = bob
    dave.organization.save(update_fields=["owner"])
    [request] = sweep(timezone.now() + timedelta(minutes=1), django_capture_on_commit_callbacks)
    token = make_token(request)
    page = client.get(f"/feedback/s/{token}/rate/0/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Would you recommend us?" in content
    assert 'value="0" checked' in content and 'value="10"' in content
    assert 'id="effort-choices"' not in content
    assert client.get(f"/feedback/s/{token}/rate/11/").status_code == 400
    response = client.post(f"/feedback/s/{token}/", {"rating": "6", "comment": "Too slow."})
    assert response.status_code == 200
    answers = {r.question.key: (r.metric, r.rating, r.text) for r in Response.objects.all()}
    assert answers == {"rating": ("nps", 6, ""), "comment": ("", None, "Too slow.")}
    # A detractor: one follow-up, for the account owner, with no ticket.
    task = FollowUpTask.objects.get()
    assert (task.owner, task.rating, task.ticket) == (bob, 0, None)


def test_it_ignores_an_effort_answer_on_the_nps_survey(
    client: Client, acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    [request] = sweep(timezone.now() + timedelta(minutes=1), django_capture_on_commit_callbacks)
    token = make_token(request)
    # The NPS form has no effort question: a posted one is ignored, not an error.
    response = client.post(f"/feedback/s/{token}/", {"rating": "9", "effort": "3"})
    assert response.status_code == 200
    assert list(Response.objects.values_list("rating", flat=True)) == [9]
    assert nps_survey().questions.count() == 2
    assert mail.outbox[0].subject == "How likely are you to recommend us?"
