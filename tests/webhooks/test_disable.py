"""A receiver that keeps failing: the subscription is switched off and its owner told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core import mail
from django.utils import timezone

from heedful.accounts.models import User
from heedful.tickets.models import Ticket
from heedful.webhooks.actions import (
    do_create_subscription,
    do_record_attempt,
    do_update_subscription,
)
from heedful.webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Subscription
from heedful.webhooks.transport import PostResult
from tests.webhooks.conftest import Receiver


def test_it_disables_after_n_failures_in_a_row_and_emails_the_owner(
    settings: Any,
    down_url: str,
    alice: User,
    make_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    subscription, _ = do_create_subscription(alice, url=down_url, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket()

    # The immediate backend of the tests retries at once: attempts 1, 2, 3 are refused.
    attempts = list(DeliveryAttempt.objects.order_by("number"))
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, None, False), (2, None, False), (3, None, False),
    ]  # fmt: skip
    assert all("refused" in a.error.lower() for a in attempts), [a.error for a in attempts]
    subscription.refresh_from_db()
    assert subscription.is_active is False
    assert subscription.consecutive_failures == 3
    assert subscription.disabled_reason == "Switched off after 3 failed deliveries in a row."
    assert subscription.disabled_at is not None
    assert Delivery.objects.get().state == DeliveryState.FAILED
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["alice@heedful.test"]
    assert email.subject == f"Your webhook to {down_url} was switched off"
    assert f"/settings/webhooks/{subscription.public_id}/" in email.body

    # Switched off: new events make no delivery, and nobody is emailed again.
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(subject="Another one")
    assert Delivery.objects.count() == 1
    assert len(mail.outbox) == 1


def test_it_counts_failures_across_events_and_a_success_resets_them(
    settings: Any,
    receiver: Receiver,
    alice: User,
    make_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 10
    settings.WEBHOOK_RETRY_DELAYS = [60]  # two attempts per event
    receiver.plan = [500, 500, 500, 500, 200]
    subscription, _ = do_create_subscription(alice, url=receiver.url, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(subject="one")
        make_ticket(subject="two")
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 4)
    assert list(Delivery.objects.values_list("state", flat=True)) == ["failed", "failed"]

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(subject="three")
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)
    assert len(receiver.requests) == 5


def test_it_follows_the_documented_retry_schedule(alice: User, acme_ticket: Ticket) -> None:
    subscription, _ = do_create_subscription(
        alice, url="https://example.test/h", events=["ticket.created"]
    )
    delivery = Delivery.objects.create(
        subscription=subscription, event_id="6f1c2a0e-0000-4000-8000-000000000001",
        kind="ticket.created", ticket=acme_ticket, body="{}",
    )  # fmt: skip
    at = timezone.now()
    waits = []
    for number in range(1, 7):
        outcome = do_record_attempt(delivery, number, PostResult(502, 12), at=at)
        waits.append(None if outcome.retry_at is None else outcome.retry_at - at)
    minutes = [None if w is None else w / timedelta(minutes=1) for w in waits]
    assert minutes == [1, 5, 30, 120, 360, None]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.next_attempt_at) == (DeliveryState.FAILED, None)


def test_it_clears_the_failure_count_when_switched_back_on(alice: User) -> None:
    subscription, _ = do_create_subscription(
        alice, url="https://example.test/h", events=["ticket.solved"]
    )
    Subscription.objects.filter(pk=subscription.pk).update(
        is_active=False, consecutive_failures=10, disabled_at=timezone.now(), disabled_reason="x"
    )
    subscription.refresh_from_db()
    do_update_subscription(subscription, actor=alice, active=True)
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)
    assert (subscription.disabled_at, subscription.disabled_reason) == (None, "")
