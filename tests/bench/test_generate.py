"""The generator writes what the actions would have written: counts, denormalised
timestamps and an event log that replays to each ticket's state."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pytest

from heedful.bench.generate import GenerateResult, generate
from heedful.customers.models import Contact, Organization
from heedful.tickets.actions import _next_ticket_number
from heedful.tickets.events import replay, snapshot
from heedful.tickets.models import Message, Ticket, TicketEvent, TicketTag
from heedful.tickets.sort_keys import KEYS

CLEARS_WAITING = ("pending", "solved", "closed")


@pytest.fixture
def generated(db: None) -> GenerateResult:
    return generate(300, seed=3, chunk=70, show_progress=False)


def _messages() -> dict[int, list[Message]]:
    by_ticket: dict[int, list[Message]] = defaultdict(list)
    for message in Message.objects.order_by("created_at", "id"):
        by_ticket[message.ticket_id].append(message)
    return by_ticket


def _events() -> dict[int, list[TicketEvent]]:
    by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in TicketEvent.objects.order_by("created_at", "id"):
        by_ticket[event.ticket_id].append(event)
    return by_ticket


def _waiting_since(messages: list[Message], events: list[TicketEvent]) -> datetime | None:
    """The first customer message after the last thing that stopped the wait."""
    clears = [m.created_at for m in messages if m.direction == "outbound" and m.is_public]
    clears += [
        e.created_at for e in events if e.kind == "status_changed" and e.after in CLEARS_WAITING
    ]
    last_clear = max(clears, default=None)
    waiting = [
        m.created_at
        for m in messages
        if m.direction == "inbound" and (last_clear is None or m.created_at > last_clear)
    ]
    return min(waiting, default=None)


def test_it_writes_the_requested_tickets_with_numbers_from_the_sequence(
    generated: GenerateResult,
) -> None:
    assert Ticket.objects.count() == 300
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(1001, 1301))
    assert _next_ticket_number() == 1301  # a create after the load continues from there
    assert (generated.first_number, generated.last_number) == (1001, 1300)
    assert Contact.objects.count() == 30
    assert Organization.objects.count() == 5


def test_it_keeps_message_counts_and_timestamps_consistent(generated: GenerateResult) -> None:
    messages, events = _messages(), _events()
    for ticket in Ticket.objects.all():
        mine, log = messages[ticket.id], events[ticket.id]
        inbound = [m.created_at for m in mine if m.direction == "inbound"]
        replies = [m.created_at for m in mine if m.direction == "outbound" and m.is_public]
        assert ticket.message_count == len(mine)
        assert 1 <= len(mine) <= 20
        assert ticket.created_at == mine[0].created_at
        assert ticket.last_customer_message_at == max(inbound, default=None)
        assert ticket.last_agent_message_at == max(replies, default=None)
        answered = [r for r in replies if inbound and r > min(inbound)]
        assert ticket.first_response_at == min(answered, default=None)
        assert ticket.updated_at == max(e.created_at for e in log)
        assert ticket.waiting_since == (
            None if ticket.status in CLEARS_WAITING else _waiting_since(mine, log)
        )
        reopenings = [
            e
            for e in log
            if e.kind == "status_changed"
            and e.before in ("solved", "closed")
            and e.after not in ("solved", "closed")
        ]
        assert ticket.reopened_count == len(reopenings)
        assert (ticket.solved_at is not None) == (ticket.status in ("solved", "closed"))


def test_it_records_one_event_per_message_and_the_creation(generated: GenerateResult) -> None:
    messages, events = _messages(), _events()
    for ticket_id, log in events.items():
        assert log[0].kind == "created"
        added = [e for e in log if e.kind == "message_added"]
        assert [e.message_id for e in added] == [m.id for m in messages[ticket_id]]
        assert [e.after["message"] for e in added] == [
            str(m.public_id) for m in messages[ticket_id]
        ]


def test_it_writes_an_event_log_that_replays_to_each_ticket(generated: GenerateResult) -> None:
    events = _events()
    for ticket in Ticket.objects.order_by("id")[::7]:
        assert replay(events[ticket.id]) == snapshot(ticket)


def test_it_gives_each_tag_link_its_tickets_sort_keys(generated: GenerateResult) -> None:
    # Bulk loads bypass the actions: the database's triggers fill the copies.
    links = list(TicketTag.objects.values_list("ticket_id", *KEYS))
    tickets = {row[0]: row[1:] for row in Ticket.objects.values_list("id", *KEYS)}
    assert len(links) > 50
    assert all(link[1:] == tickets[link[0]] for link in links)


def test_it_continues_the_numbers_when_run_again(generated: GenerateResult) -> None:
    again = generate(20, seed=4, show_progress=False)

    assert (again.first_number, again.last_number) == (1301, 1320)
    assert _next_ticket_number() == 1321
    assert Ticket.objects.count() == 320
