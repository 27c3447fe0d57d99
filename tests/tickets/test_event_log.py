from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.events import replay, snapshot
from heedful.tickets.models import EventKind, Status, Ticket, TicketEvent


def test_it_replays_the_log_into_the_current_state(
    make_ticket: Callable[..., Ticket], alice: User, bob: User, carol: User, support: Team,
    dave: Contact,
) -> None:  # fmt: skip
    ticket = make_ticket(tags=["billing"])
    actions.do_assign_ticket(ticket, alice, actor=alice)
    actions.do_change_team(ticket, support, actor=alice)
    actions.do_change_priority(ticket, "high", actor=alice)
    actions.do_add_message(ticket, author=alice, body_text="Looking into it", new_status="pending")
    actions.do_add_message(ticket, author=dave, body_text="Any news?")
    actions.do_set_tags(ticket, ["refund", "vip"], actor=alice)
    actions.do_set_custom_field(ticket, "invoice", "INV-77", actor=alice)
    actions.do_set_custom_field(ticket, "plan", "gold", actor=alice)
    actions.do_set_custom_field(ticket, "plan", None, actor=alice)
    actions.do_change_subject(ticket, "Charged twice in March", actor=alice)
    actions.do_assign_ticket(ticket, bob, actor=alice)
    actions.do_loop_in(ticket, carol, actor=alice)
    actions.do_change_status(ticket, Status.SOLVED, actor=bob)
    ticket.refresh_from_db()

    state = replay(TicketEvent.objects.filter(ticket=ticket))

    assert state == snapshot(ticket)
    assert state == {
        "subject": "Charged twice in March",
        "status": "solved",
        "priority": "high",
        "assignee_id": bob.pk,
        "team_id": support.pk,
        "requester_id": dave.pk,
        "tags": ["refund", "vip"],
        "custom_fields": {"invoice": "INV-77"},
        "collaborator_ids": [carol.pk],
    }


def test_it_records_actor_before_and_after(acme_ticket: Ticket, alice: User) -> None:
    actions.do_change_priority(acme_ticket, "urgent", actor=alice)

    event = TicketEvent.objects.filter(ticket=acme_ticket).last()
    assert event is not None
    assert (event.kind, event.actor_user, event.field, event.before, event.after) == (
        EventKind.PRIORITY_CHANGED, alice, "priority", "normal", "urgent",
    )  # fmt: skip


def test_it_refuses_to_change_or_delete_events(acme_ticket: Ticket) -> None:
    event = TicketEvent.objects.filter(ticket=acme_ticket).first()
    assert event is not None
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(ticket=acme_ticket).update(field="x")
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(ticket=acme_ticket).delete()
    assert TicketEvent.objects.filter(ticket=acme_ticket).count() == 2


def test_it_keeps_denormalised_timestamps(
    make_ticket: Callable[..., Ticket], alice: User, dave: Contact
) -> None:
    start = timezone.now() - timedelta(hours=5)
    ticket = make_ticket(created_at=start)
    assert (ticket.status, ticket.waiting_since, ticket.last_customer_message_at) == (
        Status.NEW, start, start,
    )  # fmt: skip

    reply_at = start + timedelta(hours=1)
    actions.do_add_message(ticket, author=alice, body_text="Hi", created_at=reply_at)
    actions.do_add_message(
        ticket, author=alice, body_text="Also", created_at=reply_at + timedelta(minutes=5)
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == reply_at
    assert ticket.last_agent_message_at == reply_at + timedelta(minutes=5)
    assert ticket.waiting_since is None

    actions.do_change_status(ticket, Status.SOLVED, actor=alice)
    ticket.refresh_from_db()
    assert ticket.solved_at is not None
    back_at = start + timedelta(hours=3)
    actions.do_add_message(ticket, author=dave, body_text="Still broken", created_at=back_at)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopened_count, ticket.solved_at, ticket.waiting_since) == (
        Status.OPEN, 1, None, back_at,
    )  # fmt: skip
    assert ticket.message_count == 4
    assert ticket.first_response_at == reply_at
