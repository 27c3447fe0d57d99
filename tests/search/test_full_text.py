"""Full-text search over ticket subjects and message bodies (heedful/search): old tickets
are found, newest first, by what the person may see, and no input is a syntax error."""

from __future__ import annotations

import string
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.accounts.models import User
from heedful.bench.generate import generate
from heedful.customers.models import Contact
from heedful.lib.search_terms import search_phrases
from heedful.search import queries
from heedful.search.apps import _repair_full_text_indexes
from heedful.search.fulltext import (
    ID_RANGE_INDEXES,
    INDEXES,
    MESSAGE_BODIES,
    TICKET_SUBJECTS,
    missing_sqlite_triggers,
)
from heedful.tickets.actions import do_add_message, do_change_subject, do_change_team
from heedful.tickets.models import Message, Ticket
from heedful.web.views.search import search_everything

MakeTicket = Callable[..., Ticket]


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of one and two ids, so a handful of rows goes through all three steps."""
    monkeypatch.setattr(queries, "NEAR", 1)
    monkeypatch.setattr(queries, "WIDE", 2)


def refs(user: User, q: str) -> list[str]:
    return [t.ref for t in search_everything(user, q)["tickets"]]


def bodies(user: User, q: str) -> list[str]:
    return [m.body_text for m in search_everything(user, q)["found_messages"]]


def assert_index_consistent() -> None:
    """SQLite: each FTS5 index agrees with the rows it indexes (PostgreSQL keeps its own)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for index in INDEXES:
            cursor.execute(
                f"INSERT INTO {index.name}({index.name}, rank) VALUES ('integrity-check', 1)"
            )


def test_it_names_the_tables_the_models_use() -> None:
    assert TICKET_SUBJECTS.table == Ticket._meta.db_table
    assert MESSAGE_BODIES.table == Message._meta.db_table


def test_it_finds_an_old_ticket_by_a_word_of_its_subject(
    windows: None, alice: User, make_ticket: MakeTicket
) -> None:
    old = make_ticket(subject="Passport photo rejected")
    for i in range(6):
        make_ticket(subject=f"Newer question {i}")
    assert refs(alice, "passport") == [old.ref]
    assert refs(alice, "PASSPORT photo") == [old.ref]
    assert refs(alice, "passport visa") == []


def test_it_finds_an_old_message_by_a_word_of_its_body(
    windows: None, alice: User, make_ticket: MakeTicket
) -> None:
    make_ticket(subject="Card declined", body_text="My passport number is on file.")
    for i in range(4):
        make_ticket(subject=f"Newer {i}", body_text="Nothing to see")
    assert bodies(alice, "passport") == ["My passport number is on file."]


