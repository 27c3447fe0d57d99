"""/api/v1/webhooks: who may manage subscriptions, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from heedful.accounts.actions import do_create_user
from heedful.accounts.models import Role, User
from heedful.customers.models import Contact
from heedful.webhooks.actions import do_create_subscription
from heedful.webhooks.models import Delivery, DeliveryAttempt, Subscription
from tests.api.conftest import ApiClient, error_of
from tests.api.test_openapi import check_against_schema

Api = Callable[..., ApiClient]
HOOK = {"url": "https://crm.example.test/hooks/heedful", "events": ["ticket.created"]}


def state(subscription: Subscription) -> tuple[object, ...]:
    subscription.refresh_from_db()
    return (subscription.url, subscription.events, subscription.is_active)


def test_it_creates_a_webhook_and_shows_the_secret_once(api: Api, alice: User) -> None:
    client = api(alice)
    response = client.post("/webhooks", {**HOOK, "description": "CRM"})
    assert response.status_code == 201
    body = response.json()
    subscription = Subscription.objects.get()
    assert body["id"] == str(subscription.public_id)
    assert body["secret"] == subscription.secret
    assert body["secret"].startswith("whsec_") and len(body["secret"]) == 49
    assert (body["url"], body["events"], body["active"]) == (HOOK["url"], HOOK["events"], True)
    assert body["owner"] == {"username": "alice", "name": "Alice"}
    read = client.get(f"/webhooks/{subscription.public_id}")
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert [item["id"] for item in client.get("/webhooks").json()["items"]] == [body["id"]]


def test_it_replays_a_create_with_the_same_idempotency_key(api: Api, alice: User) -> None:
    client = api(alice)
    headers = {"Idempotency-Key": "crm-webhook-1"}
    first = client.post("/webhooks", HOOK, headers=headers)
    again = client.post("/webhooks", HOOK, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://files.example.test/in", "Use an http:// or https:// address."),
        ("javascript:alert(1)", "Use an http:// or https:// address."),
        ("example.test/hook", "Use an http:// or https:// address."),
        ("http://", "http:// is not a valid web address."),
        ("https://exa mple.test/", "https://exa mple.test/ is not a valid web address."),
        ("   ", "Give the address that receives the events."),
    ],
)
def test_it_refuses_a_bad_url_with_a_readable_422(
    api: Api, alice: User, url: str, message: str
) -> None:
    response = api(alice).post("/webhooks", {**HOOK, "url": url})
    assert response.status_code == 422
    assert error_of(response) == {"code": "invalid", "message": message, "fields": {"url": message}}
    assert Subscription.objects.count() == 0


def test_it_refuses_unknown_events_and_fields(api: Api, alice: User) -> None:
    client = api(alice)
    bad_event = client.post("/webhooks", {**HOOK, "events": ["ticket.deleted"]})
    assert bad_event.status_code == 422
    assert list(error_of(bad_event)["fields"]) == ["events.0"]
    no_event = client.post("/webhooks", {**HOOK, "events": []})
    assert no_event.status_code == 422
    assert list(error_of(no_event)["fields"]) == ["events"]
    unknown = client.post("/webhooks", {**HOOK, "secret": "mine"})
    assert unknown.status_code == 422
    assert error_of(unknown)["fields"] == {"secret": "Unknown field."}
    assert Subscription.objects.count() == 0


def test_it_refuses_light_agents_customers_and_read_tokens(
    api: Api, alice: User, carol: User, dave: Contact
) -> None:
    mine, _ = do_create_subscription(alice, url=HOOK["url"], events=HOOK["events"])
    before = state(mine)
    for client in (api(carol), api(dave), api(alice, scope="read")):
        created = client.post("/webhooks", HOOK)
        assert created.status_code == 403
        assert error_of(created)["code"] == "forbidden"
        assert client.get("/webhooks").status_code == 403
        assert client.get(f"/webhooks/{mine.public_id}").status_code == 403
        assert client.patch(f"/webhooks/{mine.public_id}", {"active": False}).status_code == 403
        assert client.request("delete", f"/webhooks/{mine.public_id}").status_code == 403
    assert Subscription.objects.count() == 1
    assert state(mine) == before
    assert api(None).get("/webhooks").status_code == 401


def test_it_answers_404_for_someone_elses_webhook(api: Api, alice: User, bob: User) -> None:
    bobs, _ = do_create_subscription(bob, url=HOOK["url"], events=HOOK["events"])
    before = state(bobs)
    client = api(alice)
    path = f"/webhooks/{bobs.public_id}"
    for response in (
        client.get(path),
        client.patch(path, {"url": "https://alice.example.test/"}),
        client.request("delete", path),
        client.get(path + "/deliveries"),
        client.get("/webhooks/not-a-uuid"),
    ):
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert client.get("/webhooks").json() == {"items": []}
    assert state(bobs) == before


def test_it_lets_an_administrator_manage_everyones_webhooks(api: Api, bob: User) -> None:
    admin = do_create_user("ada", role=Role.ADMIN, first_name="Ada", email="ada@heedful.test")
    bobs, _ = do_create_subscription(bob, url=HOOK["url"], events=HOOK["events"])
    client = api(admin)
    assert [i["id"] for i in client.get("/webhooks").json()["items"]] == [str(bobs.public_id)]
    response = client.patch(f"/webhooks/{bobs.public_id}", {"active": False})
    assert response.status_code == 200
    assert response.json()["active"] is False


def test_it_updates_and_deletes_my_webhook(api: Api, alice: User) -> None:
    mine, _ = do_create_subscription(alice, url=HOOK["url"], events=HOOK["events"])
    client = api(alice)
    path = f"/webhooks/{mine.public_id}"
    response = client.patch(path, {"events": ["ticket.solved", "message.added"]})
    assert response.status_code == 200
    # Stored and shown in the documented order of kinds.
    assert response.json()["events"] == ["message.added", "ticket.solved"]
    bad = client.patch(path, {"url": "gopher://x.test/"})
    assert bad.status_code == 422
    assert error_of(bad)["fields"] == {"url": "Use an http:// or https:// address."}
    assert state(mine) == (HOOK["url"], ["message.added", "ticket.solved"], True)
    deleted = client.request("delete", path)
    assert deleted.status_code == 204
    assert Subscription.objects.count() == 0


def test_it_lists_deliveries_with_their_attempts(
    api: Api, alice: User, acme_ticket: object
) -> None:
    mine, _ = do_create_subscription(alice, url=HOOK["url"], events=HOOK["events"])
    delivery = Delivery.objects.create(
        subscription=mine, event_id="6f1c2a0e-0000-4000-8000-000000000002",
        kind="ticket.created", ticket=acme_ticket, body="{}", attempts=1,
    )  # fmt: skip
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, attempted_at=delivery.created_at, status_code=500,
        latency_ms=42, response_excerpt="oops", error="",
    )  # fmt: skip
    response = api(alice).get(f"/webhooks/{mine.public_id}/deliveries")
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert (item["event_id"], item["ticket"], item["state"]) == (
        "6f1c2a0e-0000-4000-8000-000000000002", "HD-1001", "pending",
    )  # fmt: skip
    (attempt,) = item["attempts"]
    assert (attempt["number"], attempt["status_code"], attempt["latency_ms"]) == (1, 500, 42)
    assert (attempt["response_excerpt"], attempt["succeeded"]) == ("oops", False)


def test_it_answers_as_the_openapi_schema_says(api: Api, alice: User, carol: User) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    client = api(alice)
    created = client.post("/webhooks", HOOK)
    hook = f"/webhooks/{created.json()['id']}"
    w, one = "/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}"
    calls: list[tuple[str, str, Any]] = [
        ("post", w, created),
        ("post", w, client.post("/webhooks", {**HOOK, "url": "ftp://x.test/"})),
        ("post", w, api(carol).post("/webhooks", HOOK)),
        ("get", w, client.get("/webhooks")),
        ("get", one, client.get(hook)),
        ("get", one, client.get("/webhooks/00000000-0000-4000-8000-000000000000")),
        ("patch", one, client.patch(hook, {"active": False, "description": "CRM"})),
        ("get", one + "/deliveries", client.get(hook + "/deliveries")),
        ("delete", one, client.request("delete", "/webhooks/nope")),
    ]  # fmt: skip
    for method, path, response in calls:
        check_against_schema(doc, method, path, response)
    assert [r.status_code for _, _, r in calls] == [201, 422, 403, 200, 200, 404, 200, 200, 404]
    assert doc["paths"][w]["post"]["parameters"][0]["name"] == "Idempotency-Key"
    assert "WebhookEventKind" in doc["components"]["schemas"]
    assert client.request("delete", hook).status_code == 204
