"""/webhooks: outgoing webhook subscriptions and their delivery log.

Agents manage their own subscriptions, administrators everyone's; light agents and
customers are refused (403), and someone else's subscription is not found (404).
Every operation needs a token with the write scope: a subscription receives every
ticket's changes, so reading them is as sensitive as changing them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from heedful.api.auth import WRITE_AUTH, caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import NO_NUL, absent
from heedful.api.idempotency import idempotency_header, run_idempotent
from heedful.api.schemas import UserRef, user_ref
from heedful.webhooks import actions
from heedful.webhooks.access import (
    check_manage_webhooks,
    get_subscription_for_user,
    visible_subscriptions,
)
from heedful.webhooks.models import Delivery, DeliveryState, Subscription, WebhookEventKind

router = Router(tags=["webhooks"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}
SHOWN_DELIVERIES = 50
MAX_LISTED = 200

Url = Annotated[str, Field(min_length=1, max_length=actions.MAX_URL_LENGTH, pattern=NO_NUL)]
Description = Annotated[str, Field(max_length=100, pattern=NO_NUL)]
Events = Annotated[
    list[WebhookEventKind], Field(min_length=1, max_length=len(WebhookEventKind.values))
]


class SubscriptionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description="An http:// or https:// address that accepts POST.")
    events: Events
    description: Description = ""
    active: bool = True


class SubscriptionUpdateIn(Schema):
    """Send only what changes; ``"active": true`` switches a disabled webhook back on."""

    model_config = ConfigDict(extra="forbid")

    url: Url = absent()
    events: Events = absent()
    description: Description = absent()
    active: bool = absent()


class SubscriptionOut(Schema):
    id: uuid.UUID
    url: str
    events: list[WebhookEventKind]
    description: str
    active: bool
    owner: UserRef
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str
    created_at: datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(description="The signing secret; shown only in this response.")


class SubscriptionList(Schema):
    items: list[SubscriptionOut]


class AttemptOut(Schema):
    number: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str
    succeeded: bool


class DeliveryOut(Schema):
    event_id: uuid.UUID
    kind: WebhookEventKind
    ticket: str | None = Field(description="The ticket's ref, if it still exists.")
    state: DeliveryState
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(Schema):
    items: list[DeliveryOut]


def subscription_out(subscription: Subscription) -> SubscriptionOut:
    owner = user_ref(subscription.owner)
    assert owner is not None
    return SubscriptionOut(
        id=subscription.public_id,
        url=subscription.url,
        events=[WebhookEventKind(e) for e in subscription.events],
        description=subscription.description,
        active=subscription.is_active,
        owner=owner,
        consecutive_failures=subscription.consecutive_failures,
        disabled_at=subscription.disabled_at,
        disabled_reason=subscription.disabled_reason,
        created_at=subscription.created_at,
    )


def delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        event_id=delivery.event_id,
        kind=WebhookEventKind(delivery.kind),
        ticket=delivery.ticket.ref if delivery.ticket is not None else None,
        state=DeliveryState(delivery.state),
        attempts=[
            AttemptOut(
                number=a.number,
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                response_excerpt=a.response_excerpt,
                error=a.error,
                succeeded=a.succeeded,
            )
            for a in delivery.attempt_log.all()
        ],
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


@router.get("", response={200: SubscriptionList, **ERRORS}, auth=WRITE_AUTH)
def list_webhooks(request: HttpRequest) -> SubscriptionList:
    """Your subscriptions (an administrator: everyone's), newest first."""
    user = caller_of(request).user
    check_manage_webhooks(user)
    rows = visible_subscriptions(user).select_related("owner")[:MAX_LISTED]
    return SubscriptionList(items=[subscription_out(s) for s in rows])


@router.post("", response={201: SubscriptionCreatedOut, **ERRORS}, auth=WRITE_AUTH)
def create_webhook(
    request: HttpRequest,
    payload: SubscriptionIn,
    idempotency_key: str | None = idempotency_header(),
) -> Status[Any] | HttpResponse:
    """Subscribe an address to event kinds; the answer holds the signing secret, once."""
    user = caller_of(request).user
    check_manage_webhooks(user)

    def create() -> SubscriptionCreatedOut:
        subscription, secret = actions.do_create_subscription(
            user,
            url=payload.url,
            events=payload.events,
            description=payload.description,
            active=payload.active,
        )
        out = subscription_out(subscription)
        return SubscriptionCreatedOut(**out.model_dump(), secret=secret)

    return run_idempotent(request, idempotency_key, 201, create)


@router.get("/{webhook_id}", response={200: SubscriptionOut, **ERRORS}, auth=WRITE_AUTH)
def get_webhook(request: HttpRequest, webhook_id: str) -> SubscriptionOut:
    user = caller_of(request).user
    check_manage_webhooks(user)
    return subscription_out(get_subscription_for_user(user, webhook_id))


@router.patch("/{webhook_id}", response={200: SubscriptionOut, **ERRORS}, auth=WRITE_AUTH)
def update_webhook(
    request: HttpRequest, webhook_id: str, payload: SubscriptionUpdateIn
) -> SubscriptionOut:
    user = caller_of(request).user
    check_manage_webhooks(user)
    subscription = get_subscription_for_user(user, webhook_id)
    sent = payload.model_fields_set
    actions.do_update_subscription(
        subscription,
        actor=user,
        url=payload.url if "url" in sent else None,
        events=payload.events if "events" in sent else None,
        description=payload.description if "description" in sent else None,
        active=payload.active if "active" in sent else None,
    )
    return subscription_out(subscription)


@router.delete("/{webhook_id}", response={204: None, **ERRORS}, auth=WRITE_AUTH)
def delete_webhook(request: HttpRequest, webhook_id: str) -> Status[None]:
    """Delete the subscription and its delivery log; pending retries are dropped."""
    user = caller_of(request).user
    check_manage_webhooks(user)
    actions.do_delete_subscription(get_subscription_for_user(user, webhook_id), actor=user)
    return Status(204, None)


@router.get("/{webhook_id}/deliveries", response={200: DeliveryList, **ERRORS}, auth=WRITE_AUTH)
def list_webhook_deliveries(request: HttpRequest, webhook_id: str) -> DeliveryList:
    """The 50 latest deliveries, newest first, each with its attempts."""
    user = caller_of(request).user
    check_manage_webhooks(user)
    subscription = get_subscription_for_user(user, webhook_id)
    rows = (
        Delivery.objects.filter(subscription=subscription)
        .select_related("ticket")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-id")[:SHOWN_DELIVERIES]
    )
    return DeliveryList(items=[delivery_out(d) for d in rows])
