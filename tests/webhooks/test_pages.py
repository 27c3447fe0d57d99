"""The Webhooks settings page: create (secret shown once), delivery log, switch off/on,
delete; only agents, only one's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.tickets.models import Ticket
from heedful.webhooks.actions import do_create_subscription
from heedful.webhooks.models import Delivery, DeliveryAttempt, Subscription

SignIn = Callable[[User | Contact | None], Client]
URL = "/settings/webhooks/"
# Session, user, the layout (counts), the subscriptions, the deliveries, their attempts:
# the same however many deliveries and attempts there are.
QUERIES = 7
FORM = {"url": "https://crm.example.test/hook", "events": ["ticket.created", "ticket.solved"]}


def test_it_creates_a_webhook_and_shows_the_secret_once(as_user: SignIn, alice: User) -> None:
    client = as_user(alice)
    response = client.post(URL, {**FORM, "description": "CRM"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    subscription = Subscription.objects.get()
    assert (subscription.owner, subscription.url, subscription.events) == (
        alice, FORM["url"], ["ticket.created", "ticket.solved"],
    )  # fmt: skip
    assert subscription.description == "CRM"
    assert response.context["new_secret"] == subscription.secret
    assert subscription.secret in response.content.decode()
    again = client.get(f"{URL}{subscription.public_id}/")
    assert again.status_code == 200
    assert subscription.secret not in again.content.decode()
    assert FORM["url"] in again.content.decode()


def test_it_shows_the_menu_link_to_agents_only(as_user: SignIn, alice: User, carol: User) -> None:
    assert 'id="menu-webhooks"' in as_user(alice).get("/").content.decode()
    assert 'id="menu-webhooks"' not in as_user(carol).get("/").content.decode()


def test_it_refuses_a_bad_address_with_a_readable_400(as_user: SignIn, alice: User) -> None:
    response = as_user(alice).post(URL, {**FORM, "url": "ftp://files.example.test/"})
    assert response.status_code == 400
    assert "Use an http:// or https:// address." in response.content.decode()
    no_events = as_user(alice).post(URL, {"url": FORM["url"]})
    assert no_events.status_code == 400
    assert "This field is required." in no_events.content.decode()
    assert Subscription.objects.count() == 0


def test_it_keeps_light_agents_and_customers_out(
    as_user: SignIn, alice: User, carol: User, dave: Contact
) -> None:
    mine, _ = do_create_subscription(alice, url=FORM["url"], events=["ticket.created"])
    for who in (carol, dave):
        client = as_user(who)
        assert client.get(URL).status_code == 403
        assert client.post(URL, FORM).status_code == 403
        assert client.get(f"{URL}{mine.public_id}/").status_code == 403
        assert client.post(f"{URL}{mine.public_id}/", {"action": "delete"}).status_code == 403
    assert list(Subscription.objects.values_list("pk", "is_active")) == [(mine.pk, True)]


def test_it_gives_404_for_someone_elses_webhook(as_user: SignIn, alice: User, bob: User) -> None:
    bobs, _ = do_create_subscription(bob, url=FORM["url"], events=["ticket.created"])
    client = as_user(alice)
    assert client.get(f"{URL}{bobs.public_id}/").status_code == 404
    assert client.post(f"{URL}{bobs.public_id}/", {"action": "disable"}).status_code == 404
    assert client.post(f"{URL}{bobs.public_id}/", {"action": "delete"}).status_code == 404
    assert FORM["url"] not in client.get(URL).content.decode()
    bobs.refresh_from_db()
    assert bobs.is_active is True


def test_it_switches_off_on_and_deletes_my_webhook(as_user: SignIn, alice: User) -> None:
    mine, _ = do_create_subscription(alice, url=FORM["url"], events=["ticket.created"])
    client = as_user(alice)
    page = f"{URL}{mine.public_id}/"
    assert client.post(page, {"action": "disable"}).status_code == 302
    mine.refresh_from_db()
    assert mine.is_active is False
    assert client.post(page, {"action": "enable"}).status_code == 302
    mine.refresh_from_db()
    assert mine.is_active is True
    assert client.post(page, {"action": "explode"}).status_code == 400
    assert client.post(page, {"action": "delete"}).status_code == 302
    assert Subscription.objects.count() == 0


def test_it_shows_the_delivery_log_in_few_queries(
    as_user: SignIn, alice: User, acme_ticket: Ticket, django_assert_num_queries: Any
) -> None:
    mine, _ = do_create_subscription(alice, url=FORM["url"], events=["ticket.created"])
    delivery = Delivery.objects.create(
        subscription=mine, event_id="6f1c2a0e-0000-4000-8000-000000000003",
        kind="ticket.created", ticket=acme_ticket, body="{}", attempts=1,
    )  # fmt: skip
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, attempted_at=delivery.created_at, status_code=None,
        latency_ms=3, error="Connection refused",
    )  # fmt: skip
    for n in range(4, 8):
        other = Delivery.objects.create(
            subscription=mine, event_id=f"6f1c2a0e-0000-4000-8000-00000000000{n}",
            kind="ticket.created", ticket=acme_ticket, body="{}", attempts=2,
        )  # fmt: skip
        for number in (1, 2):
            DeliveryAttempt.objects.create(
                delivery=other, number=number, attempted_at=other.created_at, status_code=502,
                latency_ms=9,
            )  # fmt: skip
    client = as_user(alice)
    with django_assert_num_queries(QUERIES):
        page = client.get(f"{URL}{mine.public_id}/").content.decode()
    assert "6f1c2a0e-0000-4000-8000-000000000003" in page
    assert "Connection refused" in page
    assert acme_ticket.ref in page
