"""Recomputing many tickets at once: the same stored clocks and due times as one by one,
in a fixed number of queries per chunk."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.sla.actions import (
    _COMPARED,
    NO_DUE_TIMES,
    do_recompute_clocks,
    do_recompute_many_clocks,
)
from heedful.sla.models import Calendar, Policy, TicketClock
from heedful.sla.policies import load_policies
from heedful.tickets.actions import (
    do_add_message,
    do_change_priority,
    do_change_status,
    do_set_tags,
)
from heedful.tickets.models import Ticket
from tests.sla.conftest import FakeNow, berlin, make_policy

MakeTicket = Callable[..., Ticket]
TARGETS = {
    "normal": {"first_response": 120, "next_update": 240, "unblock": 480, "resolution": 960},
    "urgent": {"first_response": 30, "next_update": 60, "unblock": 120, "resolution": 240},
}
_CLOCK_COLUMNS = ("ticket_id", "kind", "cycle", *_COMPARED, "computed_at")
Snapshot = dict[int, dict[str, dict[str, Any]]]


def snapshot(tickets: list[Ticket]) -> Snapshot:
    """Each ticket's due columns (under "due") and clock rows (under "kind#cycle", every
    column but the id), read back from the database."""
    ids = [t.pk for t in tickets]
    found: Snapshot = {
        row.pop("id"): {"due": row}
        for row in Ticket.objects.filter(pk__in=ids).values("id", *NO_DUE_TIMES)
    }
    for clock in TicketClock.objects.filter(ticket_id__in=ids).values(*_CLOCK_COLUMNS):
        found[clock["ticket_id"]][f"{clock['kind']}#{clock['cycle']}"] = clock
    return found


def states(clocks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {name: clock["state"] for name, clock in clocks.items() if name != "due"}


@pytest.fixture
def policies(berlin_office: Calendar, support: Team) -> list[Policy]:
    return [
        make_policy(
            "Enterprise billing", {"normal": {"first_response": 15, "resolution": 120}},
            calendars=[berlin_office], position=1, plans=["enterprise"], tags=["billing"],
            teams=[support],
        ),
        make_policy("Standard", TARGETS, calendars=[berlin_office], position=10),
    ]  # fmt: skip


@pytest.fixture
def varied(
    policies: list[Policy], make_ticket: MakeTicket, alice: User, dave: Contact, erin: Contact,
    support: Team, fake_now: FakeNow,
) -> list[Ticket]:  # fmt: skip
    """Tickets in every situation the clocks know, each with clocks stored on Tuesday
    10:00 and more history after that (so a recompute creates, changes and deletes)."""
    at = berlin
    fake_now.set("2025-06-10 09:00")
    untouched = make_ticket(created_at=at("2025-06-10 09:00"))
    paused = make_ticket(created_at=at("2025-06-10 09:00"))
    reopened = make_ticket(created_at=at("2025-06-10 09:00"))
    reprioritised = make_ticket(created_at=at("2025-06-10 09:00"))
    solved = make_ticket(created_at=at("2025-06-10 09:00"), requester=erin)
    workaround = make_ticket(created_at=at("2025-06-10 09:00"))
    billing = make_ticket(created_at=at("2025-06-10 09:00"), team=support)
    tickets = [untouched, paused, reopened, reprioritised, solved, workaround, billing]
    do_add_message(reopened, author=alice, body_text="Fixed.", created_at=at("2025-06-10 09:30"))
    for ticket in tickets:
        do_recompute_clocks(ticket, now=at("2025-06-10 10:00"))

    do_add_message(
        paused, author=alice, body_text="Which invoice?", new_status="pending",
        created_at=at("2025-06-10 10:20"),
    )  # fmt: skip
    do_change_status(reopened, "solved", actor=alice, at=at("2025-06-10 10:30"))
    do_add_message(
        reopened, author=dave, body_text="Still broken", created_at=at("2025-06-11 09:00")
    )
    fake_now.set("2025-06-10 10:40")
    do_change_priority(reprioritised, "urgent", actor=alice)
    do_add_message(
        solved, author=alice, body_text="Done.", new_status="solved",
        created_at=at("2025-06-10 11:00"),
    )  # fmt: skip
    do_add_message(
        workaround, author=alice, body_text="Use the CSV export meanwhile.", workaround=True,
        created_at=at("2025-06-10 11:30"),
    )  # fmt: skip
    do_set_tags(billing, ["billing"], actor=alice)
    return tickets


def test_it_stores_the_same_clocks_as_one_ticket_at_a_time(
    varied: list[Ticket], fake_now: FakeNow
) -> None:
    now = fake_now.set("2025-06-11 12:00")
    with transaction.atomic():
        for ticket in varied:
            do_recompute_clocks(ticket, now=now)
        one_by_one = snapshot(varied)
        transaction.set_rollback(True)

    found = do_recompute_many_clocks([t.pk for t in varied], now=now, chunk=3)

    assert found == len(varied)
    assert snapshot(varied) == one_by_one
    # The situations really differ: paused, reopened, urgent, solved, unblocked, billing.
    untouched, paused, reopened, urgent, solved, workaround, billing = (
        one_by_one[t.pk] for t in varied
    )
    running = {"first_response#1": "running", "resolution#1": "running", "unblock#1": "running"}
    assert states(untouched) == running
    assert states(paused)["resolution#1"] == "paused"
    assert states(reopened)["next_update#1"] == states(reopened)["resolution#1"] == "running"
    assert urgent["first_response#1"]["target_minutes"] == 30
    assert urgent["due"]["first_response_due_at"] == berlin("2025-06-10 09:30")
    assert set(states(solved).values()) == {"achieved"}
    assert states(workaround)["unblock#1"] == "achieved"
    billing_policy = Policy.objects.get(name="Enterprise billing").pk
    assert billing["first_response#1"]["policy_id"] == billing_policy


def statements(captured: CaptureQueriesContext) -> list[str]:
    """``SELECT tickets_ticket``, ``UPDATE sla_ticketclock``, ... (savepoints left out)."""
    found = []
    for query in captured:
        table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', query["sql"])
        if table is not None:
            found.append(f"{query['sql'].split()[0]} {table[1]}")
    return found


def test_it_uses_the_same_queries_whatever_the_chunk_holds(
    varied: list[Ticket], fake_now: FakeNow
) -> None:
    now = fake_now.set("2025-06-11 12:00")
    ids, rules = [t.pk for t in varied], load_policies()
    with CaptureQueriesContext(connection) as two:
        do_recompute_many_clocks(ids[:2], now=now, policies=rules)
    with CaptureQueriesContext(connection) as five:
        do_recompute_many_clocks(ids[2:], now=now, policies=rules)

    # Lock the tickets, read their events and clocks, delete the clocks that changed or
    # went, insert them again and the new ones, update the tickets' due times: one
    # statement each (changed and new rows are two INSERTs), however many tickets.
    expected = [
        "SELECT tickets_ticket", "SELECT tickets_ticketevent", "SELECT sla_ticketclock",
        "DELETE sla_ticketclock", "INSERT sla_ticketclock", "INSERT sla_ticketclock",
        "UPDATE tickets_ticket",
    ]  # fmt: skip
    assert statements(two) == statements(five) == expected


def test_it_drops_every_clock_when_no_policy_applies(
    varied: list[Ticket], policies: list[Policy], fake_now: FakeNow
) -> None:
    Policy.objects.update(is_active=False)

    found = do_recompute_many_clocks([t.pk for t in varied], now=fake_now.set("2025-06-11 12:00"))

    assert found == len(varied)
    assert not TicketClock.objects.exists()
    assert set(Ticket.objects.values_list("next_due_at", "first_response_due_at")) == {(None, None)}
