"""GET /organizations."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from tests.api.conftest import ApiClient

MakeApi = Callable[..., ApiClient]


def test_it_lists_and_reads_organizations(
    api: MakeApi, alice: User, acme: Organization, globex: Organization
) -> None:
    Organization.objects.filter(pk=acme.pk).update(owner=alice, segment="enterprise")
    client = api(alice)
    body = client.get("/organizations").json()
    assert [o["name"] for o in body["items"]] == ["Acme", "Globex"]
    response = client.get(f"/organizations/{acme.public_id}")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(acme.public_id),
        "name": "Acme",
        "domains": ["acme.test"],
        "segment": "enterprise",
        "plan": "enterprise",
        "owner": {"username": "alice", "name": "Alice"},
        "share_tickets": False,
        "created_at": response.json()["created_at"],
    }


def test_it_hides_organizations_from_customers(
    api: MakeApi, erin: Contact, acme: Organization, globex: Organization
) -> None:
    client = api(erin)
    assert client.get("/organizations").json() == {"items": [], "next_cursor": None}
    assert client.get(f"/organizations/{acme.public_id}").status_code == 404
    assert client.get(f"/organizations/{globex.public_id}").status_code == 404
