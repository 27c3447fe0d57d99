"""The SLA scheduler: one leader, alerts found from due_at, each sent exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from heedful.accounts.models import Notification, Team, User
from heedful.sla import lease
from heedful.sla.actions import do_recompute_clocks
from heedful.sla.escalations import BOT_USERNAME, Outcome, do_fire_alert
from heedful.sla.models import (
    AlertState,
    AlertTrigger,
    ClockAlert,
    EscalationRule,
    Policy,
    SchedulerLease,
)
from heedful.sla.scheduler import LEASE_NAME, REQUEUE_AFTER, PassResult, run_pass
from heedful.tickets.actions import do_add_message, do_change_status
from heedful.tickets.models import EventKind, Ticket, TicketEvent
from tests.sla.conftest import FakeNow, berlin, make_policy

MakeTicket = Callable[..., Ticket]
Run = Callable[[str, str], PassResult]


@pytest.fixture
def around_the_clock(db: None) -> Policy:
    # No calendar: 24/7. One hour to answer, whatever the priority becomes.
    minutes = {"first_response": 60}
    return make_policy("24/7", {"normal": minutes, "high": minutes})


@pytest.fixture
def rules(around_the_clock: Policy) -> tuple[EscalationRule, EscalationRule]:
    warning = EscalationRule.objects.create(
        name="Warn 15 min before", trigger=AlertTrigger.WARNING, offset_minutes=15
    )
    breach = EscalationRule.objects.create(
        name="Escalate on breach", trigger=AlertTrigger.BREACH, notify_team_lead=True,
        raise_priority_to="high", position=1,
    )  # fmt: skip
    return warning, breach


@pytest.fixture
def led_support(support: Team, bob: User) -> Team:
    support.lead = bob
    support.save(update_fields=["lead"])
    return support


@pytest.fixture
def tickets(
    make_ticket: MakeTicket, alice: User, led_support: Team, fake_now: FakeNow
) -> list[Ticket]:
    made = [
        make_ticket(subject=f"Ticket {i}", assignee=alice, team=led_support,
                    created_at=berlin("2025-06-10 09:00"))
        for i in range(2)
    ]  # fmt: skip
    for ticket in made:
        do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:00"))
    return made


@pytest.fixture
def run(fake_now: FakeNow, django_capture_on_commit_callbacks: Callable[..., object]) -> Run:
    """A pass at a Berlin time, with the tasks it queues run as a worker would."""

    def go(holder: str, at: str) -> PassResult:
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
            return run_pass(holder, now=fake_now.set(at))

    return go


def sent(ticket: Ticket) -> list[tuple[str, str]]:
    alerts = ClockAlert.objects.filter(ticket=ticket, state=AlertState.SENT)
    return sorted(alerts.values_list("clock_kind", "rule__trigger"))


def notifications(user: User) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("text", flat=True))


def test_it_sends_one_warning_and_one_escalation_per_ticket_across_a_restart(
    rules: object, tickets: list[Ticket], alice: User, bob: User, run: Run
) -> None:
    first = run("host:100:old", "2025-06-10 09:30")
    assert (first.leader, first.found, first.queued) == (True, 0, [])
    # The old process dies without giving the lease back; meanwhile the warnings
    # (09:45) and the breaches (10:00) fall due. A new process starts at 10:05.
    assert run("host:200:new", "2025-06-10 09:31").leader is False  # lease still held
    restarted = run("host:200:new", "2025-06-10 10:05")
    assert (restarted.leader, restarted.found, len(restarted.queued)) == (True, 4, 4)
    # The old process comes back, and the new one keeps passing: nothing more is sent.
    assert run("host:100:old", "2025-06-10 10:06").leader is False
    again = run("host:200:new", "2025-06-10 10:07")
    assert (again.leader, again.found, again.queued) == (True, 0, [])
    for ticket in tickets:
        assert sent(ticket) == [("first_response", "breach"), ("first_response", "warning")]
        ticket.refresh_from_db()
        assert ticket.priority == "high"
        raised = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PRIORITY_CHANGED)
        assert list(raised.values_list("actor_user__username", "after")) == [(BOT_USERNAME, "high")]
    refs = [t.ref for t in tickets]
    assert notifications(alice) == sorted(
        [f"{ref}: first response breached (was due Tue 08:00)" for ref in refs]
        + [f"{ref}: first response due Tue 08:00, breaching soon" for ref in refs]
    )
    assert notifications(bob) == sorted(
        f"{ref}: first response breached (was due Tue 08:00)" for ref in refs
    )
    assert ClockAlert.objects.count() == 4


def test_it_queues_again_an_alert_whose_task_was_lost_and_still_sends_it_once(
    rules: tuple[EscalationRule, EscalationRule], tickets: list[Ticket], alice: User,
    fake_now: FakeNow, run: Run,
) -> None:  # fmt: skip
    # A pass whose queued tasks never run (the process dies right after commit).
    lost = run_pass("host:1:a", now=fake_now.set("2025-06-10 09:46"))
    assert (lost.found, len(lost.queued)) == (2, 2)
    assert set(ClockAlert.objects.values_list("state", flat=True)) == {AlertState.QUEUED}
    # Too early to call them lost: nothing is queued twice.
    assert run("host:1:a", "2025-06-10 09:50").queued == []
    later = berlin("2025-06-10 09:46") + REQUEUE_AFTER + timedelta(minutes=1)
    requeued = run("host:1:a", later.strftime("%Y-%m-%d %H:%M"))
    assert sorted(requeued.queued) == sorted(lost.queued)
    # A doubled task for the same alert changes nothing.
    assert do_fire_alert(lost.queued[0]) == Outcome.DONE
    assert len(notifications(alice)) == 2
    for ticket in tickets:
        assert sent(ticket) == [("first_response", "warning")]


def test_it_lets_only_one_of_two_schedulers_act(
    rules: object, tickets: list[Ticket], run: Run
) -> None:
    one = run("host-a:1:x", "2025-06-10 10:05")
    two = run("host-b:1:y", "2025-06-10 10:05")
    assert (one.leader, one.found, two.leader, two.found) == (True, 4, False, 0)
    # The leader stops renewing (a crash): after its lease expires the other takes over.
    three = run("host-b:1:y", "2025-06-10 10:08")
    assert (three.leader, three.found) == (True, 0)
    assert SchedulerLease.objects.get(name=LEASE_NAME).holder == "host-b:1:y"
    assert ClockAlert.objects.filter(state=AlertState.SENT).count() == 4


def test_it_takes_the_lease_only_when_expired_or_already_held(db: None, fake_now: FakeNow) -> None:
    now, ttl = fake_now.set("2025-06-10 09:00"), timedelta(seconds=90)
    assert lease.acquire("job", "a", ttl, now=now) is True
    assert lease.acquire("job", "b", ttl, now=now + timedelta(seconds=89)) is False
    assert lease.acquire("job", "a", ttl, now=now + timedelta(seconds=60)) is True  # renewed
    assert lease.acquire("job", "b", ttl, now=now + timedelta(seconds=149)) is False
    assert lease.acquire("job", "b", ttl, now=now + timedelta(seconds=151)) is True
    assert lease.release("job", "a") is False
    assert lease.release("job", "b") is True
    assert lease.acquire("job", "a", ttl, now=now + timedelta(seconds=152)) is True
    assert SchedulerLease.objects.filter(name="job").count() == 1


def test_it_drops_an_alert_whose_clock_was_answered_before_it_ran(
    rules: object, tickets: list[Ticket], alice: User, fake_now: FakeNow, run: Run
) -> None:
    found = run_pass("host:1:a", now=fake_now.set("2025-06-10 09:50"))  # tasks lost
    for ticket in tickets:
        do_add_message(ticket, author=alice, body_text="Here you go.",
                       created_at=berlin("2025-06-10 09:52"))  # fmt: skip
        do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:52"))
    assert [do_fire_alert(pk) for pk in found.queued] == [Outcome.DROPPED, Outcome.DROPPED]
    assert ClockAlert.objects.count() == 0
    assert notifications(alice) == []
    assert run("host:1:a", "2025-06-10 10:30").found == 0  # achieved: nothing is due


def test_it_only_applies_rules_to_matching_clocks(
    around_the_clock: Policy, tickets: list[Ticket], run: Run
) -> None:
    EscalationRule.objects.create(
        name="Urgent only", trigger=AlertTrigger.BREACH, priorities=["urgent"]
    )
    EscalationRule.objects.create(
        name="Resolution only", trigger=AlertTrigger.BREACH, kinds=["resolution"]
    )
    EscalationRule.objects.create(name="Off", trigger=AlertTrigger.BREACH, is_active=False)
    assert run("host:1:a", "2025-06-10 12:00").found == 0
    assert ClockAlert.objects.count() == 0


def test_it_does_not_warn_about_clocks_of_a_solved_ticket(
    rules: object, tickets: list[Ticket], alice: User, fake_now: FakeNow, run: Run
) -> None:
    solved, open_ticket = tickets
    fake_now.set("2025-06-10 09:20")
    do_change_status(solved, "solved", actor=alice)
    do_recompute_clocks(solved, now=fake_now.value)
    result = run("host:1:a", "2025-06-10 10:30")
    assert result.found == 2
    assert sent(solved) == []
    assert sent(open_ticket) == [("first_response", "breach"), ("first_response", "warning")]
