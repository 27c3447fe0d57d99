"""The JSON a receiver gets. The ticket (and the message) use the API's own schemas
and renderer, so a webhook and ``GET /api/v1/tickets/{ref}`` show the same thing."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from heedful.api.schemas import MessageOut, TicketOut, message_out, ticket_out
from heedful.tickets.models import Message, Ticket
from heedful.webhooks.models import WebhookEventKind


class WebhookPayload(Schema):
    id: uuid.UUID
    kind: WebhookEventKind
    occurred_at: datetime
    ticket: TicketOut
    # message.added only: the message (a reply, or an internal note with public false).
    message: MessageOut | None = None


def render_payload(
    *,
    event_id: uuid.UUID,
    kind: str,
    occurred_at: datetime,
    ticket: Ticket,
    message: Message | None = None,
) -> str:
    payload = WebhookPayload(
        id=event_id,
        kind=WebhookEventKind(kind),
        occurred_at=occurred_at,
        ticket=ticket_out(ticket),
        message=message_out(message, for_customer=False) if message is not None else None,
    )
    # Rendered exactly as the API renders its responses.
    return json.dumps(payload.model_dump(), cls=NinjaJSONEncoder)
