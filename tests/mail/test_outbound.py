"""Agent replies by email, against a real SMTP server (aiosmtpd in the test): headers that
thread, a customer reply that threads back through the inbound pipeline, retries on 4xx,
a permanent 5xx shown on the message, and no second send after a crash."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import transaction
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.mail import outbound_send
from heedful.mail.actions import IngestResult, Outcome, ingest_raw
from heedful.mail.models import Direction, Mailbox, MailMessage, OutboundEmail, OutboundState
from heedful.mail.outbound import queue_reply_email
from heedful.mail.outbound_send import send_due_outbound, send_outbound
from heedful.mail.parsing import parse_email
from heedful.mail.threading import ThreadMatch, find_thread
from heedful.sla.scheduler import run_pass
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Message, Ticket
from tests.conftest import login
from tests.mail.conftest import build_email


class Sink:
    """An SMTP server that keeps what it accepts; its replies to RCPT and DATA can be
    scripted (``451 …`` once, ``550 …`` always)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.data_replies: list[str] = []
        self.rcpt_reply = ""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.data_replies.pop(0) if self.data_replies else "250 2.0.0 Queued"
        if reply.startswith("250"):
            raw = envelope.original_content or b""
            self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), raw))
        return reply

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=default) for _, _, raw in self.received]  # type: ignore[misc]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    handler = Sink()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    settings.EMAIL_USE_TLS = False
    settings.MAIL_AUTOACK = False  # these tests are about replies; see test_autoack.py
    yield handler
    controller.stop()


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(
        address="support@heedful.test",
        name="Heedful Support",
        signature="Heedful Support · heedful.test",
        is_default=True,
    )


@pytest.fixture
def emailed_ticket(
    mailbox: Mailbox, dave: Contact, django_capture_on_commit_callbacks: Any
) -> Ticket:
    """dave wrote to support@, copying frank, a colleague."""
    raw = build_email(message_id="<m1@acme.test>", headers={"Cc": "Frank Fox <frank@acme.test>"})
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_raw(raw, source="smtp")
    assert result.outcome == Outcome.CREATED and result.ticket is not None
    return result.ticket


Reply = Callable[..., Message]


@pytest.fixture
def reply(alice: User, django_capture_on_commit_callbacks: Any) -> Reply:
    def send(ticket: Ticket, text: str = "We have sent a technician.") -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return do_add_message(ticket, author=alice, body_text=text)

    return send


def test_it_sends_the_reply_with_headers_that_thread(
    sink: Sink, emailed_ticket: Ticket, reply: Reply
) -> None:
    message = reply(emailed_ticket)

    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts, row.ticket_message_id) == (OutboundState.SENT, 1, message.pk)
    assert len(sink.received) == 1
    mail_from, rcpt_tos, _ = sink.received[0]
    assert (mail_from, sorted(rcpt_tos)) == (
        "support@heedful.test",
        ["dave@acme.test", "frank@acme.test"],
    )
    sent = sink.messages()[0]
    ref = emailed_ticket.ref
    assert sent["Subject"] == f"Re: Printer on fire [{ref}]"
    assert sent["From"] == "Heedful Support <support@heedful.test>"
    assert sent["To"] == "Dave Doe <dave@acme.test>"
    assert sent["Cc"] == "Frank Fox <frank@acme.test>"
    assert sent["Reply-To"] == f"Heedful Support <support+{ref}@heedful.test>"
    assert sent["Message-ID"] == f"<{row.message_id}>"
    assert row.message_id.endswith("@heedful.test")
    assert sent["In-Reply-To"] == "<m1@acme.test>"
    assert sent["References"] == "<m1@acme.test>"
    assert sent["Auto-Submitted"] is None
    text = sent.get_body(("plain",))
    assert text is not None
    assert text.get_content().replace("\r\n", "\n") == (
        "We have sent a technician.\n\n-- \nHeedful Support · heedful.test\n"
    )
    # The stored copy: downloadable, and found again by a reply or a bounce.
    stored = MailMessage.objects.get(direction=Direction.OUTBOUND)
    assert (stored.message_id, stored.ticket_id, stored.ticket_message_id) == (
        row.message_id,
        emailed_ticket.pk,
        message.pk,
    )


def _customer_reply(sent: EmailMessage, *, message_id: str, headers: bool = True) -> bytes:
    answer = EmailMessage()
    answer["From"] = "Dave Doe <dave@acme.test>"
    answer["To"] = str(sent["Reply-To"])
    answer["Subject"] = f"Re: {sent['Subject']}"
    answer["Message-ID"] = message_id
    if headers:
        answer["In-Reply-To"] = str(sent["Message-ID"])
        answer["References"] = str(sent["Message-ID"])
    answer.set_content("Thanks, the fire is out.\n\n> We have sent a technician.\n")
    return answer.as_bytes()


