"""The outbox survives a crash between the commit and its callback: the scheduler's
sweep enqueues the lost attempt, and the event is delivered exactly once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from heedful.accounts.models import User
from heedful.sla.scheduler import _enqueue_sweeps
from heedful.tickets import actions
from heedful.tickets.models import Ticket
from heedful.webhooks.actions import do_create_subscription
from heedful.webhooks.models import Delivery, DeliveryState
from heedful.webhooks.tasks import send_due_webhooks
from tests.webhooks.conftest import Receiver, documented_verifier
from tests.webhooks.test_delivery import DB_TASKS, run_worker_until


def crash_after_commit(change: Callable[[], Any]) -> None:
    """Commit ``change`` but drop its on-commit callbacks, as a process killed right
    after the commit would."""
    with transaction.atomic():
        change()
        transaction.get_connection().run_on_commit = []


def backdate(seconds: int) -> None:
    past = timezone.now() - timedelta(seconds=seconds)
    Delivery.objects.update(next_attempt_at=past)


@pytest.mark.django_db(transaction=True)
def test_it_delivers_an_event_whose_callback_was_lost_exactly_once(
    settings: Any, receiver: Receiver, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    settings.TASKS = DB_TASKS
    ticket = make_ticket(subject="Refund please")
    _, secret = do_create_subscription(alice, url=receiver.url, events=["ticket.updated"])

    crash_after_commit(lambda: actions.do_change_priority(ticket, "urgent", actor=alice))
    # The event was saved with the change; nothing was enqueued or sent.
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.state, delivery.attempts, delivery.body) == (
        "ticket.updated", DeliveryState.PENDING, 0, "",
    )  # fmt: skip
    assert not DBTaskResult.objects.filter(task_path__endswith="deliver_webhook").exists()

    # Less than a minute late: the sweep leaves it to its own job.
    assert send_due_webhooks.call() == 0
    backdate(61)
    _enqueue_sweeps()  # what the scheduler's leader does on every pass
    run_worker_until(lambda: Delivery.objects.get().state != DeliveryState.PENDING)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 1)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.body == delivery.body.encode()
    assert documented_verifier()(secret, request.body, request.headers["Heedful-Signature"])
    payload = json.loads(request.body)
    assert (payload["id"], payload["kind"]) == (str(delivery.event_id), "ticket.updated")
    assert (payload["ticket"]["ref"], payload["ticket"]["priority"]) == (ticket.ref, "urgent")

    # Later sweeps find nothing, even long after: it is delivered.
    backdate(3600)
    assert send_due_webhooks.call() == 0
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_it_sends_once_when_the_lost_job_turns_up_after_the_sweep(
    settings: Any, receiver: Receiver, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    settings.TASKS = DB_TASKS
    ticket = make_ticket()
    do_create_subscription(alice, url=receiver.url, events=["ticket.solved"])

    actions.do_change_status(ticket, "solved", actor=alice)  # enqueues attempt 1
    backdate(120)  # the worker was down for two minutes
    assert send_due_webhooks.call() == 1  # enqueues attempt 1 again
    assert send_due_webhooks.call() == 0  # pushed back: not taken twice in a row
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_webhook").count() == 2
    run_worker_until(lambda: not DBTaskResult.objects.ready().exists())

    assert len(receiver.requests) == 1
    assert Delivery.objects.get().state == DeliveryState.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_it_writes_nothing_when_the_change_rolls_back(
    settings: Any, receiver: Receiver, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    settings.TASKS = DB_TASKS
    ticket = make_ticket()
    do_create_subscription(alice, url=receiver.url, events=["ticket.updated"])
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_change_priority(ticket, "urgent", actor=alice)
        assert Delivery.objects.count() == 1
        raise RuntimeError("the request failed")
    assert Delivery.objects.count() == 0
    backdate(120)
    assert send_due_webhooks.call() == 0
