"""The only writers of webhook subscriptions and deliveries.

Subscriptions are managed by their owner (or an administrator). Deliveries are
written with the ticket change, in its transaction (heedful.webhooks.emit), and
advanced by the worker (heedful.webhooks.tasks): claim an attempt, POST, record the
outcome. A sweep re-enqueues attempts whose job was lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from heedful.accounts.models import Role, User
from heedful.api.generation import GenerationCache
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.tickets.models import Message, Ticket
from heedful.webhooks.access import check_manage_webhooks
from heedful.webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Subscription,
    WebhookEventKind,
)
from heedful.webhooks.payload import render_payload
from heedful.webhooks.signing import new_secret
from heedful.webhooks.transport import PostResult

MAX_SUBSCRIPTIONS_PER_OWNER = 50
MAX_URL_LENGTH = 2000
# Deliveries one sweep re-enqueues at most; the next sweep takes the rest.
SWEEP_BATCH = 1000
# Seconds to wait before attempts 2, 3, ...: 1 min, 5 min, 30 min, 2 h, 6 h.
DEFAULT_RETRY_DELAYS = (60, 300, 1800, 7200, 21600)
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])


def retry_delays() -> tuple[float, ...]:
    return tuple(getattr(settings, "WEBHOOK_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def disable_after_failures() -> int:
    return int(getattr(settings, "WEBHOOK_DISABLE_AFTER_FAILURES", 10))


def check_webhook_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise ActionError("Give the address that receives the events.", field="url")
    if len(url) > MAX_URL_LENGTH:
        raise ActionError(f"The address is longer than {MAX_URL_LENGTH} characters.", field="url")
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme not in ("http", "https"):
        raise ActionError("Use an http:// or https:// address.", field="url")
    try:
        _URL_VALIDATOR(url)
    except ValidationError:
        raise ActionError(f"{url[:100]} is not a valid web address.", field="url") from None
    return url


def check_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in WebhookEventKind.values]
    if unknown:
        known = ", ".join(WebhookEventKind.values)
        raise ActionError(f"Unknown event {unknown[0]!r}; choose from {known}.", field="events")
    if not chosen:
        raise ActionError("Choose at least one event.", field="events")
    return [e for e in WebhookEventKind.values if e in chosen]


@transaction.atomic
def do_create_subscription(
    owner: User, *, url: str, events: Iterable[str], description: str = "", active: bool = True
) -> tuple[Subscription, str]:
    """Create a subscription; returns it with its signing secret (show it once)."""
    check_manage_webhooks(owner)
    url, chosen = check_webhook_url(url), check_events(events)
    if Subscription.objects.filter(owner=owner).count() >= MAX_SUBSCRIPTIONS_PER_OWNER:
        raise ActionError(
            f"You have {MAX_SUBSCRIPTIONS_PER_OWNER} webhooks; delete one first.", field="url"
        )
    secret = new_secret()
    subscription = Subscription.objects.create(
        owner=owner,
        url=url,
        events=chosen,
        description=" ".join(description.split())[:100],
        secret=secret,
        is_active=active,
    )
    _Generation.bump()
    return subscription, secret


def _check_may_change(subscription: Subscription, actor: User) -> None:
    check_manage_webhooks(actor)
    if subscription.owner_id != actor.pk and actor.role != Role.ADMIN:
        # The access helper already answers 404; this guards direct callers.
        raise ActionForbidden("Only its owner or an administrator can change this webhook.")


@transaction.atomic
def do_update_subscription(
    subscription: Subscription,
    *,
    actor: User,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Subscription:
    """Change what is given; switching a subscription on again clears its failure count."""
    _check_may_change(subscription, actor)
    if url is not None:
        subscription.url = check_webhook_url(url)
    if events is not None:
        subscription.events = check_events(events)
    if description is not None:
        subscription.description = " ".join(description.split())[:100]
    if active is not None and active != subscription.is_active:
        subscription.is_active = active
        if active:
            subscription.consecutive_failures = 0
            subscription.disabled_at = None
            subscription.disabled_reason = ""
    subscription.save()
    _Generation.bump()
    return subscription


@transaction.atomic
def do_delete_subscription(subscription: Subscription, *, actor: User) -> None:
    _check_may_change(subscription, actor)
    subscription.delete()
    _Generation.bump()


class _Generation:
    """Counts this process's subscription changes, so that a transaction's cached list
    of subscriptions (heedful.webhooks.emit) is not reused after one of them."""

    value = 0

    @classmethod
    def bump(cls) -> None:
        cls.value += 1


def subscriptions_generation() -> int:
    return _Generation.value


def _read_active_subscriptions() -> tuple[Subscription, ...]:
    return tuple(
        Subscription.objects.filter(
            is_active=True, owner__is_active=True, owner__role__in=(Role.ADMIN, Role.AGENT)
        )
    )


# Read on every ticket change; kept by each process while the settings generation
# (database triggers on subscriptions and users) is unchanged: one cheap read instead.
_active_subscriptions = GenerationCache(_read_active_subscriptions)


def active_subscriptions() -> list[Subscription]:
    """Every subscription that may receive events now (shared instances: read only)."""
    return list(_active_subscriptions.get())


def do_queue_deliveries(
    subscriptions: Iterable[Subscription],
    *,
    kind: str,
    ticket_id: int,
    message_id: int | None,
    occurred_at: datetime,
) -> list[int]:
    """One pending delivery of one new event per subscription that wants it, written in
    the caller's transaction (the outbox): the event commits or rolls back with the
    ticket change. The body is rendered after the commit (:func:`do_render_deliveries`)
    so that it shows the committed ticket; ``next_attempt_at`` says it is due now."""
    wanted = [s for s in subscriptions if s.wants(kind)]
    if not wanted:
        return []
    event_id = uuid.uuid4()
    created = Delivery.objects.bulk_create(
        Delivery(
            subscription=s,
            event_id=event_id,
            kind=kind,
            ticket_id=ticket_id,
            message_id=message_id,
            occurred_at=occurred_at,
            next_attempt_at=occurred_at,
        )
        for s in wanted
    )
    return [d.pk for d in created]


def _render_body(delivery: Delivery) -> str | None:
    if delivery.ticket_id is None:  # the ticket was deleted
        return None
    ticket = (
        Ticket.objects.select_related("requester", "organization", "assignee", "team")
        .filter(pk=delivery.ticket_id)
        .first()
    )
    if ticket is None:
        return None
    message = None
    if delivery.message_id is not None:
        message = (
            Message.objects.select_related("author_user", "author_contact")
            .filter(pk=delivery.message_id)
            .first()
        )
    return render_payload(
        event_id=delivery.event_id,
        kind=delivery.kind,
        occurred_at=delivery.occurred_at or delivery.created_at,
        ticket=ticket,
        message=message,
    )


def do_render_deliveries(delivery_ids: list[int]) -> None:
    """Store the body of one event's deliveries (they share it) once the change committed."""
    first = Delivery.objects.filter(pk__in=delivery_ids, body="").first()
    if first is None:
        return
    body = _render_body(first)
    if body is None:
        Delivery.objects.filter(pk__in=delivery_ids, body="").update(
            state=DeliveryState.CANCELLED, next_attempt_at=None
        )
        return
    Delivery.objects.filter(pk__in=delivery_ids, body="").update(body=body)


