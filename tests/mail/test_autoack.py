"""The auto-acknowledgement of new email tickets: once per ticket, with the reference, a
greeting by name and the first-response due time from the SLA clock; never for
automated mail or imported history; rate limited per sender; per-team templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from heedful.accounts.models import Team
from heedful.mail.actions import IngestResult, Outcome, ingest_raw
from heedful.mail.models import AutoAckTemplate, Mailbox, OutboundEmail, OutboundKind
from heedful.tickets.models import Ticket
from tests.mail.conftest import build_email
from tests.mail.test_outbound import Sink, _free_port
from tests.sla.conftest import make_calendar, make_policy

BERLIN = ZoneInfo("Europe/Berlin")
# Friday 10 October 2025, 16:30 in Berlin: half an hour of office time left this week.
FRIDAY_AFTERNOON = datetime(2025, 10, 10, 16, 30, tzinfo=BERLIN)


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    handler = Sink()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    settings.EMAIL_USE_TLS = False
    yield handler
    controller.stop()


@pytest.fixture
def berlin_sla(db: None) -> None:
    office = make_calendar("Berlin office", country="DE", subdivision="BE")
    make_policy("Standard", {"normal": {"first_response": 60}}, calendars=[office])


@pytest.fixture
def friday(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(timezone, "now", lambda: FRIDAY_AFTERNOON)
    return FRIDAY_AFTERNOON


Deliver = Callable[..., IngestResult]


@pytest.fixture
def live(db: None, settings: Any, django_capture_on_commit_callbacks: Any) -> Deliver:
    """Deliver as the SMTP listener does, running the after-commit jobs (the send)."""
    settings.MAIL_AUTOACK = True  # on by default; explicit in case a conftest turns it off

    def run(**kwargs: Any) -> IngestResult:
        source = kwargs.pop("source", "smtp")
        with django_capture_on_commit_callbacks(execute=True):
            return ingest_raw(build_email(**kwargs), source=source)

    return run


def test_it_acknowledges_a_new_ticket_once_with_the_sla_due_time(
    sink: Sink, berlin_sla: None, friday: datetime, live: Deliver
) -> None:
    result = live(message_id="<m1@acme.test>")
    assert result.ticket is not None
    ref = result.ticket.ref

    assert len(sink.received) == 1
    _, rcpt_tos, _ = sink.received[0]
    ack = sink.messages()[0]
    assert rcpt_tos == ["dave@acme.test"]
    assert ack["Subject"] == f"We received your request [{ref}]"
    assert ack["To"] == "Dave Doe <dave@acme.test>"
    assert ack["From"] == "Heedful <support@heedful.localhost>"
    assert ack["Reply-To"] == f"Heedful <support+{ref}@heedful.localhost>"
    assert ack["In-Reply-To"] == "<m1@acme.test>"
    assert ack["Auto-Submitted"] == "auto-replied"
    body = ack.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == (
        "Hello Dave,\n\n"
        'thank you for writing to us. We have received your message "Printer on fire" and '
        f"opened the request {ref} for it.\n\n"
        "We'll reply by 09:30 Monday, Berlin time.\n\n"
        "To add anything, simply reply to this email.\n"
    )

    # The same message again, and the customer's next email in the thread: no new ack.
    assert live(message_id="<m1@acme.test>").outcome == Outcome.DUPLICATE
    follow = live(message_id="<m2@acme.test>", headers={"In-Reply-To": "<m1@acme.test>"})
    assert follow.outcome == Outcome.THREADED
    # A reply to the acknowledgement itself threads by its Message-ID.
    answer = EmailMessage()
    answer["From"], answer["To"] = "dave@acme.test", str(ack["Reply-To"])
    answer["Subject"], answer["Message-ID"] = "more details", "<m3@acme.test>"
    answer["In-Reply-To"] = str(ack["Message-ID"])
    answer.set_content("It is the printer on floor 2.")
    assert ingest_raw(answer.as_bytes(), source="smtp").ticket == result.ticket
    assert len(sink.received) == 1
    assert OutboundEmail.objects.filter(kind=OutboundKind.AUTO_ACK).count() == 1


def test_it_says_the_configured_sentence_when_no_policy_applies(
    settings: Any, live: Deliver
) -> None:
    settings.MAIL_AUTOACK_NO_SLA_TEXT = "We answer within one working day."
    live(sender="Erin Example <erin@globex.test>")
    row = OutboundEmail.objects.get()
    assert "\n\nWe answer within one working day.\n\n" in row.body_text
    assert row.body_text.startswith("Hello Erin,\n")


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<announce.lists.acme.test>"},
        {"X-Autoreply": "yes"},
    ],
)
def test_it_never_acknowledges_automated_mail(live: Deliver, headers: dict[str, str]) -> None:
    result = live(headers=headers)
    assert result.outcome == Outcome.CREATED
    assert not OutboundEmail.objects.exists()


def test_it_never_acknowledges_mail_from_a_mailer_daemon(live: Deliver) -> None:
    result = live(sender="MAILER-DAEMON@mx.acme.test", subject="Undelivered Mail")
    assert result.outcome == Outcome.CREATED
    assert not OutboundEmail.objects.exists()


def test_it_never_acknowledges_imported_history(live: Deliver) -> None:
    assert live(source="import").outcome == Outcome.CREATED
    assert not OutboundEmail.objects.exists()


def test_it_rate_limits_acknowledgements_per_sender(settings: Any, live: Deliver) -> None:
    settings.MAIL_AUTOACK_PER_HOUR = 2
    for number in range(4):
        live(message_id=f"<loop{number}@acme.test>", subject=f"Question {number}")
    live(sender="erin@globex.test", message_id="<e1@globex.test>")

    acks = OutboundEmail.objects.filter(kind=OutboundKind.AUTO_ACK).order_by("id")
    assert [a.recipient for a in acks] == ["dave@acme.test", "dave@acme.test", "erin@globex.test"]
    assert Ticket.objects.count() == 5


def test_it_uses_the_default_template_and_the_team_template_of_the_mailbox(
    live: Deliver, finance: Team
) -> None:
    AutoAckTemplate.objects.create(
        subject="Thanks {{ first_name }} [{{ ref }}]",
        body="Dear {{ name }}. {{ expected_response }}",
    )
    Mailbox.objects.create(address="billing@heedful.test", name="Billing", team=finance)
    AutoAckTemplate.objects.create(
        team=finance, subject="Invoice question {{ ref }}", body="Finance here: {{ ref }}"
    )

    support = live(to="support@heedful.test", message_id="<s1@acme.test>")
    billing = live(to="billing@heedful.test", message_id="<b1@acme.test>", subject="Invoice")

    assert support.ticket is not None and billing.ticket is not None
    first, second = OutboundEmail.objects.order_by("id")
    assert (first.subject, first.body_text, first.from_address) == (
        f"Thanks Dave [{support.ticket.ref}]",
        "Dear Dave Doe. We will get back to you as soon as we can.\n",
        "Heedful <support@heedful.localhost>",
    )
    assert (second.subject, second.body_text, second.from_address) == (
        f"Invoice question {billing.ticket.ref}",
        f"Finance here: {billing.ticket.ref}\n",
        "Billing <billing@heedful.test>",
    )
    assert second.reply_to == f"Billing <billing+{billing.ticket.ref}@heedful.test>"


def test_it_can_be_turned_off(settings: Any, live: Deliver) -> None:
    settings.MAIL_AUTOACK = False
    assert live().outcome == Outcome.CREATED
    assert not OutboundEmail.objects.exists()
