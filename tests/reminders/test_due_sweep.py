from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from heedful.accounts.models import Notification, User
from heedful.reminders.actions import do_cancel_follow_up, do_set_follow_up
from heedful.reminders.due import announce_due_follow_ups, do_announce_follow_up
from heedful.sla.scheduler import run_pass
from heedful.tickets.actions import do_change_status
from heedful.tickets.models import EventKind, Status, Ticket, TicketEvent

from .conftest import after_due, tomorrow


def _kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


@pytest.mark.parametrize("status", [Status.PENDING, Status.SOLVED])
def test_it_brings_a_waiting_ticket_back_to_open(
    acme_ticket: Ticket, alice: User, status: str
) -> None:
    do_change_status(acme_ticket, status, actor=alice)
    follow_up = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow(), note="Chase")
    now = after_due()

    assert announce_due_follow_ups(now=now) == 1

    acme_ticket.refresh_from_db()
    follow_up.refresh_from_db()
    assert acme_ticket.status == Status.OPEN
    assert follow_up.notified_at == now
    assert _kinds(acme_ticket)[-3:] == [
        EventKind.FOLLOW_UP_SET, EventKind.FOLLOW_UP_DUE, EventKind.STATUS_CHANGED,
    ]  # fmt: skip
    notes = list(Notification.objects.filter(recipient=alice).values_list("text", "ticket"))
    assert notes == [(f"Follow up on {acme_ticket.ref}: Chase", acme_ticket.pk)]


@pytest.mark.parametrize("status", [Status.OPEN, Status.ON_HOLD])
def test_it_leaves_other_statuses_alone(acme_ticket: Ticket, alice: User, status: str) -> None:
    do_change_status(acme_ticket, status, actor=alice)
    do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())
    assert announce_due_follow_ups(now=after_due()) == 1
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == status
    assert _kinds(acme_ticket)[-1] == EventKind.FOLLOW_UP_DUE


def test_it_announces_nothing_before_the_day(acme_ticket: Ticket, alice: User) -> None:
    follow_up = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())
    assert announce_due_follow_ups(now=follow_up.due_at - timedelta(seconds=1)) == 0
    assert announce_due_follow_ups(now=follow_up.due_at) == 1


def test_it_never_announces_twice(acme_ticket: Ticket, alice: User) -> None:
    do_change_status(acme_ticket, Status.PENDING, actor=alice)
    follow_up = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())
    now = after_due()

    assert announce_due_follow_ups(now=now) == 1
    # A restarted worker, a doubled task, a later sweep: nothing more happens.
    assert do_announce_follow_up(follow_up.pk, now=now) is False
    assert announce_due_follow_ups(now=now + timedelta(hours=1)) == 0

    assert Notification.objects.filter(recipient=alice).count() == 1
    assert _kinds(acme_ticket).count(EventKind.FOLLOW_UP_DUE) == 1


def test_it_skips_cancelled_follow_ups(acme_ticket: Ticket, alice: User) -> None:
    follow_up = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())
    do_cancel_follow_up(follow_up, actor=alice)
    assert announce_due_follow_ups(now=after_due()) == 0
    assert Notification.objects.count() == 0


def test_it_runs_from_the_scheduler_exactly_once(
    acme_ticket: Ticket,
    alice: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    do_change_status(acme_ticket, Status.PENDING, actor=alice)
    do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())
    later = after_due()
    monkeypatch.setattr(timezone, "now", lambda: later)

    for holder in ("scheduler-1", "scheduler-1", "scheduler-2"):
        with django_capture_on_commit_callbacks(execute=True):
            run_pass(holder, now=later)

    acme_ticket.refresh_from_db()
    assert acme_ticket.status == Status.OPEN
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert _kinds(acme_ticket).count(EventKind.FOLLOW_UP_DUE) == 1


def test_it_does_not_notify_an_agent_who_lost_sight_of_the_ticket(
    make_ticket: Callable[..., Ticket], carol: User, alice: User, finance: object, support: object
) -> None:
    from heedful.tickets.actions import do_change_team

    ticket = make_ticket(team=finance)
    do_set_follow_up(actor=carol, ticket=ticket, due_on=tomorrow())
    do_change_team(ticket, support, actor=alice)  # carol's department no longer owns it
    assert announce_due_follow_ups(now=after_due()) == 1
    assert Notification.objects.filter(recipient=carol).count() == 0
