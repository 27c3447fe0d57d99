"""A message that cannot be processed still becomes a ticket with its raw source."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.mail import actions
from heedful.mail.actions import Outcome, ingest_raw
from heedful.mail.models import MailMessage, State
from heedful.tickets.models import Attachment, Message, Ticket
from tests.conftest import login
from tests.mail.conftest import build_email


@pytest.fixture
def broken_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: make the parser itself crash, as a parser bug would."""

    def explode(raw: bytes) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(actions, "parse_email", explode)


def test_it_keeps_a_message_that_fails_to_parse_as_a_ticket(
    db: None, broken_parser: None, caplog: pytest.LogCaptureFixture
) -> None:
    raw = build_email(message_id="<poison@acme.test>")
    result = ingest_raw(raw, source="smtp")
    assert result.outcome == Outcome.FAILED
    ticket = result.ticket
    assert ticket is not None
    assert ticket.subject == "Unreadable email: poison@acme.test"
    assert list(ticket.tags.values_list("name", flat=True)) == ["mail-parse-failed"]
    message = Message.objects.get(ticket=ticket)
    assert message.body_text.startswith(
        "Warning: this email could not be processed: RecursionError: maximum recursion depth"
    )
    original = Attachment.objects.get(message=message)
    assert (original.filename, original.content_type) == ("original.eml", "message/rfc822")
    with original.file.open("rb") as handle:
        assert handle.read() == raw
    mail = MailMessage.objects.get(pk=result.mail.pk)
    assert mail.state == State.FAILED
    assert mail.warnings == [
        "could not be processed: RecursionError: maximum recursion depth exceeded"
    ]
    assert "poison@acme.test" in caplog.text
    assert str(mail.public_id) in caplog.text


def test_it_goes_on_with_the_next_message_after_a_poison_one(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = actions.parse_email

    def sometimes(raw: bytes) -> Any:
        if b"poison" in raw:
            raise ValueError("bad")
        return real(raw)

    monkeypatch.setattr(actions, "parse_email", sometimes)
    outcomes = [
        ingest_raw(build_email(message_id=f"<{name}@acme.test>"), source="smtp").outcome
        for name in ("ok1", "poison", "ok2")
    ]
    assert outcomes == [Outcome.CREATED, Outcome.FAILED, Outcome.CREATED]
    assert Ticket.objects.count() == 3


def test_it_lets_an_agent_download_the_raw_source(
    client: Client, alice: User, dave: Contact
) -> None:
    raw = build_email()
    result = ingest_raw(raw, source="smtp")
    assert result.ticket is not None
    url = f"/tickets/{result.ticket.ref}/email/{result.mail.public_id}/raw/"
    response = login(client, alice).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{result.ticket.ref}-{result.mail.public_id}.eml"'
    )
    assert response.content == raw
    page = client.get(f"/tickets/{result.ticket.ref}/")
    assert url.encode() in page.content


def test_it_shows_the_parse_warning_on_the_ticket_page(
    client: Client, alice: User, broken_parser: None
) -> None:
    result = ingest_raw(build_email(), source="smtp")
    assert result.ticket is not None
    page = login(client, alice).get(f"/tickets/{result.ticket.ref}/")
    assert b"Could not be read: could not be processed: RecursionError" in page.content


def test_it_hides_the_raw_source_from_those_who_cannot_see_the_ticket(
    client: Client, carol: User, dave: Contact
) -> None:
    result = ingest_raw(build_email(), source="smtp")
    assert result.ticket is not None
    url = f"/tickets/{result.ticket.ref}/email/{result.mail.public_id}/raw/"
    assert login(client, carol).get(url).status_code == 404
    assert MailMessage.objects.get().state == State.PROCESSED


def test_it_refuses_the_raw_source_to_customers(client: Client, dave: Contact) -> None:
    result = ingest_raw(build_email(), source="smtp")
    assert result.ticket is not None
    assert dave.user is not None
    url = f"/tickets/{result.ticket.ref}/email/{result.mail.public_id}/raw/"
    assert login(client, dave.user).get(url).status_code == 403


def test_it_404s_a_raw_source_asked_for_under_another_ticket(
    client: Client, alice: User, dave: Contact
) -> None:
    a = ingest_raw(build_email(message_id="<a@acme.test>"), source="smtp")
    b = ingest_raw(build_email(message_id="<b@acme.test>", subject="Other"), source="smtp")
    assert a.ticket is not None and b.ticket is not None
    url = f"/tickets/{b.ticket.ref}/email/{a.mail.public_id}/raw/"
    assert login(client, alice).get(url).status_code == 404
