"""Every 4xx under /api/v1 has the one error shape, including Django's own answers."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from heedful.accounts.models import User
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]


def test_it_shapes_401_403_404_405_and_422(
    api: MakeApi, alice: User, carol: User, acme_ticket: Ticket
) -> None:
    client = api(alice)
    cases = [
        (api(None).get("/tickets"), 401, "unauthorized"),
        (api(carol).patch(f"/tickets/{acme_ticket.ref}", {"status": "open"}), 404, "not_found"),
        (client.request("delete", f"/tickets/{acme_ticket.ref}"), 405, "method_not_allowed"),
        (client.request("put", "/tickets"), 405, "method_not_allowed"),
        (client.get("/no/such/thing"), 404, "not_found"),
        (client.get("/tickets/"), 404, "not_found"),
        (client.get("/tickets", limit="many"), 422, "invalid"),
        (client.post("/tickets", []), 422, "invalid"),
        (client.post("/tickets", "{"), 400, "bad_request"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.content
        assert error_of(response)["code"] == code


def test_it_keeps_the_allow_header_on_405(api: MakeApi, alice: User) -> None:
    response = api(alice).request("delete", "/tickets")
    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]


def test_it_names_every_invalid_field(api: MakeApi, alice: User) -> None:
    response = api(alice).post(
        "/tickets", {"subject": "", "body": "x" * 200_001, "priority": "meh"}
    )
    error = error_of(response)
    assert response.status_code == 422
    assert sorted(error["fields"]) == ["body", "priority", "subject"]
    assert error["message"] == "3 fields are invalid."


def test_it_leaves_pages_outside_the_api_alone(alice: User) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_it_refuses_nul_characters_with_422_not_a_database_error(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    # PostgreSQL cannot store NUL in text: it must be refused before any query.
    client = api(alice)
    ref = acme_ticket.ref
    for response, field in (
        (client.get("/tickets", assignee="a\x00b"), "assignee"),
        (client.get("/tickets", tag="a\x00"), "tag"),
        (client.get("/contacts", email="a\x00@b.c"), "email"),
        (client.patch(f"/tickets/{ref}", {"tags": ["a\x00"]}), "tags.0"),
        (client.post(f"/tickets/{ref}/messages", {"body": "hi\x00"}), "body"),
        (client.post("/tickets", {"subject": "s", "body": "b", "custom_fields": {"k": "\x00"}}),
         "custom_fields"),
    ):  # fmt: skip
        assert response.status_code == 422, field
        assert list(error_of(response)["fields"]) == [field]
    for path in ("/users/a%00b", f"/tickets/{ref}%00", "/contacts/%00", "/teams/%00"):
        assert client.get(path).status_code == 404, path
    acme_ticket.refresh_from_db()
    assert acme_ticket.message_count == 1
