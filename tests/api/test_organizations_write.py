"""POST /organizations and PATCH /organizations/{id}, portal ticket sharing included."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.portal.models import OrganizationPortal
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]


def test_it_creates_an_organization_once_per_idempotency_key(api: MakeApi, alice: User) -> None:
    client = api(alice)
    body = {"name": "Initech", "domains": ["Initech.test", "initech.example."], "plan": "pro",
            "share_tickets": True}  # fmt: skip
    first = client.post("/organizations", body, headers={"Idempotency-Key": "crm-initech"})
    assert first.status_code == 201
    initech = Organization.objects.get(name="Initech")
    assert first.json() == {
        "id": str(initech.public_id),
        "name": "Initech",
        "domains": ["initech.test", "initech.example"],
        "segment": "",
        "plan": "pro",
        "owner": None,
        "share_tickets": True,
        "created_at": first.json()["created_at"],
    }
    assert OrganizationPortal.objects.get(organization=initech).share_tickets is True
    again = client.post("/organizations", body, headers={"Idempotency-Key": "crm-initech"})
    assert (again.status_code, again.content) == (201, first.content)
    assert Organization.objects.filter(name="Initech").count() == 1


def test_it_refuses_bad_or_taken_domains(api: MakeApi, alice: User, acme: Organization) -> None:
    client = api(alice)
    taken = client.post("/organizations", {"name": "Copycat", "domains": ["ACME.test"]})
    assert taken.status_code == 422
    assert error_of(taken)["fields"] == {"domains": "Acme already has the domain acme.test."}
    bad = client.post("/organizations", {"name": "Bad", "domains": ["not a domain"]})
    assert (bad.status_code, list(error_of(bad)["fields"])) == (422, ["domains.0"])
    worse = client.post("/organizations", {"name": "Bad", "domains": ["localhost"]})
    assert error_of(worse)["fields"] == {"domains": "'localhost' is not a mail domain."}
    assert list(Organization.objects.values_list("name", flat=True)) == ["Acme"]
    # Its own domains are not "taken" when an organization keeps them.
    kept = client.patch(f"/organizations/{acme.public_id}", {"domains": ["acme.test", "acme.io"]})
    assert kept.json()["domains"] == ["acme.test", "acme.io"]


def test_it_toggles_ticket_sharing_and_changes_only_what_is_sent(
    api: MakeApi, alice: User, acme: Organization
) -> None:
    client = api(alice)
    on = client.patch(f"/organizations/{acme.public_id}", {"share_tickets": True})
    assert (on.status_code, on.json()["share_tickets"], on.json()["plan"]) == (
        200,
        True,
        "enterprise",
    )
    off = client.patch(f"/organizations/{acme.public_id}", {"share_tickets": False, "plan": "pro"})
    assert (off.json()["share_tickets"], off.json()["plan"]) == (False, "pro")
    assert client.get("/organizations").json()["items"][0]["share_tickets"] is False


def test_it_lets_only_agents_change_organizations(
    api: MakeApi, carol: User, dave: Contact, acme: Organization, alice: User
) -> None:
    path = f"/organizations/{acme.public_id}"
    assert api(dave).patch(path, {"share_tickets": True}).status_code == 404
    assert api(alice, scope="read").patch(path, {"share_tickets": True}).status_code == 403
    assert api(dave).post("/organizations", {"name": "Mine"}).status_code == 403
    assert api(carol).post("/organizations", {"name": "Mine"}).status_code == 403
    acme.refresh_from_db()
    assert not OrganizationPortal.objects.exists()
    assert Organization.objects.count() == 1
