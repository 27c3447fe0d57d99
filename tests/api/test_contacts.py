"""GET /contacts: staff see contacts; light agents those of their tickets; customers none."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.tickets import actions
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]


def test_it_lists_and_reads_contacts_for_an_agent(
    api: MakeApi, alice: User, dave: Contact, erin: Contact, acme: Organization
) -> None:
    client = api(alice)
    body = client.get("/contacts").json()
    assert [c["name"] for c in body["items"]] == ["Dave Doe", "Erin Example"]
    assert body["items"][0]["organization"] == {"id": str(acme.public_id), "name": "Acme"}
    assert [
        c["name"] for c in client.get("/contacts", email="ERIN@globex.test").json()["items"]
    ] == ["Erin Example"]
    by_org = client.get("/contacts", organization=str(acme.public_id)).json()["items"]
    assert [c["name"] for c in by_org] == ["Dave Doe"]
    one = client.get(f"/contacts/{dave.public_id}")
    assert one.status_code == 200
    assert one.json()["email"] == "dave@acme.test"


def test_it_pages_contacts(api: MakeApi, alice: User, acme: Organization) -> None:
    for i in range(5):
        Contact.objects.create(name=f"Person {i}", organization=acme)
    client = api(alice)
    first = client.get("/contacts", limit=3).json()
    rest = client.get("/contacts", limit=3, cursor=first["next_cursor"]).json()
    names = [c["name"] for c in first["items"] + rest["items"]]
    assert names == [f"Person {i}" for i in range(5)]
    assert rest["next_cursor"] is None


def test_it_shows_customers_no_contacts(api: MakeApi, erin: Contact, dave: Contact) -> None:
    client = api(erin)
    assert client.get("/contacts").json() == {"items": [], "next_cursor": None}
    assert client.get("/contacts", email="dave@acme.test").json()["items"] == []
    for contact in (dave, erin):
        response = client.get(f"/contacts/{contact.public_id}")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_it_shows_a_light_agent_only_her_tickets_contacts(
    api: MakeApi, carol: User, alice: User, erin: Contact, acme_ticket: Ticket
) -> None:
    client = api(carol)
    assert client.get("/contacts").json()["items"] == []
    actions.do_loop_in(acme_ticket, carol, actor=alice)
    assert [c["name"] for c in client.get("/contacts").json()["items"]] == ["Dave Doe"]
    assert client.get(f"/contacts/{erin.public_id}").status_code == 404


def test_it_gives_404_for_a_malformed_id(api: MakeApi, alice: User) -> None:
    assert api(alice).get("/contacts/not-a-uuid").status_code == 404
