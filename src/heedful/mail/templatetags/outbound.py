"""``{% message_delivery entry.message %}``: whether a reply went out by email, is being
retried, or failed (with the server's words), shown on the message in the timeline."""

from __future__ import annotations

from email.utils import getaddresses
from typing import Any

from django import template

from heedful.mail.models import OutboundEmail, OutboundKind
from heedful.tickets.models import Direction, Message

register = template.Library()


def _replies_by_message(context: template.Context, ticket_id: int) -> dict[int, OutboundEmail]:
    """One query per page, made at the first agent reply of the timeline."""
    cache: dict[int, dict[int, OutboundEmail]]
    cache = context.render_context.setdefault("mail_outbound", {})  # type: ignore[assignment,arg-type]
    if ticket_id not in cache:
        rows = OutboundEmail.objects.filter(
            ticket_id=ticket_id, kind=OutboundKind.REPLY
        ).select_related("mail")
        cache[ticket_id] = {
            row.ticket_message_id: row for row in rows if row.ticket_message_id is not None
        }
    found = cache[ticket_id]
    return found


@register.inclusion_tag("mail/delivery_status.html", takes_context=True)
def message_delivery(context: template.Context, message: Message) -> dict[str, Any]:
    if message.direction != Direction.OUTBOUND or not message.is_public:
        return {"outbound": None}
    outbound = _replies_by_message(context, message.ticket_id).get(message.pk)
    if outbound is None:
        return {"outbound": None}
    addresses = [email for _, email in getaddresses([*outbound.to, *outbound.cc])]
    return {"outbound": outbound, "recipients": ", ".join(addresses)}
