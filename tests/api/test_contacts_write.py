"""POST /contacts and PATCH /contacts/{id}: agents create and change contacts."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]


def test_it_creates_a_contact_once_per_idempotency_key(
    api: MakeApi, alice: User, acme: Organization
) -> None:
    client = api(alice)
    body = {
        "name": " Frank  Field ",
        "email": "Frank@Acme.test",
        "organization": str(acme.public_id),
    }
    first = client.post("/contacts", body, headers={"Idempotency-Key": "crm-frank"})
    assert first.status_code == 201
    frank = Contact.objects.get(email="frank@acme.test")
    assert first.json() == {
        "id": str(frank.public_id),
        "name": "Frank Field",
        "email": "frank@acme.test",
        "handle": "",
        "phone": "",
        "organization": {"id": str(acme.public_id), "name": "Acme"},
        "last_contact_at": None,
        "created_at": first.json()["created_at"],
    }
    again = client.post("/contacts", body, headers={"Idempotency-Key": "crm-frank"})
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(name="Frank Field").count() == 1


def test_it_refuses_an_email_another_contact_has_in_any_case(
    api: MakeApi, alice: User, dave: Contact, erin: Contact
) -> None:
    client = api(alice)
    taken = client.post("/contacts", {"name": "Dave Again", "email": "DAVE@acme.TEST"})
    assert taken.status_code == 422
    assert error_of(taken)["fields"] == {"email": "Another contact has the email dave@acme.test."}
    changed = client.patch(f"/contacts/{erin.public_id}", {"email": "Dave@Acme.test"})
    assert changed.status_code == 422
    assert list(error_of(changed)["fields"]) == ["email"]
    erin.refresh_from_db()
    assert erin.email == "erin@globex.test"
    assert Contact.objects.count() == 2


def test_it_changes_only_what_is_sent(
    api: MakeApi, alice: User, erin: Contact, acme: Organization
) -> None:
    client = api(alice)
    answer = client.patch(
        f"/contacts/{erin.public_id}", {"phone": "+1 555 0100", "organization": str(acme.public_id)}
    )
    assert answer.status_code == 200
    erin.refresh_from_db()
    assert (erin.name, erin.email, erin.phone, erin.organization_id) == (
        "Erin Example", "erin@globex.test", "+1 555 0100", acme.pk,
    )  # fmt: skip
    cleared = client.patch(f"/contacts/{erin.public_id}", {"organization": None})
    assert cleared.json()["organization"] is None
    unknown = client.patch(f"/contacts/{erin.public_id}", {"organisation": None})
    assert error_of(unknown)["fields"] == {"organisation": "Unknown field."}


def test_it_lets_only_agents_with_write_tokens_create_contacts(
    api: MakeApi, alice: User, carol: User, dave: Contact, erin: Contact
) -> None:
    body = {"name": "Mallory", "email": "mallory@evil.test"}
    for client, status in (
        (api(alice, scope="read"), 403),
        (api(carol), 403),  # a light agent
        (api(dave), 403),  # a customer
    ):
        answer = client.post("/contacts", body)
        assert answer.status_code == status
        assert error_of(answer)["code"] == "forbidden"
    # Customers cannot see contacts at all, so changing one is a 404.
    assert api(dave).patch(f"/contacts/{erin.public_id}", {"name": "X"}).status_code == 404
    assert api(carol).patch(f"/contacts/{erin.public_id}", {"name": "X"}).status_code == 404
    erin.refresh_from_db()
    assert erin.name == "Erin Example"
    assert not Contact.objects.filter(email="mallory@evil.test").exists()
