"""The search page's customers: contacts by a part of their name, email or handle in any
case, and by their exact email or handle through an index (search.html's "Customers")."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.web.views.search import search_everything


def _names(user: User, q: str) -> list[str]:
    return [contact.name for contact in search_everything(user, q)["contacts"]]


def test_it_finds_contacts_by_a_part_of_any_field_in_any_case(
    alice: User, acme: Organization
) -> None:
    Contact.objects.create(name="Grace Hopper", email="gh@navy.test", organization=acme)
    Contact.objects.create(name="Ada", email="ada@engine.test", handle="@countess")
    Contact.objects.create(name="Linus", handle="torvalds")
    assert _names(alice, "hOPPer") == ["Grace Hopper"]
    assert _names(alice, "ENGINE.test") == ["Ada"]
    assert _names(alice, "countess") == ["Ada"]
    assert _names(alice, "a") == ["Ada", "Grace Hopper", "Linus"]
    assert _names(alice, "nobody") == []


def test_it_lists_an_exact_email_or_handle_first(alice: User) -> None:
    Contact.objects.create(name="Bea", email="bea@x.test", handle="bea")
    Contact.objects.create(name="Abe", email="abe@x.test", handle="beaver")
    assert _names(alice, "bea") == ["Bea", "Abe"]
    assert _names(alice, "bea@x.test") == ["Bea"]


def test_it_finds_an_exact_email_or_handle_through_their_indexes(alice: User) -> None:
    """With statistics that count many contacts per handle (most handles are blank),
    SQLite walked every contact in id order rather than using the two indexes."""
    Contact.objects.bulk_create(
        Contact(name=f"Contact {i}", email=f"c{i}@x.test") for i in range(2000)
    )
    Contact.objects.create(name="Hal", handle="hal9000")
    statements: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with connection.execute_wrapper(record):
        assert _names(alice, "hal9000") == ["Hal"]
    exact = [(sql, p) for sql, p in statements if '"customers_contact"."handle" = ' in sql]
    assert len(exact) == 1
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + exact[0][0], exact[0][1])
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN customers_contact" not in plan, plan
        else:
            cursor.execute("EXPLAIN " + exact[0][0], exact[0][1])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on customers_contact" not in plan, plan


@pytest.mark.parametrize("q", ["%", "_", "\\", "a\nb"])
def test_it_takes_like_wildcards_as_text(alice: User, q: str) -> None:
    Contact.objects.create(name="Plain Name", email="plain@x.test")
    assert _names(alice, q) == []
