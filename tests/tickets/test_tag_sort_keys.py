"""The copies of a ticket's phase and sort keys on its tag links (heedful.tickets.sort_keys)
follow every write of the ticket, by the actions or by a bulk update, in the same
transaction; on SQLite a table rebuild that dropped the triggers is repaired."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connection

from heedful.accounts.models import User
from heedful.tickets.actions import do_add_tag, do_change_status
from heedful.tickets.models import Ticket, TicketTag
from heedful.tickets.sort_keys import KEYS, repair_sqlite


def _copies(ticket: Ticket) -> list[tuple[object, ...]]:
    """Each link's copy next to the ticket's own values, as stored."""
    ticket.refresh_from_db()
    own = tuple(getattr(ticket, key) for key in KEYS)
    return [own, *TicketTag.objects.filter(ticket=ticket).values_list(*KEYS)]


def test_it_copies_the_tickets_keys_onto_a_new_link(
    make_ticket: Callable[..., Ticket], alice: User
) -> None:
    ticket = make_ticket(tags=["vip"])
    do_add_tag(ticket, "billing", actor=alice)
    own, *links = _copies(ticket)
    assert own[0] == "unsolved"
    assert links == [own, own]


def test_it_follows_a_status_change_and_the_wait(
    make_ticket: Callable[..., Ticket], alice: User
) -> None:
    ticket = make_ticket(tags=["vip"])
    before = _copies(ticket)[1]
    do_change_status(ticket, "solved", actor=alice)
    own, link = _copies(ticket)
    assert link == own
    assert own[0] == "solved"
    assert own[3] > before[3]  # updated_at moved on


def test_it_follows_a_bulk_update_that_no_action_made(
    make_ticket: Callable[..., Ticket],
) -> None:
    ticket = make_ticket(tags=["vip", "billing"])
    due = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    Ticket.objects.filter(pk=ticket.pk).update(next_due_at=due, status="pending")
    own, *links = _copies(ticket)
    assert own[0] == "unsolved"
    assert own[4] == due
    assert links == [own, own]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops triggers on rebuilds")
def test_it_puts_back_dropped_triggers_and_copies_again(
    make_ticket: Callable[..., Ticket],
) -> None:
    ticket = make_ticket(tags=["vip"])
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER ticket_keys_update")
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    assert _copies(ticket)[1][0] == "unsolved"  # stale without its trigger

    assert repair_sqlite(connection) is True
    own, link = _copies(ticket)
    assert link == own
    assert own[0] == "solved"
    assert repair_sqlite(connection) is False
