"""The CSAT question on a solved ticket in the portal: recorded by the same action as
the email's links; a second answer updates; only the requester can rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.feedback.actions import send_due_requests
from heedful.feedback.models import AgentCredit, RequestState, Response, SurveyRequest
from heedful.portal.actions import do_set_ticket_sharing
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Status, Ticket
from tests.conftest import login
from tests.feedback.conftest import rate_links, send_when_due, solve, survey_emails


def answers() -> list[tuple[str, int | None, str]]:
    return sorted(Response.objects.values_list("question__key", "rating", "text"))


def test_it_records_a_rating_and_comment_and_updates_on_a_second_answer(
    client: Client, alice: User, dave: Contact, acme_ticket: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    scheduled = solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert scheduled is not None and scheduled.state == RequestState.SCHEDULED
    assert dave.user is not None
    login(client, dave.user)
    page = client.get(f"/portal/tickets/{acme_ticket.ref}/").content.decode()
    assert "How satisfied are you with the help you received?" in page
    assert 'id="csat-rate-5"' in page and 'id="csat-recorded"' not in page
    url = f"/portal/tickets/{acme_ticket.ref}/rate/"
    response = client.post(url, {"rating": "4", "comment": "Quick, thanks Alice!"}, follow=True)
    assert response.status_code == 200
    assert "Thank you! Your rating was recorded." in response.content.decode()
    assert answers() == [("comment", None, "Quick, thanks Alice!"), ("rating", 4, "")]
    client.post(url, {"rating": "2", "comment": ""})
    assert answers() == [("comment", None, "Quick, thanks Alice!"), ("rating", 2, "")]
    assert SurveyRequest.objects.count() == 1
    scheduled.refresh_from_db()
    assert scheduled.state == RequestState.ANSWERED
    assert list(AgentCredit.objects.values_list("agent__username", "weight")) == [("alice", 1.0)]
    page = client.get(f"/portal/tickets/{acme_ticket.ref}/").content.decode()
    assert "You rated it 2 of 5" in page
    # Answered in the portal: the email is not sent when it falls due.
    assert send_when_due(scheduled) == {}
    assert survey_emails() == []


def test_it_updates_the_answer_given_by_the_email_link(
    client: Client, alice: User, dave: Contact, acme_ticket: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    request = solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert request is not None and send_when_due(request) == {"sent": 1}
    client.get(rate_links(survey_emails()[0])[1])
    assert answers() == [("rating", 1, "")]
    assert dave.user is not None
    login(client, dave.user).post(f"/portal/tickets/{acme_ticket.ref}/rate/", {"rating": "5"})
    assert answers() == [("rating", 5, "")]
    assert Response.objects.get().request_id == request.pk


def test_it_asks_only_on_solved_tickets(client: Client, dave: Contact, acme_ticket: Ticket) -> None:
    assert dave.user is not None
    login(client, dave.user)
    assert 'id="csat-box"' not in client.get(f"/portal/tickets/{acme_ticket.ref}/").content.decode()
    response = client.post(f"/portal/tickets/{acme_ticket.ref}/rate/", {"rating": "5"})
    assert response.status_code == 400
    assert "You can rate a request once it is solved." in response.content.decode()
    assert answers() == []


def test_it_refuses_a_bad_rating_with_a_message(
    client: Client, alice: User, dave: Contact, acme_ticket: Ticket
) -> None:
    do_add_message(acme_ticket, author=alice, body_text="Done.", new_status=Status.SOLVED)
    assert dave.user is not None
    login(client, dave.user)
    url = f"/portal/tickets/{acme_ticket.ref}/rate/"
    for value, message in [("9", "A rating must be from 1 to 5."),
                           ("abc", "A rating must be a whole number.")]:  # fmt: skip
        response = client.post(url, {"rating": value})
        assert response.status_code == 400
        assert f'id="csat-error">{message}</div>' in response.content.decode()
    assert answers() == []


def test_erin_gets_404_on_acmes_ticket(
    client: Client, alice: User, erin: Contact, acme_ticket: Ticket
) -> None:
    do_add_message(acme_ticket, author=alice, body_text="Done.", new_status=Status.SOLVED)
    assert erin.user is not None
    login(client, erin.user)
    assert (
        client.post(f"/portal/tickets/{acme_ticket.ref}/rate/", {"rating": "1"}).status_code == 404
    )
    assert answers() == []
    # The survey the solve scheduled is untouched.
    assert list(SurveyRequest.objects.values_list("state", "sent_at")) == [
        (RequestState.SCHEDULED, None)
    ]


def test_a_colleague_sees_a_shared_ticket_but_cannot_rate_it(
    client: Client, alice: User, acme: Organization, make_ticket: Callable[..., Ticket]
) -> None:
    from heedful.accounts.actions import do_create_user
    from heedful.accounts.models import Role

    user = do_create_user("dee", role=Role.CUSTOMER, email="dee@acme.test", password="x" * 20)
    Contact.objects.create(name="Dee", email="dee@acme.test", organization=acme, user=user)
    do_set_ticket_sharing(acme, True, actor=alice)
    ticket = make_ticket()
    do_add_message(ticket, author=alice, body_text="Done.", new_status=Status.SOLVED)
    login(client, user)
    page = client.get(f"/portal/tickets/{ticket.ref}/")
    assert page.status_code == 200 and 'id="csat-box"' not in page.content.decode()
    assert client.post(f"/portal/tickets/{ticket.ref}/rate/", {"rating": "5"}).status_code == 403
    assert answers() == []
    assert send_due_requests() == {}
