"""ingest_raw: raw stored first, then parsed into a ticket with its files."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

from heedful.customers.models import Contact, Organization
from heedful.mail.actions import IngestResult, Outcome, ingest_raw
from heedful.mail.models import MailMessage, State
from heedful.tickets.models import Attachment, Channel, Message, Status, Ticket
from tests.mail.conftest import build_email


def test_it_creates_a_ticket_for_a_new_email(
    deliver: Callable[..., IngestResult], dave: Contact
) -> None:
    result = deliver()
    assert result.outcome == Outcome.CREATED
    ticket = result.ticket
    assert ticket is not None
    assert (ticket.subject, ticket.requester, ticket.channel) == (
        "Printer on fire",
        dave,
        Channel.EMAIL,
    )
    assert ticket.status == Status.NEW
    message = Message.objects.get(ticket=ticket)
    assert message.body_text == "The printer in room 4 is on fire."
    assert message.external_id == "m1@acme.test"
    assert message.author_contact == dave


def test_it_stores_the_raw_message_compressed(deliver: Callable[..., IngestResult]) -> None:
    raw = build_email(body="x" * 5000)
    mail = deliver(raw).mail
    stored = MailMessage.objects.get(pk=mail.pk)
    assert bytes(stored.raw) == zlib.compress(raw, 6)
    assert stored.raw_size == len(raw)
    assert len(bytes(stored.raw)) < len(raw) // 5
    assert stored.raw_bytes == raw
    assert (stored.state, stored.message_id, stored.from_address) == (
        State.PROCESSED,
        "m1@acme.test",
        "dave@acme.test",
    )


def test_it_creates_a_contact_in_the_organization_of_the_domain(
    deliver: Callable[..., IngestResult], acme: Organization
) -> None:
    ticket = deliver(sender="Frank Field <Frank@ACME.test>").ticket
    assert ticket is not None
    frank = Contact.objects.get(email="frank@acme.test")
    assert (frank.name, frank.organization, ticket.organization) == ("Frank Field", acme, acme)


def test_it_does_not_match_an_organization_by_a_domain_suffix(
    deliver: Callable[..., IngestResult], acme: Organization
) -> None:
    deliver(sender="mallory@notacme.test")
    assert Contact.objects.get(email="mallory@notacme.test").organization is None


def test_it_sanitizes_html_and_keeps_the_text_version(
    deliver: Callable[..., IngestResult],
) -> None:
    html = '<p onclick="evil()">Hello <b>there</b></p><script>alert(1)</script>'
    ticket = deliver(body="Hello there", html=html).ticket
    message = Message.objects.get(ticket=ticket)
    assert message.body_text == "Hello there"
    assert message.body_html == "<p>Hello <b>there</b></p>"


def test_it_folds_quoted_history_and_signature_but_keeps_them(
    deliver: Callable[..., IngestResult],
) -> None:
    body = (
        "Thanks, restarting fixed it.\n\n"
        "On Tue, Mar 4, 2025 at 10:00 AM Alice <alice@heedful.test> wrote:\n"
        "> Did you try restarting it?\n"
    )
    result = deliver(body=body)
    message = Message.objects.get(ticket=result.ticket)
    assert message.body_text == "Thanks, restarting fixed it."
    assert MailMessage.objects.get(pk=result.mail.pk).folded_text == (
        "On Tue, Mar 4, 2025 at 10:00 AM Alice <alice@heedful.test> wrote:\n"
        "> Did you try restarting it?"
    )


def test_it_keeps_indentation_of_the_visible_text(deliver: Callable[..., IngestResult]) -> None:
    body = "My config:\n\n    [server]\n        port = 80\n\n-- \nDave\n"
    message = Message.objects.get(ticket=deliver(body=body).ticket)
    assert message.body_text == "My config:\n\n    [server]\n        port = 80"


def test_it_saves_an_attachment_with_a_non_ascii_name(
    deliver: Callable[..., IngestResult], corpus: Path
) -> None:
    raw = (corpus / "mail-fixtures/attachment_emails/attachment_nonascii_filename.eml").read_bytes()
    ticket = deliver(raw).ticket
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "ciële.txt",
        "text/plain",
        11,
    )
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"Hi there.\r\n"


def test_it_rewrites_inline_images_to_their_stored_files(
    deliver: Callable[..., IngestResult],
) -> None:
    raw = (
        b"From: dave@acme.test\r\nTo: support@heedful.test\r\nSubject: Screenshot\r\n"
        b"Message-ID: <img@acme.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p>See <img src="cid:shot1@acme.test" alt="shot"></p>\r\n'
        b"--B\r\nContent-Type: image/png\r\nContent-ID: <shot1@acme.test>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--B--\r\n"
    )
    ticket = deliver(raw).ticket
    image = Attachment.objects.get(message__ticket=ticket)
    message = Message.objects.get(ticket=ticket)
    assert (image.filename, image.content_type, image.size) == ("inline-1.png", "image/png", 8)
    assert message.body_html == f'<p>See <img src="/attachments/{image.public_id}/" alt="shot"></p>'
    assert message.body_text == "See"


def test_it_shows_a_forwarded_message_and_attaches_it(
    deliver: Callable[..., IngestResult], corpus: Path
) -> None:
    raw = (corpus / "mail-fixtures/attachment_emails/attachment_message_rfc822.eml").read_bytes()
    ticket = deliver(raw).ticket
    names = list(
        Attachment.objects.filter(message__ticket=ticket)
        .order_by("id")
        .values_list("filename", "content_type")
    )
    assert names == [("broken.pdf", "application/pdf"), ("ForwardedMessage.eml", "message/rfc822")]
    body = Message.objects.get(ticket=ticket).body_text
    assert "---------- Forwarded message ----------" in body


def test_it_gives_an_empty_email_a_readable_body(deliver: Callable[..., IngestResult]) -> None:
    raw = b"From: dave@acme.test\r\nMessage-ID: <empty@acme.test>\r\n\r\n"
    ticket = deliver(raw).ticket
    assert ticket is not None
    assert ticket.subject == "(no subject)"
    assert Message.objects.get(ticket=ticket).body_text == "(empty message)"


def test_it_strips_nul_characters_that_postgresql_cannot_store(
    deliver: Callable[..., IngestResult],
) -> None:
    raw = b"From: dave@acme.test\r\nSubject: nul\r\nMessage-ID: <nul@acme.test>\r\n\r\na\x00b\r\n"
    result = deliver(raw)
    assert result.outcome == Outcome.CREATED
    assert Message.objects.get(ticket=result.ticket).body_text == "ab"


def test_it_keeps_imported_history_at_its_date(db: None) -> None:
    ticket = ingest_raw(build_email(), source="import").ticket
    assert ticket is not None
    assert ticket.created_at.isoformat() == "2025-03-04T10:00:00+00:00"


def test_it_counts_a_message_without_message_id_once_by_its_bytes(db: None) -> None:
    raw = build_email(message_id="")
    first = ingest_raw(raw, source="smtp")
    second = ingest_raw(raw, source="smtp")
    assert (first.outcome, second.outcome) == (Outcome.CREATED, Outcome.DUPLICATE)
    assert Ticket.objects.count() == 1
