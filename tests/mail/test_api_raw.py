"""POST /api/v1/mail/raw: one raw email in, through the one ingest pipeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from heedful.accounts.actions import do_create_api_token
from heedful.accounts.models import TokenScope, User
from heedful.customers.models import Contact
from heedful.mail.models import MailMessage, Source, State
from heedful.tickets.models import Message, Ticket
from tests.mail.conftest import build_email

URL = "/api/v1/mail/raw"
Post = Callable[..., Any]


def _post_as(user: User, scope: str = TokenScope.WRITE) -> Post:
    _, secret = do_create_api_token(user, name="mail", scope=scope)
    client = Client()

    def post(raw: bytes, content_type: str = "message/rfc822") -> Any:
        return client.post(
            URL, raw, content_type=content_type, headers={"Authorization": f"Bearer {secret}"}
        )

    return post


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return dict(body["error"])


def _counts() -> tuple[int, int, int]:
    return MailMessage.objects.count(), Ticket.objects.count(), Message.objects.count()


def test_it_creates_a_ticket_from_raw_bytes(alice: User, dave: Contact) -> None:
    response = _post_as(alice)(build_email())
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    mail = MailMessage.objects.get()
    assert response.json() == {
        "outcome": "created",
        "ticket": ticket.ref,
        "mail_id": str(mail.public_id),
        "message_id": "m1@acme.test",
        "warnings": [],
    }
    assert (ticket.requester, ticket.subject) == (dave, "Printer on fire")
    assert (mail.source, mail.state, mail.mailbox) == (Source.API, State.PROCESSED, "api:alice")
    assert mail.raw_bytes == build_email()


def test_it_threads_a_reply_and_answers_a_second_delivery_as_duplicate(
    alice: User, dave: Contact
) -> None:
    post = _post_as(alice)
    first = post(build_email()).json()
    reply_raw = build_email(
        subject="Re: Printer on fire",
        body="Now the scanner too.",
        message_id="<m2@acme.test>",
        headers={"In-Reply-To": "<m1@acme.test>"},
    )
    reply = post(reply_raw)
    again = post(reply_raw)
    assert (reply.status_code, again.status_code) == (201, 201)
    assert (reply.json()["outcome"], reply.json()["ticket"]) == ("threaded", first["ticket"])
    assert again.json() == {**reply.json(), "outcome": "duplicate"}
    assert _counts() == (2, 1, 2)


def test_it_keeps_an_email_without_sender_as_a_ticket_with_its_warning(alice: User) -> None:
    response = _post_as(alice)(b"\x00\xff not an email at all \x00")
    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert (body["outcome"], body["ticket"], body["warnings"]) == (
        "created",
        ticket.ref,
        ["no readable From address"],
    )
    assert (ticket.subject, ticket.requester.name) == ("(no subject)", "Unknown sender")
    assert MailMessage.objects.get().raw_bytes == b"\x00\xff not an email at all \x00"


def test_it_answers_failed_when_processing_breaks(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("threading exploded")

    monkeypatch.setattr("heedful.mail.actions.find_thread", broken)
    response = _post_as(alice)(build_email())
    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert (body["outcome"], body["ticket"]) == ("failed", ticket.ref)
    assert body["warnings"] == ["could not be processed: RuntimeError: threading exploded"]
    assert ticket.subject == "Unreadable email: Printer on fire"


def test_it_accepts_octet_stream_too(alice: User) -> None:
    response = _post_as(alice)(build_email(), content_type="application/octet-stream")
    assert (response.status_code, response.json()["outcome"]) == (201, "created")
    assert _counts() == (1, 1, 1)


def test_it_refuses_another_media_type(alice: User) -> None:
    response = _post_as(alice)(build_email(), content_type="application/json")
    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"
    assert _counts() == (0, 0, 0)


def test_it_refuses_an_empty_body(alice: User) -> None:
    response = _post_as(alice)(b"  \r\n")
    assert response.status_code == 422
    assert _error(response)["fields"] == {"body": "empty"}
    assert _counts() == (0, 0, 0)


def test_it_refuses_an_email_over_the_mail_limit(alice: User, settings: Any) -> None:
    settings.MAIL_MAX_BYTES = 2048
    response = _post_as(alice)(build_email(body="x" * 3000))
    assert response.status_code == 413
    assert _error(response) == {
        "code": "body_too_large",
        "message": "The email is larger than the limit of 2048 bytes.",
        "fields": {},
    }
    assert _counts() == (0, 0, 0)


def test_it_refuses_a_body_over_the_api_limit(alice: User, settings: Any) -> None:
    settings.API_MAX_BODY_BYTES = 2048
    response = _post_as(alice)(build_email(body="x" * 3000))
    assert response.status_code == 413
    assert _error(response)["code"] == "body_too_large"
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize("who", ["carol", "dave", "erin"])
def test_it_refuses_light_agents_and_customers(
    who: str, request: pytest.FixtureRequest, alice: User
) -> None:
    person = request.getfixturevalue(who)
    user = person.user if isinstance(person, Contact) else person
    response = _post_as(user)(build_email())
    assert response.status_code == 403
    assert _error(response)["code"] == "forbidden"
    assert _counts() == (0, 0, 0)


def test_it_refuses_a_read_only_token(alice: User) -> None:
    response = _post_as(alice, scope=TokenScope.READ)(build_email())
    assert response.status_code == 403
    assert _error(response)["message"] == (
        "This token is read-only; create a token with the write scope."
    )
    assert _counts() == (0, 0, 0)


def test_it_refuses_a_caller_without_a_token(db: None) -> None:
    response = Client().post(URL, build_email(), content_type="message/rfc822")
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"
    assert _counts() == (0, 0, 0)


def test_it_documents_the_raw_body_in_the_schema(db: None) -> None:
    operation = Client().get("/api/v1/openapi.json").json()["paths"][URL]["post"]
    assert operation["operationId"] == "ingest_raw_mail"
    binary = {"schema": {"type": "string", "format": "binary"}}
    assert operation["requestBody"]["content"] == {
        "message/rfc822": binary,
        "application/octet-stream": binary,
    }
    assert {"201", "403", "413", "415"} <= set(operation["responses"])
