"""Helpers shared by the web tests: a fingerprint of a ticket's state, for "nothing changed"
assertions (``as_user`` signs a named user in: tests/conftest.py)."""

from __future__ import annotations

from heedful.accounts.models import Notification
from heedful.tickets.models import Message, Ticket, TicketEvent


def ticket_state(ticket: Ticket) -> tuple[object, ...]:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.priority,
        ticket.assignee_id,
        ticket.team_id,
        ticket.message_count,
        sorted(ticket.tags.values_list("name", flat=True)),
        sorted(ticket.collaborators.values_list("username", flat=True)),
        Message.objects.filter(ticket=ticket).count(),
        TicketEvent.objects.filter(ticket=ticket).count(),
        Notification.objects.count(),
    )