def test_it_threads_the_customers_reply_to_our_email_back_into_the_ticket(
    sink: Sink, emailed_ticket: Ticket, reply: Reply
) -> None:
    reply(emailed_ticket)
    sent = sink.messages()[0]
    raw = _customer_reply(sent, message_id="<r1@acme.test>")
    # Our own Message-ID is what finds the ticket (before the ref or the plus address).
    dave = Contact.objects.get(email="dave@acme.test")
    assert find_thread(parse_email(raw), dave) == ThreadMatch(emailed_ticket, "in-reply-to")

    result: IngestResult = ingest_raw(raw, source="smtp")

    assert (result.outcome, result.ticket) == (Outcome.THREADED, emailed_ticket)
    assert Ticket.objects.count() == 1
    latest = Message.objects.filter(ticket=emailed_ticket).order_by("-id").first()
    assert latest is not None and latest.body_text == "Thanks, the fire is out."


def test_it_threads_a_reply_that_lost_its_headers_by_the_plus_address(
    sink: Sink, emailed_ticket: Ticket, reply: Reply
) -> None:
    reply(emailed_ticket)
    sent = sink.messages()[0]
    raw = _customer_reply(sent, message_id="<r2@acme.test>", headers=False)
    raw = raw.replace(f"[{emailed_ticket.ref}]".encode(), b"")  # and the subject ref too

    result = ingest_raw(raw, source="smtp")

    assert (result.outcome, result.ticket) == (Outcome.THREADED, emailed_ticket)


def test_it_retries_a_temporary_failure_and_delivers_once(
    sink: Sink, emailed_ticket: Ticket, reply: Reply, alice: User, client: Client
) -> None:
    sink.data_replies = ["451 4.3.0 Mailbox busy, try again later"]
    before = timezone.now()
    reply(emailed_ticket)

    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts, row.last_error) == (
        OutboundState.QUEUED,
        1,
        "451 4.3.0 Mailbox busy, try again later",
    )
    assert before + timedelta(seconds=60) <= row.next_attempt_at
    assert row.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    assert sink.received == []
    page = login(client, alice).get(f"/tickets/{emailed_ticket.ref}/").content.decode()
    assert "Retrying: 451 4.3.0 Mailbox busy, try again later (attempt 1 failed;" in page

    assert send_due_outbound(now=row.next_attempt_at - timedelta(seconds=1)) == {"unconfirmed": 0}
    assert sink.received == []
    assert send_due_outbound(now=row.next_attempt_at) == {"unconfirmed": 0, "sent": 1}

    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (OutboundState.SENT, 2, "")
    assert len(sink.received) == 1
    assert sink.messages()[0]["Message-ID"] == f"<{row.message_id}>"
    assert send_due_outbound(now=row.next_attempt_at + timedelta(hours=1)) == {"unconfirmed": 0}
    assert len(sink.received) == 1


def test_it_backs_off_exponentially_and_gives_up_after_the_last_attempt(
    sink: Sink, emailed_ticket: Ticket, reply: Reply, settings: Any
) -> None:
    settings.MAIL_SEND_ATTEMPTS = 3
    sink.data_replies = ["421 4.7.0 Try later"] * 3
    reply(emailed_ticket)
    row = OutboundEmail.objects.get()
    waits = []
    for _ in range(2):
        waits.append(row.next_attempt_at - row.updated_at)
        send_outbound(row.pk, now=row.next_attempt_at)
        row.refresh_from_db()
    assert [round(w.total_seconds()) for w in waits] == [60, 120]
    assert (row.state, row.attempts, row.last_error) == (
        OutboundState.FAILED,
        3,
        "gave up after 3 attempts: 421 4.7.0 Try later",
    )
    assert sink.received == []


def test_it_records_a_permanent_failure_and_shows_it_on_the_message(
    sink: Sink, emailed_ticket: Ticket, reply: Reply, alice: User, client: Client
) -> None:
    sink.rcpt_reply = "550 5.1.1 Recipient address rejected: User unknown"
    message = reply(emailed_ticket)

    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts) == (OutboundState.FAILED, 1)
    assert row.last_error == (
        "dave@acme.test: 550 5.1.1 Recipient address rejected: User unknown; "
        "frank@acme.test: 550 5.1.1 Recipient address rejected: User unknown"
    )
    assert send_due_outbound(now=timezone.now() + timedelta(days=1)) == {"unconfirmed": 0}
    assert sink.received == []

    page = login(client, alice).get(f"/tickets/{emailed_ticket.ref}/").content.decode()
    bubble = page.split(f'id="message-{message.public_id}"')[1].split("</li>")[0]
    assert (
        '<span class="form-error" role="alert">Not delivered to dave@acme.test, '
        "frank@acme.test: dave@acme.test: 550 5.1.1 Recipient address rejected: User "
        "unknown; frank@acme.test: 550 5.1.1 Recipient address rejected: User unknown</span>"
    ) in bubble


