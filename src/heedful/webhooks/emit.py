"""From the ticket event log to webhook deliveries.

The ticket actions call :func:`emit_ticket_event` for every event they record. It
runs nothing now: after the transaction commits, one delivery per matching active
subscription is created and its first attempt enqueued. Within one transaction the
changes of a ticket make one ``ticket.updated`` (the payload shows the committed
state), and the first message of a new ticket is part of ``ticket.created``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from heedful.tickets.models import EventKind as TicketEventKind
from heedful.tickets.models import Status, TicketEvent
from heedful.webhooks.actions import do_create_deliveries
from heedful.webhooks.models import WebhookEventKind
from heedful.webhooks.tasks import enqueue_attempt


def webhook_kind(event: TicketEvent) -> WebhookEventKind:
    if event.kind == TicketEventKind.CREATED:
        return WebhookEventKind.TICKET_CREATED
    if event.kind == TicketEventKind.MESSAGE_ADDED:
        return WebhookEventKind.MESSAGE_ADDED
    if event.kind == TicketEventKind.STATUS_CHANGED and event.after == Status.SOLVED:
        return WebhookEventKind.TICKET_SOLVED
    return WebhookEventKind.TICKET_UPDATED


class _AfterCommit:
    """Creates the deliveries of one event once the transaction has committed."""

    def __init__(
        self, kind: WebhookEventKind, ticket_id: int, message_id: int | None, occurred_at: datetime
    ) -> None:
        self.key = (kind, ticket_id, message_id)
        self.occurred_at = occurred_at
        self.done = False

    def __call__(self) -> None:
        # Marked first: tests run callbacks without clearing Django's list of them.
        self.done = True
        kind, ticket_id, message_id = self.key
        deliveries = do_create_deliveries(
            kind=kind, ticket_id=ticket_id, message_id=message_id, occurred_at=self.occurred_at
        )
        for delivery in deliveries:
            enqueue_attempt(delivery.pk, 1)


def emit_ticket_event(event: TicketEvent) -> None:
    kind = webhook_kind(event)
    message_id = event.message_id if kind == WebhookEventKind.MESSAGE_ADDED else None
    key = (kind, event.ticket_id, message_id)
    created = (WebhookEventKind.TICKET_CREATED, event.ticket_id, None)
    # Django drops the callbacks of rolled-back savepoints from this list, so what is
    # found here will run; looking here is how one transaction emits an event once.
    for _, func, _ in transaction.get_connection().run_on_commit:
        if not isinstance(func, _AfterCommit) or func.done:
            continue
        # The ticket's first message, written with it, is part of ticket.created.
        first_message = func.key == created and func.occurred_at == event.created_at
        if func.key == key or (kind == WebhookEventKind.MESSAGE_ADDED and first_message):
            return
    # robust: a failure here is logged and never turns a saved ticket change into an error.
    transaction.on_commit(
        _AfterCommit(kind, event.ticket_id, message_id, event.created_at), robust=True
    )
