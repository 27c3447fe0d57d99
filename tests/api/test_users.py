"""GET /users: the staff directory."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import User
from heedful.customers.models import Contact
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]


def test_it_lists_active_staff_only(
    api: MakeApi, alice: User, bob: User, carol: User, dave: Contact
) -> None:
    User.objects.filter(pk=bob.pk).update(is_active=False)
    body = api(alice).get("/users").json()
    assert [(u["username"], u["role"]) for u in body["items"]] == [
        ("alice", "agent"),
        ("carol", "light_agent"),
    ]
    assert body["items"][0]["teams"][0]["name"] == "Support"


def test_it_reads_a_colleague_but_not_a_customer(api: MakeApi, alice: User, dave: Contact) -> None:
    client = api(alice)
    response = client.get("/users/alice")
    assert response.status_code == 200
    assert response.json()["email"] == "alice@heedful.test"
    assert client.get("/users/dave").status_code == 404


def test_it_forbids_customers_to_read_the_directory(
    api: MakeApi, erin: Contact, alice: User
) -> None:
    client = api(erin)
    response = client.get("/users")
    assert response.status_code == 403
    assert error_of(response)["message"] == "Only staff members can list colleagues."
    assert client.get("/users/alice").status_code == 403
