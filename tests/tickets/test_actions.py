from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from heedful.accounts.models import Notification, NotificationKind, User
from heedful.customers.models import Contact
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.tickets import actions
from heedful.tickets.models import EventKind, Message, Status, Ticket, TicketEvent
from heedful.tickets.tasks import email_notification


def _state(ticket: Ticket) -> tuple[object, ...]:
    ticket.refresh_from_db()
    return (ticket.status, ticket.priority, ticket.assignee_id, ticket.message_count,
            TicketEvent.objects.filter(ticket=ticket).count())  # fmt: skip


def test_it_numbers_tickets_in_sequence(make_ticket: Callable[..., Ticket]) -> None:
    first, second = make_ticket(), make_ticket()
    assert (first.ref, second.ref) == ("HD-1001", "HD-1002")


def test_it_lets_light_agents_note_but_not_reply(acme_ticket: Ticket, carol: User) -> None:
    before = _state(acme_ticket)
    with pytest.raises(ActionForbidden):
        actions.do_add_message(
            acme_ticket, author=carol, body_text="Refund approved", is_public=True
        )
    with pytest.raises(ActionForbidden):
        actions.do_change_status(acme_ticket, Status.SOLVED, actor=carol)
    with pytest.raises(ActionForbidden):
        actions.do_assign_ticket(acme_ticket, carol, actor=carol)
    assert _state(acme_ticket) == before

    note = actions.do_add_message(acme_ticket, author=carol, body_text="Approved", is_public=False)
    assert (note.is_public, note.direction, note.author_user) == (False, "outbound", carol)
    acme_ticket.refresh_from_db()
    assert acme_ticket.first_response_at is None  # a note is not a response to the customer


def test_it_refuses_other_organizations_customers(acme_ticket: Ticket, erin: Contact) -> None:
    before = _state(acme_ticket)
    with pytest.raises(ActionForbidden):
        actions.do_add_message(acme_ticket, author=erin, body_text="Let me in")
    assert _state(acme_ticket) == before


def test_it_refuses_customer_notes(acme_ticket: Ticket, dave: Contact) -> None:
    with pytest.raises(ActionForbidden):
        actions.do_add_message(acme_ticket, author=dave, body_text="secret", is_public=False)


def test_it_rejects_empty_messages_and_unknown_values(acme_ticket: Ticket, alice: User) -> None:
    before = _state(acme_ticket)
    with pytest.raises(ActionError) as empty:
        actions.do_add_message(acme_ticket, author=alice, body_text="   ")
    assert empty.value.field == "body"
    with pytest.raises(ActionError):
        actions.do_change_status(acme_ticket, "exploded", actor=alice)
    with pytest.raises(ActionError):
        actions.do_change_priority(acme_ticket, "whenever", actor=alice)
    assert _state(acme_ticket) == before


def test_it_notifies_and_loops_in_mentioned_people(
    acme_ticket: Ticket,
    alice: User,
    bob: User,
    carol: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        note = actions.do_add_message(
            acme_ticket, author=alice, body_text="@carol approve? @bob FYI @nobody", is_public=False
        )

    notes = Notification.objects.filter(message=note).order_by("recipient__username")
    assert [(n.recipient.username, n.kind) for n in notes] == [
        ("bob", NotificationKind.MENTION),
        ("carol", NotificationKind.MENTION),
    ]
    assert list(acme_ticket.collaborators.all()) == [carol]  # only the light agent is looped in
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@heedful.test", "carol@heedful.test"]
    assert all(n.emailed_at is not None for n in notes)


def test_it_emails_each_notification_once(
    acme_ticket: Ticket, alice: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_assign_ticket(acme_ticket, bob, actor=alice)
    notification = Notification.objects.get(recipient=bob)

    assert email_notification.call(notification_id=notification.pk) is False  # already sent
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"[{acme_ticket.ref}] Alice assigned {acme_ticket.ref} to you"


def test_it_stores_attachments(acme_ticket: Ticket, alice: User) -> None:
    upload = SimpleUploadedFile("résumé.pdf", b"%PDF-1.4 data", content_type="application/pdf")
    message = actions.do_add_message(
        acme_ticket, author=alice, body_text="See file", attachments=[upload]
    )
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "résumé.pdf", "application/pdf", 13,
    )  # fmt: skip
    assert attachment.file.read() == b"%PDF-1.4 data"


def test_it_updates_in_bulk_all_or_nothing(
    make_ticket: Callable[..., Ticket], alice: User, carol: User
) -> None:
    tickets = [make_ticket(), make_ticket()]
    count = actions.do_bulk_update(
        tickets,
        actions.BulkChange(status=Status.PENDING, assignee=alice, add_tag="Billing"),
        actor=alice,
    )
    assert count == 2
    for ticket in tickets:
        ticket.refresh_from_db()
        tags = list(ticket.tags.values_list("name", flat=True))
        assert (ticket.status, ticket.assignee, tags) == (Status.PENDING, alice, ["billing"])
    with pytest.raises(ActionError):
        actions.do_bulk_update(tickets, actions.BulkChange(assignee=carol), actor=alice)
    assert all(t.assignee == alice for t in Ticket.objects.all())


def test_it_records_message_events(acme_ticket: Ticket) -> None:
    message = Message.objects.get(ticket=acme_ticket)
    kinds = list(TicketEvent.objects.filter(ticket=acme_ticket).values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.MESSAGE_ADDED]
    event = TicketEvent.objects.get(kind=EventKind.MESSAGE_ADDED)
    assert event.after == {"message": str(message.public_id), "public": True}
