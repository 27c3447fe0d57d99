"""The per-process caches of SLA policies and webhook subscriptions (heedful.api.generation):
any change to their tables, by any connection, is seen by the next ticket write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heedful.accounts.actions import do_create_api_token, do_touch_api_token
from heedful.accounts.models import Role, Team, User
from heedful.api.generation import settings_generation
from heedful.customers.models import Contact
from heedful.sla.models import Calendar, OpeningHours, Policy, Target
from heedful.sla.policies import load_policies
from heedful.tickets.models import Ticket
from heedful.webhooks.actions import active_subscriptions, do_create_subscription
from heedful.webhooks.models import Subscription
from tests.api.conftest import ApiClient, on_another_connection
from tests.sla.conftest import make_policy

MakeApi = Callable[..., ApiClient]
PAYLOAD = {"subject": "Export fails", "body": "Since Monday.", "requester_email": "dave@acme.test"}


def _next_update_due(response: Any) -> timedelta | None:
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=int(response.json()["ref"].split("-")[1]))
    due = ticket.next_due_at
    return None if due is None else due - ticket.created_at


@pytest.mark.django_db(transaction=True)
def test_it_sees_a_policy_changed_on_another_connection(
    api: MakeApi, alice: User, dave: Contact
) -> None:
    client = api(alice)
    assert _next_update_due(client.post("/tickets", PAYLOAD)) is None  # cached: no policy

    on_another_connection(lambda: make_policy("24/7", {"normal": {"next_update": 30}}))
    assert _next_update_due(client.post("/tickets", PAYLOAD)) == timedelta(minutes=30)

    on_another_connection(lambda: Target.objects.update(next_update_minutes=45))
    assert _next_update_due(client.post("/tickets", PAYLOAD)) == timedelta(minutes=45)

    on_another_connection(lambda: Policy.objects.all().delete())
    assert _next_update_due(client.post("/tickets", PAYLOAD)) is None


@pytest.mark.django_db(transaction=True)
def test_it_sees_a_subscription_changed_on_another_connection(alice: User) -> None:
    assert active_subscriptions() == []
    on_another_connection(
        lambda: do_create_subscription(
            alice, url="https://hooks.example.com/a", events=["ticket.created"]
        )
    )
    assert [s.url for s in active_subscriptions()] == ["https://hooks.example.com/a"]
    # The worker disables a failing subscription with a plain UPDATE, not an action.
    on_another_connection(lambda: Subscription.objects.update(is_active=False))
    assert active_subscriptions() == []
    on_another_connection(lambda: Subscription.objects.update(is_active=True))
    assert len(active_subscriptions()) == 1
    # Its owner demoted to a customer-facing role that may not receive events.
    on_another_connection(lambda: User.objects.filter(pk=alice.pk).update(role=Role.LIGHT_AGENT))
    assert active_subscriptions() == []


def test_it_reads_the_policies_once_while_nothing_changes(alice: User) -> None:
    make_policy("24/7", {"normal": {"next_update": 30}})
    assert len(load_policies().rules) == 1
    with CaptureQueriesContext(connection) as queries:
        assert len(load_policies().rules) == 1
    assert [q["sql"] for q in queries.captured_queries] == [
        "SELECT value FROM api_settingsgeneration WHERE id = 1"
    ]
    make_policy("Second", {"urgent": {"next_update": 10}}, position=1)
    assert len(load_policies().rules) == 2


def test_it_forgets_a_change_that_was_rolled_back(alice: User) -> None:
    assert load_policies().rules == ()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_policy("24/7", {"normal": {"next_update": 30}})
        assert len(load_policies().rules) == 1  # its own change, inside the transaction
        raise RuntimeError("roll back")
    assert load_policies().rules == ()
    make_policy("Other", {"normal": {"next_update": 60}})  # a new generation, never the old
    assert len(load_policies().rules) == 1


def test_it_changes_the_generation_only_for_the_watched_tables(
    alice: User, dave: Contact, support: Team, make_ticket: Callable[..., Ticket]
) -> None:
    seen = [settings_generation()]

    def changed() -> bool:
        seen.append(settings_generation())
        return seen[-1] != seen[-2]

    calendar = Calendar.objects.create(name="Berlin", timezone="Europe/Berlin")
    assert changed()
    OpeningHours.objects.create(calendar=calendar, weekday=0, opens_at="09:00", closes_at="17:00")
    assert changed()
    policy = make_policy("Office hours", {"normal": {"next_update": 30}}, calendars=[calendar])
    assert changed()
    policy.teams.add(support)
    assert changed()
    User.objects.filter(pk=alice.pk).update(role=Role.ADMIN)
    assert changed()
    do_create_subscription(alice, url="https://hooks.example.com/a", events=["ticket.created"])
    assert changed()
    # API tokens, and the rest of a user's row: the API caches tokens with their users.
    token, _ = do_create_api_token(alice, name="script", scope="read")
    assert changed()
    User.objects.filter(pk=alice.pk).update(first_name="Alicia")
    assert changed()
    # Not watched: the failure count (the worker's, after each attempt), a sign-in, a
    # token's last use, tickets, contacts.
    Subscription.objects.update(consecutive_failures=3)
    User.objects.filter(pk=alice.pk).update(last_login=timezone.now())
    do_touch_api_token(token)
    make_ticket()
    Contact.objects.filter(pk=dave.pk).update(name="David")
    assert not changed()
