"""``{% ticket_emails ticket %}``: the ticket's emails with their raw source and warnings."""

from __future__ import annotations

from typing import Any

from django import template

from heedful.mail.models import MailMessage
from heedful.tickets.models import Channel, Ticket

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