def do_take_due_deliveries(*, now: datetime, grace: timedelta) -> list[tuple[int, int]]:
    """The deliveries whose next attempt should have run ``grace`` ago and did not (a
    process died after the commit, a job was lost), as (delivery id, attempt number).
    Each is pushed to ``now`` so the next sweep leaves it alone for another ``grace``;
    running its attempt twice is harmless (:func:`do_claim_attempt`)."""
    cutoff = now - grace
    due = list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:SWEEP_BATCH]
    )
    taken = []
    for pk, attempts in due:
        if Delivery.objects.filter(
            pk=pk, state=DeliveryState.PENDING, attempts=attempts, next_attempt_at__lte=cutoff
        ).update(next_attempt_at=now):
            taken.append((pk, attempts + 1))
    return taken


def do_claim_attempt(delivery_id: int, number: int) -> Delivery | None:
    """Take attempt ``number`` of a pending delivery, or None when it is not due to run
    (already delivered, given up, cancelled, or this attempt was taken by another job).
    The conditional UPDATE is atomic, so two workers never make the same attempt."""
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, attempts=number - 1
    ).update(attempts=number, next_attempt_at=None)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    if not delivery.subscription.is_active:
        Delivery.objects.filter(pk=delivery_id).update(state=DeliveryState.CANCELLED)
        return None
    if not delivery.body:
        # The commit's callback never ran (the process died): render it now.
        do_render_deliveries([delivery.pk])
        delivery.refresh_from_db(fields=["body", "state"])
        if delivery.state == DeliveryState.CANCELLED:
            return None
    return delivery


@dataclass(frozen=True)
class AttemptOutcome:
    state: DeliveryState
    retry_at: datetime | None = None
    # True only for the attempt that switched the subscription off.
    disabled_subscription: bool = False


@transaction.atomic
def do_record_attempt(
    delivery: Delivery, number: int, result: PostResult, *, at: datetime
) -> AttemptOutcome:
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        attempted_at=at,
        status_code=result.status_code,
        latency_ms=result.latency_ms,
        response_excerpt=result.excerpt,
        error=result.error,
        succeeded=result.succeeded,
    )
    subscriptions = Subscription.objects.filter(pk=delivery.subscription_id)
    if result.succeeded:
        delivery.state, delivery.delivered_at = DeliveryState.SUCCEEDED, timezone.now()
        delivery.save(update_fields=["state", "delivered_at"])
        subscriptions.update(consecutive_failures=0)
        return AttemptOutcome(DeliveryState.SUCCEEDED)
    subscriptions.update(consecutive_failures=F("consecutive_failures") + 1)
    disabled = _disable_if_failing(delivery.subscription_id, at)
    delays = retry_delays()
    retry_at = None
    if not disabled and number <= len(delays):
        retry_at = at + timedelta(seconds=delays[number - 1])
    delivery.state = DeliveryState.PENDING if retry_at else DeliveryState.FAILED
    delivery.next_attempt_at = retry_at
    delivery.save(update_fields=["state", "next_attempt_at"])
    return AttemptOutcome(DeliveryState(delivery.state), retry_at, disabled)


def _disable_if_failing(subscription_id: int, at: datetime) -> bool:
    limit = disable_after_failures()
    return bool(
        Subscription.objects.filter(
            pk=subscription_id, is_active=True, consecutive_failures__gte=limit
        ).update(
            is_active=False,
            disabled_at=at,
            disabled_reason=f"Switched off after {limit} failed deliveries in a row.",
            updated_at=at,
        )
    )
