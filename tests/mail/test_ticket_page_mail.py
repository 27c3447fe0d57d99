"""What the ticket page shows of a ticket's mail (heedful.mail.ticket_page): the "Emails"
panel, the folded quoted text and each reply's delivery, read once for the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import User
from heedful.mail.actions import IngestResult
from heedful.mail.models import DeliveryStatus, MailMessage, OutboundEmail, OutboundState
from heedful.mail.ticket_page import Delivery, ticket_mail
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Message, Ticket
from tests.conftest import login

QUOTED = "Still broken.\n\nOn Tue, 4 Mar 2025 at 10:00, Support wrote:\n> Restart it"


def _email_thread(deliver: Callable[..., IngestResult], alice: User) -> tuple[Ticket, Message]:
    """dave writes (copying frank), alice replies, dave answers quoting her."""
    first = deliver(message_id="<t1@acme.test>", headers={"Cc": "Frank Fox <frank@acme.test>"})
    assert first.ticket is not None
    reply = do_add_message(first.ticket, author=alice, body_text="Restart it")
    deliver(message_id="<t2@acme.test>", body=QUOTED, headers={"In-Reply-To": "<t1@acme.test>"})
    return first.ticket, reply


def _delivery(ticket: Ticket, reply: Message) -> Delivery:
    messages = list(Message.objects.filter(ticket=ticket))
    return ticket_mail(ticket, messages).deliveries[reply.pk]


def test_it_reads_the_panel_and_the_folded_quotes_in_one_query(
    deliver: Callable[..., IngestResult], alice: User, client: Client
) -> None:
    ticket, _ = _email_thread(deliver, alice)
    agent = login(client, alice)
    agent.get(f"/tickets/{ticket.ref}/")  # warm caches (session, settings)
    with CaptureQueriesContext(connection) as captured:
        page = agent.get(f"/tickets/{ticket.ref}/").content.decode()

    mail_reads = [
        q["sql"] for q in captured.captured_queries if 'FROM "mail_mailmessage"' in q["sql"]
    ]
    assert len(mail_reads) == 1
    outbox_reads = [q for q in captured.captured_queries if 'FROM "mail_outboundemail"' in q["sql"]]
    assert len(outbox_reads) == 1
    assert page.count('<li class="ticket-email">') == 2
    assert page.count('<details class="folded-text">') == 1
    assert "On Tue, 4 Mar 2025 at 10:00, Support wrote:<br>&gt; Restart it" in page


def test_it_prints_each_delivery_state_of_a_reply(
    deliver: Callable[..., IngestResult], alice: User, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    ticket, reply = _email_thread(deliver, alice)
    outbound = OutboundEmail.objects.get(ticket_message=reply)
    public_id = str(outbound.public_id)
    recipients = "dave@acme.test, frank@acme.test"

    assert _delivery(ticket, reply) == Delivery(
        public_id, "queued", f"✉ Sending to {recipients}…", alert=False
    )
    outbound.attempts, outbound.last_error = 1, "451 busy"
    outbound.next_attempt_at = datetime(2025, 3, 4, 9, 5, tzinfo=UTC)  # 10:05 in Berlin
    outbound.save()
    assert _delivery(ticket, reply).text == (
        "✉ Retrying: 451 busy (attempt 1 failed; next at 10:05)"
    )
    outbound.state = OutboundState.SENT
    outbound.save()
    assert _delivery(ticket, reply) == Delivery(
        public_id, "sent", f"✉ Emailed to {recipients}", alert=False
    )
    outbound.mail = MailMessage.objects.filter(ticket=ticket).first()
    assert outbound.mail is not None
    outbound.mail.delivery_status = DeliveryStatus.FAILED
    outbound.mail.delivery_error = "550 no such user"
    outbound.mail.save()
    outbound.save()
    assert _delivery(ticket, reply) == Delivery(
        public_id, "sent", "Bounced: 550 no such user", alert=True
    )
    outbound.state = OutboundState.UNCONFIRMED
    outbound.save()
    assert _delivery(ticket, reply).text == "Delivery not confirmed: 451 busy."
    outbound.state, outbound.last_error = OutboundState.FAILED, "550 gone"
    outbound.save()
    assert _delivery(ticket, reply) == Delivery(
        public_id, "failed", f"Not delivered to {recipients}: 550 gone", alert=True
    )


def test_it_shows_the_delivery_on_the_reply_only(
    deliver: Callable[..., IngestResult], alice: User, client: Client
) -> None:
    ticket, reply = _email_thread(deliver, alice)
    outbound = OutboundEmail.objects.get(ticket_message=reply)

    page = login(client, alice).get(f"/tickets/{ticket.ref}/").content.decode()

    blocks = re.findall(r'<div class="delivery-status delivery-(\w+)" id="([^"]+)">', page)
    assert blocks == [("queued", f"delivery-{outbound.public_id}")]
    bubble = page.split(f'id="message-{reply.public_id}"')[1].split("</li>")[0]
    assert '<small class="muted">✉ Sending to dave@acme.test, frank@acme.test…</small>' in bubble


def test_it_lists_the_emails_escaped_with_their_warnings(
    deliver: Callable[..., IngestResult], alice: User
) -> None:
    first = deliver(message_id="<w1@acme.test>", subject="x" * 50)
    assert first.ticket is not None
    mail = MailMessage.objects.get(ticket=first.ticket)
    mail.warnings = ["bad <charset>", "no date"]
    mail.automated = "auto-submitted"
    mail.save()

    (line,) = ticket_mail(first.ticket, []).emails

    assert line.url == f"/tickets/{first.ticket.ref}/email/{mail.public_id}/raw/"
    assert line.title == "x" * 39 + "…"
    assert line.origin == "dave@acme.test"
    assert (line.failed, line.warning) == (False, "")
    assert line.warnings == "bad &lt;charset&gt;; no date"
    assert (line.automated, line.delivery_error) == ("auto-submitted", None)


def test_it_reads_no_mail_for_a_ticket_without_email(
    alice: User, acme_ticket: Ticket, client: Client
) -> None:
    agent = login(client, alice)
    agent.get(f"/tickets/{acme_ticket.ref}/")
    with CaptureQueriesContext(connection) as captured:
        agent.get(f"/tickets/{acme_ticket.ref}/")
    assert not [q for q in captured.captured_queries if '"mail_' in q["sql"]]
