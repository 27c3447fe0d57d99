"""``{% ticket_emails ticket %}``: the ticket's emails with their raw source and warnings;
``{% message_folded message %}``: an email's folded quoted text, behind a toggle."""

from __future__ import annotations

from typing import Any

from django import template

from heedful.mail.models import MailMessage
from heedful.tickets.models import Channel, Direction, Message, Ticket

register = template.Library()


@register.inclusion_tag("mail/ticket_emails.html")
def ticket_emails(ticket: Ticket) -> dict[str, Any]:
    if ticket.channel != Channel.EMAIL:
        # Tickets opened elsewhere get mail only through our own replies (later work):
        # spare the query on every web/API ticket page.
        return {"ticket": ticket, "mails": []}
    mails = (
        MailMessage.objects.filter(ticket=ticket)
        .only(
            "public_id",
            "subject",
            "from_address",
            "state",
            "warnings",
            "automated",
            "is_bounce",
            "direction",
            "delivery_status",
            "delivery_error",
            "created_at",
        )
        .order_by("created_at", "id")
    )
    return {"ticket": ticket, "mails": list(mails)}


def _folded_by_message(context: template.Context, ticket_id: int) -> dict[int, str]:
    """One query per page, made at the first customer email of the timeline."""
    cache: dict[int, dict[int, str]]
    cache = context.render_context.setdefault("mail_folded", {})  # type: ignore[assignment,arg-type]
    if ticket_id not in cache:
        rows = (
            MailMessage.objects.filter(ticket_id=ticket_id, ticket_message__isnull=False)
            .exclude(folded_text="")
            .values_list("ticket_message_id", "folded_text")
        )
        cache[ticket_id] = {message_id: text for message_id, text in rows}
    return cache[ticket_id]


@register.inclusion_tag("mail/folded_text.html", takes_context=True)
def message_folded(context: template.Context, message: Message) -> dict[str, Any]:
    """``{% message_folded entry.message %}``: the quoted history and signature folded
    away from an email, behind a "Show quoted text" toggle (no JavaScript needed)."""
    if message.channel != Channel.EMAIL or message.direction != Direction.INBOUND:
        return {"folded": ""}
    return {"folded": _folded_by_message(context, message.ticket_id).get(message.pk, "")}
