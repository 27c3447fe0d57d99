"""do_create_inbound_ticket: a ticket a channel delivered, with its first message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from heedful.customers.models import Contact
from heedful.lib.errors import ActionError
from heedful.tickets import actions
from heedful.tickets.events import replay, snapshot
from heedful.tickets.models import (
    Channel,
    Direction,
    EventKind,
    Message,
    Status,
    Ticket,
    TicketEvent,
)

AT = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def _open(requester: Contact, **kwargs: Any) -> tuple[Ticket, Message]:
    kwargs.setdefault("subject", "Printer on fire")
    kwargs.setdefault("tags", [])
    return actions.do_create_inbound_ticket(
        requester=requester, body_text="The printer in room 4 is on fire.", body_html=None,
        channel=Channel.EMAIL, external_id="m1@acme.test", at=AT, **kwargs,
    )  # fmt: skip


def test_it_returns_the_ticket_with_its_first_message(dave: Contact) -> None:
    ticket, message = _open(dave, tags=["Automated"])

    assert message == Message.objects.get(ticket=ticket)
    assert (message.author_contact, message.direction, message.external_id, message.created_at) == (
        dave, Direction.INBOUND, "m1@acme.test", AT,
    )  # fmt: skip
    ticket.refresh_from_db()
    assert (ticket.ref, ticket.status, ticket.organization_id, ticket.message_count) == (
        "HD-1001", Status.NEW, dave.organization_id, 1,
    )  # fmt: skip
    assert (ticket.created_at, ticket.last_customer_message_at, ticket.waiting_since) == (AT,) * 3
    events = TicketEvent.objects.filter(ticket=ticket).order_by("id")
    assert [e.kind for e in events] == [EventKind.CREATED, EventKind.MESSAGE_ADDED]
    # The created event's state, written without reading the new ticket back, is its state.
    assert replay(events) == snapshot(ticket)
    assert snapshot(ticket)["tags"] == ["automated"]


def test_it_numbers_tickets_in_sequence(dave: Contact) -> None:
    assert [_open(dave)[0].number for _ in range(3)] == [1001, 1002, 1003]


def test_it_writes_a_new_ticket_without_reading_it_back(dave: Contact) -> None:
    _open(dave)  # the first one also creates the numbers' row
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        _open(dave)
    statements = [q["sql"] for q in queries.captured_queries]
    writes = [sql.split(" (")[0].split(" SET ")[0] for sql in statements if _writes(sql)]
    # The number in one statement (SQLite: UPDATE … RETURNING; PostgreSQL: nextval, which
    # holds no lock until commit), the ticket inserted with its first message already
    # counted (no UPDATE after it), the events, the message.
    if connection.vendor == "postgresql":
        assert "SELECT nextval('tickets_ticket_number')" in statements
        number = []
    else:
        number = ['UPDATE "tickets_sequence"']
    assert writes == [
        *number,
        'UPDATE "customers_contact"',
        'INSERT INTO "tickets_ticket"',
        'INSERT INTO "tickets_ticketevent"',
        'INSERT INTO "tickets_message"',
        'INSERT INTO "tickets_ticketevent"',
    ]
    # Neither the number, nor the new ticket's tags and collaborators, nor its message.
    reads = [sql for sql in statements if sql.startswith("SELECT")]
    read_back = ("tickets_sequence", "tickets_ticket", "tickets_message", "tickets_tickettag")
    read_back += ("tickets_ticket_collaborators",)
    assert [sql for sql in reads if any(f'"{table}"' in sql for table in read_back)] == []


def _writes(sql: str) -> bool:
    return sql.startswith(("INSERT", "UPDATE", "DELETE"))


def test_it_refuses_an_empty_subject_and_writes_nothing(dave: Contact) -> None:
    with pytest.raises(ActionError), transaction.atomic():
        _open(dave, subject="  ")
    assert (Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count()) == (
        0,
    ) * 3
