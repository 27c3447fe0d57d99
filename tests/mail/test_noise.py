"""Auto-replies, bulk mail and bounces are flagged so no auto-reply ever answers them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from heedful.mail.actions import IngestResult, Outcome, do_record_outbound
from heedful.mail.models import DeliveryStatus, MailMessage
from heedful.tickets.models import Message, Ticket

Deliver = Callable[..., IngestResult]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto-submitted: auto-replied"),
        ({"Precedence": "bulk"}, "precedence: bulk"),
        ({"Precedence": "list"}, "precedence: list"),
        ({"X-Autoreply": "yes"}, "x-autoreply"),
        ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, "x-auto-response-suppress"),
        ({"List-Id": "<users.lists.acme.test>"}, "mailing list"),
    ],
)
def test_it_flags_automated_mail(deliver: Deliver, headers: dict[str, str], reason: str) -> None:
    result = deliver(headers=headers)
    assert MailMessage.objects.get(pk=result.mail.pk).automated == reason
    assert result.ticket is not None
    assert list(result.ticket.tags.values_list("name", flat=True)) == ["automated"]


def test_it_does_not_flag_mail_from_a_person(deliver: Deliver) -> None:
    result = deliver(headers={"Auto-Submitted": "no"})
    assert MailMessage.objects.get(pk=result.mail.pk).automated == ""


def test_it_attaches_a_bounce_to_the_ticket_whose_mail_bounced(
    deliver: Deliver, corpus: Path
) -> None:
    raw = (corpus / "mail-fixtures/multipart_report_emails/report_530.eml").read_bytes()
    ticket = deliver(message_id="<start@acme.test>").ticket
    assert ticket is not None
    reply = Message.objects.get(ticket=ticket)
    # The outbound sender records what it sent; this bounce quotes that Message-ID.
    sent = do_record_outbound(
        reply,
        b"Subject: our reply\r\n\r\n",
        message_id="200712232303.lBNN3jDq002941@mail12.rrrr.com.au",
    )
    result = deliver(raw)
    assert (result.outcome, result.ticket) == (Outcome.THREADED, ticket)
    sent.refresh_from_db()
    assert sent.delivery_status == DeliveryStatus.FAILED
    assert sent.delivery_error == "5.3.0 553 5.3.0 <edwin@zzzzzzz.com>... Unknown E-Mail Address"
    bounce = MailMessage.objects.get(pk=result.mail.pk)
    assert (bounce.is_bounce, bounce.automated) == (
        True,
        "auto-submitted: auto-generated (failure)",
    )
    note = Message.objects.get(pk=bounce.ticket_message_id)
    assert (note.is_public, note.author_contact, note.author_user) == (False, None, None)
    assert note.body_text == (
        "Delivery of our email to edwin@zzzzzzz.com failed: "
        "5.3.0 553 5.3.0 <edwin@zzzzzzz.com>... Unknown E-Mail Address."
    )
    assert Ticket.objects.count() == 1


def test_it_keeps_an_unmatched_bounce_as_a_flagged_ticket(deliver: Deliver, corpus: Path) -> None:
    raw = (corpus / "mail-fixtures/multipart_report_emails/multi_address_bounce1.eml").read_bytes()
    result = deliver(raw)
    assert result.outcome == Outcome.CREATED
    mail = MailMessage.objects.get(pk=result.mail.pk)
    assert (mail.is_bounce, mail.automated) == (True, "auto-submitted: auto-replied")
