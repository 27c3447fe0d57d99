"""Scheduling and sending the CSAT survey after a ticket is solved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.feedback.actions import do_schedule_csat, send_due_requests
from heedful.feedback.models import AgentCredit, RequestState, SkipReason, SurveyRequest
from heedful.sla.scheduler import run_pass
from heedful.tickets.actions import do_add_message, do_change_status
from heedful.tickets.models import Status, Ticket

from .conftest import DAY, rate_links, send_when_due, solve, survey_emails


def test_it_schedules_the_survey_a_day_after_the_solve(
    alice: User, dave: Contact, acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    request = solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert request is not None
    acme_ticket.refresh_from_db()
    assert acme_ticket.solved_at is not None
    assert (request.state, request.contact, request.organization) == (
        RequestState.SCHEDULED, dave, dave.organization,
    )  # fmt: skip
    assert request.due_at == acme_ticket.solved_at + timedelta(hours=24)
    # The job ran at once (the tests' backend cannot defer), found it not due, sent nothing.
    assert survey_emails() == []
    assert send_due_requests(now=request.due_at - timedelta(seconds=1)) == {}


def test_it_sends_the_email_with_five_one_click_links_when_due(
    sent_request: SurveyRequest,
) -> None:
    assert sent_request.state == RequestState.SENT
    assert len(survey_emails()) == 1
    email = survey_emails()[0]
    assert email.to == ["dave@acme.test"]
    assert email.subject == f"[{sent_request.ticket.ref}] How did we do with “My invoice is wrong”?"  # type: ignore[union-attr]
    assert sorted(rate_links(email)) == [1, 2, 3, 4, 5]
    html = email.alternatives[0][0]  # type: ignore[attr-defined]
    assert html.count("/rate/") == 5
    # The job is idempotent: running it again sends nothing.
    assert send_when_due(sent_request) == {}
    assert len(survey_emails()) == 1


def test_it_uses_the_configured_delay(
    settings: Any, alice: User, acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FEEDBACK_CSAT_DELAY_MINUTES = 90
    request = solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert request is not None
    acme_ticket.refresh_from_db()
    assert request.due_at - acme_ticket.solved_at == timedelta(minutes=90)  # type: ignore[operator]


def test_it_does_not_resend_after_a_reopen_and_second_solve_within_the_window(
    sent_request: SurveyRequest, alice: User, dave: Contact,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    ticket = sent_request.ticket
    assert ticket is not None
    do_add_message(ticket, author=dave, body_text="Still charged twice!")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    solve(ticket, alice, django_capture_on_commit_callbacks)
    assert SurveyRequest.objects.filter(ticket=ticket).count() == 1
    assert send_due_requests(now=timezone.now() + 2 * DAY) == {}
    assert len(survey_emails()) == 1


def test_it_waits_for_the_final_solve_when_reopened_before_the_survey_went(
    solved: Callable[[], SurveyRequest], alice: User, dave: Contact,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    first = solved()
    ticket = first.ticket
    assert ticket is not None
    do_add_message(ticket, author=dave, body_text="It happened again.")
    # Due while the ticket is open again: skipped, not sent.
    assert send_when_due(first) == {"skipped:reopened": 1}
    again = solve(ticket, alice, django_capture_on_commit_callbacks)
    assert again is not None and again.pk == first.pk
    assert (again.state, again.skip_reason) == (RequestState.SCHEDULED, SkipReason.NONE)
    ticket.refresh_from_db()
    assert again.due_at == ticket.solved_at + DAY  # type: ignore[operator]
    assert send_when_due(again) == {"sent": 1}
    assert len(survey_emails()) == 1


def test_it_surveys_a_ticket_solved_again_after_the_window(acme_ticket: Ticket) -> None:
    now = timezone.now()
    acme_ticket.status = Status.SOLVED
    acme_ticket.save(update_fields=["status"])
    first = do_schedule_csat(acme_ticket, solved_at=now - 8 * DAY)
    assert first is not None
    assert send_due_requests(now=now - 6 * DAY) == {"sent": 1}
    second = do_schedule_csat(acme_ticket, solved_at=now)
    assert second is not None and second.pk != first.pk
    # Dave was surveyed 6 days ago, within the 30-day throttle period.
    assert send_due_requests(now=now + DAY) == {"skipped:throttled": 1}


def test_it_throttles_a_contact_to_one_survey_per_period(
    alice: User, make_ticket: Callable[..., Ticket], django_capture_on_commit_callbacks: Any
) -> None:
    first = solve(make_ticket(), alice, django_capture_on_commit_callbacks)
    second = solve(make_ticket(subject="Another"), alice, django_capture_on_commit_callbacks)
    assert first is not None and second is not None
    assert send_due_requests(now=timezone.now() + 2 * DAY) == {"sent": 1, "skipped:throttled": 1}
    second.refresh_from_db()
    assert (second.state, second.skip_reason) == (RequestState.SKIPPED, SkipReason.THROTTLED)
    assert len(survey_emails()) == 1


def test_it_sends_again_once_the_throttle_period_is_over(
    settings: Any, alice: User, make_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    settings.FEEDBACK_THROTTLE_DAYS = 1
    first = solve(make_ticket(), alice, django_capture_on_commit_callbacks)
    assert first is not None
    assert send_when_due(first) == {"sent": 1}
    second = solve(make_ticket(subject="Another"), alice, django_capture_on_commit_callbacks)
    assert second is not None
    assert send_when_due(second, after=2 * DAY) == {"sent": 1}
    assert len(survey_emails()) == 2


def test_it_surveys_nobody_for_backdated_history(alice: User, acme_ticket: Ticket) -> None:
    do_change_status(acme_ticket, Status.SOLVED, actor=alice, at=timezone.now() - DAY)
    assert SurveyRequest.objects.count() == 0


def test_it_skips_contacts_without_an_email_address(
    alice: User, make_ticket: Callable[..., Ticket], django_capture_on_commit_callbacks: Any
) -> None:
    tweeter = Contact.objects.create(name="Tweeter", handle="@t")
    request = solve(make_ticket(requester=tweeter), alice, django_capture_on_commit_callbacks)
    assert request is not None
    assert send_when_due(request) == {"skipped:no_email": 1}
    assert survey_emails() == []


def test_it_credits_every_agent_who_replied_by_share_of_replies(
    alice: User, bob: User, carol: User, acme_ticket: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    do_add_message(acme_ticket, author=bob, body_text="Looking into it.")
    do_add_message(acme_ticket, author=carol, body_text="Finance note", is_public=False)
    do_add_message(acme_ticket, author=alice, body_text="Found it.")
    request = solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert request is not None
    send_when_due(request)
    credits = {c.agent.username: (c.replies, c.weight) for c in AgentCredit.objects.all()}
    assert credits == {"alice": (2, 2 / 3), "bob": (1, 1 / 3)}


def test_it_is_swept_by_the_sla_schedulers_leader(
    alice: User, acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    request = solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert request is not None and survey_emails() == []
    # Its deferred task was lost; it fell due an hour ago.
    SurveyRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert run_pass("scheduler-1").leader

    request.refresh_from_db()
    assert (request.state, len(survey_emails())) == (RequestState.SENT, 1)
