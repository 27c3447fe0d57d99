"""Idempotency-Key on creates: a retry returns the first response and creates nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection

from heedful.accounts.models import User
from heedful.api.models import IdempotencyRecord
from heedful.customers.models import Contact
from heedful.tickets.models import Message, Ticket
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]
NEW = {"subject": "Printer", "body": "It jams.", "requester_email": "dave@acme.test"}


def test_it_replays_the_first_response_for_a_retried_create(
    api: MakeApi, alice: User, dave: Contact
) -> None:
    client = api(alice)
    first = client.post("/tickets", NEW, headers={"Idempotency-Key": "c0ffee-1"})
    retry = client.post("/tickets", NEW, headers={"Idempotency-Key": "c0ffee-1"})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_it_treats_another_key_as_another_request(api: MakeApi, alice: User, dave: Contact) -> None:
    client = api(alice)
    a = client.post("/tickets", NEW, headers={"Idempotency-Key": "a"}).json()
    b = client.post("/tickets", NEW, headers={"Idempotency-Key": "b"}).json()
    assert a["ref"] != b["ref"]
    assert Ticket.objects.count() == 2


def test_it_refuses_the_same_key_with_a_different_body(
    api: MakeApi, alice: User, dave: Contact
) -> None:
    client = api(alice)
    client.post("/tickets", NEW, headers={"Idempotency-Key": "k"})
    response = client.post(
        "/tickets", {**NEW, "subject": "Other"}, headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 422
    message = (
        "This Idempotency-Key was used with a different request; use a new key for a new request."
    )
    assert error_of(response) == {
        "code": "idempotency_key_reused",
        "message": message,
        "fields": {"Idempotency-Key": message},
    }
    assert Ticket.objects.count() == 1


def test_it_keeps_keys_apart_between_callers(
    api: MakeApi, alice: User, bob: User, dave: Contact
) -> None:
    api(alice).post("/tickets", NEW, headers={"Idempotency-Key": "same"})
    response = api(bob).post("/tickets", NEW, headers={"Idempotency-Key": "same"})
    assert response.status_code == 201
    assert Ticket.objects.count() == 2


def test_it_makes_replies_idempotent_too(api: MakeApi, alice: User, acme_ticket: Ticket) -> None:
    client = api(alice)
    url = f"/tickets/{acme_ticket.ref}/messages"
    first = client.post(url, {"body": "On it"}, headers={"Idempotency-Key": "reply-1"})
    retry = client.post(url, {"body": "On it"}, headers={"Idempotency-Key": "reply-1"})
    assert retry.json()["id"] == first.json()["id"]
    assert Message.objects.filter(ticket=acme_ticket).count() == 2


def test_it_stores_nothing_when_the_create_fails(api: MakeApi, alice: User) -> None:
    client = api(alice)
    failed = client.post(
        "/tickets", {"subject": "x", "body": "y"}, headers={"Idempotency-Key": "f"}
    )
    assert failed.status_code == 422
    assert IdempotencyRecord.objects.count() == 0


def test_it_forgets_keys_after_a_day(api: MakeApi, alice: User, dave: Contact) -> None:
    client = api(alice)
    client.post("/tickets", NEW, headers={"Idempotency-Key": "old"})
    record = IdempotencyRecord.objects.get()
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=record.created_at - timedelta(hours=25)
    )
    again = client.post("/tickets", NEW, headers={"Idempotency-Key": "old"})
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Ticket.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_it_refuses_a_malformed_key(api: MakeApi, alice: User, dave: Contact) -> None:
    response = api(alice).post("/tickets", NEW, headers={"Idempotency-Key": "has space"})
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["Idempotency-Key"]
    assert Ticket.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_creates_one_object_when_two_retries_race(
    api: MakeApi, alice: User, dave: Contact
) -> None:
    if connection.vendor != "postgresql":
        # The SQLite test database is a shared-cache in-memory one, whose table locks fail
        # at once ("table is locked") instead of waiting like the WAL file in production.
        pytest.skip("needs real concurrent transactions: runs on PostgreSQL")
    client = api(alice)
    start = threading.Barrier(2)
    statuses: list[int] = []
    bodies: list[bytes] = []

    def send() -> None:
        start.wait()
        try:
            response = ApiClient(None).client.post(
                "/api/v1/tickets",
                NEW,
                content_type="application/json",
                headers={**client.headers, "Idempotency-Key": "race"},
            )
            statuses.append(response.status_code)
            bodies.append(response.content)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201, 201]
    assert bodies[0] == bodies[1]
    assert Ticket.objects.count() == 1