def test_it_lists_the_newest_matches_first_up_to_the_limit(
    windows: None, alice: User, make_ticket: MakeTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from heedful.web.views import search

    monkeypatch.setattr(search, "TICKET_LIMIT", 2)
    tickets = [make_ticket(subject=f"Refund request {i}") for i in range(4)]
    assert refs(alice, "refund") == [tickets[3].ref, tickets[2].ref]


def test_it_matches_phrases_in_order_and_word_stems(alice: User, make_ticket: MakeTicket) -> None:
    make_ticket(subject="Refunds", body_text="I was charged twice this month.")
    assert bodies(alice, '"charged twice"') == ["I was charged twice this month."]
    assert bodies(alice, '"twice charged"') == []
    assert bodies(alice, "charge") == ["I was charged twice this month."]
    assert len(refs(alice, "refunded")) == 1


def test_it_folds_case_accents_and_other_scripts(alice: User, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(subject="Lieferung nach Zürich", body_text="Привет, заказ не пришёл")
    assert refs(alice, "zürich") == [ticket.ref]
    assert refs(alice, "ZÜRICH") == [ticket.ref]
    assert bodies(alice, "ПРИВЕТ") == ["Привет, заказ не пришёл"]
    assert bodies(alice, "заказ пришёл") == ["Привет, заказ не пришёл"]
    # Accent folding is SQLite's tokenizer; PostgreSQL would need the unaccent extension.
    assert refs(alice, "zurich") == ([ticket.ref] if connection.vendor == "sqlite" else [])


def test_it_follows_changes_to_subjects_and_deleted_tickets(
    alice: User, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(subject="Printer jammed")
    do_change_subject(ticket, "Scanner broken", actor=alice)
    assert refs(alice, "printer") == []
    assert refs(alice, "scanner") == [ticket.ref]
    ticket.delete()
    assert refs(alice, "scanner") == []
    assert bodies(alice, "charged") == []
    assert_index_consistent()


@pytest.mark.django_db(transaction=True)
def test_it_finds_a_message_right_after_its_commit(alice: User, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(subject="Order missing")
    do_add_message(ticket, author=alice, body_text="The courier says it was delivered.")
    # Another connection's view: the text is in the index once the action committed.
    assert bodies(alice, "courier") == ["The courier says it was delivered."]
    assert_index_consistent()


def test_it_shows_a_light_agent_only_her_teams_tickets(
    windows: None, alice: User, carol: User, make_ticket: MakeTicket
) -> None:
    finance = carol.teams.get()
    theirs = make_ticket(subject="Invoice for Support", body_text="invoice attached")
    hers = make_ticket(subject="Invoice for Finance", body_text="invoice attached")
    do_change_team(hers, finance, actor=alice)
    for i in range(3):
        make_ticket(subject=f"Newer {i}", body_text="nothing")
    assert refs(carol, "invoice") == [hers.ref]
    assert [m.ticket_id for m in search_everything(carol, "invoice")["found_messages"]] == [hers.pk]
    assert refs(alice, "invoice") == [hers.ref, theirs.ref]


@pytest.mark.parametrize(
    "q", ['"', '""', "*", "NEAR", "NEAR(a b)", "AND", "a AND", "OR b", "-", "-card", "card*",
          "^", "a:b", "(", ")", "'", "!", "&|", ":*", "\\", "---", "_", "NOT"],
)  # fmt: skip
def test_it_never_fails_on_search_operators(
    q: str, alice: User, client: Client, make_ticket: MakeTicket
) -> None:
    make_ticket(subject="NEAR and AND OR NOT card")
    client.force_login(alice)
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200


def test_it_treats_operator_words_as_words(alice: User, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(subject="NEAR the AND gate")
    assert refs(alice, "near") == [ticket.ref]
    assert refs(alice, "gate AND") == [ticket.ref]
    assert refs(alice, "NOT gate") == ([ticket.ref] if connection.vendor == "postgresql" else [])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(alphabet=string.punctuation + " \t", max_size=30))
def test_it_finds_nothing_for_punctuation_only(q: str, alice: User, dave: Contact) -> None:
    found = search_everything(alice, q)
    assert (found["tickets"], found["found_messages"]) == ([], [])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=40))
def test_it_answers_any_text(q: str, alice: User, acme_ticket: Ticket) -> None:
    found = search_everything(alice, q)
    assert all(isinstance(t, Ticket) for t in found["tickets"])


def test_it_finds_nothing_for_a_lone_surrogate(alice: User, dave: Contact) -> None:
    # Once failed with UnicodeEncodeError in the database driver (found by the test above).
    found = search_everything(alice, "\ud800")
    assert found == {"tickets": [], "found_messages": [], "contacts": [], "organizations": []}


def test_it_keeps_the_index_complete_after_a_bulk_load(db: None) -> None:
    generate(120, seed=5, chunk=50, drop_indexes=True, show_progress=False)
    assert_index_consistent()
    if connection.vendor == "sqlite":
        assert missing_sqlite_triggers(connection) == []
    newest_ticket, newest_message = queries.newest_ids()
    for ticket in Ticket.objects.order_by("id")[:5]:
        phrases = search_phrases(ticket.subject)
        found = queries.search_tickets(Ticket.objects.all(), phrases, newest_ticket, 1000)
        assert ticket in found
    for message in Message.objects.order_by("id")[:5]:
        phrases = search_phrases(" ".join(message.body_text.split()[:6]))
        matches = queries.search_messages(Message.objects.all(), phrases, newest_message, 1000)
        assert message in matches
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%'")
            expected = [i.name for i in INDEXES] + list(ID_RANGE_INDEXES)
            assert sorted(row[0] for row in cursor.fetchall()) == sorted(expected)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops triggers on table rebuilds")
def test_it_repairs_an_index_whose_triggers_a_migration_dropped(
    alice: User, make_ticket: MakeTicket
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {TICKET_SUBJECTS.name}_insert")
    ticket = make_ticket(subject="Unindexed parcel")
    assert refs(alice, "parcel") == []
    assert missing_sqlite_triggers(connection) == [TICKET_SUBJECTS]
    _repair_full_text_indexes(using="default")
    assert missing_sqlite_triggers(connection) == []
    assert refs(alice, "parcel") == [ticket.ref]
    assert_index_consistent()
