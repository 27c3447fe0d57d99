"""Webhook jobs for the task worker: POST one attempt of a delivery, schedule the next
one with exponential backoff, and tell an owner that their webhook was switched off.

``deliver_webhook`` is idempotent: it runs attempt N only if the delivery is still
pending with N - 1 attempts made, so a job that runs twice sends once, and a
delivered event is never sent again. ``send_due_webhooks`` (run by the scheduler)
enqueues again the attempts whose job was lost.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from heedful.webhooks.actions import (
    do_claim_attempt,
    do_record_attempt,
    do_take_due_deliveries,
)
from heedful.webhooks.models import Subscription
from heedful.webhooks.signing import (
    EVENT_ID_HEADER,
    EVENT_KIND_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from heedful.webhooks.transport import post_json

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
# How late an attempt may be before the sweep enqueues it again.
SWEEP_GRACE = timedelta(minutes=1)


def enqueue_attempt(delivery_id: int, number: int, *, run_after: datetime | None = None) -> None:
    job = deliver_webhook
    # The database and Redis backends hold the job until run_after; a backend that
    # cannot defer (the immediate one of the tests) runs the retry at once.
    if run_after is not None and job.get_backend().supports_defer:
        job = job.using(run_after=run_after)
    job.enqueue(delivery_id=delivery_id, attempt=number)


@task()
def deliver_webhook(delivery_id: int, attempt: int) -> str:
    delivery = do_claim_attempt(delivery_id, attempt)
    if delivery is None:
        return "skipped"
    subscription = delivery.subscription
    body = delivery.body.encode()
    now = timezone.now()
    headers = {
        SIGNATURE_HEADER: signature_header(subscription.secret, int(now.timestamp()), body),
        EVENT_ID_HEADER: str(delivery.event_id),
        EVENT_KIND_HEADER: delivery.kind,
    }
    timeout = float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", TIMEOUT_SECONDS))
    result = post_json(subscription.url, body, headers, timeout=timeout)
    outcome = do_record_attempt(delivery, attempt, result, at=now)
    log.info(
        "webhook %s attempt %s to %s: %s",
        delivery.event_id, attempt, subscription.url, result.status_code or result.error,
    )  # fmt: skip
    if outcome.disabled_subscription:
        email_subscription_disabled.enqueue(subscription_id=subscription.pk)
    if outcome.retry_at is not None:
        enqueue_attempt(delivery_id, attempt + 1, run_after=outcome.retry_at)
    return str(outcome.state)


@task()
def send_due_webhooks() -> int:
    """The scheduler's sweep: enqueue the attempts that are over a minute late (their
    job was lost, or the process died before the commit's callback enqueued it)."""
    taken = do_take_due_deliveries(now=timezone.now(), grace=SWEEP_GRACE)
    for delivery_id, number in taken:
        enqueue_attempt(delivery_id, number)
    if taken:
        log.info("webhook sweep: %s late attempt(s) enqueued", len(taken))
    return len(taken)


@task()
def email_subscription_disabled(subscription_id: int) -> bool:
    """An in-app Notification is about a ticket or a contact, and this is about neither,
    so the owner is told by email."""
    subscription = Subscription.objects.select_related("owner").filter(pk=subscription_id).first()
    if subscription is None or subscription.is_active or not subscription.owner.email:
        return False
    page = f"{settings.BASE_URL}/settings/webhooks/{subscription.public_id}/"
    send_mail(
        subject=f"Your webhook to {subscription.url[:80]} was switched off",
        message=(
            f"{subscription.disabled_reason}\n\n"
            f"Address: {subscription.url}\n"
            f"See the delivery log and switch it back on: {page}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[subscription.owner.email],
    )
    return True
