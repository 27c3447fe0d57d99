"""Which ticket changes make which events, and what their payload holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import Role, User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.models import Ticket
from heedful.webhooks.actions import do_create_subscription
from heedful.webhooks.models import Delivery, WebhookEventKind
from tests.api.conftest import ApiClient
from tests.webhooks.conftest import Receiver

ALL = list(WebhookEventKind.values)


def kinds(receiver: Receiver) -> list[str]:
    return [json.loads(r.body)["kind"] for r in receiver.requests]


def test_it_sends_ticket_created_with_the_apis_ticket(
    receiver: Receiver,
    alice: User,
    make_ticket: Callable[..., Ticket],
    api: Callable[..., ApiClient],
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_create_subscription(alice, url=receiver.url, events=ALL)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(subject="Invoice 1042 is wrong", tags=["billing"])
    # The first message belongs to ticket.created: no separate message.added.
    assert kinds(receiver) == ["ticket.created"]
    payload = json.loads(receiver.requests[0].body)
    assert set(payload) == {"id", "kind", "occurred_at", "ticket", "message"}
    assert payload["message"] is None
    assert payload["id"] == receiver.requests[0].headers["Heedful-Event-Id"]
    from_api = api(alice).get(f"/tickets/{ticket.ref}").json()
    assert payload["ticket"] == from_api
    assert payload["ticket"]["tags"] == ["billing"]
    assert payload["occurred_at"] == from_api["created_at"]


def test_it_sends_one_update_per_request_and_solved_separately(
    receiver: Receiver,
    alice: User,
    acme_ticket: Ticket,
    api: Callable[..., ApiClient],
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_create_subscription(alice, url=receiver.url, events=ALL)
    client = api(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/tickets/{acme_ticket.ref}", {"priority": "high", "subject": "Charged twice"}
        )
    assert response.status_code == 200
    assert kinds(receiver) == ["ticket.updated"]
    assert json.loads(receiver.requests[0].body)["ticket"]["priority"] == "high"

    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/tickets/{acme_ticket.ref}", {"status": "solved", "tags": ["refund"]})
    assert sorted(kinds(receiver)[1:]) == ["ticket.solved", "ticket.updated"]
    solved = next(json.loads(r.body) for r in receiver.requests if b"ticket.solved" in r.body)
    assert solved["ticket"]["status"] == "solved"
    assert solved["ticket"]["tags"] == ["refund"]


def test_it_sends_message_added_with_the_message(
    receiver: Receiver,
    alice: User,
    acme_ticket: Ticket,
    dave: Contact,
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_create_subscription(alice, url=receiver.url, events=["message.added"])
    # Later messages of a ticket created in the same transaction are sent too.
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.do_add_message(acme_ticket, author=alice, body_text="Refunded.")
        note = actions.do_add_message(
            acme_ticket, author=alice, body_text="Finance approved", is_public=False
        )
        actions.do_add_message(acme_ticket, author=dave, body_text="Thanks!")
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["kind"] for b in bodies] == ["message.added"] * 3
    assert [(b["message"]["id"], b["message"]["public"]) for b in bodies[:2]] == [
        (str(reply.public_id), True),
        (str(note.public_id), False),
    ]
    assert bodies[0]["message"]["body_text"] == "Refunded."
    assert bodies[0]["message"]["author"] == {"type": "user", "id": "alice", "name": "Alice"}
    assert bodies[2]["message"]["author"]["type"] == "contact"
    assert bodies[2]["ticket"]["message_count"] == 4


def test_it_sends_only_the_kinds_subscribed(
    receiver: Receiver,
    alice: User,
    make_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_create_subscription(alice, url=receiver.url, events=["ticket.solved"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket()
        actions.do_change_priority(ticket, "low", actor=alice)
    assert receiver.requests == []
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_change_status(ticket, "solved", actor=alice)
    assert kinds(receiver) == ["ticket.solved"]


def test_it_sends_nothing_for_a_rolled_back_change(
    receiver: Receiver,
    alice: User,
    acme_ticket: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_create_subscription(alice, url=receiver.url, events=ALL)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.do_change_priority(acme_ticket, "urgent", actor=alice)
        raise RuntimeError("rolled back")
    assert receiver.requests == []
    assert Delivery.objects.count() == 0


def test_it_stops_when_the_owner_is_no_longer_an_agent(
    receiver: Receiver,
    alice: User,
    make_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_create_subscription(alice, url=receiver.url, events=ALL)
    User.objects.filter(pk=alice.pk).update(role=Role.LIGHT_AGENT)
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket()
    assert receiver.requests == []
    assert Delivery.objects.count() == 0


def test_it_reads_the_subscriptions_once_per_transaction(
    receiver: Receiver,
    alice: User,
    dave: Contact,
    make_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_create_subscription(alice, url=receiver.url, events=["ticket.solved"])
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
        transaction.atomic(),
    ):
        ticket = make_ticket()
        actions.do_change_priority(ticket, "high", actor=alice)
        actions.do_add_message(ticket, author=dave, body_text="Any news?")
        actions.do_change_status(ticket, "solved", actor=alice)
    reads = [q for q in queries.captured_queries if 'FROM "webhooks_subscription"' in q["sql"]]
    writes = [q for q in queries.captured_queries if 'INTO "webhooks_delivery"' in q["sql"]]
    # Four events (created, updated, message.added, solved): one read, one write.
    assert (len(reads), len(writes)) == (1, 1)
    assert kinds(receiver) == ["ticket.solved"]
