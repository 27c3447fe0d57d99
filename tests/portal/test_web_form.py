"""The anonymous, embeddable web form: contact and ticket made, a confirmation with the
reference emailed by the worker; the honeypot and rate limits stop bots; garbage is a
readable 400."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heedful.customers.models import Contact, Organization
from heedful.portal.models import Confirmation
from heedful.tickets.models import Channel, Message, Status, Ticket
from tests.portal.conftest import world_state

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]
FORM = {
    "name": "Grace Hopper",
    "email": "Grace@Globex.test",
    "subject": "Cannot log in",
    "body": "The login page says my password expired.",
    "website": "",
}


@pytest.fixture
def submit(django_capture_on_commit_callbacks: Capture) -> Callable[..., Any]:
    client = Client(enforce_csrf_checks=True)  # an iframe on another site has no CSRF cookie

    def post(data: dict[str, Any] | None = None, **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/support/new/", {**FORM, **(data or {})}, **extra)

    return post


def test_it_opens_a_ticket_and_emails_the_reference(
    globex: Organization, submit: Callable[..., Any]
) -> None:
    upload = SimpleUploadedFile("error.png", b"\x89PNG", "image/png")
    response = submit({"attachments": [upload]})
    assert response.status_code == 302
    assert response["Location"] == "/support/thanks/"
    contact = Contact.objects.get(email="grace@globex.test")
    assert (contact.name, contact.organization, contact.user) == ("Grace Hopper", globex, None)
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel, ticket.status) == (
        "Cannot log in",
        Channel.WEB,
        Status.NEW,
    )
    assert ticket.requester == contact
    message = Message.objects.get(ticket=ticket)
    assert message.body_text == "The login page says my password expired."
    assert list(message.attachments.values_list("filename", "size")) == [("error.png", 4)]

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["grace@globex.test"]
    assert sent.subject == f"[{ticket.ref}] We received your request: Cannot log in"
    assert f"Its reference is {ticket.ref}" in sent.body
    assert Confirmation.objects.get(ticket=ticket).sent_at is not None


def test_it_sends_the_confirmation_once_even_if_the_job_runs_twice(
    submit: Callable[..., Any],
) -> None:
    from heedful.portal.tasks import send_confirmation

    submit()
    confirmation = Confirmation.objects.get()
    assert send_confirmation.call(confirmation_id=confirmation.pk) is False
    assert len(mail.outbox) == 1


def test_it_reuses_an_existing_contact(dave: Contact, submit: Callable[..., Any]) -> None:
    submit({"name": "Someone Else", "email": "DAVE@acme.test"})
    ticket = Ticket.objects.get()
    assert ticket.requester == dave
    dave.refresh_from_db()
    assert dave.name == "Dave Doe"
    assert Contact.objects.count() == 1


def test_it_pretends_to_accept_what_fills_the_honeypot(submit: Callable[..., Any]) -> None:
    before = world_state()
    response = submit({"website": "http://spam.test"})
    assert response.status_code == 302
    assert response["Location"] == "/support/thanks/"
    assert world_state() == before


def test_it_rate_limits_per_address(settings: Any, submit: Callable[..., Any]) -> None:
    settings.PORTAL_RATE_PER_ADDRESS = 2
    assert submit({"subject": "One"}).status_code == 302
    assert submit({"subject": "Two", "email": "grace@GLOBEX.test"}).status_code == 302
    before = world_state()
    refused = submit({"subject": "Three"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many requests for this email address." in refused.content.decode()
    assert world_state() == before
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["One", "Two"]


def test_it_rate_limits_per_ip(settings: Any, submit: Callable[..., Any]) -> None:
    settings.PORTAL_RATE_PER_IP = 2
    for n in range(2):
        assert submit({"email": f"bot{n}@spam.test"}).status_code == 302
    refused = submit({"email": "bot9@spam.test"})
    assert refused.status_code == 429
    assert "Too many requests from your network." in refused.content.decode()
    assert Ticket.objects.count() == 2
    assert submit({"email": "bot9@spam.test"}, REMOTE_ADDR="10.1.1.1").status_code == 302


@pytest.mark.parametrize(
    ("data", "error"),
    [({"name": ""}, "Tell us your name."),
     ({"email": ""}, "Give an email address so we can answer."),
     ({"email": "not an address"}, "Enter a valid email address."),
     ({"subject": ""}, "Give your request a short subject."),
     ({"body": "  "}, "Tell us what happened."),
     ({"name": "x" * 201}, "Ensure this value has at most 200 characters"),
     ({"name": "a\x00b"}, "Null characters are not allowed."),
     ({"email": ["a@b.test", "c@d.test"], "subject": "x" * 400}, "at most 300 characters")],
)  # fmt: skip
def test_it_explains_bad_submissions(
    submit: Callable[..., Any], data: dict[str, Any], error: str
) -> None:
    before = world_state()
    response = submit(data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert world_state() == before


def test_it_answers_an_empty_post_readably(client: Client) -> None:
    response = client.post("/support/new/", {})
    assert response.status_code == 400
    assert "Tell us your name." in response.content.decode()


def test_it_can_be_embedded_in_another_site(client: Client) -> None:
    for url in ("/support/new/", "/support/thanks/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Frame-Options" not in response
    # The rest of the product still refuses to be framed.
    assert client.get("/portal/sign-in/")["X-Frame-Options"] == "DENY"
