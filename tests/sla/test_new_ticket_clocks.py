"""A new ticket's clocks are computed in its creating transaction, from the events in
memory: the same clocks and due times as the recompute after the commit would store."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import transaction

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.sla.actions import do_recompute_clocks
from heedful.sla.models import Calendar, Policy, TicketClock
from heedful.tickets.actions import do_change_priority, do_create_ticket
from heedful.tickets.models import Ticket
from tests.sla.conftest import FakeNow, berlin, make_policy

Commits = Callable[..., AbstractContextManager[list[Callable[[], object]]]]
DUE_COLUMNS = (
    "first_response_due_at", "next_update_due_at", "unblock_due_at", "resolution_due_at",
    "next_due_at",
)  # fmt: skip
CLOCK_FIELDS = (
    "kind", "cycle", "policy_id", "target_minutes", "state", "started_at", "due_at", "warn_at",
    "achieved_at", "breached", "elapsed_seconds", "paused_seconds",
)  # fmt: skip


@pytest.fixture
def office_hours(berlin_office: Calendar) -> Policy:
    targets = {
        "normal": {"first_response": 120, "next_update": 240, "unblock": 300, "resolution": 960},
        "urgent": {"first_response": 30, "next_update": 60, "unblock": 60, "resolution": 240},
    }
    return make_policy("Office hours", targets, calendars=[berlin_office])


def stored_state(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    clocks = TicketClock.objects.filter(ticket=ticket).order_by("kind", "cycle")
    return (
        tuple(getattr(ticket, name) for name in DUE_COLUMNS),
        [tuple(getattr(clock, name) for name in CLOCK_FIELDS) for clock in clocks],
    )


@pytest.mark.parametrize("opened_by", ["customer", "agent"])
def test_it_stores_what_the_recompute_after_the_commit_would(
    office_hours: Policy, dave: Contact, alice: User, fake_now: FakeNow,
    django_capture_on_commit_callbacks: Commits, opened_by: str,
) -> None:  # fmt: skip
    # Thursday 16:00 in Berlin; Friday 3 October is a holiday.
    fake_now.set("2025-10-02 16:00")
    actor = dave if opened_by == "customer" else alice
    with django_capture_on_commit_callbacks(execute=True):
        ticket = do_create_ticket(actor=actor, requester=dave, subject="Export", body_text="Hi")
    in_memory = tuple(getattr(ticket, name) for name in DUE_COLUMNS)
    created = stored_state(ticket)

    do_recompute_clocks(ticket)

    assert stored_state(ticket) == created
    assert created[0] == in_memory
    due = dict(zip(DUE_COLUMNS, in_memory, strict=True))
    # From Thursday 16:00: one service hour that day, none on Friday's holiday.
    assert due["unblock_due_at"] == berlin("2025-10-06 13:00")
    assert due["resolution_due_at"] == berlin("2025-10-07 16:00")
    if opened_by == "customer":
        assert due["first_response_due_at"] == berlin("2025-10-06 10:00")
        assert due["next_update_due_at"] is None
    else:
        assert due["first_response_due_at"] is None
        assert due["next_update_due_at"] == berlin("2025-10-06 12:00")
    assert len(created[1]) == 3


def test_it_recomputes_after_the_commit_when_the_new_ticket_changes_again(
    office_hours: Policy, dave: Contact, alice: User, fake_now: FakeNow,
    django_capture_on_commit_callbacks: Commits,
) -> None:  # fmt: skip
    fake_now.set("2025-10-06 09:00")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ticket = do_create_ticket(actor=dave, requester=dave, subject="Down", body_text="All")
        do_change_priority(ticket, "urgent", actor=alice)
    ticket.refresh_from_db()
    # The urgent targets, from the recompute that the priority change scheduled.
    assert ticket.first_response_due_at == berlin("2025-10-06 09:30")
    assert ticket.resolution_due_at == berlin("2025-10-06 13:00")


def test_it_leaves_nothing_to_do_after_the_commit(
    office_hours: Policy, dave: Contact, alice: User, fake_now: FakeNow,
    django_capture_on_commit_callbacks: Commits, django_assert_num_queries: Any,
) -> None:  # fmt: skip
    fake_now.set("2025-10-06 09:00")
    with django_capture_on_commit_callbacks() as callbacks:
        do_create_ticket(actor=alice, requester=dave, subject="Down", body_text="All")
    with django_assert_num_queries(0):
        for callback in callbacks:
            callback()
    assert TicketClock.objects.count() == 3


def test_it_rolls_the_clocks_back_with_the_ticket(
    office_hours: Policy, dave: Contact, fake_now: FakeNow
) -> None:
    fake_now.set("2025-10-06 09:00")
    with pytest.raises(RuntimeError), transaction.atomic():
        do_create_ticket(actor=dave, requester=dave, subject="Down", body_text="All")
        raise RuntimeError
    assert (Ticket.objects.count(), TicketClock.objects.count()) == (0, 0)
