"""People on an email: found or created in one batch, by address, case-insensitively."""

from __future__ import annotations

from typing import Any

from heedful.customers.models import Contact, Organization
from heedful.mail.contacts import contacts_for, contacts_read_once, import_cache
from heedful.mail.parsing import Address


def test_it_finds_and_creates_everyone_in_one_batch(
    dave: Contact, globex: Organization, django_assert_num_queries: Any
) -> None:
    zed = Contact.objects.create(name="Zed", email="Zed@Globex.test")
    people = [
        Address("Dave", "dave@acme.test"),
        Address("", "zed@globex.test"),
        Address("New Person", "new@globex.test"),
        Address("Other", "other@nowhere.test"),
        Address("Dave again", "dave@acme.test"),
    ]
    # exact match, case-insensitive rest, organizations, one insert, the new rows
    with import_cache(), django_assert_num_queries(5):
        found = contacts_for(people)
    assert set(found) == {
        "dave@acme.test",
        "zed@globex.test",
        "new@globex.test",
        "other@nowhere.test",
    }
    assert (found["dave@acme.test"], found["zed@globex.test"]) == (dave, zed)
    new = found["new@globex.test"]
    assert (new.name, new.organization) == ("New Person", globex)
    assert (found["other@nowhere.test"].name, found["other@nowhere.test"].organization) == (
        "Other",
        None,
    )
    assert Contact.objects.count() == 4


def test_it_finds_existing_people_with_one_query(
    dave: Contact, erin: Contact, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        found = contacts_for([Address("", "dave@acme.test"), Address("", "erin@globex.test")])
    assert found == {"dave@acme.test": dave, "erin@globex.test": erin}


def test_it_reads_a_batchs_people_once_and_remembers_new_ones(
    dave: Contact, erin: Contact, django_assert_num_queries: Any
) -> None:
    batch = [Address("", "dave@acme.test"), Address("", "erin@globex.test")]
    with contacts_read_once([*batch, Address("", "")]):
        with django_assert_num_queries(0):
            assert contacts_for(batch) == {"dave@acme.test": dave, "erin@globex.test": erin}
        # not in the batch's read: looked up (exact, case-insensitive), its domain's
        # organization, created, read back
        with django_assert_num_queries(5):
            new = contacts_for([Address("Zed", "zed@nowhere.test")])["zed@nowhere.test"]
        with django_assert_num_queries(0):
            assert contacts_for([Address("", "zed@nowhere.test")]) == {"zed@nowhere.test": new}
    with django_assert_num_queries(1):  # outside the batch: read again
        assert contacts_for([Address("", "zed@nowhere.test")]) == {"zed@nowhere.test": new}
    assert Contact.objects.filter(email="zed@nowhere.test").count() == 1
