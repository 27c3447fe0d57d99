"""A contact is found by email in any case from the ``contact_email_lower_idx`` index.

``email__iexact`` compiles to ``LIKE`` (SQLite) or ``UPPER(email::text)`` (PostgreSQL), so
every lookup of an address not yet known read the whole contact table (~100k rows at 1M
tickets): once per API create by email and per incoming message from a new sender.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import QuerySet

from heedful.api.access import contact_by_email
from heedful.customers.models import Contact, Organization

INDEX = "contact_email_lower_idx"


def _plan(contacts: QuerySet[Contact]) -> str:
    return contacts.explain()


@pytest.fixture
def many_contacts(db: None) -> None:
    """Enough rows that PostgreSQL's planner prefers an index to reading the table."""
    Contact.objects.bulk_create(
        Contact(name=f"Person {n}", email=f"Person{n}@Example.test") for n in range(3_000)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_contact")


def test_it_looks_up_an_email_from_the_index(many_contacts: None) -> None:
    plan = _plan(Contact.objects.with_email("nobody@example.test"))

    if connection.vendor == "postgresql":
        assert f"Index Scan using {INDEX}" in plan or f"Bitmap Index Scan on {INDEX}" in plan, plan
        assert "Seq Scan" not in plan, plan
    else:
        assert f"USING INDEX {INDEX}" in plan, plan
        assert "SCAN customers_contact" not in plan, plan
    # What the lookup replaced reads the whole table on both databases.
    assert INDEX not in _plan(Contact.objects.filter(email__iexact="nobody@example.test"))


def test_it_finds_an_email_in_any_case(many_contacts: None) -> None:
    dave = Contact.objects.create(name="Dave", email="Dave@Acme.test")

    assert list(Contact.objects.with_email("dave@acme.TEST")) == [dave]
    assert list(
        Contact.objects.with_email("Person7@example.test").values_list("name", flat=True)
    ) == ["Person 7"]
    # Lowered by the database on both sides: SQLite's lower() leaves "É" as it is.
    elise = Contact.objects.create(name="Élise", email="Élise@Acme.test")
    assert list(Contact.objects.with_email("Élise@ACME.test")) == [elise]
    assert not Contact.objects.with_email("dave@acme.tes").exists()
    assert not Contact.objects.with_email("dave%@acme.test").exists()


def test_it_picks_the_oldest_of_case_twins_matching_neither_as_sent_nor_lower_cased(
    acme: Organization,
) -> None:
    first = Contact.objects.create(name="Zed", email="Pat@acme.test", organization=acme)
    Contact.objects.create(name="Abe", email="PAT@acme.test", organization=acme)

    assert contact_by_email(Contact.objects.all(), "pAt@ACME.test") == first
