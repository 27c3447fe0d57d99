"""Helpers shared by the web tests: signed-in clients for the named users and a
fingerprint of a ticket's state, for "nothing changed" assertions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from heedful.accounts.models import Notification, User
from heedful.customers.models import Contact
from heedful.tickets.models import Message, Ticket, TicketEvent


@pytest.fixture
def as_user(client: Client) -> Callable[[User | Contact | None], Client]:
    """``as_user(alice)`` signs the test client in; a Contact signs in its portal user."""

    def sign_in(who: User | Contact | None) -> Client:
        client.logout()
        if isinstance(who, Contact):
            assert who.user is not None
            who = who.user
        if who is not None:
            client.force_login(who)
        return client

    return sign_in


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
