"""Escalation rules: in-hours rules wait for the calendar, actions go through the
ticket actions, bad rule settings are refused readably."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from heedful.accounts.models import Notification, Role, Team, User
from heedful.sla.actions import do_recompute_clocks
from heedful.sla.escalations import BOT_USERNAME, get_bot
from heedful.sla.models import AlertState, AlertTrigger, Calendar, ClockAlert, EscalationRule
from heedful.sla.scheduler import PassResult, run_pass
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import EventKind, Ticket, TicketEvent
from tests.sla.conftest import FakeNow, berlin, make_policy

MakeTicket = Callable[..., Ticket]
Run = Callable[[str], PassResult]


@pytest.fixture
def run(fake_now: FakeNow, django_capture_on_commit_callbacks: Callable[..., object]) -> Run:
    def go(at: str) -> PassResult:
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
            return run_pass("host:1:only", now=fake_now.set(at))

    return go


@pytest.fixture
def friday_ticket(
    berlin_office: Calendar, make_ticket: MakeTicket, alice: User, fake_now: FakeNow
) -> Ticket:
    make_policy("Office", {"normal": {"first_response": 30}}, calendars=[berlin_office])
    # Friday 13 June 2025, 16:00: due 16:30, an hour after that is 17:30 (closed).
    ticket = make_ticket(assignee=alice, created_at=berlin("2025-06-13 16:00"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-13 16:00"))
    return ticket


def in_hours_rule(name: str, *, in_hours: bool) -> EscalationRule:
    return EscalationRule.objects.create(
        name=name, trigger=AlertTrigger.BREACH, offset_minutes=60,
        only_in_service_hours=in_hours,
    )  # fmt: skip


def texts(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("text", flat=True))


def test_it_waits_for_the_calendar_to_open_before_an_in_hours_escalation(
    friday_ticket: Ticket, alice: User, run: Run
) -> None:
    waits = in_hours_rule("Office hours only", in_hours=True)
    at_once = in_hours_rule("Any time", in_hours=False)
    friday = run("2025-06-13 17:45")
    assert friday.found == 2
    assert texts(alice) == [f"{friday_ticket.ref}: first response breached (was due Fri 14:30)"]
    waiting = ClockAlert.objects.get(rule=waits)
    assert (waiting.state, waiting.fire_at) == (AlertState.WAITING, berlin("2025-06-16 09:00"))
    assert ClockAlert.objects.get(rule=at_once).state == AlertState.SENT
    assert run("2025-06-14 11:00").queued == []  # Saturday: still closed
    monday = run("2025-06-16 09:01")
    assert monday.queued == [waiting.pk]
    assert ClockAlert.objects.get(rule=waits).state == AlertState.SENT
    assert len(texts(alice)) == 2


def test_it_drops_a_waiting_escalation_once_the_clock_is_answered(
    friday_ticket: Ticket, alice: User, fake_now: FakeNow, run: Run
) -> None:
    in_hours_rule("Office hours only", in_hours=True)
    assert run("2025-06-13 17:45").found == 1
    do_add_message(friday_ticket, author=alice, body_text="Sorry for the wait.",
                   created_at=berlin("2025-06-14 10:00"))  # fmt: skip
    do_recompute_clocks(friday_ticket, now=fake_now.set("2025-06-14 10:00"))
    run("2025-06-16 09:01")
    assert ClockAlert.objects.count() == 0
    assert texts(alice) == []


def test_it_reassigns_and_moves_the_ticket_through_the_ticket_actions(
    berlin_office: Calendar, make_ticket: MakeTicket, alice: User, bob: User,
    finance: Team, fake_now: FakeNow, run: Run,
) -> None:  # fmt: skip
    make_policy("24/7", {"normal": {"first_response": 60}})
    ticket = make_ticket(assignee=alice, created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:00"))
    EscalationRule.objects.create(
        name="Hand over", trigger=AlertTrigger.BREACH, notify_assignee=False,
        reassign_to_user=bob, reassign_to_team=finance, raise_priority_to="low",
    )  # fmt: skip
    assert run("2025-06-10 10:01").found == 1
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.team_id, ticket.priority) == (bob.pk, finance.pk, "normal")
    changes = TicketEvent.objects.filter(ticket=ticket, actor_user__username=BOT_USERNAME)
    assert sorted(changes.values_list("kind", flat=True)) == sorted(
        [EventKind.ASSIGNEE_CHANGED, EventKind.TEAM_CHANGED]
    )
    # The assignment action tells bob; "notify assignee" is off, so nothing else.
    assert texts(bob) == [f"Heedful bot assigned {ticket.ref} to you"]
    assert texts(alice) == []


def test_it_creates_the_bot_once_as_a_full_agent(db: None) -> None:
    bot = get_bot()
    assert (bot.username, bot.role, bot.is_full_agent, bot.has_usable_password()) == (
        BOT_USERNAME, Role.AGENT, True, False,
    )  # fmt: skip
    assert get_bot().pk == bot.pk
    assert User.objects.filter(username=BOT_USERNAME).count() == 1


def test_it_refuses_bad_rule_settings_readably(db: None, carol: User) -> None:
    rule = EscalationRule(name="Bad", trigger=AlertTrigger.BREACH, kinds=["reply"])
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert caught.value.message_dict["kinds"] == ["Unknown clock kinds: ['reply']."]
    rule = EscalationRule(
        name="Bad", trigger=AlertTrigger.BREACH, priorities="high", reassign_to_user=carol
    )
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert caught.value.message_dict["priorities"] == [
        'Give a list of texts, e.g. [] or ["a", "b"].'
    ]
    assert EscalationRule.objects.count() == 0
