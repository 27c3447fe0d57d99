"""Search stays bounded at scale: contact names are matched among the newest contacts
only, while exact references, emails and handles find anything; subjects and messages go
through full-text search (tests/search)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.tickets.models import Ticket
from heedful.web.views import search
from heedful.web.views.search import search_everything


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SEARCH_RECENT_CONTACTS", 1)


def test_it_still_jumps_to_an_old_ticket_by_its_reference(
    windows: None, alice: User, client: Client, make_ticket: Callable[..., Ticket]
) -> None:
    old = make_ticket(subject="Parcel lost in transit")
    for i in range(3):
        make_ticket(subject=f"Newer {i}")
    client.force_login(alice)
    response = client.get("/search/", {"q": old.ref})
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{old.ref}/"


def test_it_finds_any_contact_by_exact_email_and_recent_ones_by_name(
    windows: None, alice: User, dave: Contact, acme: Organization
) -> None:
    newer = Contact.objects.create(name="Dave Newman", email="newman@acme.test", organization=acme)
    assert [c.name for c in search_everything(alice, "dave")["contacts"]] == ["Dave Newman"]
    assert [c.name for c in search_everything(alice, "dave@acme.test")["contacts"]] == ["Dave Doe"]
    assert newer.pk > dave.pk


def test_it_orders_the_newest_matches_by_creation_time(
    alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    tickets = [make_ticket(subject=f"Refund {i}") for i in range(3)]
    # An imported ticket: created earlier than the others, stored last.
    imported = make_ticket(subject="Refund imported", created_at=tickets[0].created_at)
    Ticket.objects.filter(pk=imported.pk).update(
        created_at=tickets[0].created_at.replace(year=tickets[0].created_at.year - 1)
    )
    found = [t.ref for t in search_everything(alice, "refund")["tickets"]]
    assert found == [tickets[2].ref, tickets[1].ref, tickets[0].ref, imported.ref]


def test_it_matches_a_part_of_a_name_email_or_handle_but_not_across_them(
    alice: User, acme: Organization
) -> None:
    Contact.objects.create(name="Fay Green", email="fay@orchard.test")
    Contact.objects.create(name="Gus Hill", handle="@gus_orchard")
    Contact.objects.create(name="Orchard Ivy", handle="ivy")
    Contact.objects.create(name="Jo Lake", email=None, handle="")

    def names(q: str) -> list[str]:
        return [c.name for c in search_everything(alice, q)["contacts"]]

    assert names("ORCHARD") == ["Fay Green", "Gus Hill", "Orchard Ivy"]
    assert names("Ivy ivy") == []  # the name's end and the handle are not one text
    assert names("lake") == ["Jo Lake"]


def test_it_lists_organizations_by_name_whatever_the_case(alice: User) -> None:
    for name in ("beta Orchard", "Alpha Orchard", "Gamma Orchard"):
        Organization.objects.create(name=name)
    found = search_everything(alice, "orchard")["organizations"]
    assert [o.name for o in found] == ["Alpha Orchard", "beta Orchard", "Gamma Orchard"]
