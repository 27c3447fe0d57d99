"""The auto-acknowledgement of a new email ticket (R1: every contact is acknowledged
within seconds): its reference, a greeting by name and when we will answer, from the
ticket's first-response SLA clock ("We'll reply by 10:00 Monday, Berlin time.").

Never for automated mail (auto-replies, lists, bulk, bounces: the inbound pipeline flags
them), never to our own addresses, and at most HEEDFUL_MAIL_AUTOACK_PER_HOUR per sender
an hour, so two auto-responders can never keep each other busy.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.template import Context, Template
from django.template.loader import get_template
from django.utils import timezone

from heedful.mail.contacts import our_addresses
from heedful.mail.models import (
    AutoAckTemplate,
    Mailbox,
    MailMessage,
    OutboundEmail,
    OutboundKind,
)
from heedful.mail.outbound import create_outbound, sending_mailbox
from heedful.sla.actions import clock_results
from heedful.sla.clocks import ClockResult
from heedful.sla.models import ClockKind
from heedful.tickets.models import Ticket

logger = logging.getLogger(__name__)
DEFAULT_SUBJECT = "We received your request [{{ ref }}]"
DEFAULT_BODY = "mail/auto_ack.txt"


def queue_auto_ack(
    ticket: Ticket, mail: MailMessage, *, written_to: list[str] | None = None
) -> OutboundEmail | None:
    """Decide, in the ingest transaction, to acknowledge a ticket the email opened."""
    reason = skip_reason(ticket, mail)
    if reason:
        logger.info("mail: no auto-acknowledgement for %s: %s", ticket.ref, reason)
        return None
    requester = ticket.requester
    assert requester.email is not None
    mailbox = sending_mailbox(ticket, written_to or [])
    subject, body = render_auto_ack(ticket, mailbox)
    return create_outbound(
        ticket,
        kind=OutboundKind.AUTO_ACK,
        key=f"auto-ack:{ticket.pk}",
        to=[formataddr((requester.name, requester.email))],
        subject=subject,
        body_text=body,
        mailbox=mailbox,
    )


def skip_reason(ticket: Ticket, mail: MailMessage) -> str:
    """Why this ticket gets no acknowledgement ("" when it gets one)."""
    if not settings.MAIL_AUTOACK:
        return "auto-acknowledgements are off"
    if mail.automated or mail.is_bounce:
        return f"automated mail ({mail.automated or 'bounce'})"
    email = (ticket.requester.email or "").lower()
    if not email:
        return "the sender has no address"
    if our_addresses([email]):
        return "the sender is one of our own addresses"
    since = timezone.now() - timedelta(hours=1)
    sent = OutboundEmail.objects.filter(
        kind=OutboundKind.AUTO_ACK, recipient=email, created_at__gte=since
    ).count()
    if sent >= settings.MAIL_AUTOACK_PER_HOUR:
        return f"rate limit: {sent} acknowledgements to {email} in the last hour"
    return ""


def render_auto_ack(
    ticket: Ticket, mailbox: Mailbox | None = None, *, now: datetime | None = None
) -> tuple[str, str]:
    """(subject, body) from the team's template, the default one, or the built-in text."""
    template = _template_for(ticket, mailbox)
    name = (ticket.requester.name or "").strip()
    if "@" in name:
        name = ""  # an address is not a name: "Hello," reads better than "Hello dave@…,"
    context = Context(
        {
            "ref": ticket.ref,
            "name": name,
            "first_name": name.split()[0] if name else "",
            "subject": ticket.subject,
            "expected_response": expected_response(ticket, now=now),
        },
        autoescape=False,  # plain text email
    )
    if template is None:
        subject = Template(DEFAULT_SUBJECT).render(context)
        body = get_template(DEFAULT_BODY).template.render(context)  # type: ignore[attr-defined]
    else:
        subject = Template(template.subject).render(context)
        body = Template(template.body).render(context)
    return " ".join(subject.split()), body.strip() + "\n"


def _template_for(ticket: Ticket, mailbox: Mailbox | None) -> AutoAckTemplate | None:
    """The template of the ticket's team, else of the team of the mailbox the customer
    wrote to (billing@ belongs to Finance), else the default (team-less) one."""
    team_ids = [t for t in (ticket.team_id, mailbox.team_id if mailbox else None) if t]
    for team_id in team_ids:
        found = AutoAckTemplate.objects.filter(team_id=team_id).first()
        if found is not None:
            return found
    return AutoAckTemplate.objects.filter(team__isnull=True).first()


def expected_response(ticket: Ticket, *, now: datetime | None = None) -> str:
    """ "We'll reply by 10:00 Monday, Berlin time." from the first-response clock, or the
    configured sentence when no SLA policy applies (HEEDFUL_MAIL_AUTOACK_NO_SLA_TEXT)."""
    now = now or timezone.now()
    clock = next(
        (
            c
            for c in clock_results(ticket, now=now)
            if c.kind == ClockKind.FIRST_RESPONSE and c.due_at is not None
        ),
        None,
    )
    if clock is None or clock.due_at is None:
        return str(settings.MAIL_AUTOACK_NO_SLA_TEXT)
    return f"We'll reply by {format_due(clock.due_at, clock, now)}."


def format_due(due_at: datetime, clock: ClockResult, now: datetime) -> str:
    """``10:00 Monday, Berlin time``; with the date when it is a week or more away."""
    zone = (
        clock.calendar.display_zone
        if clock.calendar is not None
        else timezone.get_current_timezone()
    )
    local = due_at.astimezone(zone)
    when = f"{local:%H:%M} {local:%A}"
    if due_at - now >= timedelta(days=6):
        when += f" {local.day} {local:%B}"
    return f"{when}, {zone_label(str(zone))}"


def zone_label(name: str) -> str:
    """``Europe/Berlin`` → ``Berlin time``; ``America/New_York`` → ``New York time``."""
    if name.upper() in ("UTC", "ETC/UTC", "GMT", "Z"):
        return "UTC"
    return name.rsplit("/", 1)[-1].replace("_", " ") + " time"
