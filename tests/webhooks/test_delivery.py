"""Delivery by the real database task backend and worker to a real HTTP receiver."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from heedful.accounts.models import User
from heedful.tickets.models import Ticket
from heedful.webhooks.actions import do_create_subscription
from heedful.webhooks.models import Delivery, DeliveryAttempt, DeliveryState
from heedful.webhooks.tasks import deliver_webhook
from tests.conftest import run_worker_once
from tests.webhooks.conftest import Receiver, documented_verifier

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker_until(done: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        run_worker_once()
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_it_retries_until_the_receiver_accepts_and_delivers_once(
    settings: Any, receiver: Receiver, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    settings.TASKS = DB_TASKS
    settings.WEBHOOK_RETRY_DELAYS = [0.5, 0.5, 0.5, 0.5, 0.5]
    receiver.plan = [500, 500, 200]
    subscription, secret = do_create_subscription(
        alice, url=receiver.url, events=["ticket.created"]
    )

    ticket = make_ticket(subject="Refund please")
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.kind) == ("pending", 0, "ticket.created")
    run_worker_until(lambda: Delivery.objects.get().state != DeliveryState.PENDING)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 3)
    attempts = list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, 500, False), (2, 500, False), (3, 200, True),
    ]  # fmt: skip
    assert DeliveryAttempt.objects.filter(succeeded=True).count() == 1
    # The worker honoured the backoff: each retry waited for its run_after.
    for earlier, later in itertools.pairwise(attempts):
        assert later.attempted_at - earlier.attempted_at >= timedelta(seconds=0.5)
    assert attempts[0].response_excerpt == ("receiver is unwell " * 200)[:1024]
    assert attempts[2].response_excerpt == '{"ok": true}'
    assert all(a.latency_ms < 10_000 and a.error == "" for a in attempts)

    # Three POSTs of the same event, each signed (fresh timestamp) so the docs' code accepts it.
    verify = documented_verifier()
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert request.path == "/hooks/heedful"
        assert request.body == delivery.body.encode()
        assert request.headers["Heedful-Event-Id"] == str(delivery.event_id)
        assert request.headers["Heedful-Event-Kind"] == "ticket.created"
        assert request.headers["Content-Type"] == "application/json"
        assert verify(secret, request.body, request.headers["Heedful-Signature"]) is True
        assert verify("whsec_wrong", request.body, request.headers["Heedful-Signature"]) is False
        assert verify(secret, request.body + b" ", request.headers["Heedful-Signature"]) is False
    payload = json.loads(receiver.requests[0].body)
    assert payload["id"] == str(delivery.event_id)
    assert payload["kind"] == "ticket.created"
    assert payload["ticket"]["ref"] == ticket.ref
    assert payload["ticket"]["subject"] == "Refund please"

    # Delivered means delivered: running the last attempt's job again, or a later one,
    # sends nothing more.
    deliver_webhook.enqueue(delivery_id=delivery.pk, attempt=3)
    deliver_webhook.enqueue(delivery_id=delivery.pk, attempt=4)
    run_worker_until(lambda: not DBTaskResult.objects.ready().exists())
    assert len(receiver.requests) == 3
    assert DeliveryAttempt.objects.count() == 3
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)


@pytest.mark.django_db(transaction=True)
def test_it_schedules_the_first_retry_a_minute_later(
    settings: Any, receiver: Receiver, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    settings.TASKS = DB_TASKS
    receiver.plan = [503]
    do_create_subscription(alice, url=receiver.url, events=["ticket.created"])
    make_ticket()
    run_worker_until(lambda: DeliveryAttempt.objects.exists())

    attempt = DeliveryAttempt.objects.get()
    delivery = attempt.delivery
    assert (attempt.status_code, delivery.state, delivery.attempts) == (503, "pending", 1)
    assert delivery.next_attempt_at == attempt.attempted_at + timedelta(minutes=1)
    queued = DBTaskResult.objects.get(status="READY")
    assert queued.run_after == delivery.next_attempt_at
    assert queued.args_kwargs == {"args": [], "kwargs": {"delivery_id": delivery.pk, "attempt": 2}}
    # Not due yet: the worker leaves it alone.
    run_worker_once()
    assert len(receiver.requests) == 1
    assert DBTaskResult.objects.get(status="READY").pk == queued.pk
