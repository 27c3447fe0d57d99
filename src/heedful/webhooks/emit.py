"""From the ticket event log to webhook deliveries, through a transactional outbox.

The ticket actions call :func:`emit_ticket_event` for every event they record. The
deliveries (one per matching active subscription) are written at once, in the same
transaction as the ticket change, so a change never commits without its events; after
the commit their body is rendered (it shows the committed ticket) and their first
attempt enqueued. If the process dies between the commit and that callback, the
scheduler's sweep (:func:`heedful.webhooks.tasks.send_due_webhooks`) enqueues the
attempt a minute later and the attempt renders the body.

Within one transaction the changes of a ticket make one ``ticket.updated``, and the
first message of a new ticket is part of ``ticket.created``. The subscriptions are
read once per transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from heedful.lib.on_commit import on_commit_once, waiting_on_commit
from heedful.tickets.models import EventKind as TicketEventKind
from heedful.tickets.models import Status, TicketEvent
from heedful.webhooks.actions import (
    active_subscriptions,
    do_queue_deliveries,
    do_render_deliveries,
    subscriptions_generation,
)
from heedful.webhooks.models import Subscription, WebhookEventKind
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
    """Renders and enqueues the deliveries of one event once the transaction committed.
    Registered even when nobody subscribes: while it waits for the commit it marks the
    event as emitted and carries the transaction's subscriptions for the next event."""

    def __init__(
        self,
        kind: WebhookEventKind,
        ticket_id: int,
        message_id: int | None,
        occurred_at: datetime,
        subscriptions: list[Subscription],
        delivery_ids: list[int],
    ) -> None:
        self.key = (kind, ticket_id, message_id)
        self.occurred_at = occurred_at
        self.subscriptions = subscriptions
        self.generation = subscriptions_generation()
        self.delivery_ids = delivery_ids

    def __call__(self) -> None:
        if not self.delivery_ids:
            return
        do_render_deliveries(self.delivery_ids)
        for delivery_id in self.delivery_ids:
            enqueue_attempt(delivery_id, 1)


# Inside subscriptions_read_once(): (generation, subscriptions) of the first read.
_read_once: ContextVar[list[tuple[int, list[Subscription]]] | None] = ContextVar(
    "heedful_webhook_subscriptions", default=None
)


@contextmanager
def subscriptions_read_once() -> Iterator[None]:
    """Within this block the subscriptions are read once, not once per transaction:
    for batch work that commits many ticket changes in a row (a chunk of a mail import,
    a fraction of a second). A subscription changed by this process is seen at once
    (its generation); one changed elsewhere meanwhile, from the next batch on."""
    token = _read_once.set([])
    try:
        yield
    finally:
        _read_once.reset(token)


def _batch_subscriptions(generation: int) -> list[Subscription]:
    shared = _read_once.get()
    if shared and shared[0][0] == generation:
        return shared[0][1]
    found = active_subscriptions()
    if shared is not None:
        shared[:] = [(generation, found)]
    return found


def emit_ticket_event(event: TicketEvent) -> None:
    kind = webhook_kind(event)
    message_id = event.message_id if kind == WebhookEventKind.MESSAGE_ADDED else None
    key = (kind, event.ticket_id, message_id)
    created = (WebhookEventKind.TICKET_CREATED, event.ticket_id, None)
    pending = waiting_on_commit(_AfterCommit)
    for func in pending:
        # The ticket's first message, written with it, is part of ticket.created.
        first_message = func.key == created and func.occurred_at == event.created_at
        if func.key == key or (kind == WebhookEventKind.MESSAGE_ADDED and first_message):
            return
    generation = subscriptions_generation()
    cached = [f.subscriptions for f in pending if f.generation == generation]
    subscriptions = cached[0] if cached else _batch_subscriptions(generation)
    delivery_ids = do_queue_deliveries(
        subscriptions,
        kind=kind,
        ticket_id=event.ticket_id,
        message_id=message_id,
        occurred_at=event.created_at,
    )
    # robust: a failure here is logged and never turns a saved ticket change into an
    # error; the sweep then sends the deliveries.
    on_commit_once(
        ("webhooks.emit", *key),
        _AfterCommit(
            kind, event.ticket_id, message_id, event.created_at, subscriptions, delivery_ids
        ),
        robust=True,
    )
