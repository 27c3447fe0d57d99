from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.reminders.actions import (
    do_cancel_follow_up,
    do_complete_follow_up,
    do_set_follow_up,
)
from heedful.reminders.models import FollowUp, FollowUpState
from heedful.tickets.models import EventKind, Ticket, TicketEvent

from .conftest import tomorrow

BERLIN = ZoneInfo("Europe/Berlin")


def test_it_defaults_to_nine_in_the_desk_time_zone(acme_ticket: Ticket, alice: User) -> None:
    day = tomorrow()
    follow_up = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=day, note="  Call  back ")

    assert follow_up.due_at == datetime.combine(day, time(9, 0), tzinfo=BERLIN)
    assert (follow_up.agent, follow_up.created_by, follow_up.note) == (alice, alice, "Call back")
    assert follow_up.state == FollowUpState.PENDING
    event = TicketEvent.objects.filter(ticket=acme_ticket).last()
    assert event is not None
    assert (event.kind, event.actor_user, event.field) == (EventKind.FOLLOW_UP_SET, alice, "")
    assert event.after == {
        "follow_up": str(follow_up.public_id),
        "agent": "Alice",
        "due_at": follow_up.due_at.isoformat(),
        "note": "Call back",
    }


def test_it_takes_a_time_and_a_colleague(dave: Contact, alice: User, bob: User) -> None:
    day = tomorrow()
    follow_up = do_set_follow_up(actor=alice, contact=dave, due_on=day, at=time(14, 30), agent=bob)
    assert (follow_up.agent, follow_up.created_by, follow_up.ticket) == (bob, alice, None)
    assert follow_up.due_at == datetime.combine(day, time(14, 30), tzinfo=BERLIN)


def test_it_refuses_a_day_in_the_past(acme_ticket: Ticket, alice: User) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ActionError, match=r"Pick today or a later date\."):
        do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=yesterday)
    assert FollowUp.objects.count() == 0


def test_it_needs_one_ticket_or_one_contact(
    acme_ticket: Ticket, dave: Contact, alice: User
) -> None:
    with pytest.raises(ActionError, match="one ticket or one contact"):
        do_set_follow_up(actor=alice, ticket=acme_ticket, contact=dave, due_on=tomorrow())
    with pytest.raises(ActionError, match="one ticket or one contact"):
        do_set_follow_up(actor=alice, due_on=tomorrow())
    assert FollowUp.objects.count() == 0


def test_it_lets_a_light_agent_set_one_for_themselves_only(
    make_ticket: Callable[..., Ticket], carol: User, alice: User, finance: object
) -> None:
    ticket = make_ticket(team=finance)
    mine = do_set_follow_up(actor=carol, ticket=ticket, due_on=tomorrow())
    assert mine.agent == carol
    with pytest.raises(ActionForbidden, match="for themselves only"):
        do_set_follow_up(actor=carol, ticket=ticket, due_on=tomorrow(), agent=alice)
    assert FollowUp.objects.count() == 1


def test_it_refuses_a_colleague_who_cannot_see_the_ticket(
    acme_ticket: Ticket, alice: User, carol: User
) -> None:
    with pytest.raises(ActionError, match=r"Carol cannot see this ticket\."):
        do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow(), agent=carol)
    assert FollowUp.objects.count() == 0


def test_it_refuses_customers(acme_ticket: Ticket, dave: Contact, erin: Contact) -> None:
    for customer in (dave, erin):
        assert customer.user is not None
        with pytest.raises(ActionForbidden):
            do_set_follow_up(actor=customer.user, ticket=acme_ticket, due_on=tomorrow())
    assert FollowUp.objects.count() == 0
    assert TicketEvent.objects.filter(kind=EventKind.FOLLOW_UP_SET).count() == 0


def test_it_completes_and_cancels_once(acme_ticket: Ticket, alice: User, bob: User) -> None:
    first = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())
    second = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())

    assert do_complete_follow_up(first, actor=alice) is True
    assert do_complete_follow_up(first, actor=alice) is False
    assert do_cancel_follow_up(second, actor=bob) is True
    with pytest.raises(ActionError, match="already done"):
        do_cancel_follow_up(first, actor=alice)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (FollowUpState.DONE, FollowUpState.CANCELLED)
    assert first.done_at is not None and second.cancelled_at is not None
    kinds = list(
        TicketEvent.objects.filter(ticket=acme_ticket, kind__startswith="follow_up").values_list(
            "kind", flat=True
        )
    )
    assert kinds == [
        EventKind.FOLLOW_UP_SET, EventKind.FOLLOW_UP_SET,
        EventKind.FOLLOW_UP_DONE, EventKind.FOLLOW_UP_CANCELLED,
    ]  # fmt: skip


def test_it_stops_a_light_agent_closing_someone_elses(
    make_ticket: Callable[..., Ticket], alice: User, carol: User, finance: object
) -> None:
    ticket = make_ticket(team=finance)
    follow_up = do_set_follow_up(actor=alice, ticket=ticket, due_on=tomorrow())
    with pytest.raises(ActionForbidden):
        do_complete_follow_up(follow_up, actor=carol)
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.PENDING