def test_it_never_sends_twice_after_a_crash_between_sending_and_recording(
    sink: Sink,
    emailed_ticket: Ticket,
    reply: Reply,
    alice: User,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashes: list[str] = []

    def crash(row: OutboundEmail) -> None:
        crashes.append(row.message_id)
        raise RuntimeError("worker killed after the server said 250")

    monkeypatch.setattr(outbound_send, "after_send_hook", crash)
    reply(emailed_ticket)  # the job runs inline (test backend) and dies after SMTP
    monkeypatch.setattr(outbound_send, "after_send_hook", None)

    row = OutboundEmail.objects.get()
    assert (row.state, len(sink.received), crashes) == (
        OutboundState.SENDING,
        1,
        [row.message_id],
    )
    # The job is retried (the worker restarts), and the sweep runs: nothing is resent.
    assert send_outbound(row.pk) == OutboundState.SENDING
    assert send_due_outbound() == {"unconfirmed": 0}
    later = timezone.now() + timedelta(minutes=16)
    assert send_due_outbound(now=later) == {"unconfirmed": 1}
    assert send_due_outbound(now=later + timedelta(days=1)) == {"unconfirmed": 0}
    row.refresh_from_db()
    assert (row.state, row.attempts, len(sink.received)) == (OutboundState.UNCONFIRMED, 1, 1)
    page = login(client, alice).get(f"/tickets/{emailed_ticket.ref}/").content.decode()
    assert (
        "Delivery not confirmed: the sender stopped while handing this email to the mail "
        "server; it may or may not have been delivered, and it is not sent again "
        "automatically."
    ) in page


def test_it_decides_each_reply_once_and_sends_nothing_for_a_rolled_back_reply(
    sink: Sink, emailed_ticket: Ticket, reply: Reply, alice: User
) -> None:
    message = reply(emailed_ticket)
    assert queue_reply_email(message) is None  # same idempotency key
    with pytest.raises(RuntimeError), transaction.atomic():
        do_add_message(emailed_ticket, author=alice, body_text="Never mind.")
        raise RuntimeError("the request failed after the reply was written")
    assert OutboundEmail.objects.count() == 1
    assert len(sink.received) == 1


def test_it_does_not_email_notes_customers_or_backdated_history(
    sink: Sink, emailed_ticket: Ticket, alice: User, dave: Contact, reply: Reply
) -> None:
    do_add_message(emailed_ticket, author=alice, body_text="Internal.", is_public=False)
    do_add_message(emailed_ticket, author=dave, body_text="Any news?")
    do_add_message(
        emailed_ticket,
        author=alice,
        body_text="Imported.",
        created_at=timezone.now() - timedelta(days=3),
    )
    assert not OutboundEmail.objects.exists()


def test_it_does_not_email_a_requester_without_an_address(
    sink: Sink, alice: User, make_ticket: Callable[..., Ticket], reply: Reply
) -> None:
    walk_in = Contact.objects.create(name="Walk-in", handle="twitter:42")
    ticket = make_ticket(requester=walk_in, actor=walk_in)
    reply(ticket)
    assert not OutboundEmail.objects.exists()
    assert sink.received == []


def test_it_is_swept_by_the_sla_schedulers_leader(
    sink: Sink,
    emailed_ticket: Ticket,
    reply: Reply,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def crash(row: OutboundEmail) -> None:
        raise RuntimeError("worker killed after the server said 250")

    monkeypatch.setattr(outbound_send, "after_send_hook", crash)
    reply(emailed_ticket)
    monkeypatch.setattr(outbound_send, "after_send_hook", None)
    stuck_since = timezone.now() - timedelta(minutes=20)
    OutboundEmail.objects.update(sending_started_at=stuck_since)

    with django_capture_on_commit_callbacks(execute=True):
        assert run_pass("scheduler-1").leader

    row = OutboundEmail.objects.get()
    # The same pass may send other due mail (an NPS survey to dave): the reply went once.
    replies = [m for m in sink.messages() if m["Subject"] == "Re: Printer on fire [HD-1001]"]
    assert (row.state, len(replies)) == (OutboundState.UNCONFIRMED, 1)
