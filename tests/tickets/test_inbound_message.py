"""do_add_inbound_message: a message a channel delivered and already vouched for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from heedful.customers.models import Contact
from heedful.lib.errors import ActionForbidden
from heedful.tickets import actions
from heedful.tickets.models import Channel, Direction, EventKind, Message, Ticket, TicketEvent


def test_it_adds_a_message_from_someone_copied_on_the_thread(
    acme_ticket: Ticket, erin: Contact
) -> None:
    # erin (Globex) may not write on Acme's ticket through the portal ...
    with pytest.raises(ActionForbidden):
        actions.do_add_message(acme_ticket, author=erin, body_text="Me too")
    # ... but email threading matched her reply (she was copied): the channel vouches.
    at = acme_ticket.created_at + timedelta(minutes=5)
    message = actions.do_add_inbound_message(
        acme_ticket, author=erin, body_text="Me too", body_html=None,
        channel=Channel.EMAIL, external_id="r1@globex.test", at=at,
    )  # fmt: skip

    acme_ticket.refresh_from_db()
    assert (message.author_contact, message.direction, message.is_public, message.created_at) == (
        erin, Direction.INBOUND, True, at,
    )  # fmt: skip
    assert (acme_ticket.message_count, acme_ticket.last_customer_message_at) == (2, at)
    kinds = list(TicketEvent.objects.filter(ticket=acme_ticket).values_list("kind", flat=True))
    assert kinds.count(EventKind.MESSAGE_ADDED) == 2


def test_it_never_dates_a_message_before_its_ticket(acme_ticket: Ticket) -> None:
    note = actions.do_add_inbound_message(
        acme_ticket, author=None, body_text="Delivery failed", body_html=None,
        channel=Channel.EMAIL, external_id="", at=acme_ticket.created_at - timedelta(days=3),
        is_public=False,
    )  # fmt: skip
    assert (note.created_at, note.is_public, note.author_contact) == (
        acme_ticket.created_at, False, None,
    )  # fmt: skip
    assert Message.objects.filter(ticket=acme_ticket).count() == 2


def test_it_reads_the_ticket_again_only_where_the_database_needs_it(
    acme_ticket: Ticket, dave: Contact
) -> None:
    at = acme_ticket.created_at + timedelta(minutes=5)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        ticket = Ticket.objects.get(pk=acme_ticket.pk)
        actions.do_add_inbound_message(
            ticket, author=dave, body_text="Still on fire", body_html=None,
            channel=Channel.EMAIL, external_id="r2@acme.test", at=at, read_in_transaction=True,
        )  # fmt: skip
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "tickets_ticket"' in q["sql"]
    ]
    # PostgreSQL locks the row (FOR UPDATE); SQLite's transaction holds the database's
    # write lock already, so what it read is current.
    if connection.features.has_select_for_update:
        assert len(reads) == 2 and reads[1].endswith("FOR UPDATE"), reads
    else:
        assert len(reads) == 1, reads
    acme_ticket.refresh_from_db()
    assert (acme_ticket.message_count, acme_ticket.last_customer_message_at) == (2, at)
