"""Body size limit (413) and per-token rate limit (429 with Retry-After)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]


def test_it_refuses_a_body_over_the_limit_with_413(
    api: MakeApi, alice: User, dave: Contact, settings: Any
) -> None:
    settings.API_MAX_BODY_BYTES = 2048
    client = api(alice)
    payload = {"subject": "Big", "body": "x" * 3000, "requester_email": "dave@acme.test"}
    response = client.post("/tickets", payload)
    assert response.status_code == 413
    size = len(json.dumps(payload))
    assert error_of(response) == {
        "code": "body_too_large",
        "message": f"The request body is {size} bytes; the limit is 2048 bytes.",
        "fields": {},
    }
    assert Ticket.objects.count() == 0
    payload["body"] = "x" * 1000
    assert client.post("/tickets", payload).status_code == 201


def test_it_rate_limits_each_token_with_retry_after(
    api: MakeApi, alice: User, bob: User, settings: Any
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    alices, bobs = api(alice), api(bob)
    assert [alices.get("/tickets").status_code for _ in range(3)] == [200, 200, 200]
    refused = alices.get("/tickets")
    assert refused.status_code == 429
    assert error_of(refused) == {
        "code": "rate_limited",
        "message": "Too many requests.",
        "fields": {},
    }
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Writes are counted too, and another token has its own allowance.
    assert alices.post("/tickets", {"subject": "x", "body": "y"}).status_code == 429
    assert bobs.get("/tickets").status_code == 200
    assert Ticket.objects.count() == 0
