"""What the ticket page shows of a ticket's mail, read once for the whole page and ready
to print: the "Emails" panel, each customer email's folded quoted text and how each agent
reply went out by email.

Inclusion tags per message cost 5-6 ms of rendering on a 50-message page
(docs/performance-history.md, "Inbox and ticket pages"); here the page gets plain values, and the
panel's emails and the folded quotes come from one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import getaddresses
from typing import NamedTuple

from django.template.defaultfilters import join, linebreaksbr, truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe

from heedful.mail.models import (
    DeliveryStatus,
    MailMessage,
    OutboundEmail,
    OutboundKind,
    OutboundState,
)
from heedful.mail.models import State as MailState
from heedful.tickets.models import Channel, Direction, Message, Ticket

# A stand-in that ``reverse`` leaves as it is (a UUID, as the URL expects).
_ID_MARK = "00000000-0000-0000-0000-000000000000"
# What the emails panel reads of each email.
_PANEL_FIELDS = (
    "public_id", "subject", "from_address", "state", "warnings", "automated", "is_bounce",
    "direction", "delivery_status", "delivery_error", "created_at",
)  # fmt: skip

# What a reply's delivery line reads of its outbox row and its sent email: plain values,
# no model instances (25 replies and their emails were half of the query's CPU).
_DELIVERY_FIELDS = (
    "ticket_message", "public_id", "state", "attempts", "last_error", "next_attempt_at", "to",
    "cc", "mail__delivery_status", "mail__delivery_error",
)  # fmt: skip


class _Outbound(NamedTuple):
    """One row of ``_DELIVERY_FIELDS`` after the message id."""

    public_id: uuid.UUID
    state: str
    attempts: int
    last_error: str
    next_attempt_at: datetime
    to: list[str]
    cc: list[str]
    delivery_status: str | None  # of the sent email; None before it is sent
    delivery_error: str | None


@dataclass(frozen=True)
class PanelEmail:
    """One line of the "Emails" panel, as its template used to print it from the row."""

    url: str
    title: str
    origin: str
    at_label: str
    failed: bool  # could not be read: ``warning`` says why
    warning: str
    warnings: SafeString  # of a readable email: escaped, joined and shortened
    automated: str
    delivery_error: str | None  # set when the email bounced


@dataclass(frozen=True)
class Delivery:
    """How an agent's reply went out by email: a muted line, or an alert."""

    public_id: str
    state: str
    text: str
    alert: bool


@dataclass
class TicketMail:
    emails: list[PanelEmail] = field(default_factory=list)
    # By message id: the folded quoted text (escaped, line breaks as <br>).
    folded: dict[int, SafeString] = field(default_factory=dict)
    deliveries: dict[int, Delivery] = field(default_factory=dict)


def ticket_mail(ticket: Ticket, messages: Sequence[Message]) -> TicketMail:
    """At most two queries, each only when the page shows what it reads."""
    found = TicketMail()
    inbound = {message.pk for message in messages if _is_inbound_email(message)}
    folded: list[tuple[int | None, str]] = []
    if ticket.channel == Channel.EMAIL:
        # The panel's query also brings the folded quotes along.
        mails = list(
            MailMessage.objects.filter(ticket=ticket)
            .only(*_PANEL_FIELDS, "ticket_message", "folded_text")
            .order_by("created_at", "id")
        )
        url_of = _raw_source_url_maker(ticket)
        found.emails = [_panel_email(mail, url_of) for mail in mails]
        folded = [(mail.ticket_message_id, mail.folded_text) for mail in mails]
    elif inbound:
        # Tickets opened elsewhere get no panel, but a customer may have answered by email.
        folded = list(
            MailMessage.objects.filter(ticket=ticket, ticket_message__isnull=False)
            .exclude(folded_text="")
            .values_list("ticket_message_id", "folded_text")
        )
    found.folded = {pk: linebreaksbr(text) for pk, text in folded if pk in inbound and text}
    replies = {message.pk for message in messages if _is_reply(message)}
    if replies:
        found.deliveries = {pk: d for pk, d in _deliveries(ticket).items() if pk in replies}
    return found


def _is_inbound_email(message: Message) -> bool:
    return message.channel == Channel.EMAIL and message.direction == Direction.INBOUND


def _is_reply(message: Message) -> bool:
    return message.direction == Direction.OUTBOUND and message.is_public


def _panel_email(mail: MailMessage, url_of: Callable[[str], str]) -> PanelEmail:
    local = timezone.localtime(mail.created_at)
    failed = mail.state == MailState.FAILED
    warnings = "" if failed else join(mail.warnings, "; ", autoescape=True)
    return PanelEmail(
        url=url_of(str(mail.public_id)),
        title=truncatechars(mail.subject or "(no subject)", 40),
        origin=mail.from_address or str(mail.get_direction_display()),
        at_label=f"{MONTHS_3[local.month].title()} {local.day}, {local:%H:%M}",
        failed=failed,
        warning=str(mail.warnings[-1]) if failed and mail.warnings else "",
        # Escaped before shortening, as ``warnings|join:"; "|truncatechars:200`` did.
        warnings=mark_safe(truncatechars(warnings, 200)),
        automated=mail.automated,
        delivery_error=(
            mail.delivery_error if mail.delivery_status == DeliveryStatus.FAILED else None
        ),
    )


def _raw_source_url_maker(ticket: Ticket) -> Callable[[str], str]:
    """``reverse("mail:raw_source", ...)`` for many emails, reversed once."""
    url = reverse("mail:raw_source", args=[ticket.ref, _ID_MARK])
    head, _, tail = url.partition(_ID_MARK)
    return lambda public_id: f"{head}{public_id}{tail}"


def _deliveries(ticket: Ticket) -> dict[int, Delivery]:
    rows = OutboundEmail.objects.filter(ticket=ticket, kind=OutboundKind.REPLY).values_list(
        *_DELIVERY_FIELDS
    )
    return {
        message_id: _delivery(_Outbound(*row))
        for message_id, *row in rows
        if message_id is not None
    }


def _delivery(outbound: _Outbound) -> Delivery:
    recipients = ", ".join(email for _, email in getaddresses([*outbound.to, *outbound.cc]))
    state, error = outbound.state, outbound.last_error
    if state == OutboundState.SENT:
        if outbound.delivery_status == DeliveryStatus.FAILED:
            text, alert = f"Bounced: {outbound.delivery_error}", True
        else:
            text, alert = f"✉ Emailed to {recipients}", False
    elif state == OutboundState.FAILED:
        text, alert = f"Not delivered to {recipients}: {error}", True
    elif state == OutboundState.UNCONFIRMED:
        text, alert = f"Delivery not confirmed: {error}.", True
    elif outbound.attempts:
        next_at = timezone.localtime(outbound.next_attempt_at).strftime("%H:%M")
        text = f"✉ Retrying: {error} (attempt {outbound.attempts} failed; next at {next_at})"
        alert = False
    else:
        text, alert = f"✉ Sending to {recipients}…", False
    return Delivery(str(outbound.public_id), state, text, alert)
