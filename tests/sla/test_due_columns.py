"""The due times stored on the ticket follow its running clocks, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import User
from heedful.sla.actions import do_recompute_clocks
from heedful.sla.models import Policy
from heedful.tickets.actions import do_add_message, do_change_status
from heedful.tickets.models import NOTHING_DUE, Status, Ticket
from tests.sla.conftest import FakeNow, berlin, make_policy

MakeTicket = Callable[..., Ticket]
# pytest-django's django_capture_on_commit_callbacks: the recompute runs after commit.
Commits = Callable[..., AbstractContextManager[object]]
COLUMNS = (
    "first_response_due_at", "next_update_due_at", "unblock_due_at", "resolution_due_at",
    "next_due_at",
)  # fmt: skip


@pytest.fixture
def all_clocks(db: None) -> Policy:
    targets = {"first_response": 60, "next_update": 30, "unblock": 120, "resolution": 240}
    return make_policy("24/7", {"normal": targets})


def due(ticket: Ticket) -> tuple[datetime | None, ...]:
    ticket.refresh_from_db()
    return tuple(getattr(ticket, name) for name in COLUMNS)


def test_it_stores_the_due_time_of_each_running_clock_and_the_nearest(
    all_clocks: Policy, make_ticket: MakeTicket, alice: User, fake_now: FakeNow,
    django_capture_on_commit_callbacks: Commits,
) -> None:  # fmt: skip
    fake_now.set("2025-06-10 09:00")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    assert due(ticket) == (
        berlin("2025-06-10 10:00"), None, berlin("2025-06-10 11:00"),
        berlin("2025-06-10 13:00"), berlin("2025-06-10 10:00"),
    )  # fmt: skip
    assert ticket.due_key == berlin("2025-06-10 10:00")

    # The reply achieves first response and starts the next-update cadence (30 min).
    fake_now.set("2025-06-10 09:45")
    do_add_message(ticket, author=alice, body_text="Looking.")
    # (The test's transaction never commits: later recomputes are called directly.)
    do_recompute_clocks(ticket)
    assert due(ticket) == (
        None, berlin("2025-06-10 10:15"), berlin("2025-06-10 11:00"),
        berlin("2025-06-10 13:00"), berlin("2025-06-10 10:15"),
    )  # fmt: skip

    # Pending pauses every clock: nothing is due, and the ticket sorts last.
    fake_now.set("2025-06-10 09:50")
    do_change_status(ticket, Status.PENDING, actor=alice)
    do_recompute_clocks(ticket)
    assert due(ticket) == (None, None, None, None, None)
    assert ticket.due_key == NOTHING_DUE


def test_it_clears_the_due_times_once_solved(
    all_clocks: Policy, make_ticket: MakeTicket, alice: User, fake_now: FakeNow
) -> None:
    fake_now.set("2025-06-10 09:00")
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket)
    assert due(ticket)[4] == berlin("2025-06-10 10:00")
    do_change_status(ticket, Status.SOLVED, actor=alice)
    do_recompute_clocks(ticket)
    assert due(ticket) == (None, None, None, None, None)


def test_it_writes_the_ticket_only_when_a_due_time_moves(
    all_clocks: Policy, make_ticket: MakeTicket, fake_now: FakeNow
) -> None:
    fake_now.set("2025-06-10 09:00")
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket)
    with CaptureQueriesContext(connection) as queries:
        do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:20"))
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "tickets_ticket"')]
    assert updates == []
    assert due(ticket)[4] == berlin("2025-06-10 10:00")


def test_it_clears_the_due_times_when_no_policy_applies_any_more(
    all_clocks: Policy, make_ticket: MakeTicket, fake_now: FakeNow
) -> None:
    fake_now.set("2025-06-10 09:00")
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket)
    assert due(ticket)[4] == berlin("2025-06-10 10:00")
    all_clocks.delete()
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:20"))
    assert due(ticket) == (None, None, None, None, None)
    assert ticket.clocks.count() == 0


def test_it_clears_the_due_times_when_the_policy_stops_matching(
    all_clocks: Policy, make_ticket: MakeTicket, fake_now: FakeNow
) -> None:
    make_policy("Other", {"normal": {"first_response": 5}}, priorities=["urgent"], position=1)
    fake_now.set("2025-06-10 09:00")
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket)
    assert due(ticket)[4] == berlin("2025-06-10 10:00")
    all_clocks.is_active = False
    all_clocks.save(update_fields=["is_active"])
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:20"))
    assert due(ticket) == (None, None, None, None, None)
