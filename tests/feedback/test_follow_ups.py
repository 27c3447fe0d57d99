"""Detractor / bad-CSAT follow-ups: who owns them, when they are due, how the owner
hears of them, closing them and telling the customer; the pages and who may see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import Notification, NotificationKind, Team, User
from heedful.customers.models import Contact, Organization
from heedful.feedback.actions import do_answer
from heedful.feedback.followups import do_close_follow_up, do_send_closing_the_loop
from heedful.feedback.links import make_token
from heedful.feedback.models import (
    FollowUpState,
    FollowUpTask,
    OwnerSource,
    RequestState,
    SurveyRequest,
)
from heedful.feedback.surveys import COMMENT, RATING, nps_survey
from heedful.tickets.models import Ticket
from tests.conftest import login

from .conftest import solve, survey_emails


@pytest.fixture
def bob_owns_acme(acme: Organization, bob: User) -> Organization:
    acme.owner = bob
    acme.save(update_fields=["owner"])
    return acme


def rate(client: Client, request: SurveyRequest, rating: int, capture: Any) -> None:
    with capture(execute=True):
        assert client.get(f"/feedback/s/{make_token(request)}/rate/{rating}/").status_code == 200


def sent_nps(contact: Contact) -> SurveyRequest:
    now = timezone.now()
    return SurveyRequest.objects.create(
        survey=nps_survey(), contact=contact, organization=contact.organization,
        state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip


def emails_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


def test_it_opens_one_follow_up_for_the_account_owner_due_in_two_days(
    client: Client, sent_request: SurveyRequest, bob_owns_acme: Organization, dave: Contact,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    rate(client, sent_request, 2, django_capture_on_commit_callbacks)
    task = FollowUpTask.objects.get()
    assert (task.owner.username, task.owner_source, task.metric, task.rating) == (  # type: ignore[union-attr]
        "bob", OwnerSource.ACCOUNT_OWNER, "csat", 2,
    )  # fmt: skip
    assert (task.contact, task.organization, task.ticket) == (
        dave,
        bob_owns_acme,
        sent_request.ticket,
    )
    assert task.state == FollowUpState.OPEN
    assert task.due_at - task.created_at == timedelta(days=2)
    # The owner hears of it in the app ("assigned" on the ticket) and by email (worker).
    notification = Notification.objects.get(recipient__username="bob")
    assert (notification.kind, notification.ticket, notification.text) == (
        NotificationKind.ASSIGNED, sent_request.ticket, "Follow up: Dave Doe rated CSAT 2",
    )  # fmt: skip
    assert notification.emailed_at is not None
    to_bob = emails_to("bob@heedful.test")
    assert [m.subject for m in to_bob] == [
        f"[{sent_request.ticket.ref}] Follow up: Dave Doe rated CSAT 2"  # type: ignore[union-attr]
    ]


@pytest.mark.parametrize(("rating", "opens"), [(1, 1), (2, 1), (3, 0), (4, 0), (5, 0)])
def test_it_opens_a_follow_up_for_csat_1_and_2_only(
    client: Client, sent_request: SurveyRequest, bob_owns_acme: Organization, rating: int,
    opens: int, django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    rate(client, sent_request, rating, django_capture_on_commit_callbacks)
    assert FollowUpTask.objects.count() == opens
    assert Notification.objects.filter(text__startswith="Follow up").count() == opens


@pytest.mark.parametrize(("rating", "opens"), [(0, 1), (6, 1), (7, 0), (8, 0), (10, 0)])
def test_it_opens_a_follow_up_for_nps_detractors_only(
    dave: Contact, bob_owns_acme: Organization, rating: int, opens: int
) -> None:
    do_answer(sent_nps(dave), {RATING: rating})
    assert FollowUpTask.objects.count() == opens


def test_it_never_opens_a_second_follow_up_when_the_answer_is_updated(
    client: Client, sent_request: SurveyRequest, bob_owns_acme: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    for rating in (1, 2, 5, 1):
        rate(client, sent_request, rating, django_capture_on_commit_callbacks)
    task = FollowUpTask.objects.get()
    assert task.rating == 1
    assert Notification.objects.filter(recipient__username="bob").count() == 1
    assert len(emails_to("bob@heedful.test")) == 1


def test_it_falls_back_to_the_team_lead_then_the_assignee_then_nobody(
    alice: User, bob: User, support: Team, make_ticket: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    support.lead = bob
    support.save(update_fields=["lead"])
    owners = []
    for team, assignee in ((support, alice), (None, alice), (None, None)):
        ticket: Ticket = make_ticket(team=team, assignee=assignee, subject="Another")
        request = solve(ticket, alice, django_capture_on_commit_callbacks)
        assert request is not None
        SurveyRequest.objects.filter(pk=request.pk).update(
            state=RequestState.SENT, sent_at=timezone.now()
        )
        if assignee is None:
            Ticket.objects.filter(pk=ticket.pk).update(assignee=None)
        do_answer(request, {RATING: 1})
        task = FollowUpTask.objects.get(request=request)
        owners.append((task.owner.username if task.owner else None, task.owner_source))
    assert owners == [
        ("bob", OwnerSource.TEAM_LEAD), ("alice", OwnerSource.ASSIGNEE), (None, OwnerSource.NOBODY),
    ]  # fmt: skip


def test_it_notifies_the_owner_about_the_contact_when_the_survey_has_no_ticket(
    client: Client, dave: Contact, bob: User, bob_owns_acme: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    request = sent_nps(dave)
    with django_capture_on_commit_callbacks(execute=True):
        do_answer(request, {RATING: 3, COMMENT: "Too expensive."})
    task = FollowUpTask.objects.get()
    assert (task.metric, task.rating, task.ticket) == ("nps", 3, None)
    notification = Notification.objects.get()
    assert (
        notification.recipient, notification.kind, notification.ticket, notification.contact,
        notification.text,
    ) == (
        bob, NotificationKind.ASSIGNED, None, dave, "Follow up: Dave Doe rated NPS 3",
    )  # fmt: skip
    # One email, this app's, which links to the follow-up (not the notification's copy).
    [email] = emails_to("bob@heedful.test")
    assert email.subject == "Follow up: Dave Doe rated NPS 3"
    assert f"/feedback/follow-ups/{task.public_id}/" in str(email.body)
    task.refresh_from_db()
    assert task.owner_emailed_at is not None
    html = login(client, bob).get("/notifications/").content.decode()
    assert f'<a href="/contacts/{dave.public_id}/" class="notification-link">' in html
    assert "<span>Follow up: Dave Doe rated NPS 3</span>" in html


def test_it_uses_the_configured_due_days(
    settings: Any, dave: Contact, bob_owns_acme: Organization
) -> None:
    settings.FEEDBACK_FOLLOW_UP_DUE_DAYS = 5
    do_answer(sent_nps(dave), {RATING: 0})
    task = FollowUpTask.objects.get()
    assert task.due_at - task.created_at == timedelta(days=5)


def test_it_closes_the_follow_up_and_tells_the_customer_once(
    client: Client, sent_request: SurveyRequest, bob_owns_acme: Organization, bob: User,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    rate(client, sent_request, 1, django_capture_on_commit_callbacks)
    task = FollowUpTask.objects.get()
    login(client, bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/feedback/follow-ups/{task.public_id}/",
            {"outcome": "Called Dave, refunded the double charge.", "tell_customer": "on",
             "customer_message": "We refunded the second charge."},
        )  # fmt: skip
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.outcome, task.closed_by) == (
        FollowUpState.DONE, "Called Dave, refunded the double charge.", bob,
    )  # fmt: skip
    assert task.customer_told_at is not None
    [email] = emails_to("dave@acme.test")[len(survey_emails()) :]
    ref = sent_request.ticket.ref  # type: ignore[union-attr]
    assert email.subject == f"[{ref}] What we did about your feedback"
    assert "We refunded the second charge.\n\nBob\nHeedful Support" in str(email.body)
    # A retried job sends nothing more.
    assert do_send_closing_the_loop(task.pk) is False
    assert len(emails_to("dave@acme.test")) == 2  # the survey and the note


def test_it_closes_without_telling_the_customer(
    dave: Contact, bob_owns_acme: Organization, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    do_answer(sent_nps(dave), {RATING: 2})
    task = FollowUpTask.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        do_close_follow_up(task, actor=bob, outcome="Left a voicemail.")
    task.refresh_from_db()
    assert (task.state, task.customer_message, task.customer_told_at) == (
        FollowUpState.DONE, "", None,
    )  # fmt: skip
    assert emails_to("dave@acme.test") == []


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"outcome": "  "}, 400, b"Please say what was done."),
        ({"outcome": "Called", "tell_customer": "on"}, 400,
         b"Please write what to tell the customer."),
        ({"outcome": "x" * 5001}, 400, b"Please keep it under 5000 characters."),
    ],
)  # fmt: skip
def test_it_refuses_a_bad_close_and_changes_nothing(
    client: Client, dave: Contact, bob_owns_acme: Organization, bob: User,
    data: dict[str, str], status: int, message: bytes,
) -> None:  # fmt: skip
    do_answer(sent_nps(dave), {RATING: 2})
    task = FollowUpTask.objects.get()
    response = login(client, bob).post(f"/feedback/follow-ups/{task.public_id}/", data)
    assert response.status_code == status
    assert message in response.content
    task.refresh_from_db()
    assert (task.state, task.outcome, task.closed_at) == (FollowUpState.OPEN, "", None)


def test_it_refuses_to_close_twice(
    client: Client, dave: Contact, bob_owns_acme: Organization, bob: User
) -> None:
    do_answer(sent_nps(dave), {RATING: 2})
    task = FollowUpTask.objects.get()
    do_close_follow_up(task, actor=bob, outcome="Done.")
    url = f"/feedback/follow-ups/{task.public_id}/"
    response = login(client, bob).post(url, {"outcome": "Again"})
    assert response.status_code == 409
    assert b"This follow-up is already closed." in response.content
    task.refresh_from_db()
    assert task.outcome == "Done."


def test_it_hides_follow_ups_from_light_agents_and_customers(
    client: Client, dave: Contact, bob_owns_acme: Organization, carol: User
) -> None:
    do_answer(sent_nps(dave), {RATING: 2})
    task = FollowUpTask.objects.get()
    url = f"/feedback/follow-ups/{task.public_id}/"
    assert client.get(url).status_code == 302
    assert login(client, carol).get(url).status_code == 404
    assert client.post(url, {"outcome": "Sneaky"}).status_code == 404
    assert b"No follow-up is open" in client.get("/feedback/follow-ups/?show=all").content
    assert dave.user is not None
    assert login(client, dave.user).get(url).status_code == 403
    assert client.get("/feedback/follow-ups/not-a-uuid/").status_code == 403
    assert login(client, carol).get("/feedback/follow-ups/not-a-uuid/").status_code == 404
    task.refresh_from_db()
    assert (task.state, task.outcome) == (FollowUpState.OPEN, "")


def test_it_lists_mine_and_all_open_follow_ups(
    client: Client, dave: Contact, erin: Contact, bob_owns_acme: Organization, alice: User,
    bob: User, django_assert_num_queries: Any,
) -> None:  # fmt: skip
    do_answer(sent_nps(dave), {RATING: 2})
    do_answer(sent_nps(erin), {RATING: 4})  # Globex has no owner: nobody's
    mine = login(client, bob).get("/feedback/follow-ups/").content.decode()
    assert mine.count('class="ticket-row follow-up-row"') == 1
    assert "Dave Doe" in mine and "Erin Example" not in mine
    assert 'id="show-mine">Mine (1)<' in mine and 'id="show-all">All (2)<' in mine
    assert 'id="nav-follow-ups"' in mine
    everyone = login(client, alice).get("/feedback/follow-ups/?show=all").content.decode()
    assert everyone.count('class="ticket-row follow-up-row"') == 2
    assert '<span class="muted">nobody</span>' in everyone
    # The same number of queries whatever the number of rows.
    with django_assert_num_queries(6):
        client.get("/feedback/follow-ups/?show=all")
    for _ in range(5):
        do_answer(sent_nps(dave), {RATING: 1})
    with django_assert_num_queries(6):
        assert (
            client.get("/feedback/follow-ups/?show=all")
            .content.decode()
            .count('class="ticket-row follow-up-row"')
            == 7
        )
    assert b"show must be mine or all." in client.get("/feedback/follow-ups/?show=x").content
    assert client.get("/feedback/follow-ups/?show=x").status_code == 400


def test_it_shows_detractors_awaiting_follow_up_on_the_feedback_page(
    client: Client, dave: Contact, bob_owns_acme: Organization, alice: User, bob: User
) -> None:
    do_answer(sent_nps(dave), {RATING: 5})
    second = sent_nps(dave)
    do_answer(second, {RATING: 9})
    page = login(client, alice).get("/feedback/").content.decode()
    assert 'id="open-follow-ups">1 open<' in page
    assert "NPS 5</span>" in page
    do_close_follow_up(FollowUpTask.objects.get(), actor=bob, outcome="Called.")
    page = client.get("/feedback/").content.decode()
    assert 'id="open-follow-ups">0 open<' in page
    assert "Nobody is waiting" in page
